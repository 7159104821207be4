"""LAPOR! simulator: a plain, naive remote complaint system with fault injection.

LAPOR!'s integration API is not public, so this is the wire format the project assumes (spoken on
our side only by services/forwarder/lapor.py). Like a naive remote system it never dedupes:
creating the same reference twice makes two reports, and `/_sim/stats` shows the duplicate.
Faults apply to `/api/v1` only; the `/_sim` control plane is for tests and demos and has no auth.
"""

from __future__ import annotations

import asyncio
import hmac
import json
from datetime import UTC, date, datetime
from http import HTTPStatus
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from simulators.lapor.state import SimulatorState, Status

MAX_ATTACHMENTS_BYTES = 2 * 1024 * 1024  # LAPOR! accepts at most 2 MB of attachments per report

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
    region_code: Text
    level: Text
    anonymous: bool = False
    confidential: bool = False
    channel: str | None = None
    location: dict[str, Any] | None = None
    reporter: Reporter | None = None
    attachments: list[Attachment] = []

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


def create_app(api_key: str | None = "sim-key", *, seed: int | None = None) -> Starlette:
    """The simulator as an ASGI app; `api_key=None` disables auth, `seed` makes faults reproducible."""
    state = SimulatorState(seed=seed)

    async def guard(request: Request, kind: str) -> Response | None:
        """Count the request, apply latency and injected failures, then check the key."""
        latency_s, failure = state.begin(kind)
        if latency_s:
            await asyncio.sleep(latency_s)
        if failure == 429:
            return _problem(429, "rate limited (injected fault)", headers={"Retry-After": "1"})
        if failure is not None:
            return _problem(failure, "injected fault")
        given = request.headers.get("x-api-key", "")
        if api_key is not None and not hmac.compare_digest(given.encode(), api_key.encode()):
            return _problem(401, "missing or wrong X-Api-Key")
        return None

    async def create_report(request: Request) -> Response:
        if (denied := await guard(request, "create")) is not None:
            return denied
        if state.take_reject():
            return _invalid("report rejected as invalid (injected fault)", [])
        try:
            body = CreateReport.model_validate_json(await request.body())
        except ValidationError as exc:
            return _invalid_from(exc)
        report = state.create(body.model_dump(mode="json"))
        # Stored before the delay: a client that gives up early has still created the report.
        if delay_s := state.take_slow():
            await asyncio.sleep(delay_s)
        receipt = {k: report[k] for k in ("tracking_id", "reference", "status", "created_at")}
        return JSONResponse(receipt, 201)

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
        return JSONResponse({"reports": state.query(reference=reference, updated_since=since)})

    async def get_report(request: Request) -> Response:
        if (denied := await guard(request, "get")) is not None:
            return denied
        report = state.get(request.path_params["tracking_id"])
        return JSONResponse(report) if report else _problem(404, "no such report")

    async def sim_stats(request: Request) -> Response:
        return JSONResponse(state.stats())

    async def sim_reset(request: Request) -> Response:
        state.reset()
        return Response(status_code=204)

    async def sim_get_faults(request: Request) -> Response:
        return JSONResponse(state.faults())

    async def sim_set_faults(request: Request) -> Response:
        try:
            patch = json.loads(await request.body())
        except ValueError:
            return _invalid("body is not JSON", [{"field": "body", "message": "invalid JSON"}])
        if not isinstance(patch, dict):
            return _invalid("body must be an object", [{"field": "body", "message": "not an object"}])
        try:
            return JSONResponse(state.set_faults(patch))
        except ValidationError as exc:
            return _invalid_from(exc)

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
            Route("/api/v1/reports/{tracking_id}", get_report, methods=["GET"]),
            Route("/_sim/stats", sim_stats, methods=["GET"]),
            Route("/_sim/reset", sim_reset, methods=["POST"]),
            Route("/_sim/faults", sim_get_faults, methods=["GET"]),
            Route("/_sim/faults", sim_set_faults, methods=["POST"]),
            Route("/_sim/reports/{tracking_id}/status", sim_advance, methods=["POST"]),
        ]
    )
    app.state.sim = state
    return app
