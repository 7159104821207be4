"""intake's HTTP error bodies: application/problem+json (RFC 9457) naming each refused field."""

from __future__ import annotations

from starlette.responses import JSONResponse

from shared.events import RejectReason

PROBLEM = "application/problem+json"
TITLES = {
    400: "Malformed request",
    401: "Authentication required",
    403: "Not allowed",
    409: "Conflict",
    413: "Request too large",
    422: "The request is not valid",
    429: "Too many requests",
}


def problem(status: int, title: str, reasons: list[RejectReason], detail: str | None = None) -> JSONResponse:
    kind = {422: "validation", 401: "unauthorized", 403: "forbidden", 429: "rate-limited", 409: "conflict"}
    body = {
        "type": f"urn:aduan:problem:{kind.get(status, 'request')}",
        "title": title,
        "status": status,
        "detail": detail or "; ".join(f"{r.field or 'request'}: {r.message}" for r in reasons),
        "errors": [r.model_dump() for r in reasons],
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM)
