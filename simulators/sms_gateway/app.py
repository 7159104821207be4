"""The gateway: POST /reguler/api/sendsms/ with form fields userkey, passkey, to, message (Zenziva v2 style,
domain/sla-sources.md "Channels and packages:3"); answers JSON with status "1" and a messageId when sent,
status "0" and a reason in "text" otherwise. Control plane: /_sim/messages, /_sim/stats, /_sim/faults."""

from __future__ import annotations

import asyncio
import hmac
import random
import re
import uuid
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from simulators.recorder import Recorder, control_routes

_NUMBER = re.compile(r"^\+?[0-9]{8,15}$")
MAX_MESSAGE = 918  # six concatenated segments


@dataclass
class Faults:
    error_rate: float = 0.0  # answer 500
    fail_next: int = 0  # the next n requests answer 500
    latency_ms: int = 0


def create_app(userkey: str = "sim-user", passkey: str = "sim-pass", *, seed: int | None = None) -> Starlette:
    recorder = Recorder()
    faults = Faults()
    rng = random.Random(seed)

    async def send(request: Request) -> JSONResponse:
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        if faults.fail_next > 0 or rng.random() < faults.error_rate:
            faults.fail_next = max(0, faults.fail_next - 1)
            recorder.refuse()
            return JSONResponse({"status": "0", "text": "Internal error"}, status_code=500)
        if int(request.headers.get("content-length", "0") or 0) > 8192:
            return JSONResponse({"status": "0", "text": "Request too large"}, status_code=413)
        form = await request.form()
        given_user, given_pass = str(form.get("userkey", "")), str(form.get("passkey", ""))
        if not (hmac.compare_digest(given_user, userkey) and hmac.compare_digest(given_pass, passkey)):
            recorder.refuse()
            return JSONResponse({"status": "0", "text": "Userkey atau Passkey salah"})
        to, message = str(form.get("to", "")), str(form.get("message", ""))
        if not _NUMBER.match(to):
            recorder.refuse()
            return JSONResponse({"status": "0", "text": "Nomor tujuan tidak valid"})
        if not message or len(message) > MAX_MESSAGE:
            recorder.refuse()
            return JSONResponse({"status": "0", "text": "Pesan kosong atau terlalu panjang"})
        message_id = uuid.uuid4().hex[:16]
        recorder.add(f"{to}\x1f{message}", {"to": to, "message": message, "message_id": message_id})
        return JSONResponse({"messageId": message_id, "to": to, "status": "1", "text": "Success"})

    app = Starlette(routes=[Route("/reguler/api/sendsms/", send, methods=["POST"]), *control_routes(recorder, faults)])
    app.state.recorder = recorder
    app.state.faults = faults
    return app
