"""LAPOR! simulator: a remote complaint system with LAPOR!'s lifecycle and fault injection.

It speaks both interfaces the forwarder has adapters for: the JSON contract (docs/lapor-integration.md,
`/api/v1/...`) and the public legacy form (XML `POST /api/stream/addstream` with a `token`
attribute, answering `trackingid` and `transaksiid`). Like a naive remote system it never dedupes:
creating the same reference twice makes two reports, and `/_sim/stats` shows the duplicate.

Faults (ADUAN_SIM_FAULTS, or `POST /_sim/faults`) apply to `/api/...` only: latency, 5xx, 429 with
Retry-After, connection resets before anything is done, lost answers after the work is done,
malformed answers, and slow applies (answered 504 at once, the report appearing a while later).
The `/_sim` control plane is for tests and demos and has no auth.
"""

from __future__ import annotations

import asyncio
import hmac
import json
from datetime import UTC, date, datetime
from http import HTTPStatus
from typing import Annotated, Any

from defusedxml import ElementTree as SafeET
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from simulators.lapor.state import SimulatorState, Status

MAX_ATTACHMENTS_BYTES = 2 * 1024 * 1024  # LAPOR! accepts at most 2 MB of attachments per report
MAX_BODY_BYTES = 1024 * 1024  # a report's text; files travel by URL

Text = Annotated[str, StringConstraints(min_length=1, pattern=r"\S")]


class _Strict(BaseModel):
    # Strict and closed, so a wire-format drift in the adapter fails loudly in tests.
    model_config = ConfigDict(extra="forbid", strict=True)


class Reporter(_Strict):
    name: str | None = None
    phone: str | None = None
    email: str | None = None


class Attachment(_Strict):
    url: Text
    media_type: Text
    size_bytes: int = Field(ge=0)


class CreateReport(_Strict):
    reference: Annotated[Text, StringConstraints(max_length=100)]
    title: Annotated[Text, StringConstraints(max_length=150)]
    content: Annotated[Text, StringConstraints(min_length=10)]
    incident_date: date | None = None
    category: str | None = None
    agency_code: Text
    region_code: str | None = None
    level: Text
    anonymous: bool = False
    confidential: bool = False
    channel: str | None = None
    location: dict[str, Any] | None = None
    reporter: Reporter | None = None
    attachments: list[Attachment] = []

    @field_validator("reporter")
    @classmethod
    def _no_identity_when_anonymous(cls, reporter: Reporter | None, info: Any) -> Reporter | None:
        if info.data.get("anonymous") and reporter is not None and any(reporter.model_dump().values()):
            raise ValueError("an anonymous report must not carry the reporter's identity")
        return reporter

    @field_validator("attachments")
    @classmethod
    def _within_size_limit(cls, attachments: list[Attachment]) -> list[Attachment]:
        total = sum(a.size_bytes for a in attachments)
        if total > MAX_ATTACHMENTS_BYTES:
            raise ValueError(f"attachments total {total} bytes, more than the {MAX_ATTACHMENTS_BYTES} allowed")
        return attachments


class StatusChange(_Strict):
    status: Status
    note: str | None = None


class Disposition(_Strict):
    agency_code: Text
    note: str | None = None


class ReporterReply(_Strict):
    reference: str | None = None
    text: Annotated[Text, StringConstraints(max_length=10_000)]


class DroppedConnection(Response):
    """No answer: the response is started and never finished, so the server closes the connection
    and the client sees it broken off (a reset, or an answer lost on the way back)."""

    def __init__(self) -> None:
        super().__init__(status_code=200)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"64")]})


def _problem(status: int, detail: str, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"type": "about:blank", "title": HTTPStatus(status).phrase, "status": status, "detail": detail}
    return JSONResponse(body, status, headers=headers, media_type="application/problem+json")


def _invalid(error: str, fields: list[dict[str, str]]) -> JSONResponse:
    return JSONResponse({"error": error, "fields": fields}, 422)


