"""Restart the Kafka broker while complaints flow: every complaint intake answered 202 reaches LAPOR!
exactly once, and the services recover by themselves (no restart of theirs).

Only possible against the local single-node broker run by deploy/local/kafka.sh; against any other
broker (CI's, testcontainers', a shared cluster) the test skips rather than restart what is not ours.
During the outage intake cannot make a complaint durable, so it must not answer 202: it holds the
request (or answers 5xx). The channel, like a real web-form client, gives up waiting after 10 s and
posts again with the same Idempotency-Key until it gets 202, so once the broker is back one complaint
can arrive on complaints.inbound several times and must still become one complaint.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from services.intake.settings import IntakeSettings
from tests.faults.harness import (
    Channel,
    FaultStack,
    Simulator,
    Tally,
    assert_exactly_once,
    kafka,
    local_broker_or_skip,
    running_stack,
)

pytestmark = pytest.mark.faults

BEFORE = 100  # posted before the broker goes down
DURING = 20  # posted while it is down or coming back
AFTER = 50  # posted once it answers again
# how long intake's publish may wait for the broker before it answers 503: the default the stack runs with
PUBLISH_TIMEOUT_S = IntakeSettings.model_fields["publish_timeout_s"].default
ANSWER_WITHIN_S = PUBLISH_TIMEOUT_S + 5.0  # + scheduling on a busy 2-core machine


@pytest.fixture
def local_broker(infra, topics) -> Iterator[None]:  # type: ignore[no-untyped-def]
    """The local broker, brought back up at the end whatever happened (before `topics` deletes its topics)."""
    local_broker_or_skip(infra)
    try:
        yield
    finally:
        kafka("up")


@pytest.fixture
def pipeline(local_broker, infra, database_url, topics) -> Iterator[FaultStack]:  # type: ignore[no-untyped-def]
    with running_stack(infra, database_url, topics.prefix) as local:
        yield local


async def test_a_broker_restart_loses_and_duplicates_nothing(pipeline: FaultStack, tally: Tally) -> None:
    started = time.monotonic()
    sim = Simulator(pipeline.url("lapor-sim"))
    # A channel does not wait forever for an answer: after 30 s it gives up and posts again with the same
    # key, so a complaint can reach complaints.inbound several times once the broker is back.
    channel = Channel(pipeline.url("intake"), give_up_after_s=150, http_timeout_s=30)
    timeline: list[str] = []

    def note(what: str) -> None:
        timeline.append(f"{time.monotonic() - started:6.1f}s {what}")

    async def post_paced(numbers: range, pace_s: float) -> None:
        posts = []
        for i in numbers:
            posts.append(asyncio.create_task(channel.post(i)))
            await asyncio.sleep(pace_s)
        await asyncio.gather(*posts)

    try:
        first = asyncio.create_task(post_paced(range(BEFORE), 0.03))
        # Take the broker down while the first hundred are still being posted and forwarded.
        while len(channel.accepted) < BEFORE * 3 // 4 and not first.done():
            await asyncio.sleep(0.05)
        note(f"{len(channel.accepted)} answered 202; broker going down")
        note(f"broker down after {await asyncio.to_thread(kafka, 'down'):.1f}s")
        # Complaints keep coming while there is no broker: intake cannot make them durable, so it must
        # not answer 202; the channel retries each with its key until it does.
        during = asyncio.create_task(post_paced(range(BEFORE, BEFORE + DURING), 0.2))
        await asyncio.sleep(3.0)
        note(f"broker up again after {await asyncio.to_thread(kafka, 'up'):.1f}s")
        await post_paced(range(BEFORE + DURING, BEFORE + DURING + AFTER), 0.03)
        await asyncio.gather(first, during)
        slowest = max(p.answered_at - p.first_tried_at for p in channel.accepted.values())
        note(
            f"all {BEFORE + DURING + AFTER} answered 202; retried answers {sorted(set(channel.retried_answers))} "
            f"({len(channel.retried_answers)}); longest wait for a 202 {slowest:.1f}s"
        )

        assert not channel.failures, channel.failures
        expected = {channel.expected_id(i) for i in range(BEFORE + DURING + AFTER)}
        assert set(channel.accepted) == expected

        # The services were not restarted: they have to come back by themselves.
        assert all(proc.alive() for proc in pipeline.procs.values()), {
            name: proc.alive() for name, proc in pipeline.procs.items()
        }
        await assert_exactly_once(tally, sim, expected, timeout=90, log_marks=pipeline.log_marks)
        stats = await sim.stats()
        note(
            f"done: {stats['reports']} LAPOR! reports, {stats['duplicates']} duplicates; "
            f"longest single POST {channel.slowest_attempt_s:.1f}s"
        )

        # Intake's own promise (services/intake/http_edge.py): a caller waits at most publish_timeout_s
        # for Kafka, then gets a 503 and may retry.
        assert channel.slowest_attempt_s <= ANSWER_WITHIN_S, (
            f"during the broker outage intake held a POST {channel.slowest_attempt_s:.0f}s without answering"
        )
    finally:
        kafka("up")  # before the services are stopped: with no broker their shutdown would hang
        print("\n" + "\n".join(timeline))
        await channel.aclose()
        await sim.aclose()
