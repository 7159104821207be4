"""What intake's inbound consumer does with a message that belongs to an earlier complaint.

- A follow-up (a reply to an e-mail intake sent, a message quoting a tracking number, the reporter's own
  open complaint said again): not a new complaint; recorded once in intake.follow_ups and published as
  `complaint.follow_up` (kind `message`) on complaints.follow_ups, on the original complaint.
- A near-duplicate (another reporter, same place, similar text): recorded with its own number and
  reporter but `duplicate_of` the first, which alone is routed and forwarded (the duplicate is not
  published on complaints.accepted); announced as `complaint.follow_up` (kind `duplicate`), and its
  reporter told the first's number through citizen.outbound.

Attachments of either are kept like a complaint's (services/intake/attachments.py) and named by signed URL.
"""

from __future__ import annotations

import secrets
from typing import Any

from services.intake import email_raw, linking, store
from services.intake.attachments import Signer
from services.intake.channels import EmailMessage
from services.intake.privacy import protected
from services.intake.settings import IntakeSettings
from services.intake.timeline import Timeline
from shared.db import Connection, Database
from shared.events import (
    Channel,
    CitizenMessage,
    CitizenMessageKind,
    Complaint,
    Envelope,
    EventType,
    FollowUp,
    FollowUpKind,
    InboundMessage,
)
from shared.kafka import Publisher
from shared.logging import get_logger
from shared.pii import mask

log = get_logger(__name__)
PRODUCER = "intake"


class FollowUps:
    def __init__(
        self,
        publisher: Publisher,
        db: Database,
        settings: IntakeSettings,
        signer: Signer,
        *,
        key: str,
        timeline: Timeline,
    ) -> None:
        self.timeline = timeline  # the duplicate's own timeline says which complaint it joined
        self.key = key  # of reporter digests (linking.reporter_key): stable across restarts
        self.publisher = publisher
        self.db = db
        self.settings = settings
        self.signer = signer
        self.topics = settings.topics

    async def expand(self, msg: InboundMessage) -> dict[str, Any]:
        """The channel message to judge: a raw e-mail read (its files kept), anything else as it came."""
        raw = email_raw.mime_of(msg.raw) if msg.channel == Channel.EMAIL else None
        if raw is None:
            return msg.raw
        return await email_raw.read(
            self.db.pool,
            raw,
            channel_message_id=msg.channel_message_id,
            tracking_prefix=self.settings.tracking_prefix,
            max_bytes=self.settings.attachments_max_bytes,
            max_count=self.settings.attachments_max_count,
        )

    def sign(self, complaint: Complaint) -> Complaint:
        if not any(a.url.startswith("aduan-attachment:") for a in complaint.attachments):
            return complaint
        return complaint.model_copy(
            update={"attachments": self.signer.sign(complaint.attachments, complaint.received_at)}
        )

    async def reply_to(self, raw: dict[str, Any]) -> str | None:
        """For the gateway's answer: the number of the complaint an e-mail answers, if it answers one."""
        found = await linking.thread_of(self.db.pool, EmailMessage.model_validate(raw))
        return found.tracking_number if found else None

    async def original_of(
        self, conn: Connection, channel: Channel, raw: dict[str, Any], complaint: Complaint
    ) -> linking.Original | None:
        if channel == Channel.EMAIL:
            found = await linking.thread_of(conn, EmailMessage.model_validate(raw))
            if found is not None:
                return found
        return await linking.follow_up_of(conn, complaint, self.settings, self.key)

    async def as_follow_up(
        self, conn: Connection, envelope: Envelope[InboundMessage], raw: dict[str, Any], complaint: Complaint
    ) -> bool:
        """Handled as a follow-up of an earlier complaint (True), or a complaint of its own (False); `raw` is
        the message as judged (a raw e-mail read)."""
        msg = envelope.payload
        original = await self.original_of(conn, msg.channel, raw, complaint)
        if original is None:
            return False
        inserted = await conn.fetchval(
            """INSERT INTO intake.follow_ups (channel, channel_message_id, complaint_id, kind, reason, received_at)
               VALUES ($1, $2, $3, 'message', $4, $5) ON CONFLICT DO NOTHING RETURNING 1""",
            msg.channel.value,
            msg.channel_message_id,
            original.complaint_id,
            original.reason,
            msg.received_at,
        )
        if inserted is None:
            return True  # joined before: a redelivery
        follow_up = FollowUp(
            tracking_number=original.tracking_number,
            kind=FollowUpKind.MESSAGE,
            channel=msg.channel,
            channel_message_id=msg.channel_message_id,
            received_at=msg.received_at,
            text=mask(complaint.body)[:10_000],
            attachments=self.sign(complaint).attachments,
            reason=original.reason,
        )
        event = envelope.follow(EventType.FOLLOW_UP, follow_up, producer=PRODUCER, complaint_id=original.complaint_id)
        await self.publisher.publish(self.topics.follow_ups, event, key=original.tracking_number)
        log.info(
            "follow-up joined its complaint",
            tracking_number=original.tracking_number,
            channel=msg.channel.value,
            reason=original.reason,
        )
        return True

    async def as_duplicate(self, conn: Connection, envelope: Envelope[InboundMessage], complaint: Complaint) -> bool:
        """Recorded as a near-duplicate of an earlier complaint (True), or not one (False)."""
        if not self.settings.duplicate_linking:
            return False
        link = await linking.duplicate_of(conn, complaint, self.settings.duplicate_policy(), self.key)
        if link is None:
            return False
        stored = await store.record_accepted(conn, complaint, envelope.correlation_id)
        if stored is None:
            return True  # recorded before: a redelivery
        await conn.execute(
            "UPDATE intake.complaints SET duplicate_of = $2 WHERE complaint_id = $1",
            stored.complaint_id,
            link.complaint_id,
        )
        await self.timeline.linked_duplicate(
            conn,
            complaint_id=stored.complaint_id,
            event_id=envelope.event_id,
            at=stored.received_at,
            duplicate_of=link.tracking_number,
        )
        stored = self.sign(stored.model_copy(update={"duplicate_of": link.tracking_number}))
        handle = await store.record_reporter(conn, stored, f"rh_{secrets.token_urlsafe(18)}")
        follow_up = FollowUp(
            tracking_number=link.tracking_number,
            kind=FollowUpKind.DUPLICATE,
            channel=stored.channel,
            channel_message_id=stored.channel_message_id,
            received_at=stored.received_at,
            text=mask(stored.body)[:10_000],
            attachments=stored.attachments,
            reason=link.reason,
            duplicate=protected(stored, handle).model_copy(update={"reporter": None, "reply_handle": None}),
        )
        await self.publisher.publish(
            self.topics.follow_ups,
            envelope.follow(EventType.FOLLOW_UP, follow_up, producer=PRODUCER, complaint_id=link.complaint_id),
            key=link.tracking_number,
        )
        told = CitizenMessage(
            reply_handle=handle,
            channel=stored.channel,
            tracking_number=link.tracking_number,
            kind=CitizenMessageKind.ACKNOWLEDGED,
            language=stored.language,
            text=linking.duplicate_text(
                first=link.tracking_number, own=stored.tracking_number, language=stored.language
            ),
        )
        await self.publisher.publish(
            self.topics.citizen_outbound,
            envelope.follow(EventType.CITIZEN_MESSAGE, told, producer=PRODUCER, complaint_id=stored.complaint_id),
            key=stored.tracking_number,
        )
        log.info(
            "near-duplicate linked to the first complaint",
            tracking_number=stored.tracking_number,
            duplicate_of=link.tracking_number,
            score=round(link.score),
        )
        return True
