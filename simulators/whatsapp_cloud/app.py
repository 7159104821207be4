"""The Cloud API's send endpoint as intake uses it: POST /{version}/{phone_number_id}/messages with a Bearer
token and a JSON text message (developers.facebook.com/docs/whatsapp/cloud-api/reference/messages):

    {"messaging_product": "whatsapp", "recipient_type": "individual", "to": "6281234567890",
     "type": "text", "text": {"preview_url": false, "body": "..."}}

answered 200 {"messaging_product": "whatsapp", "contacts": [{"input": to, "wa_id": to}],
"messages": [{"id": "wamid...."}]}; errors in the Graph API's shape {"error": {"message", "type", "code",
"fbtrace_id"}}: 401 code 190 for a bad token, 400 code 100 for a bad parameter, 400 code 131047 for a number
outside the 24-hour customer-service window (`closed_window`), 429 code 130429 when throttled.
Control plane: /_sim/messages, /_sim/stats, /_sim/faults (error_rate, fail_next, latency_ms, closed_window)."""

from __future__ import annotations

import asyncio
import hmac
import random
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from simulators.recorder import Recorder, control_routes

_WA_ID = re.compile(r"^[1-9][0-9]{7,14}$")
MAX_BODY = 4096  # the Cloud API's limit for a text message
MAX_REQUEST = 16_384


@dataclass
class Faults:
    error_rate: float = 0.0  # answer 500
    fail_next: int = 0  # the next n requests answer 500
    latency_ms: int = 0
    closed_window: list[str] = field(default_factory=list)  # numbers that wrote to us more than 24 h ago


def _error(status: int, code: int, message: str, kind: str = "OAuthException") -> JSONResponse:
    return JSONResponse(
        {"error": {"message": message, "type": kind, "code": code, "fbtrace_id": uuid.uuid4().hex[:22]}},
        status_code=status,
    )


def create_app(
    phone_number_id: str = "100200300", access_token: str = "sim-token", *, seed: int | None = None
) -> Starlette:
    recorder = Recorder()
    faults = Faults()
    rng = random.Random(seed)

    async def send(request: Request) -> JSONResponse:
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        if faults.fail_next > 0 or rng.random() < faults.error_rate:
            faults.fail_next = max(0, faults.fail_next - 1)
            recorder.refuse()
            return _error(500, 2, "Service temporarily unavailable", "OAuthException")
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given, f"Bearer {access_token}"):
            recorder.refuse()
            return _error(401, 190, "Invalid OAuth access token - Cannot parse access token")
        if request.path_params["phone_number_id"] != phone_number_id:
            recorder.refuse()
            return _error(400, 100, "Unsupported post request. Object with ID does not exist", "GraphMethodException")
        if int(request.headers.get("content-length", "0") or 0) > MAX_REQUEST:
            return _error(413, 100, "Request too large")
        try:
            body: Any = await request.json()
        except ValueError:
            return _error(400, 100, "Invalid JSON")
        text = body.get("text") if isinstance(body, dict) else None
        to = str(body.get("to", "")) if isinstance(body, dict) else ""
        if (
            not isinstance(body, dict)
            or body.get("messaging_product") != "whatsapp"
            or body.get("type") != "text"
            or not isinstance(text, dict)
        ):
            recorder.refuse()
            return _error(400, 100, "(#100) Invalid parameter")
        if not _WA_ID.match(to):
            recorder.refuse()
            return _error(400, 100, "(#100) Invalid parameter: to")
        message = text.get("body")
        if not isinstance(message, str) or not message or len(message) > MAX_BODY:
            recorder.refuse()
            return _error(400, 100, "(#100) Param text['body'] must be between 1 and 4096 characters")
        if to in faults.closed_window:
            recorder.refuse()
            return _error(400, 131047, "Re-engagement message", "OAuthException")
        message_id = f"wamid.{uuid.uuid4().hex}"
        recorder.add(f"{to}\x1f{message}", {"to": to, "message": message, "message_id": message_id})
        return JSONResponse(
            {
                "messaging_product": "whatsapp",
                "contacts": [{"input": to, "wa_id": to}],
                "messages": [{"id": message_id}],
            }
        )

    app = Starlette(
        routes=[
            Route("/{version}/{phone_number_id}/messages", send, methods=["POST"]),
            *control_routes(recorder, faults),
        ]
    )
    app.state.recorder = recorder
    app.state.faults = faults
    return app
