"""intake's Kafka edge: the consumer of complaints.inbound. Every channel's message, over HTTP or straight
from a Kafka producer, is judged here with the same models (verdict.py): accepted on
complaints.accepted (or joined to an earlier complaint as a follow-up or near-duplicate), or answered
on complaints.rejected with the reasons. Input that is not even an inbound envelope is answered on
complaints.rejected too (`on_unreadable_inbound`)."""

from __future__ import annotations

import json
import secrets
from typing import Any

from services.intake import linking, store
from services.intake.follow_ups import FollowUps
from services.intake.privacy import masked_raw, protected
from services.intake.settings import IntakeSettings
from services.intake.verdict import judge
from shared.db import Database
from shared.events import (
    Envelope,
    EventType,
    InboundMessage,
    Rejection,
    RejectReason,
    complaint_id_for,
    derived_id,
    new_envelope,
)
from shared.idempotency import once
from shared.kafka import Publisher, Record
from shared.logging import get_logger
from shared.pii import mask

log = get_logger(__name__)
PRODUCER = "intake"


class Inbound:
    def __init__(
        self, publisher: Publisher, db: Database, settings: IntakeSettings, *, follow_ups: FollowUps, digest_key: str
    ) -> None:
        self.publisher = publisher
        self.db = db
        self.settings = settings
        self.topics = settings.topics
        self.follow_ups = follow_ups
        self.digest_key = digest_key

    async def on_inbound(self, envelope: Envelope[InboundMessage]) -> None:
        msg = envelope.payload
        complaint_id = envelope.complaint_id or complaint_id_for(msg.channel.value, msg.channel_message_id)
        raw = await self.follow_ups.expand(msg)  # a raw e-mail read, its files kept
        verdict = judge(
            msg.channel, raw, complaint_id, msg.channel_message_id, msg.received_at, self.settings.tracking_prefix
        )
        async with once(self.db.pool, store.SCHEMA, "inbound", envelope.event_id) as conn:
            if conn is None:
                return
            if verdict.complaint is not None:
                # a reply or a further message on an earlier complaint, or a near-duplicate of one
                if await self.follow_ups.as_follow_up(conn, envelope, raw, verdict.complaint):
                    return
                if await self.follow_ups.as_duplicate(conn, envelope, verdict.complaint):
                    return
                # the stored complaint: its tracking number is longer should another complaint hold it
                signed = self.follow_ups.sign(verdict.complaint)
                stored = await store.record_accepted(conn, signed, envelope.correlation_id)
                if stored is None:
                    log.info("channel message accepted before; not a new complaint", channel=msg.channel.value)
                    return
                await linking.remember(conn, stored, self.digest_key)
                handle = await store.record_reporter(conn, stored, f"rh_{secrets.token_urlsafe(18)}")
                accepted = envelope.follow(
                    EventType.ACCEPTED, protected(stored, handle), producer=PRODUCER, complaint_id=complaint_id
                )
                await self.publisher.publish(self.topics.accepted, accepted)
                log.info("complaint accepted", tracking_number=stored.tracking_number, channel=msg.channel.value)
            else:
                rejection = Rejection(
                    channel=msg.channel.value,
                    channel_message_id=msg.channel_message_id,
                    raw=masked_raw(raw),
                    reasons=tuple(verdict.reasons),
                )
                await store.record_rejected(conn, envelope.event_id, rejection, raw)
                await self.publisher.publish(
                    self.topics.rejected,
                    envelope.follow(EventType.REJECTED, rejection, producer=PRODUCER, complaint_id=complaint_id),
                    key=msg.channel_message_id,
                )
                log.info("complaint rejected", channel=msg.channel.value, reasons=[r.code for r in verdict.reasons])

    async def on_unreadable_inbound(self, record: Record, reason: str) -> None:
        """A channel published something that is not an inbound envelope: answer on complaints.rejected."""
        raw_text = (record.value or b"").decode("utf-8", errors="replace")[:100_000]
        try:
            raw: Any = masked_raw(json.loads(raw_text))
        except (ValueError, RecursionError):
            raw = mask(raw_text)
        rejection = Rejection(
            channel="unknown",
            channel_message_id=None,
            raw=raw,
            reasons=(RejectReason(code="invalid_envelope", field=None, message=reason[:2000]),),
        )
        event_id = derived_id("unreadable", record.topic, record.partition, record.offset)
        envelope = new_envelope(EventType.REJECTED, rejection, producer=PRODUCER, event_id=event_id)
        await self.publisher.publish(self.topics.rejected, envelope, key=str(event_id))
        log.warning("unreadable inbound message rejected", reason=mask(reason[:500]))
