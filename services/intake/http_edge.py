"""intake's HTTP edge: it serves the endpoints the channel modules declare (channels/: the web form, the
SMS, WhatsApp and e-mail gateways, Open311's POST), attachments, the OpenAPI description and the answers
to refused requests, and gives the channels' handlers what they need (channels/edge.py's `ChannelEdge`):
authenticate → judge (verdict.py) → publish to complaints.inbound; the rules live in normalise.py.

Which callers get a 4xx: interactive clients (the web form, Open311) are told at once, with a
problem+json body naming each field. Gateway webhooks (SMS, WhatsApp, e-mail) must not be answered
with an error for a citizen's bad message, or the gateway retries it forever: their messages are
always published, and the consumer (inbound.py) answers a bad one on complaints.rejected with the
reasons.

Before that, every request is read without trust (http_input.py: size, encoding, shape) and every
channel is authenticated before its message is parsed (auth.py); what leaves intake for anonymous
and confidential complaints is decided in privacy.py (docs/privacy.md).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.intake import attachments, email_raw, linking, open311, openapi, store
from services.intake.attachments import Signer
from services.intake.auth import ChannelAuth, Denial, SignedRequest
from services.intake.auth import now as auth_now
from services.intake.channels import REGISTRY, SPEC_OF
from services.intake.channels.edge import Handler
from services.intake.follow_ups import FollowUps
from services.intake.http_input import BadInput, client_ip
from services.intake.keys import IntakeKeys
from services.intake.problems import TITLES, problem
from services.intake.ratelimit import Limits, TooMany
from services.intake.settings import IntakeSettings
from services.intake.timeline import Timeline
from services.intake.verdict import Verdict, judge
from shared.db import Database
from shared.events import (
    Channel,
    Complaint,
    EventType,
    InboundMessage,
    RejectReason,
    complaint_id_for,
    new_envelope,
    utcnow,
)
from shared.kafka import Publisher
from shared.logging import get_logger
from shared.pii import keyed_digest

log = get_logger(__name__)
PRODUCER = "intake"


def denial_error(denial: Denial) -> BadInput:
    code = "unauthorized" if denial.status == 401 else "forbidden"
    return BadInput(denial.status, code, f"channel authentication failed: {denial.reason}")


class HttpEdge:
    """intake's `ChannelEdge` (channels/edge.py) and the routes of every channel's endpoints."""

    def __init__(
        self,
        publisher: Publisher,
        db: Database,
        settings: IntakeSettings,
        *,
        keys: IntakeKeys,
        limits: Limits,
        signer: Signer,
        follow_ups: FollowUps,
        timeline: Timeline,
    ) -> None:
        self.publisher = publisher
        self.db = db
        self.settings = settings
        self.topics = settings.topics
        self.auth = ChannelAuth(settings, _Ledger(db))
        self.keys = keys
        self.digest_key = keys.digest_key
        self.limits = limits
        self._spec = openapi.spec()
        self.signer = signer
        self.follow_ups = follow_ups
        self.open311 = open311.Open311(db, settings, self.access_token, timeline)  # GeoReport v2

    def judge(self, channel: Channel, raw: dict[str, Any], channel_message_id: str, received_at: Any) -> Verdict:
        complaint_id = complaint_id_for(channel.value, channel_message_id)
        return judge(channel, raw, complaint_id, channel_message_id, received_at, self.settings.tracking_prefix)

    async def publish(
        self, channel: Channel, raw: dict[str, Any], channel_message_id: str, verdict: Verdict, received_at: Any
    ) -> None:
        """Publish the message to complaints.inbound, waiting for the broker's acknowledgement."""
        inbound = InboundMessage(
            channel=channel,
            channel_message_id=channel_message_id,
            received_at=received_at,
            raw=raw,
            tracking_number=verdict.complaint.tracking_number if verdict.complaint else None,
        )
        complaint_id = complaint_id_for(channel.value, channel_message_id)
        envelope = new_envelope(EventType.RECEIVED, inbound, producer=f"{PRODUCER}-http", complaint_id=complaint_id)
        # The caller waits for this answer: bound it (the idempotent producer itself never gives up on
        # a queued record). A record that still goes out later is deduplicated by the consumer, since
        # the same channel message always becomes the same complaint.
        await asyncio.wait_for(
            self.publisher.publish(self.topics.inbound, envelope, key=channel_message_id),
            self.settings.publish_timeout_s,
        )

    async def receive(self, channel: Channel, raw: dict[str, Any], channel_message_id: str) -> Verdict:
        """Judge a message and publish it. A gateway's (not interactive) is published whatever the verdict:
        its caller cannot tell the citizen, the consumer answers a bad one on complaints.rejected. An
        interactive channel's caller is told the reasons instead, and nothing is published."""
        received_at = utcnow()
        verdict = self.judge(channel, raw, channel_message_id, received_at)
        if verdict.complaint is None and SPEC_OF[channel].interactive:
            return verdict
        await self.publish(channel, raw, channel_message_id, verdict, received_at)
        return verdict

    async def authenticate(
        self, auth: str, request: Request, body: bytes, fields: list[tuple[str, str]] | None = None
    ) -> None:
        signed = SignedRequest(
            headers=request.headers, body=body, fields=fields or [], url=self._public_url(request), now=auth_now()
        )
        denial = await self.auth.check(auth, signed, client_ip(request))
        if denial is not None:
            raise denial_error(denial)

    def limited(self, kind: str, source: object) -> None:
        self.limits.check(kind, source)

    def access_token(self, complaint_id: uuid.UUID) -> str:
        return self.keys.access_token(complaint_id)

    def _public_url(self, request: Request) -> str:
        if not self.settings.public_base_url:
            return str(request.url)
        query = f"?{request.url.query}" if request.url.query else ""
        return self.settings.public_base_url.rstrip("/") + request.url.path + query

    def content_key(self, channel: Channel, complaint: Complaint, client_ip: str) -> str:
        """The channel message id of a post that carries none (web without Idempotency-Key, Open311)."""
        return linking.message_key(
            channel=channel,
            complaint=complaint,
            client=keyed_digest(self.digest_key, "client", client_ip)[:32],
            policy=self.settings.duplicate_policy(),
            key=self.digest_key,
        )

    async def duplicate_answer(self, complaint: Complaint) -> dict[str, Any]:
        """For an interactive caller: the first complaint's number when this one is a near-duplicate."""
        if not self.settings.duplicate_linking:
            return {}
        link = await linking.duplicate_of(self.db.pool, complaint, self.settings.duplicate_policy(), self.digest_key)
        if link is None:
            return {}
        return {
            "duplicate_of": link.tracking_number,
            "message": linking.duplicate_text(
                first=link.tracking_number, own=complaint.tracking_number, language=complaint.language
            ),
        }

    async def claim_idempotency_key(self, key: str, raw: dict[str, Any]) -> bool:
        digest = keyed_digest(self.digest_key, "idempotency", json.dumps(raw, sort_keys=True, default=str))
        return await store.claim_idempotency_key(self.db.pool, key, digest)

    async def read_raw_email(self, raw: dict[str, Any]) -> dict[str, Any]:
        mime = email_raw.mime_of(raw)  # Mailgun's raw-MIME forward: read here, its files kept by intake
        if mime is None:
            return raw
        return await email_raw.read(
            self.db.pool,
            mime,
            tracking_prefix=self.settings.tracking_prefix,
            max_bytes=self.settings.attachments_max_bytes,
            max_count=self.settings.attachments_max_count,
        )

    async def reply_to(self, raw: dict[str, Any]) -> str | None:
        return await self.follow_ups.reply_to(raw)

    async def release_token(self, scope: str, token: str) -> None:
        await store.release_token(self.db.pool, scope, token)

    async def get_attachment(self, request: Request) -> Response:
        """GET /v1/attachments/{attachment_id}: a file intake keeps, for the bearer of its signed URL."""
        return await attachments.serve(request, pool=self.db.pool, signer=self.signer)

    async def broker_unavailable(self, request: Request, exc: Exception) -> Response:
        """Kafka did not take the event: nothing was promised, so the caller may simply retry."""
        log.error("could not publish to Kafka; answering 503", error_type=type(exc).__name__)
        if request.url.path.startswith("/open311/"):
            response = open311.error(open311.format_of(request), 503, "temporarily unavailable; please retry shortly")
        else:
            response = problem(503, "Complaint intake is temporarily unavailable", [], detail="please retry shortly")
        response.headers["Retry-After"] = "5"
        return response

    async def bad_input(self, request: Request, exc: Exception) -> Response:
        """A request intake will not read (size, encoding, shape, credentials, rate): a 4xx naming why."""
        headers: dict[str, str] = {}
        if isinstance(exc, TooMany):
            status, code, message = 429, "rate_limited", f"too many requests; retry in {exc.retry_after} s"
            headers["Retry-After"] = str(exc.retry_after)
        elif isinstance(exc, BadInput):
            status, code, message = exc.status, exc.code, exc.message
        else:  # a ValidationError while building an event from a request: the request is at fault
            status, code, message = 400, "invalid_request", "the request cannot be read"
        if request.url.path.startswith("/open311/"):
            response = open311.error(open311.format_of(request), status, message)
        else:
            title = TITLES.get(status, "The request cannot be accepted")
            response = problem(status, title, [RejectReason(code=code, field=None, message=message)])
        response.headers.update(headers)
        return response

    def routes(self) -> list[Route]:
        """Each channel's endpoints, as its module declares them (channels/), then intake's own."""
        return [
            *(
                Route(endpoint.path, self._bound(endpoint.handler), methods=[endpoint.method])
                for spec in REGISTRY
                for endpoint in spec.endpoints
            ),
            Route("/v1/attachments/{attachment_id}", self.get_attachment, methods=["GET"]),
            *self.open311.routes(),
            Route("/openapi.json", self.openapi, methods=["GET"]),
        ]

    def _bound(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            return await handler(self, request)

        endpoint.__name__ = endpoint.__qualname__ = handler.__name__
        return endpoint

    async def openapi(self, _: Request) -> Response:
        return JSONResponse(self._spec)


class _Ledger:
    """One-use webhook tokens in intake's schema."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim(self, scope: str, token: str) -> bool:
        return await store.claim_token(self.db.pool, scope, token[:200])

    async def release(self, scope: str, token: str) -> None:
        await store.release_token(self.db.pool, scope, token[:200])
