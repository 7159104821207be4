"""intake's HTTP edge: the endpoints of the channels that cannot publish to Kafka (the web form, the SMS,
WhatsApp and e-mail gateways, Open311's POST), attachments, the OpenAPI description and the answers to
refused requests. Decode → judge (verdict.py) → publish to complaints.inbound; the rules live in
normalise.py.

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
from typing import Any

from prometheus_client import Counter
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from services.intake import attachments, email_raw, linking, open311, openapi, store
from services.intake.attachments import Signer
from services.intake.auth import ChannelAuth, Denial, SignedRequest
from services.intake.auth import now as auth_now
from services.intake.channels import REGISTRY, email, sms, whatsapp
from services.intake.follow_ups import FollowUps
from services.intake.http_input import BadInput, client_ip, form_fields, header_id, is_json, json_object, read_body
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
# android-sms-gateway's webhook events other than a received message (counted, acknowledged)
SMSGATE_EVENTS = frozenset(
    {"sms:sent", "sms:delivered", "sms:failed", "sms:data-received", "mms:received", "system:ping"}
)

GATEWAY_EVENTS = Counter(
    "aduan_gateway_events_acknowledged_total",
    "Gateway webhook events that carry no complaint (delivery reports, pings)",
    ["channel", "event"],
)


def denial_error(denial: Denial) -> BadInput:
    code = "unauthorized" if denial.status == 401 else "forbidden"
    return BadInput(denial.status, code, f"channel authentication failed: {denial.reason}")


class HttpEdge:
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
        self.open311 = open311.Open311(db, settings, self._access_token, timeline)  # GeoReport v2

    def _judge(self, channel: Channel, raw: dict[str, Any], channel_message_id: str, received_at: Any) -> Verdict:
        complaint_id = complaint_id_for(channel.value, channel_message_id)
        return judge(channel, raw, complaint_id, channel_message_id, received_at, self.settings.tracking_prefix)

    async def _publish(
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

    async def _receive(self, channel: Channel, raw: dict[str, Any], channel_message_id: str) -> Verdict:
        """Judge a gateway message and publish it whatever the verdict (the consumer answers a bad one)."""
        received_at = utcnow()
        verdict = self._judge(channel, raw, channel_message_id, received_at)
        await self._publish(channel, raw, channel_message_id, verdict, received_at)
        return verdict

    async def _authenticate(
        self, channel: str, request: Request, body: bytes, fields: list[tuple[str, str]] | None = None
    ) -> None:
        signed = SignedRequest(
            headers=request.headers, body=body, fields=fields or [], url=self._public_url(request), now=auth_now()
        )
        denial = await self.auth.check(channel, signed, client_ip(request))
        if denial is not None:
            raise denial_error(denial)

    def _limited(self, kind: str, source: object) -> None:
        self.limits.check(kind, source)

    def _access_token(self, complaint_id: uuid.UUID) -> str:
        return self.keys.access_token(complaint_id)

    def _public_url(self, request: Request) -> str:
        if not self.settings.public_base_url:
            return str(request.url)
        query = f"?{request.url.query}" if request.url.query else ""
        return self.settings.public_base_url.rstrip("/") + request.url.path + query

    async def submit_complaint(self, request: Request) -> Response:
        """POST /v1/complaints: the JSON web form. `Idempotency-Key` makes a retry safe."""
        self._limited("ip", client_ip(request))
        key = header_id(request, "idempotency-key")
        raw = json_object(await read_body(request, self.settings.max_request_bytes))
        received_at = utcnow()
        verdict = self._judge(Channel.WEB, raw, key or "content", received_at)
        if verdict.complaint is None:
            return problem(422, "The complaint is not valid", verdict.reasons)
        # without a key, the same reporter's same text within the window is the same complaint
        channel_message_id = key or self.content_key(Channel.WEB, verdict.complaint, client_ip(request))
        if key is None:
            verdict = self._judge(Channel.WEB, raw, channel_message_id, received_at)
        if key is not None:
            digest = keyed_digest(self.digest_key, "idempotency", json.dumps(raw, sort_keys=True, default=str))
            if not await store.claim_idempotency_key(self.db.pool, key, digest):
                return problem(
                    409,
                    "Idempotency-Key already used for another request",
                    [
                        RejectReason(
                            code="idempotency_conflict",
                            field="Idempotency-Key",
                            message="this key was sent before with a different body; use a new key",
                        )
                    ],
                )
        await self._publish(Channel.WEB, raw, channel_message_id, verdict, received_at)
        complaint = verdict.complaint
        answer: dict[str, Any] = {
            "tracking_number": complaint.tracking_number,
            "complaint_id": str(complaint.complaint_id),
            "status": "received",
        }
        if complaint.confidential:
            answer["access_token"] = self._access_token(complaint.complaint_id)
        answer.update(await self.duplicate_answer(complaint))
        return JSONResponse(
            answer, status_code=202, headers={"Location": f"/v1/complaints/{complaint.tracking_number}"}
        )

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

    async def get_attachment(self, request: Request) -> Response:
        """GET /v1/attachments/{attachment_id}: a file intake keeps, for the bearer of its signed URL."""
        return await attachments.serve(request, pool=self.db.pool, signer=self.signer)

    async def sms_webhook(self, request: Request) -> Response:
        """POST /v1/channels/sms: android-sms-gateway's webhook, signed (X-Signature, X-Timestamp)."""
        body = await read_body(request, self.settings.max_request_bytes)
        await self._authenticate("sms", request, body)
        event = json_object(body)
        kind = event.get("event")
        if kind != "sms:received":
            GATEWAY_EVENTS.labels("sms", kind if kind in SMSGATE_EVENTS else "other").inc()
            return JSONResponse({"acknowledged": True, "accepted": [], "rejected": []}, status_code=202)
        payload = event.get("payload")
        if not isinstance(payload, dict):
            raise BadInput(422, "invalid_format", "payload: expected an object")
        message_id = sms.smsgate_message_id(event, payload)
        self._limited("phone", payload.get("phoneNumber"))
        return self._gateway_answer([await self._receive(Channel.SMS, payload, message_id)])

    async def twilio_webhook(self, request: Request) -> Response:
        """POST /v1/channels/twilio: a Twilio-style SMS/MMS webhook, signed (X-Twilio-Signature)."""
        body = await read_body(request, self.settings.max_request_bytes)
        fields = await form_fields(request, body)
        await self._authenticate("twilio", request, body, fields)
        form = dict(fields)
        sid = form.get("MessageSid") or form.get("SmsSid")
        if not sid:
            raise BadInput(422, "missing_field", "MessageSid is required")
        media = [form[f"MediaUrl{i}"] for i in range(sms.media_count(form.get("NumMedia"))) if f"MediaUrl{i}" in form]
        raw = {"phoneNumber": form.get("From", ""), "message": form.get("Body", ""), "media_urls": media}
        self._limited("phone", raw["phoneNumber"])
        await self._receive(Channel.SMS, raw, sms.twilio_message_id(sid))
        return Response('<?xml version="1.0" encoding="UTF-8"?><Response></Response>', media_type="application/xml")

    async def whatsapp_verify(self, request: Request) -> Response:
        """GET /v1/channels/whatsapp: Meta's subscription check; echoes hub.challenge."""
        fields = list(request.query_params.multi_items())
        await self._authenticate("whatsapp-verify", request, b"", fields)
        challenge = request.query_params.get("hub.challenge", "")
        if not challenge or len(challenge) > 200:
            raise BadInput(400, "invalid_field", "hub.challenge must be 1–200 characters")
        return PlainTextResponse(challenge)

    async def whatsapp_webhook(self, request: Request) -> Response:
        """POST /v1/channels/whatsapp: a WhatsApp Cloud API webhook, signed (X-Hub-Signature-256)."""
        body = await read_body(request, self.settings.max_request_bytes)
        await self._authenticate("whatsapp", request, body)
        messages, others = whatsapp.whatsapp_messages(json_object(body))
        if others:
            GATEWAY_EVENTS.labels("whatsapp", "status").inc(others)
        for raw in messages:
            self._limited("phone", raw.get("from"))
        verdicts = [await self._receive(Channel.WHATSAPP, raw, whatsapp.whatsapp_message_id(raw)) for raw in messages]
        return self._gateway_answer(verdicts)

    async def email_webhook(self, request: Request) -> Response:
        """POST /v1/channels/email: an inbound e-mail (Mailgun route form or JSON), signed with
        timestamp, token and signature; each token is used once."""
        limit = self.settings.max_email_bytes  # a raw e-mail carries its attachments
        body = await read_body(request, limit)
        if is_json(request):
            data = json_object(body)
            fields = [(k, v) for k, v in data.items() if isinstance(v, str)]
        else:
            fields = await form_fields(request, body, max_part_size=limit)
            data = dict(fields)
        await self._authenticate("email", request, body, fields)
        token = str(data.get("token"))
        raw = {k: v for k, v in data.items() if k not in ("timestamp", "token", "signature")}
        self._limited("phone", raw.get("from") or raw.get("sender"))
        try:
            mime = email_raw.mime_of(raw)  # Mailgun's raw-MIME forward: read here, its files kept by intake
            if mime is not None:
                raw = await email_raw.read(
                    self.db.pool,
                    mime,
                    tracking_prefix=self.settings.tracking_prefix,
                    max_bytes=self.settings.attachments_max_bytes,
                    max_count=self.settings.attachments_max_count,
                )
            verdict = await self._receive(Channel.EMAIL, raw, email.email_message_id(raw))
            original = await self.follow_ups.reply_to(raw) if verdict.complaint else None
        except BaseException:
            await store.release_token(self.db.pool, "email", token)  # the gateway's retry must pass
            raise
        if original is not None:  # a reply: the consumer joins it to the complaint it answers
            return JSONResponse({"accepted": [], "rejected": [], "follow_ups": [original]}, status_code=202)
        return self._gateway_answer([verdict])

    async def open311_request(self, request: Request) -> Response:
        """POST /open311/v2/requests.{json,xml}: GeoReport v2, form-encoded or JSON, with a client's api_key."""
        body = await read_body(request, self.settings.max_request_bytes)
        if is_json(request):
            raw = json_object(body)
            fields = [(k, v) for k, v in raw.items() if isinstance(v, str)]
        else:
            fields = await form_fields(request, body)
            raw = dict(fields)
        fields += [(k, v) for k, v in request.query_params.multi_items() if k == "api_key"]
        await self._authenticate("open311", request, body, fields)
        client = next((v for k, v in fields if k == "api_key"), "")
        self._limited("api_key", client)
        raw = {k: v for k, v in raw.items() if k not in ("api_key", "jurisdiction_id")}
        refused = self.open311.refuse_post(request, {**raw, **dict(fields)})  # format, jurisdiction, service code
        if refused is not None:
            return refused
        received_at = utcnow()
        verdict = self._judge(Channel.OPEN311, raw, "content", received_at)
        if verdict.complaint is None:
            reasons = "; ".join(f"{r.field or 'request'}: {r.message}" for r in verdict.reasons)
            return open311.error(open311.format_of(request), 400, reasons)
        # GeoReport has no idempotency key: the same client's same reporter and text within the window is the
        # same request (a client's retry after a timeout gets the number it missed, not a second complaint)
        name = self.settings.open311_clients().get(client, "unknown")
        channel_message_id = self.content_key(Channel.OPEN311, verdict.complaint, f"open311-client:{name}")
        verdict = self._judge(Channel.OPEN311, raw, channel_message_id, received_at)
        if verdict.complaint is None:  # the same input judged again: cannot happen
            return open311.error(open311.format_of(request), 400, "the request cannot be read")
        await self._publish(Channel.OPEN311, raw, channel_message_id, verdict, received_at)
        complaint = verdict.complaint
        token = self._access_token(complaint.complaint_id) if complaint.confidential else None
        return self.open311.created(request, complaint.tracking_number, complaint.complaint_id, token)

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

    @staticmethod
    def _gateway_answer(verdicts: list[Verdict]) -> Response:
        return JSONResponse(
            {
                "accepted": [v.complaint.tracking_number for v in verdicts if v.complaint],
                "rejected": [[r.model_dump() for r in v.reasons] for v in verdicts if v.complaint is None],
            },
            status_code=202,
        )

    def routes(self) -> list[Route]:
        """Each channel's endpoints, as its module declares them (channels/), then intake's own."""
        return [
            *(
                Route(endpoint.path, getattr(self, endpoint.handler), methods=[endpoint.method])
                for spec in REGISTRY
                for endpoint in spec.endpoints
            ),
            Route("/v1/attachments/{attachment_id}", self.get_attachment, methods=["GET"]),
            *self.open311.routes(),
            Route("/openapi.json", self.openapi, methods=["GET"]),
        ]

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
