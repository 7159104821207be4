"""LAPOR! legacy adapter: the only module that knows the public legacy form's wire format.

The one public submit interface of LAPOR! (see ../shared/domain/sla-sources.md §2.3): XML posted to
`POST /api/stream/addstream` with `Content-Type: text/xml; charset=UTF-8`, authenticated by a
`token` attribute (a GUID issued by the LAPOR! team) on the root element:

    <lapor token="{GUID}">
      <pelapor><email/><telpon/><namadepan/><namabelakang/></pelapor>
      <laporan rahasia="0|1" anonim="0|1"><judul/><isi/>…</laporan>
    </lapor>

answered with XML holding `trackingid` and `transaksiid`. Assumptions (docs/lapor-integration.md):
the elements besides `pelapor`/`isi` (judul, tanggal, lokasi, instansi, kategori, referensi,
lampiran) are ours; an anonymous report sends an empty `pelapor`; and since the form has no lookup,
status feed, disposition or response, those go through the JSON contract's read API (`LaporClient`).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # building only; parsing goes through defusedxml
from typing import Any

from defusedxml import ElementTree as SafeET

from services.forwarder.lapor import LaporClient
from services.forwarder.lapor_api import LaporReceipt, LaporReport, LaporStatusPage, LaporTimeoutError
from services.forwarder.lapor_http import LaporHttp

ADDSTREAM_PATH = "/api/stream/addstream"


def _flag(value: bool) -> str:
    return "1" if value else "0"


def to_xml(report: LaporReport, token: str) -> bytes:
    """The addstream body for `report` (anonim/rahasia from the complaint's anonymous/confidential)."""
    root = ET.Element("lapor", token=token)
    pelapor = ET.SubElement(root, "pelapor")
    reporter = None if report.anonymous else (report.reporter or {})
    who = reporter or {}
    first, _, last = (who.get("name") or "").partition(" ")
    for tag, value in (
        ("email", who.get("email")),
        ("telpon", who.get("phone")),
        ("namadepan", first),
        ("namabelakang", last),
    ):
        ET.SubElement(pelapor, tag).text = value or ""
    laporan = ET.SubElement(root, "laporan", rahasia=_flag(report.confidential), anonim=_flag(report.anonymous))
    fields: dict[str, str | None] = {
        "referensi": report.reference,
        "judul": report.title,
        "isi": report.content,
        "tanggal": report.incident_date.isoformat() if report.incident_date else None,
        "lokasi": (report.location or {}).get("text"),
        "instansi": report.agency_code,
        "wilayah": report.region_code,
        "tingkat": report.level,
        "kategori": report.category,
        "kanal": report.channel,
    }
    for tag, value in fields.items():
        if value is not None:
            ET.SubElement(laporan, tag).text = value
    for a in report.attachments:
        ET.SubElement(
            laporan,
            "lampiran",
            url=str(a["url"]),
            tipe=str(a.get("media_type") or ""),
            ukuran=str(a.get("size_bytes") or 0),
        )
    return b'<?xml version="1.0" encoding="UTF-8"?>' + ET.tostring(root, encoding="unicode").encode()


def from_xml(body: bytes, reference: str) -> LaporReceipt:
    """Read trackingid and transaksiid from an addstream answer (anywhere in the document)."""
    try:
        root = SafeET.fromstring(body)
    except Exception as exc:  # ParseError, and defusedxml's refusals (entities, DTDs)
        raise ValueError(f"not XML: {type(exc).__name__}") from exc
    found: dict[str, str] = {}
    for element in root.iter():
        tag = element.tag.lower()
        if tag in ("trackingid", "transaksiid") and (element.text or "").strip():
            found[tag] = element.text.strip()  # type: ignore[union-attr]
    if "trackingid" not in found:
        raise ValueError("no trackingid in the answer")
    return LaporReceipt(
        tracking_id=found["trackingid"],
        reference=reference,
        status="menunggu_verifikasi",
        transaction_id=found.get("transaksiid"),
    )


class LegacyLaporClient:
    """Creates reports through the legacy XML form; reads through the JSON contract (see above)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        api_key: str | None,
        timeout_s: float = 5.0,
        *,
        max_connections: int = 100,
    ) -> None:
        self._token = token
        self._http = LaporHttp(
            base_url,
            {"Accept": "text/xml", "User-Agent": "aduan-forwarder"},
            timeout_s,
            max_connections=max_connections,
        )
        self._reads = LaporClient(base_url, api_key, timeout_s, max_connections=max_connections)

    async def create_report(self, report: LaporReport) -> LaporReceipt:
        response = await self._http.send(
            "POST", ADDSTREAM_PATH, body=to_xml(report, self._token), content_type="text/xml; charset=UTF-8"
        )
        try:
            return from_xml(response.content, report.reference)
        except ValueError as exc:
            raise LaporTimeoutError(f"LAPOR! accepted the report but its answer is unreadable: {exc}") from exc

    async def find_by_reference(self, reference: str) -> LaporReceipt | None:
        return await self._reads.find_by_reference(reference)

    async def status_page(self, after: int, limit: int) -> LaporStatusPage:
        return await self._reads.status_page(after, limit)

    async def redispose(self, tracking_id: str, agency_code: str, note: str | None) -> None:
        await self._reads.redispose(tracking_id, agency_code, note)

    async def reporter_response(self, tracking_id: str, reference: str, text: str) -> None:
        await self._reads.reporter_response(tracking_id, reference, text)

    async def has_response(self, tracking_id: str, reference: str) -> bool:
        return await self._reads.has_response(tracking_id, reference)

    async def get_report(self, tracking_id: str) -> dict[str, Any]:
        return await self._reads.get_report(tracking_id)

    async def aclose(self) -> None:
        await self._http.aclose()
        await self._reads.aclose()

    async def __aenter__(self) -> LegacyLaporClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()
