"""What a channel's HTTP endpoint may ask of intake's HTTP edge (http_edge.py implements it): read and
authenticate the request, rate-limit its source, judge and publish the message, answer a gateway.

A channel module's handlers are `async def handler(edge: ChannelEdge, request: Request) -> Response`:
the module knows its wire format, the edge knows Kafka, PostgreSQL and intake's keys. The protocol
keeps the channel modules free of intake's infrastructure (and of import cycles with normalise.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from prometheus_client import Counter
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from shared.events import Channel, Complaint

if TYPE_CHECKING:
    from services.intake.open311 import Open311
    from services.intake.settings import IntakeSettings
    from services.intake.verdict import Verdict

GATEWAY_EVENTS = Counter(
    "aduan_gateway_events_acknowledged_total",
    "Gateway webhook events that carry no complaint (delivery reports, pings)",
    ["channel", "event"],
)


class ChannelEdge(Protocol):
    settings: IntakeSettings
    open311: Open311  # GeoReport v2's answers (services/intake/open311.py)

    async def authenticate(
        self, auth: str, request: Request, body: bytes, fields: list[tuple[str, str]] | None = None
    ) -> None:
        """The signature check `auth` (auth.py) of this request; raises a 401/403 BadInput."""

    def limited(self, kind: str, source: object) -> None:
        """Count one request of `source` (an IP, a phone, an api_key); raises TooMany past the limit."""

    def judge(self, channel: Channel, raw: dict[str, Any], channel_message_id: str, received_at: datetime) -> Verdict:
        """The message as a complaint, or the reasons it is not one (nothing published)."""

    async def publish(
        self, channel: Channel, raw: dict[str, Any], channel_message_id: str, verdict: Verdict, received_at: datetime
    ) -> None:
        """Publish to complaints.inbound, waiting (bounded) for the broker's acknowledgement."""

    async def receive(self, channel: Channel, raw: dict[str, Any], channel_message_id: str) -> Verdict:
        """Judge and publish. A non-interactive channel's message is published whatever its verdict (the
        consumer answers a bad one on complaints.rejected); an interactive one's only when it is valid."""

    def content_key(self, channel: Channel, complaint: Complaint, client: str) -> str:
        """The message id of a post that carries none: the same client's same reporter and text within
        the duplicate window is the same message."""

    async def claim_idempotency_key(self, key: str, raw: dict[str, Any]) -> bool:
        """False when the key was used before with another body."""

    async def duplicate_answer(self, complaint: Complaint) -> dict[str, Any]:
        """For an interactive caller: the first complaint's number when this one is a near-duplicate."""

    def access_token(self, complaint_id: uuid.UUID) -> str:
        """The token that opens a confidential complaint's view."""

    async def read_raw_email(self, raw: dict[str, Any]) -> dict[str, Any]:
        """A raw-MIME forward read into the e-mail fields, its files kept by intake; else `raw` as it is."""

    async def reply_to(self, raw: dict[str, Any]) -> str | None:
        """The tracking number of the complaint an e-mail answers, if it is a reply."""

    async def release_token(self, scope: str, token: str) -> None:
        """Give back a one-use webhook token, so that the gateway's retry passes."""


Handler = Callable[[ChannelEdge, Request], Awaitable[Response]]


def gateway_answer(verdicts: Iterable[Verdict], **extra: Any) -> Response:
    """A gateway is always answered 202 (an error would make it retry a citizen's bad message forever):
    the tracking numbers accepted, and the reasons of the messages that are not complaints."""
    verdicts = list(verdicts)
    return JSONResponse(
        {
            "accepted": [v.complaint.tracking_number for v in verdicts if v.complaint],
            "rejected": [[r.model_dump() for r in v.reasons] for v in verdicts if v.complaint is None],
            **extra,
        },
        status_code=202,
    )


def acknowledged(channel: str, event: str) -> Response:
    """A gateway event that carries no complaint (a delivery report, a ping): counted and acknowledged."""
    GATEWAY_EVENTS.labels(channel, event).inc()
    return JSONResponse({"acknowledged": True, "accepted": [], "rejected": []}, status_code=202)
