"""notifier's HTTP edge: each complaint's deadlines and their history (GET /v1/deadlines/{tracking_number})."""

from __future__ import annotations

import hmac
import re
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from services.notifier import store
from services.notifier.settings import NotifierSettings
from shared.db import Database

PROBLEM = "application/problem+json"
_TRACKING = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$")


def problem(status: int, title: str, detail: str) -> JSONResponse:
    return JSONResponse(
        {
            "type": f"urn:aduan:problem:{'auth' if status == 401 else 'request'}",
            "title": title,
            "status": status,
            "detail": detail,
        },
        status_code=status,
        media_type=PROBLEM,
    )


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def routes(db: Database, settings: NotifierSettings) -> list[Route]:
    async def deadlines(request: Request) -> JSONResponse:
        if settings.api_key is not None:
            given = request.headers.get("x-api-key", "")
            if not hmac.compare_digest(given.encode(), settings.api_key.get_secret_value().encode()):
                return problem(401, "Not authenticated", "send the notifier's API key as X-Api-Key")
        tracking_number = request.path_params["tracking_number"]
        if not _TRACKING.match(tracking_number):
            return problem(400, "Malformed tracking number", "letters, digits and '-', at most 64 characters")
        clocks, steps = await store.history(db.pool, tracking_number)
        if not clocks and not steps:
            return problem(404, "Unknown tracking number", "no deadline was ever opened for this tracking number")
        return JSONResponse(
            {
                "tracking_number": tracking_number,
                "clocks": [{k: _iso(v) for k, v in c.items()} | {"state": _state(c)} for c in clocks],
                "history": [
                    {k: _iso(v) for k, v in s.items() if k != "detail"} | {"detail": _detail(s["detail"])}
                    for s in steps
                ],
            }
        )

    return [Route("/v1/deadlines/{tracking_number}", deadlines, methods=["GET"])]


def _detail(value: Any) -> Any:
    import json

    return json.loads(value) if isinstance(value, str) else value


def _state(c: dict[str, Any]) -> str:
    if c["stopped_at"] is not None:
        return "met" if c["stopped_at"] <= c["due_at"] else "stopped_late"
    if c["paused_at"] is not None:
        return "paused"
    if c["escalation_level"]:
        return "escalated"
    if c["breached_at"] is not None:
        return "breached"
    if c["warned_at"] is not None:
        return "warned"
    return "running"
