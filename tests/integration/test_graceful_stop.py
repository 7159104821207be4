"""A stopping service finishes the batch in hand and commits it (ADUAN_SHUTDOWN_GRACE_S, the broker's
graceful timeout), so a Kubernetes rollout neither loses nor repeats the work in progress."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from shared.events import Complaint, Envelope
from shared.kafka import Publisher, make_broker, subscribe
from tests.factories import accepted_event
from tests.support import publish_events

pytestmark = pytest.mark.integration
GRACE_S = 10.0  # without it (FastStream's default) the handler in progress is cancelled and nothing committed


async def _committed(bootstrap: str, topic: str, group: str) -> int:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await consumer._client.force_metadata_update()  # a fresh consumer may not know the topic yet
            partitions = consumer.partitions_for_topic(topic) or set()
        return sum([await consumer.committed(TopicPartition(topic, p)) or 0 for p in partitions])
    finally:
        await consumer.stop()


async def test_stop_waits_for_the_batch_in_hand_and_commits_it(infra, topics) -> None:  # type: ignore[no-untyped-def]
    group = f"graceful-{uuid.uuid4().hex[:8]}"
    started, finished = asyncio.Event(), []
    broker = make_broker(infra.kafka, "graceful-test", graceful_timeout=GRACE_S)
    publisher = Publisher(infra.kafka, "graceful-test")

    @subscribe(
        broker,
        publisher,
        topics.accepted,
        group_id=group,
        payload=Complaint,
        parked_topic=topics.parked,
        name="graceful",
        concurrency=4,
    )
    async def slow(envelope: Envelope[Complaint]) -> None:
        started.set()
        await asyncio.sleep(1.5)  # the work in hand when SIGTERM arrives
        finished.append(envelope.event_id)

    event = accepted_event()
    await publisher.start()
    await broker.start()
    try:
        await publish_events(infra.kafka, topics.accepted, event)
        await asyncio.wait_for(started.wait(), 30)
    finally:
        await broker.stop()  # what SIGTERM does through the service's lifespan
        await publisher.stop()
    assert finished == [event.event_id], "the handler in progress was cut off"
    assert await _committed(infra.kafka, topics.accepted, group) == 1, "the finished batch was not committed"
