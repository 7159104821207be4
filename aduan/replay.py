"""`aduan replay-dlq`: send the forwards parked on complaints.forward.dlq through the forwarder again.

The replay consumer group remembers how far it got, so a parked forward is replayed once; the
forwarder's own per-complaint record makes a replay of an already created report harmless.
"""

from __future__ import annotations

import asyncio

from aiokafka import AIOKafkaConsumer

from shared.events import EventType, ForwardParked
from shared.kafka import Publisher, Unreadable, parse_envelope
from shared.logging import get_logger
from shared.topics import Topics

log = get_logger(__name__)


async def replay(bootstrap: str, topics: Topics, limit: int | None) -> int:
    consumer = AIOKafkaConsumer(topics.forward_dlq, bootstrap_servers=bootstrap, group_id="aduan-replay-dlq",
                                enable_auto_commit=False, auto_offset_reset="earliest")
    publisher = Publisher(bootstrap, "aduan-replay-dlq")
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
                    await publisher.publish(topics.routed, parked.follow(
                        EventType.ROUTED, parked.payload.routed, producer="replay-dlq",
                        discriminator=f"replay:{record.partition}:{record.offset}"))
                    replayed += 1
            await consumer.commit()
    finally:
        await publisher.stop()
        await consumer.stop()
    return replayed


def replay_dlq(bootstrap: str, *, prefix: str = "", limit: int | None = None) -> int:
    return asyncio.run(replay(bootstrap, Topics(prefix), limit))
