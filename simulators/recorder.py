"""What a sink simulator received: every accepted message, counted by its key so duplicates show."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


@dataclass
class Recorder:
    messages: list[dict[str, Any]] = field(default_factory=list)
    keys: Counter[str] = field(default_factory=Counter)
    refused: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, key: str, message: dict[str, Any]) -> None:
        with self._lock:
            self.keys[key] += 1
            self.messages.append({"key": key, **message})

    def refuse(self) -> None:
        with self._lock:
            self.refused += 1

    def stats(self) -> dict[str, Any]:
        with self._lock:
            dup = {k: n for k, n in self.keys.items() if n > 1}
            return {
                "received": len(self.messages),
                "unique": len(self.keys),
                "duplicates": sum(n - 1 for n in dup.values()),
                "duplicate_keys": sorted(dup)[:20],
                "refused": self.refused,
            }


def control_routes(recorder: Recorder, faults: Any) -> list[Route]:
    """A sink simulator's control plane: GET /_sim/messages and /_sim/stats, POST /_sim/faults with a JSON
    patch of `faults` (a dataclass: each value converted to its field's type; 400 for an unknown field)."""

    async def messages(_: Request) -> JSONResponse:
        return JSONResponse(recorder.messages)

    async def stats(_: Request) -> JSONResponse:
        return JSONResponse(recorder.stats())

    async def set_faults(request: Request) -> JSONResponse:
        patch: dict[str, Any] = await request.json()
        for key, value in patch.items():
            if not hasattr(faults, key):
                return JSONResponse(
                    {"title": f"unknown fault {key!r}"}, status_code=400, media_type="application/problem+json"
                )
            current = getattr(faults, key)
            setattr(faults, key, list(value) if isinstance(current, list) else type(current)(value))
        return JSONResponse(faults.__dict__)

    return [
        Route("/_sim/messages", messages),
        Route("/_sim/stats", stats),
        Route("/_sim/faults", set_faults, methods=["POST"]),
    ]
