"""LAPOR! JSON adapter: the only module that knows the JSON contract's wire format.

The contract is written down, with every assumption, in docs/lapor-integration.md; when LAPOR!'s real
specification is obtained, this module (and that document) is what changes. One HTTP call per
method; retry policy belongs to the forwarder, pacing to services/forwarder/guard.py.
"""

from __future__ import annotations

from datetime import datetime
from types import TracebackType
from typing import Any

from pydantic import BaseModel, ValidationError

from services.forwarder.lapor_api import (
    MAX_ATTACHMENTS_BYTES,
    STATUS_MEANING,
    LaporError,
    LaporPermanentError,
    LaporReceipt,
    LaporReport,
    LaporRetryableError,
    LaporStatusChange,
    LaporStatusPage,
    LaporTimeoutError,
    LaporUnavailable,
)
from services.forwarder.lapor_http import Answer, LaporHttp, json_body, parse_json
from services.forwarder.lapor_http import retry_after as _retry_after

__all__ = [
    "MAX_ATTACHMENTS_BYTES",
    "LaporClient",
    "LaporError",
    "LaporPermanentError",
    "LaporReceipt",
    "LaporReport",
    "LaporRetryableError",
    "LaporStatusChange",
    "LaporStatusPage",
    "LaporTimeoutError",
    "LaporUnavailable",
    "_retry_after",
]

REPORTS_PATH = "/api/v1/reports"
STATUS_CHANGES_PATH = "/api/v1/status-changes"
JSON = "application/json"


class _ListedReport(BaseModel):
    tracking_id: str
    reference: str
    status: str
    created_at: datetime


class LaporClient:
    """Async client for the JSON contract; one connection pool per instance."""

    def __init__(
        self, base_url: str, api_key: str | None, timeout_s: float = 5.0, *, max_connections: int = 100
    ) -> None:
        headers = {"Accept": JSON, "User-Agent": "aduan-forwarder"}
        if api_key is not None:
            headers["X-Api-Key"] = api_key
        self._http = LaporHttp(base_url, headers, timeout_s, max_connections=max_connections)

    async def _send(self, method: str, path: str, **kwargs: Any) -> Answer:
        return await self._http.send(method, path, **kwargs)

    async def create_report(self, report: LaporReport) -> LaporReceipt:
        response = await self._send("POST", REPORTS_PATH, body=report.model_dump_json().encode(), content_type=JSON)
        try:
            return LaporReceipt.model_validate_json(response.content)
        except ValidationError as exc:
            # Accepted but unreadable: the report probably exists, only the lookup can tell.
            raise LaporTimeoutError(
                f"LAPOR! accepted the report but its answer is unreadable: {exc.error_count()} errors"
            ) from exc

    async def find_by_reference(self, reference: str) -> LaporReceipt | None:
        """The first (oldest) report created with `reference`, or None if there is none."""
        response = await self._send("GET", REPORTS_PATH, params={"reference": reference})
        matches = [r for r in self._parse_list(response) if r.get("reference") == reference]
        try:
            listed = [_ListedReport.model_validate(r) for r in matches]
        except ValidationError as exc:
            raise LaporRetryableError(
                f"unreadable LAPOR! lookup answer: {exc.error_count()} errors", maybe_applied=False
            ) from exc
        if not listed:
            return None
        oldest = min(listed, key=lambda r: r.created_at)
        return LaporReceipt(tracking_id=oldest.tracking_id, reference=oldest.reference, status=oldest.status)

    async def get_report(self, tracking_id: str) -> dict[str, Any]:
        """The full report incl. `status`, `status_history` and `responses`; an unknown id is a 404."""
        body = parse_json(await self._send("GET", f"{REPORTS_PATH}/{tracking_id}"))
        if not isinstance(body, dict):
            raise LaporRetryableError("unreadable LAPOR! report: not an object", maybe_applied=False)
        return body

    async def status_page(self, after: int, limit: int) -> LaporStatusPage:
        """Status steps of every report after sequence number `after`, oldest first, at most `limit`."""
        body = parse_json(await self._send("GET", STATUS_CHANGES_PATH, params={"after": after, "limit": limit}))
        try:
            raw = body["changes"]
            changes = [
                LaporStatusChange(
                    seq=c["seq"],
                    tracking_id=str(c["tracking_id"]),
                    reference=c.get("reference"),
                    status=STATUS_MEANING[c["status"]],
                    agency_code=c.get("agency_code"),
                    note=c.get("note"),
                    at=c["at"],
                )
                for c in raw
                if c.get("status") in STATUS_MEANING
            ]
            next_after = max([int(body.get("next_after") or after), *(int(c["seq"]) for c in raw)])
            return LaporStatusPage(changes=changes, next_after=next_after, more=bool(body.get("more")))
        except (KeyError, TypeError, ValueError, ValidationError) as exc:
            raise LaporRetryableError(
                f"unreadable LAPOR! status feed: {type(exc).__name__}", maybe_applied=False
            ) from exc

    async def redispose(self, tracking_id: str, agency_code: str, note: str | None) -> None:
        """Send the report to another agency (after the first one said "bukan wewenang"). Disposing to
        the agency it is already with changes nothing, so a repeated call is harmless."""
        await self._send(
            "POST",
            f"{REPORTS_PATH}/{tracking_id}/disposition",
            body=json_body({"agency_code": agency_code, "note": note}),
            content_type=JSON,
        )

    async def reporter_response(self, tracking_id: str, reference: str, text: str) -> None:
        """The reporter's answer to the agency's follow-up; LAPOR! reopens the report."""
        await self._send(
            "POST",
            f"{REPORTS_PATH}/{tracking_id}/responses",
            body=json_body({"reference": reference, "text": text}),
            content_type=JSON,
        )

    async def has_response(self, tracking_id: str, reference: str) -> bool:
        report = await self.get_report(tracking_id)
        return any(isinstance(r, dict) and r.get("reference") == reference for r in report.get("responses") or [])

    @staticmethod
    def _parse_list(response: Answer) -> list[dict[str, Any]]:
        reports = parse_json(response)
        reports = reports.get("reports") if isinstance(reports, dict) else None
        if not isinstance(reports, list) or not all(isinstance(r, dict) for r in reports):
            raise LaporRetryableError("unreadable LAPOR! report list", maybe_applied=False)
        return reports

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> LaporClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
