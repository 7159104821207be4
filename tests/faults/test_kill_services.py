"""SIGKILL the services while complaints flow, start them again, and count: nothing lost, nothing doubled.

The whole stack runs as separate processes (as in tests/e2e). About 150 complaints are posted over
HTTP at a steady pace; meanwhile

- the forwarder is killed while a LAPOR! create it sent is stored but not yet answered (the simulator
  holds the answer back), so the restarted forwarder must find the report by its reference instead of
  creating it again (DESIGN.md §6, "on doubt look the reference up before creating");
- routing is killed mid-stream, so accepted events are redelivered to it;
- intake is killed right after it answered 202, so the 202 has to mean "durable in Kafka": every
  complaint answered 202 must still arrive. Requests cut off by the kill are retried with their
  Idempotency-Key, as a real channel would, and must not become a second complaint.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Iterator

import pytest

from tests.faults.harness import (
    Channel,
    FaultStack,
    Simulator,
    Tally,
    assert_exactly_once,
    kill,
    restart,
    running_stack,
    until,
)

pytestmark = pytest.mark.faults

N = 150
PACE_S = 0.07  # between two posts: the stream lasts ~10 s, long enough to kill things inside it
KILL_INTAKE_AFTER = 100  # 202 answers


@pytest.fixture
def pipeline(infra, database_url, topics) -> Iterator[FaultStack]:  # type: ignore[no-untyped-def]
    with running_stack(infra, database_url, topics.prefix) as local:
        yield local


async def test_killed_services_lose_and_duplicate_nothing(pipeline: FaultStack, tally: Tally) -> None:
    started = time.monotonic()
    procs = pipeline.procs
    sim = Simulator(pipeline.url("lapor-sim"))
    channel = Channel(pipeline.url("intake"))
    expected = {channel.expected_id(i) for i in range(N)}
    timeline: list[str] = []
    chaos: list[asyncio.Task[None]] = []
    acked_before_intake_kill: set[str] = set()
    in_doubt_at_kill = 0

    def note(what: str) -> None:
        timeline.append(f"{time.monotonic() - started:6.1f}s {what}")

    async def kill_intake_now() -> None:
        # Right after a 202: everything answered 202 so far must survive intake's death.
        acked_before_intake_kill.update(channel.accepted)
        await kill(procs["intake"])
        note(f"intake killed after {len(acked_before_intake_kill)} answers 202")
        await restart(procs["intake"])
        note("intake ready again")

    async def post(i: int) -> None:
        posted = await channel.post(i)
        if posted is not None and len(channel.accepted) >= KILL_INTAKE_AFTER and not acked_before_intake_kill:
            await kill_intake_now()

    async def send() -> None:
        posts = []
        for i in range(N):
            posts.append(asyncio.create_task(post(i)))
            await asyncio.sleep(PACE_S)
        await asyncio.gather(*posts)
        note(f"all {N} posted ({len(channel.accepted)} answered 202)")

    async def break_forwarder_then_routing() -> None:
        nonlocal in_doubt_at_kill
        assert await until(lambda: _at_least(tally.count_created(expected), 20), timeout=60), (
            "the forwarder never got going"
        )
        # Hold the next LAPOR! answer back (the report is stored first), and kill the forwarder while it waits.
        creates = (await sim.stats())["requests"]["create"]
        await sim.faults(slow_create_rate=1.0, slow_create_ms=3000)
        assert await until(lambda: _creates_above(sim, creates), timeout=30), "no LAPOR! create to interrupt"
        await asyncio.sleep(0.3)
        await kill(procs["forwarder"])
        await sim.faults(slow_create_rate=0.0)
        in_doubt_at_kill = (await sim.stats())["reports"] - await tally.count_created(expected)
        note(f"forwarder killed with {in_doubt_at_kill} LAPOR! report(s) created but not recorded")
        await restart(procs["forwarder"])
        note("forwarder ready again")

        decided = await tally.count_decisions(expected)
        await until(lambda: _at_least(tally.count_decisions(expected), decided + 5), timeout=15)
        await kill(procs["routing"])
        note(f"routing killed after {await tally.count_decisions(expected)} decisions")
        await restart(procs["routing"])
        note("routing ready again")

    try:
        chaos.append(asyncio.create_task(break_forwarder_then_routing()))
        await send()
        await asyncio.gather(*chaos)

        assert not channel.failures, channel.failures
        assert set(channel.accepted) == expected  # every post was answered 202 in the end
        assert acked_before_intake_kill, "intake was never killed"
        assert in_doubt_at_kill >= 1, "the forwarder was not killed in the middle of a LAPOR! create"

        snap = await assert_exactly_once(tally, sim, expected, timeout=120, log_marks=pipeline.log_marks)
        assert acked_before_intake_kill <= snap.created()
        stats = await sim.stats()
        # The interrupted create was resolved by looking its reference up, not by creating again.
        assert stats["requests"]["lookup"] >= in_doubt_at_kill
        note(
            f"done: {stats['reports']} LAPOR! reports, {stats['duplicates']} duplicates, "
            f"{stats['requests']['lookup']} lookups; retried posts: {len(channel.retried_answers)}"
        )
    finally:
        print("\n".join(timeline))
        for task in chaos:
            task.cancel()
        await channel.aclose()
        await sim.aclose()


async def _at_least(count: Awaitable[int], n: int) -> bool:
    return await count >= n


async def _creates_above(sim: Simulator, n: int) -> bool:
    return (await sim.stats())["requests"]["create"] > n
