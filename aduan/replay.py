"""The forwarder's DLQ as a tool: `aduan dlq list`, `aduan dlq replay --id … | --all`, and the older
`aduan replay-dlq` (everything on complaints.forward.dlq once).

`dlq list|replay` read the forwarder's own record of what it parked (forwarder.reports, states
`parked` and `in_doubt`): complaint, tracking number, reason, last error, attempts, since. A replay
publishes the parked routed complaint to complaints.routed again, with an event id derived from the
complaint and the moment it was parked, so replaying twice publishes the same event; and the
forwarder, which looks the reference up under the complaint's lock, never creates a second report
for a complaint that already has one. A complaint no longer parked is not replayed.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from aiokafka import AIOKafkaConsumer

from services.forwarder import store
from shared.events import Envelope, EventType, ForwardParked, RoutedComplaint, derived_id, utcnow
from shared.kafka import Publisher, Unreadable, parse_envelope
from shared.kafka_access import OPERATOR
from shared.kafka_auth import PLAINTEXT, KafkaAuth
from shared.logging import get_logger
from shared.topics import Topics

log = get_logger(__name__)
PRODUCER = "aduan-dlq"


@dataclass(frozen=True)
class ParkedForward:
    complaint_id: uuid.UUID
    tracking_number: str
    state: str  # parked | in_doubt
    reason: str | None
    last_error: str | None
    attempts: int
    since: datetime | None
    replayed_at: datetime | None


async def dlq_list(database_url: str) -> list[ParkedForward]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await store.parked(conn)
    finally:
        await conn.close()
    return [
        ParkedForward(
            r["complaint_id"],
            r["tracking_number"],
            r["state"],
            r["parked_reason"],
            r["last_error"],
            r["attempts"],
            r["parked_at"],
            r["replayed_at"],
        )
        for r in rows
    ]


def replay_event(complaint_id: uuid.UUID, routed_json: str, parked_at: datetime | None) -> Envelope[RoutedComplaint]:
    """The routed event a replay publishes: the same for the same parking, however often it is replayed."""
    routed = RoutedComplaint.model_validate_json(routed_json)
    return Envelope[RoutedComplaint](
        event_id=derived_id("dlq-replay", complaint_id, parked_at.isoformat() if parked_at else ""),
        event_type=EventType.ROUTED,
        occurred_at=utcnow(),
        complaint_id=complaint_id,
        correlation_id=str(complaint_id),
        producer=PRODUCER,
        payload=routed,
    )


async def dlq_replay(
    bootstrap: str,
    database_url: str,
    topics: Topics,
    *,
    complaint_ids: list[uuid.UUID] | None,
    auth: KafkaAuth = PLAINTEXT,
) -> tuple[list[uuid.UUID], list[str]]:
    """Replay the parked forwards named (all when None). Return the ones sent and why others were not."""
    conn = await asyncpg.connect(database_url)
    sent: list[uuid.UUID] = []
    skipped: list[str] = []
    try:
        rows = await store.parked(conn, complaint_ids)
        found = {r["complaint_id"] for r in rows}
        skipped += [
            f"{cid}: not parked (created already, or unknown)" for cid in complaint_ids or [] if cid not in found
        ]
        async with Publisher(bootstrap, PRODUCER, auth=auth) as publisher:
            for row in rows:
                if row["routed"] is None:
                    skipped.append(
                        f"{row['complaint_id']}: parked before the forwarder kept the complaint; use `aduan replay-dlq`"
                    )
                    continue
                await publisher.publish(
                    topics.routed, replay_event(row["complaint_id"], row["routed"], row["parked_at"])
                )
                await store.mark_replayed(conn, row["complaint_id"])
                sent.append(row["complaint_id"])
    finally:
        await conn.close()
    return sent, skipped


async def replay(bootstrap: str, topics: Topics, limit: int | None, *, auth: KafkaAuth = PLAINTEXT) -> int:
    """Everything on complaints.forward.dlq not replayed before (the replay group, the operator's, remembers)."""
    consumer = AIOKafkaConsumer(
        topics.forward_dlq,
        bootstrap_servers=bootstrap,
        group_id=OPERATOR.group(topics, "replay-dlq"),
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **auth.aiokafka(),
    )
    publisher = Publisher(bootstrap, "aduan-replay-dlq", auth=auth)
    await consumer.start()
    await publisher.start()
    replayed = 0
    try:
        while limit is None or replayed < limit:
            batch = await consumer.getmany(timeout_ms=3000, max_records=100)
            if not batch:
                break  # caught up
            for records in batch.values():
                for record in records:
                    try:
                        parked = parse_envelope(record.value, ForwardParked)
                    except Unreadable as exc:
                        log.warning("skipping an unreadable DLQ message", reason=str(exc), offset=record.offset)
                        continue
                    await publisher.publish(
                        topics.routed,
                        parked.follow(
                            EventType.ROUTED,
                            parked.payload.routed,
                            producer="replay-dlq",
                            discriminator=f"replay:{record.partition}:{record.offset}",
                        ),
                    )
                    replayed += 1
            await consumer.commit()
    finally:
        await publisher.stop()
        await consumer.stop()
    return replayed


def replay_dlq(bootstrap: str, *, prefix: str = "", limit: int | None = None, auth: KafkaAuth = PLAINTEXT) -> int:
    return asyncio.run(replay(bootstrap, Topics(prefix), limit, auth=auth))


def format_list(items: list[ParkedForward]) -> str:
    """A table for the operator (no complaint text, no reporter: only ids, reasons and counts)."""
    if not items:
        return "the DLQ is empty: no forward is parked"
    lines = [
        f"{'complaint':36}  {'tracking number':22}  {'state':8}  {'attempts':>8}  {'since':25}  reason / last error"
    ]
    for p in items:
        since = p.since.isoformat(timespec="seconds") if p.since else "-"
        lines.append(
            f"{p.complaint_id!s:36}  {p.tracking_number:22}  {p.state:8}  {p.attempts:>8}  {since:25}  "
            f"{(p.reason or '-')[:120]}"
        )
        if p.last_error and p.last_error != p.reason:
            lines.append(f"{'':106}  last error: {p.last_error[:120]}")
    return "\n".join(lines)
