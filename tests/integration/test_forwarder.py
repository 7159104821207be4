"""forwarder against the real broker, the real database and the LAPOR! simulator over real HTTP:
exactly one LAPOR! report per complaint, whatever LAPOR! does."""

from __future__ import annotations

import asyncpg
import pytest

from aduan.replay import replay
from services.forwarder.app import build
from services.forwarder.settings import ForwarderSettings
from simulators.lapor.server import SimulatorServer
from tests.factories import complaint, routed_event
from tests.support import eventually, publish_events, read_topic, running

pytestmark = pytest.mark.integration


@pytest.fixture
def simulator():  # type: ignore[no-untyped-def]
    with SimulatorServer(api_key="test-key", seed=7) as sim:
        yield sim


def _settings(service_env, simulator, sync_every_s: float) -> ForwarderSettings:  # type: ignore[no-untyped-def]
    return ForwarderSettings(**service_env, lapor_base_url=simulator.base_url, lapor_api_key="test-key",
                             lapor_timeout_s=0.5, inline_backoff_s=0.05, retry_delays_s=(0.3, 0.6),
                             status_sync_interval_s=sync_every_s, doubt_settle_s=0.5,
                             breaker_failures=1000)  # the breaker has its own test (tests/faults)


@pytest.fixture
async def forwarder(service_env, simulator):  # type: ignore[no-untyped-def]
    # No status sync during these tests: its requests would take the faults meant for the forwards.
    async with running(build(_settings(service_env, simulator, sync_every_s=3600))) as service:
        yield service


@pytest.fixture
async def syncing_forwarder(service_env, simulator):  # type: ignore[no-untyped-def]
    async with running(build(_settings(service_env, simulator, sync_every_s=0.2))) as service:
        yield service




async def test_each_routed_complaint_becomes_exactly_one_lapor_report(forwarder, simulator, infra, topics):
    events = [routed_event() for _ in range(10)]
    # redeliveries: the same event again, and a second event for an already sent complaint
    await publish_events(infra.kafka, topics.routed, *events, events[0],
                         routed_event(events[1].payload.complaint))

    forwarded = await read_topic(infra.kafka, topics.forwarded, expect=12, timeout=30, settle=1.0)
    by_complaint = {f["complaint_id"]: f["payload"] for f in forwarded}
    assert set(by_complaint) == {str(e.complaint_id) for e in events}
    assert all(f["outcome"] == "created" and f["lapor_tracking_id"] for f in by_complaint.values())
    stats = simulator.state.stats()
    assert stats["reports"] == 10 and stats["duplicates"] == 0
    # the same complaint is announced with the same event id, so consumers dedupe the repeats
    assert len({f["event_id"] for f in forwarded}) == 10


async def test_a_timeout_after_lapor_stored_the_report_does_not_create_a_second(forwarder, simulator, infra,
                                                                                 topics):
    simulator.state.set_faults({"slow_create_rate": 1.0, "slow_create_ms": 900})
    event = routed_event()
    await publish_events(infra.kafka, topics.routed, event)
    forwarded = await read_topic(infra.kafka, topics.forwarded, expect=1, timeout=30)
    assert forwarded[0]["payload"]["outcome"] == "created"
    # One create call (it timed out), then the lookup found the report it made: no second create.
    assert forwarded[0]["payload"]["attempts"] == 1
    stats = simulator.state.stats()
    assert stats["reports"] == 1 and stats["duplicates"] == 0 and stats["requests"]["lookup"] >= 1


async def test_failures_that_may_pass_are_retried_later_and_then_succeed(forwarder, simulator, infra, topics):
    simulator.state.set_faults({"fail_next": 4})  # more than the inline tries
    await publish_events(infra.kafka, topics.routed, routed_event())
    forwarded = await read_topic(infra.kafka, topics.forwarded, expect=1, timeout=30)
    assert forwarded[0]["payload"]["outcome"] == "created"
    retries = await read_topic(infra.kafka, topics.forward_retry(1), expect=1, timeout=5)
    assert retries and "503" in retries[0]["payload"]["last_error"]
    assert simulator.state.stats()["reports"] == 1


async def test_a_report_lapor_refuses_is_parked_with_the_reason(forwarder, simulator, infra, topics,
                                                                 database_url):
    simulator.state.set_faults({"reject_next": 1})
    event = routed_event()
    await publish_events(infra.kafka, topics.routed, event)
    parked = await read_topic(infra.kafka, topics.forward_dlq, expect=1, timeout=30)
    assert parked[0]["payload"]["permanent"] is True
    assert "422" in parked[0]["payload"]["reason"]
    forwarded = await read_topic(infra.kafka, topics.forwarded, expect=1, timeout=10)
    assert forwarded[0]["payload"]["outcome"] == "failed"
    assert simulator.state.stats()["reports"] == 0
    conn = await asyncpg.connect(database_url)
    try:
        state = await conn.fetchval("SELECT state FROM forwarder.reports WHERE complaint_id = $1",
                                    event.complaint_id)
    finally:
        await conn.close()
    assert state == "parked"


async def test_retries_run_out_to_the_dlq_and_a_replay_delivers_once_lapor_is_back(forwarder, simulator, infra,
                                                                                    topics):
    simulator.state.set_faults({"error_rate": 1.0})
    events = [routed_event(complaint()) for _ in range(3)]
    await publish_events(infra.kafka, topics.routed, *events)
    parked = await read_topic(infra.kafka, topics.forward_dlq, expect=3, timeout=60)
    assert len(parked) == 3 and not any(p["payload"]["permanent"] for p in parked)
    assert simulator.state.stats()["reports"] == 0

    simulator.state.set_faults({"error_rate": 0.0})
    assert await replay(infra.kafka, topics, None) == 3

    async def created() -> bool:
        found = await read_topic(infra.kafka, topics.forwarded, expect=6, timeout=2)
        return sum(f["payload"]["outcome"] == "created" for f in found) == 3

    assert await eventually(created, timeout=30)
    stats = simulator.state.stats()
    assert stats["reports"] == 3 and stats["duplicates"] == 0


async def test_status_changes_in_lapor_come_back_on_the_status_topic(syncing_forwarder, simulator, infra, topics):
    event = routed_event()
    await publish_events(infra.kafka, topics.routed, event)
    forwarded = await read_topic(infra.kafka, topics.forwarded, expect=1)
    lapor_id = forwarded[0]["payload"]["lapor_tracking_id"]
    simulator.state.advance(lapor_id, "verified", None)
    simulator.state.advance(lapor_id, "disposed", "diteruskan ke Dinas PU")

    changes = await read_topic(infra.kafka, topics.status, expect=2, settle=1.0)
    assert [c["payload"]["status"] for c in changes] == ["verified", "disposed"]
    assert {c["complaint_id"] for c in changes} == {str(event.complaint_id)}
    assert changes[1]["payload"]["note"] == "diteruskan ke Dinas PU"
    assert changes[1]["payload"]["tracking_number"] == event.payload.complaint.tracking_number
