"""POST /hooks/{name}: verify X-Aduan-Signature over X-Aduan-Timestamp + body with the shared secret (401 when
it does not verify, 413 over 64 KiB), record the delivery by X-Aduan-Delivery, answer 204.
Control plane: /_sim/received, /_sim/stats, /_sim/faults (fail_next, latency_ms, hold_next)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.notifier.delivery import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from simulators.recorder import Recorder

MAX_BODY = 64 * 1024


@dataclass
class Faults:
    fail_next: int = 0  # answer 503
    latency_ms: int = 0
    # hold the next n requests without answering until released, then answer 503: a sender killed meanwhile
    # never learns the outcome (and the message is not counted as received)
    hold_next: int = 0
    holding: int = 0
    release: asyncio.Event = field(default_factory=asyncio.Event)


def create_app(secret: str) -> Starlette:
    recorder = Recorder()
    faults = Faults()

    async def hook(request: Request) -> Response:
        if faults.latency_ms:
            await asyncio.sleep(faults.latency_ms / 1000)
        if faults.hold_next > 0:
            faults.hold_next -= 1
            faults.holding += 1
            await faults.release.wait()
            faults.holding -= 1
            recorder.refuse()
            return Response(status_code=503)
        if faults.fail_next > 0:
            faults.fail_next -= 1
            recorder.refuse()
            return Response(status_code=503)
        body = await request.body()
        if len(body) > MAX_BODY:
            return JSONResponse({"title": "body too large"}, status_code=413, media_type="application/problem+json")
        ts, sig = request.headers.get(TIMESTAMP_HEADER, ""), request.headers.get(SIGNATURE_HEADER, "")
        if not verify(secret, ts, body, sig):
            recorder.refuse()
            return JSONResponse(
                {"title": "signature does not verify"}, status_code=401, media_type="application/problem+json"
            )
        payload = json.loads(body)
        recorder.add(
            request.headers.get(DELIVERY_HEADER, ""), {"hook": request.path_params["name"], "payload": payload}
        )
        return Response(status_code=204)

    async def received(_: Request) -> JSONResponse:
        return JSONResponse(recorder.messages)

    async def stats(_: Request) -> JSONResponse:
        return JSONResponse({**recorder.stats(), "holding": faults.holding})

    async def set_faults(request: Request) -> JSONResponse:
        patch: dict[str, Any] = await request.json()
        for key, value in patch.items():
            if key == "release":
                faults.release.set()
            elif key in ("fail_next", "latency_ms", "hold_next"):
                setattr(faults, key, int(value))
            else:
                return JSONResponse(
                    {"title": f"unknown fault {key!r}"}, status_code=400, media_type="application/problem+json"
                )
        return JSONResponse({"fail_next": faults.fail_next, "hold_next": faults.hold_next, "holding": faults.holding})

    app = Starlette(
        routes=[
            Route("/hooks/{name}", hook, methods=["POST"]),
            Route("/_sim/received", received),
            Route("/_sim/stats", stats),
            Route("/_sim/faults", set_faults, methods=["POST"]),
        ]
    )
    app.state.recorder = recorder
    app.state.faults = faults
    return app