def _invalid_from(exc: ValidationError) -> JSONResponse:
    fields = [{"field": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"]} for e in exc.errors()]
    return _invalid("validation failed", fields)


def _parse_since(raw: str) -> datetime:
    since = datetime.fromisoformat(raw)
    return since if since.tzinfo else since.replace(tzinfo=UTC)


def _xml_text(element: Any, tag: str) -> str | None:
    found = element.find(tag)
    text = (found.text or "").strip() if found is not None else ""
    return text or None


def report_from_xml(body: bytes) -> tuple[str | None, dict[str, Any]]:
    """The legacy addstream form → (token, the JSON contract's fields). ValueError names what is wrong."""
    try:
        root = SafeET.fromstring(body)
    except Exception as exc:  # malformed XML, entities, DTDs
        raise ValueError(f"not acceptable XML: {type(exc).__name__}") from exc
    if root.tag != "lapor":
        raise ValueError("the root element must be <lapor>")
    laporan = root.find("laporan")
    if laporan is None:
        raise ValueError("no <laporan>")
    pelapor = root.find("pelapor")
    anonymous = laporan.get("anonim") == "1"
    reporter = None
    if pelapor is not None and not anonymous:
        name = " ".join(p for p in (_xml_text(pelapor, "namadepan"), _xml_text(pelapor, "namabelakang")) if p)
        reporter = {"name": name or None, "phone": _xml_text(pelapor, "telpon"), "email": _xml_text(pelapor, "email")}
        reporter = {k: v for k, v in reporter.items() if v} or None
    elif pelapor is not None and any(_xml_text(pelapor, t) for t in ("email", "telpon", "namadepan", "namabelakang")):
        raise ValueError("an anonim report must not carry the reporter's identity")
    fields: dict[str, Any] = {
        "reference": _xml_text(laporan, "referensi"),
        "title": _xml_text(laporan, "judul"),
        "content": _xml_text(laporan, "isi"),
        "incident_date": _xml_text(laporan, "tanggal"),
        "category": _xml_text(laporan, "kategori"),
        "agency_code": _xml_text(laporan, "instansi"),
        "region_code": _xml_text(laporan, "wilayah"),
        "level": _xml_text(laporan, "tingkat"),
        "anonymous": anonymous,
        "confidential": laporan.get("rahasia") == "1",
        "channel": _xml_text(laporan, "kanal"),
        "location": {"text": loc} if (loc := _xml_text(laporan, "lokasi")) else None,
        "reporter": reporter,
        "attachments": [
            {"url": a.get("url", ""), "media_type": a.get("tipe", ""), "size_bytes": int(a.get("ukuran", "0") or 0)}
            for a in laporan.findall("lampiran")
        ],
    }
    return root.get("token"), {k: v for k, v in fields.items() if v is not None}


def _xml_receipt(report: dict[str, Any], status: int = 200) -> Response:
    body = (
        f'<?xml version="1.0" encoding="UTF-8"?><lapor><status>ok</status>'
        f"<trackingid>{report['tracking_id']}</trackingid><transaksiid>{report['transaction_id']}</transaksiid>"
        "</lapor>"
    )
    return Response(body, status, media_type="text/xml")


def create_app(
    api_key: str | None = "sim-key",
    *,
    seed: int | None = None,
    legacy_token: str | None = "sim-token",
    state: SimulatorState | None = None,
) -> Starlette:
    """The simulator as an ASGI app; `api_key=None` disables auth, `seed` makes faults reproducible."""
    state = state or SimulatorState(seed=seed)
    pending: set[asyncio.Task[None]] = set()

    async def guard(request: Request, kind: str, *, key_ok: bool | None = None) -> Response | None:
        """Count the request, apply latency and injected failures, then check the key."""
        latency_s, failure = state.begin(kind)
        if latency_s:
            await asyncio.sleep(latency_s)
        if state.draw("reset"):
            return DroppedConnection()
        if failure == 429:
            return _problem(429, "rate limited (injected fault)", headers={"Retry-After": str(state.retry_after())})
        if failure is not None:
            return _problem(failure, "injected fault")
        if key_ok is None:
            given = request.headers.get("x-api-key", "")
            key_ok = api_key is None or hmac.compare_digest(given.encode(), api_key.encode())
        if not key_ok:
            return _problem(401, "missing or wrong credentials")
        return None

    async def body_of(request: Request) -> bytes | None:
        body = await request.body()
        return None if len(body) > MAX_BODY_BYTES else body

    def apply_later(fields: dict[str, Any]) -> None:
        async def later() -> None:
            await asyncio.sleep(state.slow_apply_s())
            state.create(fields)

        task = asyncio.create_task(later())
        pending.add(task)
        task.add_done_callback(pending.discard)

    async def created(fields: dict[str, Any], answer: Any, malformed: bytes = b'{"tracking_id": ') -> Response:
        """Carry a valid create out, with the faults that strike after the work is done."""
        if state.draw("slow_apply"):
            apply_later(fields)
            return _problem(504, "upstream timed out (injected fault); the report may still appear")
        report = state.create(fields)
        if state.draw("lost_response"):
            return DroppedConnection()
        if state.draw("malformed"):
            return Response(malformed, 201)
        # Stored before the delay: a client that gives up early has still created the report.
        if delay_s := state.take_slow():
            await asyncio.sleep(delay_s)
        return answer(report)

    async def create_report(request: Request) -> Response:
        if (denied := await guard(request, "create")) is not None:
            return denied
        if state.take_reject():
            return _invalid("report rejected as invalid (injected fault)", [])
        if (raw := await body_of(request)) is None:
            return _problem(413, f"body larger than {MAX_BODY_BYTES} bytes")
        try:
            body = CreateReport.model_validate_json(raw)
        except ValidationError as exc:
            return _invalid_from(exc)

        def receipt(report: dict[str, Any]) -> Response:
            return JSONResponse({k: report[k] for k in ("tracking_id", "reference", "status", "created_at")}, 201)

        return await created(body.model_dump(mode="json"), receipt)

    async def addstream(request: Request) -> Response:
        """The legacy form: XML in, XML out; the token attribute is the credential."""
        raw = await body_of(request)
        error: str | None
        try:
            token, fields = report_from_xml(raw) if raw is not None else (None, {})
        except ValueError as exc:
            token, fields, error = None, {}, str(exc)
        else:
            error = None
        key_ok = legacy_token is None or (
            token is not None and hmac.compare_digest(token.encode(), legacy_token.encode())
        )
        if (denied := await guard(request, "create", key_ok=key_ok if error is None else True)) is not None:
            return denied
        if raw is None:
            return _problem(413, f"body larger than {MAX_BODY_BYTES} bytes")
        if error is not None:
            return _problem(400, error)
        if state.take_reject():
            return _invalid("report rejected as invalid (injected fault)", [])
        try:
            body = CreateReport.model_validate(fields, strict=False)
        except ValidationError as exc:
            return _invalid_from(exc)
        return await created(body.model_dump(mode="json"), _xml_receipt, b"<lapor><status>ok</status>")

    async def list_reports(request: Request) -> Response:
        params = request.query_params
        reference = params.get("reference")
        if (denied := await guard(request, "lookup" if reference is not None else "changed_since")) is not None:
            return denied
        raw_since = params.get("updated_since")
        if reference is None and raw_since is None:
            return _invalid("give reference or updated_since", [{"field": "reference", "message": "required"}])
        try:
            since = _parse_since(raw_since) if raw_since is not None else None
        except ValueError:
            return _invalid("bad updated_since", [{"field": "updated_since", "message": "not an ISO 8601 time"}])
        if state.draw("malformed"):
            return Response(b'{"reports": [', 200, media_type="application/json")
        return JSONResponse({"reports": state.query(reference=reference, updated_since=since)})

    async def status_changes(request: Request) -> Response:
        if (denied := await guard(request, "status_feed")) is not None:
            return denied
        try:
            after = int(request.query_params.get("after", "0"))
            limit = int(request.query_params.get("limit", "100"))
            if after < 0 or not 1 <= limit <= 1000:
                raise ValueError
        except ValueError:
            return _invalid("bad paging", [{"field": "after/limit", "message": "after >= 0, 1 <= limit <= 1000"}])
        if state.draw("malformed"):
            return Response(b'{"changes": [{"seq": ', 200, media_type="application/json")
        return JSONResponse(state.status_feed(after, limit))

    async def get_report(request: Request) -> Response:
        if (denied := await guard(request, "get")) is not None:
            return denied
        report = state.get(request.path_params["tracking_id"])
        return JSONResponse(report) if report else _problem(404, "no such report")

    async def dispose(request: Request) -> Response:
        if (denied := await guard(request, "dispose")) is not None:
            return denied
        try:
            change = Disposition.model_validate_json(await request.body())
        except ValidationError as exc:
            return _invalid_from(exc)
        status, report = state.dispose(request.path_params["tracking_id"], change.agency_code, change.note)
        if state.draw("lost_response"):
            return DroppedConnection()
        return (
            JSONResponse(report)
            if status == 200
            else _problem(status, "no such report" if status == 404 else "the report is closed")
        )

    async def respond(request: Request) -> Response:
        if (denied := await guard(request, "respond")) is not None:
            return denied
        try:
            reply = ReporterReply.model_validate_json(await request.body())
        except ValidationError as exc:
            return _invalid_from(exc)
        status, report = state.respond(request.path_params["tracking_id"], reply.reference, reply.text)
        if status == 200 and state.draw("lost_response"):
            return DroppedConnection()
        return (
            JSONResponse(report)
            if status == 200
            else _problem(status, "no such report" if status == 404 else "only a followed-up report takes a response")
        )

    async def sim_stats(request: Request) -> Response:
        return JSONResponse(state.stats())

    async def sim_reset(request: Request) -> Response:
        state.reset()
        return Response(status_code=204)

    async def sim_get_faults(request: Request) -> Response:
        return JSONResponse(state.faults())

    async def _patch(request: Request, apply: Any) -> Response:
        try:
            patch = json.loads(await request.body())
        except ValueError:
            return _invalid("body is not JSON", [{"field": "body", "message": "invalid JSON"}])
        if not isinstance(patch, dict):
            return _invalid("body must be an object", [{"field": "body", "message": "not an object"}])
        try:
            return JSONResponse(apply(patch))
        except ValidationError as exc:
            return _invalid_from(exc)

    async def sim_set_faults(request: Request) -> Response:
        return await _patch(request, state.set_faults)

    async def sim_set_lifecycle(request: Request) -> Response:
        return await _patch(request, state.set_lifecycle)

    async def sim_advance(request: Request) -> Response:
        try:
            change = StatusChange.model_validate_json(await request.body())
        except ValidationError as exc:
            return _invalid_from(exc)
        report = state.advance(request.path_params["tracking_id"], change.status, change.note)
        return JSONResponse(report) if report else _problem(404, "no such report")

    app = Starlette(
        routes=[
            Route("/api/v1/reports", create_report, methods=["POST"]),
            Route("/api/v1/reports", list_reports, methods=["GET"]),
            Route("/api/v1/status-changes", status_changes, methods=["GET"]),
            Route("/api/v1/reports/{tracking_id}", get_report, methods=["GET"]),
            Route("/api/v1/reports/{tracking_id}/disposition", dispose, methods=["POST"]),
            Route("/api/v1/reports/{tracking_id}/responses", respond, methods=["POST"]),
            Route("/api/stream/addstream", addstream, methods=["POST"]),
            Route("/_sim/stats", sim_stats, methods=["GET"]),
            Route("/_sim/reset", sim_reset, methods=["POST"]),
            Route("/_sim/faults", sim_get_faults, methods=["GET"]),
            Route("/_sim/faults", sim_set_faults, methods=["POST"]),
            Route("/_sim/lifecycle", sim_set_lifecycle, methods=["POST"]),
            Route("/_sim/reports/{tracking_id}/status", sim_advance, methods=["POST"]),
        ]
    )
    app.state.sim = state
    return app
