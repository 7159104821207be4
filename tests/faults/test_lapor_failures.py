"""LAPOR! misbehaving: errors, rate limits and creates that answer only after the forwarder gave up.

Part one: with 30 % 5xx, 10 % 429 and 20 % of creates stored but answered later than the forwarder's
timeout, no complaint is created twice (a timed-out create is looked up by its reference before
anything is created again; retries go through the delayed retry topics). Almost all are created by
the retries; against this fault mix a complaint can run out of its 12 tries (about 2 in 1,000 once
each try is a lookup plus a create), and then it is parked on the DLQ with the reason, never lost.

Part two: LAPOR! down for longer than every retry: the complaints are parked on the DLQ with the
reason, nothing is created; LAPOR! comes back, one replay, and every complaint of both parts is in
LAPOR! exactly once.

Last, a LAPOR! answer the forwarder cannot record (a tracking id it holds for another complaint) must
park that complaint rather than block its partition.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import pytest
from aiokafka.partitioner import murmur2

from aduan import stack
from aduan.replay import replay
from services.forwarder.app import build
from services.forwarder.settings import ForwarderSettings
from shared.topics import Topics
from simulators.lapor.server import SimulatorServer
from tests import factories
from tests.factories import routed_event
from tests.faults.harness import Channel, FaultStack, Simulator, Snapshot, Tally, assert_exactly_once, running_stack
from tests.support import publish_events, read_topic, running

pytestmark = pytest.mark.faults

N_FLAKY = 60
N_OUTAGE = 20
# slow creates are stored by LAPOR! at once and answered after 1.5 s, three times the forwarder's timeout
FLAKY = {"error_rate": 0.3, "rate_limit_rate": 0.1, "slow_create_rate": 0.2, "slow_create_ms": 1500}
RETRY_DELAYS_S = [0.5, 1, 2]
FORWARDER_ENV = {
    "ADUAN_LAPOR_TIMEOUT_S": "0.5",
    "ADUAN_INLINE_BACKOFF_S": "0.05",
    "ADUAN_RETRY_DELAYS_S": json.dumps(RETRY_DELAYS_S),  # pydantic-settings reads a tuple from JSON
}


def test_the_forwarder_reads_the_short_retry_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in FORWARDER_ENV.items():
        monkeypatch.setenv(name, value)
    settings = ForwarderSettings()
    assert settings.retry_delays_s == (0.5, 1.0, 2.0)
    assert settings.lapor_timeout_s == 0.5 and settings.inline_backoff_s == 0.05


@pytest.fixture
def pipeline(infra, database_url, topics) -> Iterator[FaultStack]:  # type: ignore[no-untyped-def]
    with running_stack(infra, database_url, topics.prefix, extra_env=FORWARDER_ENV) as local:
        yield local


async def post_all(channel: Channel, numbers: range) -> set[str]:
    await asyncio.gather(*(channel.post(i) for i in numbers))
    assert not channel.failures, channel.failures
    expected = {channel.expected_id(i) for i in numbers}
    assert expected <= set(channel.accepted)
    return expected


async def settled(tally: Tally, complaint_ids: set[str], timeout: float) -> Snapshot:
    """Until every complaint is either created or parked (or the timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        snap = await tally.snapshot(complaint_ids)
        done = sum(1 for r in snap.reports.values() if r["state"] in ("created", "parked"))
        if done == len(complaint_ids) or time.monotonic() > deadline:
            return snap
        await asyncio.sleep(0.5)


async def test_a_flaky_lapor_and_an_outage_still_give_one_report_per_complaint(
        pipeline: FaultStack, tally: Tally, infra: stack.Infra, topics: Topics) -> None:
    started = time.monotonic()
    sim = Simulator(pipeline.url("lapor-sim"))
    channel = Channel(pipeline.url("intake"))
    try:
        # -- part one: flaky LAPOR! -------------------------------------------------------------
        await sim.faults(**FLAKY)
        flaky = await post_all(channel, range(N_FLAKY))
        snap = await settled(tally, flaky, timeout=90)
        stats = await sim.stats()
        created, parked_flaky = snap.created(), {c for c, r in snap.reports.items() if r["state"] == "parked"}
        assert created | parked_flaky == flaky, f"not settled: {snap.states()}"
        # Exactly once so far: LAPOR! holds one report per created complaint and nothing else.
        assert stats["reports"] == len(created) and stats["duplicates"] == 0, stats
        # Parked only because its retries ran out (12 tries against this fault mix: rare, not lost).
        assert all("retries exhausted" in (snap.reports[c]["last_error"] or "") for c in parked_flaky)
        injected = stats["faults_injected"]
        # The faults really happened, the slow creates among them (each one a timeout in the forwarder).
        assert injected["error"] > 0 and injected["rate_limit"] > 0 and injected["slow_create"] > 0, injected
        assert stats["requests"]["lookup"] > 0
        print(f"\nflaky part settled after {time.monotonic() - started:.1f}s: {len(created)} created, "
              f"{len(parked_flaky)} parked; requests {stats['requests']}; faults {injected}")

        # -- part two: LAPOR! down for longer than all retries ----------------------------------
        await sim.faults(error_rate=1.0)
        outage = await post_all(channel, range(N_FLAKY, N_FLAKY + N_OUTAGE))
        expect_parked = outage | parked_flaky
        parked_events = await read_topic(infra.kafka, topics.forward_dlq, expect=len(expect_parked), timeout=60,
                                         settle=1.0)
        parked = {e["complaint_id"] for e in parked_events}
        assert parked == expect_parked, f"parked {len(parked)} of {len(expect_parked)}: {parked ^ expect_parked}"
        assert all(not e["payload"]["permanent"] and "retries exhausted" in e["payload"]["reason"]
                   for e in parked_events), [e["payload"]["reason"] for e in parked_events]
        snap = await tally.snapshot(outage)
        assert {cid: r["state"] for cid, r in snap.reports.items()} == {c: "parked" for c in outage}
        assert (await sim.stats())["reports"] == len(created)  # nothing of the outage reached LAPOR!
        print(f"outage parked after {time.monotonic() - started:.1f}s")

        # -- LAPOR! is back: one replay ----------------------------------------------------------
        await sim.healthy()
        replayed = await replay(infra.kafka, topics, None)
        assert replayed == len(parked_events)
        await assert_exactly_once(tally, sim, flaky | outage, timeout=60,
                                  log_marks=pipeline.log_marks)
        # A second replay finds nothing new to send (its consumer group remembers), and creates nothing.
        assert await replay(infra.kafka, topics, None) == 0
        await asyncio.sleep(1.0)
        assert (await sim.stats())["reports"] == N_FLAKY + N_OUTAGE
        print(f"replayed and created after {time.monotonic() - started:.1f}s")
    finally:
        await channel.aclose()
        await sim.aclose()


# ---------------------------------------------------------------------------------------------
# a LAPOR! answer the forwarder cannot record


def _partition(complaint_id: object, partitions: int = 6) -> int:
    return (murmur2(str(complaint_id).encode()) & 0x7FFFFFFF) % partitions


async def test_a_tracking_id_lapor_already_gave_another_complaint_is_parked_not_retried_forever(
        service_env: dict[str, object], infra: stack.Infra, topics: Topics) -> None:
    first, second = SimulatorServer(api_key="k"), SimulatorServer(api_key="k")
    with first, second:
        def settings(sim: SimulatorServer) -> ForwarderSettings:
            return ForwarderSettings(**service_env, lapor_base_url=sim.base_url, lapor_api_key="k",
                                     lapor_timeout_s=0.5, inline_backoff_s=0.05, retry_delays_s=(0.2, 0.4))

        earlier = [routed_event() for _ in range(3)]
        async with running(build(settings(first))):
            await publish_events(infra.kafka, topics.routed, *earlier)
            done = await read_topic(infra.kafka, topics.forwarded, expect=3, timeout=30)
            if {d["payload"]["outcome"] for d in done} != {"created"}:
                raise RuntimeError(f"setup: the first three were not created: {done}")
        taken = {d["payload"]["lapor_tracking_id"] for d in done}
        # The next LAPOR! answer names a report the forwarder already holds for another complaint (a
        # LAPOR! fault, or two simulators sharing one database). The simulator has no public knob for
        # it, so the test sets the sequence itself.
        second.state._next_id = int(max(taken))  # only the first answer clashes

        clash = routed_event()
        behind = routed_event(factories.complaint())
        while _partition(behind.complaint_id) != _partition(clash.complaint_id):
            behind = routed_event(factories.complaint())
        async with running(build(settings(second))):
            await publish_events(infra.kafka, topics.routed, clash, behind)
            await asyncio.sleep(2.0)
            given = [r["tracking_id"] for r in second.state.query(reference=f"aduan-{clash.complaint_id}")]
            if not (given and given[0] in taken):
                raise RuntimeError(f"setup: LAPOR! did not hand out a recorded id: {given} vs {taken}")
            # Correct: a failure that will not pass is parked with its reason, and the partition moves on.
            parked = await read_topic(infra.kafka, topics.forward_dlq, expect=1, timeout=6)
            assert [p["complaint_id"] for p in parked] == [str(clash.complaint_id)]
            forwarded = await read_topic(infra.kafka, topics.forwarded, expect=6, timeout=10)
            assert str(behind.complaint_id) in {f["complaint_id"] for f in forwarded
                                                if f["payload"]["outcome"] == "created"}
