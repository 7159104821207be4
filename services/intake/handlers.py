"""intake's edges: HTTP endpoints for channels that cannot publish to Kafka, and the consumer of
complaints.inbound. Decode → call normalise → publish; the rules live in normalise.py.

Which callers get a 4xx: interactive clients (the web form, Open311) are told at once, with a
problem+json body naming each field. Gateway webhooks (SMS, WhatsApp, e-mail) must not be answered
with an error for a citizen's bad message, or the gateway retries it forever: their messages are
always published, and the consumer answers a bad one on complaints.rejected with the reasons.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.intake import lookup, progress, store
from services.intake.channels import OPEN311_SERVICES, parse_raw
from services.intake.normalise import Rejected, normalise, reasons_from_validation
from services.intake.settings import IntakeSettings
from shared.db import Database
from shared.events import (
    Channel,
    Complaint,
    Envelope,
    EventType,
    Forwarded,
    InboundMessage,
    Rejection,
    RejectReason,
    RoutedComplaint,
    StatusChanged,
    TriageRequest,
    complaint_id_for,
    derived_id,
    new_envelope,
    utcnow,
)
from shared.idempotency import once
from shared.kafka import Publisher, Record
from shared.logging import get_logger

log = get_logger(__name__)
PRODUCER = "intake"
PROGRESS_PATIENCE = timedelta(minutes=2)
PROBLEM = "application/problem+json"


def problem(status: int, title: str, reasons: list[RejectReason], detail: str | None = None) -> JSONResponse:
    body = {
        "type": f"urn:aduan:problem:{'validation' if status == 422 else 'request'}",
        "title": title,
        "status": status,
        "detail": detail or "; ".join(f"{r.field or 'request'}: {r.message}" for r in reasons),
        "errors": [r.model_dump() for r in reasons],
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


@dataclass
class Verdict:
    """What intake says of one channel message: a complaint with its tracking number, or reasons."""

    complaint: Complaint | None
    reasons: list[RejectReason]


def judge(channel: Channel, raw: dict[str, Any], complaint_id: uuid.UUID, channel_message_id: str,
          received_at: Any, tracking_prefix: str) -> Verdict:
    try:
        message = parse_raw(channel, raw)
        complaint = normalise(channel, message, complaint_id=complaint_id, channel_message_id=channel_message_id,
                              received_at=received_at, tracking_prefix=tracking_prefix)
        return Verdict(complaint, [])
    except ValidationError as exc:
        return Verdict(None, reasons_from_validation(exc))
    except Rejected as exc:
        return Verdict(None, exc.reasons)


class IntakeHandlers:
    def __init__(self, publisher: Publisher, db: Database, settings: IntakeSettings) -> None:
        self.publisher = publisher
        self.db = db
        self.settings = settings
        self.topics = settings.topics

    # -----------------------------------------------------------------------------------------
    # HTTP edge

    async def _receive(self, channel: Channel, raw: dict[str, Any], channel_message_id: str,
                       *, received_at: Any = None) -> Verdict:
        """Judge the message and, unless an interactive caller is to be refused, publish it to
        complaints.inbound, waiting for the broker's acknowledgement."""
        received_at = received_at or utcnow()
        complaint_id = complaint_id_for(channel.value, channel_message_id)
        verdict = judge(channel, raw, complaint_id, channel_message_id, received_at, self.settings.tracking_prefix)
        interactive = channel in (Channel.WEB, Channel.OPEN311)
        if verdict.complaint is None and interactive:
            return verdict
        inbound = InboundMessage(
            channel=channel,
            channel_message_id=channel_message_id,
            received_at=received_at,
            raw=raw,
            tracking_number=verdict.complaint.tracking_number if verdict.complaint else None,
        )
        envelope = new_envelope(EventType.RECEIVED, inbound, producer=f"{PRODUCER}-http", complaint_id=complaint_id)
        # The caller waits for this answer: bound it (the idempotent producer itself never gives up on
        # a queued record). A record that still goes out later is deduplicated by the consumer, since
        # the same channel message always becomes the same complaint.
        await asyncio.wait_for(self.publisher.publish(self.topics.inbound, envelope, key=channel_message_id),
                               self.settings.publish_timeout_s)
        return verdict

    async def submit_complaint(self, request: Request) -> Response:
        """POST /v1/complaints: the JSON web form. `Idempotency-Key` makes a retry safe."""
        raw = await self._json_object(request)
        if isinstance(raw, Response):
            return raw
        key = request.headers.get("idempotency-key") or str(uuid.uuid4())
        verdict = await self._receive(Channel.WEB, raw, key)
        if verdict.complaint is None:
            return problem(422, "The complaint is not valid", verdict.reasons)
        tracking = verdict.complaint.tracking_number
        return JSONResponse(
            {"tracking_number": tracking, "complaint_id": str(verdict.complaint.complaint_id), "status": "received"},
            status_code=202,
            headers={"Location": f"/v1/complaints/{tracking}"},
        )

    async def get_complaint(self, request: Request) -> Response:
        """GET /v1/complaints/{tracking_number}: how far the complaint has come (for the citizen)."""
        found = await lookup.find_complaint(self.db.pool, request.path_params["tracking_number"],
                                            prefix=self.settings.tracking_prefix)  # any case, O/0, I/1
        row = found.row
        if row is None:
            return problem(404, "No complaint with that tracking number (yet)", found.reasons())
        return JSONResponse({
            "tracking_number": row["tracking_number"],
            "channel": row["channel"],
            "received_at": row["received_at"].isoformat(),
            "accepted_at": row["accepted_at"].isoformat(),
            "status": row["stage"],
            "status_text": progress.MEANING[row["stage"]],
            "agency_code": row["agency_code"],
            "lapor_tracking_id": row["lapor_tracking_id"],
            "updated_at": row["updated_at"].isoformat(),
        })

    async def sms_webhook(self, request: Request) -> Response:
        """POST /v1/channels/sms: android-sms-gateway's `sms:received` webhook."""
        body = await self._json_object(request)
        if isinstance(body, Response):
            return body
        payload = body.get("payload", body)
        if not isinstance(payload, dict):
            return problem(400, "Not an sms:received webhook", [RejectReason(
                code="invalid_format", field="payload", message="expected an object")])
        message_id = payload.get("messageId") or body.get("id") or _digest(
            payload.get("phoneNumber"), payload.get("receivedAt"), payload.get("message"))
        return self._gateway_answer([await self._receive(Channel.SMS, payload, str(message_id))])

    async def whatsapp_webhook(self, request: Request) -> Response:
        """POST /v1/channels/whatsapp: a WhatsApp Cloud API webhook, or one bare message object."""
        body = await self._json_object(request)
        if isinstance(body, Response):
            return body
        verdicts = [await self._receive(Channel.WHATSAPP, raw, str(raw.get("id") or _digest(raw)))
                    for raw in _whatsapp_messages(body)]
        return self._gateway_answer(verdicts)

    async def email_webhook(self, request: Request) -> Response:
        """POST /v1/channels/email: an inbound e-mail as the mail gateway parsed it."""
        body = await self._json_object(request)
        if isinstance(body, Response):
            return body
        message_id = body.get("message_id") or _digest(body.get("from"), body.get("subject"), body.get("text"))
        return self._gateway_answer([await self._receive(Channel.EMAIL, body, str(message_id))])

    async def open311_services(self, _: Request) -> Response:
        return JSONResponse([
            {"service_code": code, "service_name": name, "type": "realtime", "metadata": False,
             "keywords": "", "group": "aduan", "description": name}
            for code, name in OPEN311_SERVICES.items()
        ])

    async def open311_request(self, request: Request) -> Response:
        """POST /open311/v2/requests.json: GeoReport v2, form-encoded or JSON."""
        if request.headers.get("content-type", "").startswith("application/json"):
            raw = await self._json_object(request)
            if isinstance(raw, Response):
                return raw
        else:
            raw = dict(await request.form())
        verdict = await self._receive(Channel.OPEN311, raw, str(uuid.uuid4()))
        if verdict.complaint is None:
            return problem(422, "The service request is not valid", verdict.reasons)
        return JSONResponse([{
            "service_request_id": verdict.complaint.tracking_number,
            "service_notice": "Pengaduan diterima; simpan nomor ini untuk memantau tindak lanjut.",
        }], status_code=201)

    async def broker_unavailable(self, _: Request, exc: Exception) -> Response:
        """Kafka did not take the event: nothing was promised, so the caller may simply retry."""
        log.error("could not publish to Kafka; answering 503", error=repr(exc)[:300])
        response = problem(503, "Complaint intake is temporarily unavailable", [], detail="please retry shortly")
        response.headers["Retry-After"] = "5"
        return response

    @staticmethod
    def _gateway_answer(verdicts: list[Verdict]) -> Response:
        return JSONResponse({
            "accepted": [v.complaint.tracking_number for v in verdicts if v.complaint],
            "rejected": [[r.model_dump() for r in v.reasons] for v in verdicts if v.complaint is None],
        }, status_code=202)

    async def _json_object(self, request: Request) -> dict[str, Any] | Response:
        body = await request.body()
        if len(body) > self.settings.max_request_bytes:
            return problem(413, "Request too large", [RejectReason(
                code="too_large", field=None, message=f"at most {self.settings.max_request_bytes} bytes")])
        try:
            value = json.loads(body)
        except ValueError:
            return problem(400, "Malformed JSON", [RejectReason(
                code="invalid_json", field=None, message="the body is not valid JSON")])
        if not isinstance(value, dict):
            return problem(422, "The complaint is not valid", [RejectReason(
                code="invalid_format", field=None, message="expected a JSON object")])
        return value

    def routes(self) -> list[Route]:
        return [
            Route("/v1/complaints", self.submit_complaint, methods=["POST"]),
            Route("/v1/complaints/{tracking_number}", self.get_complaint, methods=["GET"]),
            Route("/v1/channels/sms", self.sms_webhook, methods=["POST"]),
            Route("/v1/channels/whatsapp", self.whatsapp_webhook, methods=["POST"]),
            Route("/v1/channels/email", self.email_webhook, methods=["POST"]),
            Route("/open311/v2/services.json", self.open311_services, methods=["GET"]),
            Route("/open311/v2/requests.json", self.open311_request, methods=["POST"]),
        ]

    # -----------------------------------------------------------------------------------------
    # Kafka edge: complaints.inbound

    async def on_inbound(self, envelope: Envelope[InboundMessage]) -> None:
        msg = envelope.payload
        complaint_id = envelope.complaint_id or complaint_id_for(msg.channel.value, msg.channel_message_id)
        verdict = judge(msg.channel, msg.raw, complaint_id, msg.channel_message_id, msg.received_at,
                        self.settings.tracking_prefix)
        async with once(self.db.pool, store.SCHEMA, "inbound", envelope.event_id) as conn:
            if conn is None:
                return
            if verdict.complaint is not None:
                # the stored complaint: its tracking number is longer should another complaint hold it
                stored = await store.record_accepted(conn, verdict.complaint, envelope.correlation_id)
                if stored is None:
                    log.info("channel message accepted before; not a new complaint", channel=msg.channel.value)
                    return
                accepted = envelope.follow(EventType.ACCEPTED, stored, producer=PRODUCER,
                                           complaint_id=complaint_id)
                await self.publisher.publish(self.topics.accepted, accepted)
                log.info("complaint accepted", tracking_number=stored.tracking_number,
                         channel=msg.channel.value)
            else:
                rejection = Rejection(channel=msg.channel.value, channel_message_id=msg.channel_message_id,
                                      raw=msg.raw, reasons=tuple(verdict.reasons))
                await store.record_rejected(conn, envelope.event_id, rejection)
                await self.publisher.publish(self.topics.rejected,
                              envelope.follow(EventType.REJECTED, rejection, producer=PRODUCER,
                                              complaint_id=complaint_id),
                              key=msg.channel_message_id)
                log.info("complaint rejected", channel=msg.channel.value,
                         reasons=[r.code for r in verdict.reasons])

    # -----------------------------------------------------------------------------------------
    # what the other services did with a complaint, for the citizen's lookup

    async def _progress(self, envelope: Envelope[Any], stage: str, **facts: str | None) -> None:
        # No processed-events claim: the update is idempotent by itself (the stage only moves
        # forward, facts are kept once known), so a redelivery changes nothing.
        if envelope.complaint_id is None:
            return
        if await store.record_progress(self.db.pool, envelope.complaint_id, stage, progress.RANK[stage], **facts):
            return
        # intake publishes `accepted` just before committing its own row, so a fast downstream
        # event can arrive first: let it come again. Past that window, it is not ours.
        if utcnow() - envelope.occurred_at < PROGRESS_PATIENCE:
            raise LookupError("complaint not recorded by intake yet; the event will be redelivered")
        log.warning("progress for a complaint intake never accepted; ignored", stage=stage)

    async def on_routed(self, envelope: Envelope[RoutedComplaint]) -> None:
        await self._progress(envelope, "routed", agency_code=envelope.payload.decision.agency_code)

    async def on_triage(self, envelope: Envelope[TriageRequest]) -> None:
        await self._progress(envelope, "in_triage")

    async def on_forwarded(self, envelope: Envelope[Forwarded]) -> None:
        f = envelope.payload
        await self._progress(envelope, progress.forwarded_stage(f.outcome), agency_code=f.agency_code,
                             lapor_tracking_id=f.lapor_tracking_id)

    async def on_status(self, envelope: Envelope[StatusChanged]) -> None:
        await self._progress(envelope, envelope.payload.status.value)

    async def on_unreadable_inbound(self, record: Record, reason: str) -> None:
        """A channel published something that is not an inbound envelope: answer on complaints.rejected."""
        raw_text = (record.value or b"").decode("utf-8", errors="replace")
        rejection = Rejection(channel="unknown", channel_message_id=None, raw=raw_text[:100_000], reasons=(
            RejectReason(code="invalid_envelope", field=None, message=reason[:2000]),))
        event_id = derived_id("unreadable", record.topic, record.partition, record.offset)
        envelope = new_envelope(EventType.REJECTED, rejection, producer=PRODUCER, event_id=event_id)
        await self.publisher.publish(self.topics.rejected, envelope, key=str(event_id))
        log.warning("unreadable inbound message rejected", reason=reason[:500])


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:32]


def _whatsapp_messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The text messages of a Cloud API webhook, each with its sender's profile name."""
    if "entry" not in body:
        return [body]
    found: list[dict[str, Any]] = []
    for entry in body.get("entry") or []:
        for change in entry.get("changes") or []:
            value = change.get("value") or {}
            names = {c.get("wa_id"): (c.get("profile") or {}).get("name") for c in value.get("contacts") or []}
            for message in value.get("messages") or []:
                if message.get("type", "text") == "text":
                    found.append({**message, "profile_name": names.get(message.get("from"))})
    return found
