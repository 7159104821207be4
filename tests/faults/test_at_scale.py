"""Every fault with more than a thousand complaints in flight, each in a scenario of its own: SIGKILL each
service (and start it again), restart the Kafka broker, stop PostgreSQL for 10 s, LAPOR! down for 60 s and
then back losing answers.

Each scenario runs the whole stack as processes on a database of its own. 1,000 complaints are posted over
HTTP, as many web forms at once (a failed POST is retried with its Idempotency-Key), and 40 more arrive
through complaints.inbound from a kiosk that kept them 21 days: their deadlines are overdue, so the notifier
alerts for them at once, by e-mail, SMS and webhook to local servers. The fault strikes while most of them are
still between intake and LAPOR!. After recovery:

- every complaint accepted once, routed once, one LAPOR! report (counted by the simulator) under its
  reference, its verification clock open (`assert_exactly_once`);
- the forwarder's retry topics drained, nothing on the DLQ or aduan.parked (`assert_drained`);
- every alert the notifier queued sent, each received once (`Alerts.assert_each_delivered_once`) — a
  killed notifier may double only the messages a server had accepted and the notifier had not recorded
  when it died (DESIGN §5, "Delivery"), counted at the kill.

The broker and PostgreSQL scenarios stop and start the local servers deploy/local runs and skip, saying why,
when the broker or the database is not theirs (CI's, testcontainers', an external server).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest

from aduan import stack
from shared.topics import Topics
from tests.faults.harness import (
    Alerts,
    Channel,
    FaultStack,
    Simulator,
    Tally,
    assert_drained,
    assert_exactly_once,
    kafka,
    kill,
    local_broker_or_skip,
    local_postgres_or_skip,
    open_tally,
    postgres,
    restart,
    running_stack,
    until,
)

pytestmark = [pytest.mark.faults, pytest.mark.slow]

N = 1000  # posted over HTTP
OLD = 40  # published to complaints.inbound, received AGE ago: overdue, alerted at once
AGE = timedelta(days=21)
POSTERS = 24  # web forms posting at once
STRIKE_AT = 150  # LAPOR! reports made when the fault strikes: the rest, most of them, still in flight
PG_OUTAGE_S = 10
LAPOR_OUTAGE_S = 60
LOST_RESPONSES = 0.2  # of LAPOR!'s answers once it is back
# Every wait of a scenario has a limit of its own and together they stay under this: a hang between them fails
# here, on the line it hung on, well before pytest-timeout's limit for the whole test.
SCENARIO_LIMIT_S = 900


@dataclass
class Run:
    """One scenario under way: what it sends, what it counts, and its timeline."""

    pipeline: FaultStack
    tally: Tally
    alerts: Alerts
    sim: Simulator
    channel: Channel
    expected: set[str]
    started: float = field(default_factory=time.monotonic)
    timeline: list[str] = field(default_factory=list)
    doubles_allowed: int = 0  # alert messages a kill may double (counted at the kill)

    def note(self, what: str) -> None:
        self.timeline.append(f"{time.monotonic() - self.started:6.1f}s {what}")

    async def created(self) -> int:
        return await self.tally.count_created(self.expected)

    async def await_created(self, n: int, timeout: float = 120.0) -> None:
        async def enough() -> bool:
            return await self.created() >= n

        assert await until(enough, timeout, interval=0.1), f"only {await self.created()} of {n} reports made"
        self.note(f"{await self.created()} LAPOR! reports made")

    async def await_decided(self, n: int, timeout: float = 120.0) -> None:
        async def enough() -> bool:
            return await self.tally.count_decisions(self.expected) >= n

        assert await until(enough, timeout, interval=0.1), "routing never got going"
        self.note(f"{await self.tally.count_decisions(self.expected)} routing decisions made")


Fault = Callable[[Run], Awaitable[None]]


@pytest.fixture
async def scale_tally(own_database_url: str) -> AsyncIterator[Tally]:
    async with open_tally(own_database_url) as counts:
        yield counts


@pytest.fixture
def alerts(tmp_path: Path) -> Iterator[Alerts]:
    servers = Alerts(tmp_path)
    try:
        yield servers
    finally:
        servers.close()


def _pipeline(
    infra: stack.Infra, database_url: str, topics: Topics, alerts: Alerts, restore: Callable[[], object] | None = None
) -> Iterator[FaultStack]:
    """The stack; `restore` brings back what the scenario stopped, whatever happened, before the services stop
    (with no broker or database their shutdown would hang)."""
    with running_stack(infra, database_url, topics.prefix, env_of={"notifier": alerts.notifier_env()}) as local:
        try:
            yield local
        finally:
            if restore is not None:
                restore()


@pytest.fixture
def pipeline(infra, own_database_url, topics, alerts) -> Iterator[FaultStack]:  # type: ignore[no-untyped-def]
    yield from _pipeline(infra, own_database_url, topics, alerts)


@pytest.fixture
def broker_pipeline(infra, own_database_url, topics, alerts) -> Iterator[FaultStack]:  # type: ignore[no-untyped-def]
    local_broker_or_skip(infra)
    yield from _pipeline(infra, own_database_url, topics, alerts, lambda: kafka("up"))


@pytest.fixture
def postgres_pipeline(infra, own_database_url, topics, alerts) -> Iterator[FaultStack]:  # type: ignore[no-untyped-def]
    local_postgres_or_skip(own_database_url)
    yield from _pipeline(infra, own_database_url, topics, alerts, lambda: postgres("up", own_database_url))


async def scenario(
    pipeline: FaultStack,
    tally: Tally,
    alerts: Alerts,
    topics: Topics,
    fault: Fault,
    *,
    recover_timeout: float = 240.0,
) -> Run:
    """Send the complaints, strike with `fault` meanwhile, and check everything after recovery."""
    sim = Simulator(pipeline.url("lapor-sim"))
    # A web form gives up on one POST after 30 s and posts again with the same key, for three minutes.
    channel = Channel(pipeline.url("intake"), give_up_after_s=180, http_timeout_s=30)
    numbers, old = range(N), range(N, N + OLD)
    run = Run(pipeline, tally, alerts, sim, channel, {channel.expected_id(i) for i in [*numbers, *old]})
    strike: asyncio.Task[None] | None = None
    try:
        async with asyncio.timeout(SCENARIO_LIMIT_S):
            await channel.publish_old(pipeline.infra.kafka, topics, old, AGE)
            posting = asyncio.create_task(channel.post_all(numbers, POSTERS))
            strike = asyncio.create_task(fault(run))
            await posting
            run.note(f"all {N} posted: {len(channel.accepted)} answered 202, {len(channel.retried_answers)} retried")
            await strike
            assert not channel.failures, channel.failures[:10]
            assert set(channel.accepted) == {channel.expected_id(i) for i in numbers}

            await assert_exactly_once(tally, sim, run.expected, timeout=recover_timeout, log_marks=pipeline.log_marks)
            run.note(f"{len(run.expected)} complaints each routed once and reported to LAPOR! once")
            await assert_drained(pipeline.infra.kafka, topics, timeout=120)
            run.note("retry topics drained, nothing parked")
            delivered = await alerts.assert_each_delivered_once(
                tally.pool, timeout=120, at_least=OLD, doubles_allowed=run.doubles_allowed
            )
            run.note(
                f"alerts: {delivered['sent']} sent, {delivered['duplicates']} doubled (allowed {run.doubles_allowed})"
            )
            dead = [name for name, proc in pipeline.procs.items() if not proc.alive()]
            assert not dead, f"{dead} died"
            run.note(f"scenario done in {time.monotonic() - run.started:.1f}s")
            return run
    finally:
        if strike is not None:
            strike.cancel()
        print("\n" + "\n".join(run.timeline))
        await channel.aclose()
        await sim.aclose()


# ---------------------------------------------------------------------------------------------
# SIGKILL each service


async def _kill_and_restart(run: Run, name: str) -> None:
    await kill(run.pipeline.procs[name])
    run.note(f"{name} killed")
    await restart(run.pipeline.procs[name])
    run.note(f"{name} ready again")


async def kill_intake(run: Run) -> None:
    # In the middle of the posting: every complaint answered 202 so far has to survive the kill.
    assert await until(lambda: _now(len(run.channel.accepted) >= N // 3), timeout=120), "intake never got going"
    run.note(f"{len(run.channel.accepted)} answered 202")
    await _kill_and_restart(run, "intake")


async def kill_routing(run: Run) -> None:
    await run.await_decided(STRIKE_AT)
    await _kill_and_restart(run, "routing")


async def kill_forwarder(run: Run) -> None:
    await run.await_created(STRIKE_AT)
    await _kill_and_restart(run, "forwarder")


async def kill_notifier(run: Run) -> None:
    # While it delivers the alerts and keeps the clocks of complaints still arriving.
    assert await until(lambda: _now(run.alerts.received() >= OLD), timeout=120), "no alert went out"
    await run.await_created(STRIKE_AT)
    await kill(run.pipeline.procs["notifier"])
    await asyncio.sleep(0.5)  # a request the servers were still reading when the sender died
    recorded = (await run.alerts.outbox(run.tally.pool)).get("sent", 0)
    run.doubles_allowed = run.alerts.received() - recorded
    run.note(f"notifier killed: {run.alerts.received()} alerts received, {recorded} recorded as sent")
    await restart(run.pipeline.procs["notifier"])
    run.note("notifier ready again")


async def _now(value: bool) -> bool:
    return value


@pytest.mark.parametrize("fault", [kill_intake, kill_routing, kill_forwarder, kill_notifier], ids=lambda f: f.__name__)
async def test_a_service_killed_with_a_thousand_complaints_in_flight_loses_and_doubles_nothing(
    pipeline: FaultStack, scale_tally: Tally, alerts: Alerts, topics: Topics, fault: Fault
) -> None:
    await scenario(pipeline, scale_tally, alerts, topics, fault)


# ---------------------------------------------------------------------------------------------
# the broker restarted


async def restart_broker(run: Run) -> None:
    await run.await_created(STRIKE_AT)
    run.note(f"broker down after {await asyncio.to_thread(kafka, 'down'):.1f}s")
    await asyncio.sleep(3.0)  # the outage
    run.note(f"broker up again after {await asyncio.to_thread(kafka, 'up'):.1f}s")


async def test_a_broker_restart_with_a_thousand_complaints_in_flight_loses_and_doubles_nothing(
    broker_pipeline: FaultStack, scale_tally: Tally, alerts: Alerts, topics: Topics
) -> None:
    await scenario(broker_pipeline, scale_tally, alerts, topics, restart_broker)


# ---------------------------------------------------------------------------------------------
# PostgreSQL stopped for 10 s


async def test_postgres_stopped_for_10_s_with_a_thousand_complaints_in_flight_loses_and_doubles_nothing(
    postgres_pipeline: FaultStack, scale_tally: Tally, alerts: Alerts, topics: Topics, own_database_url: str
) -> None:
    async def stop_postgres(run: Run) -> None:
        await run.await_created(STRIKE_AT)
        run.note(f"PostgreSQL down after {await asyncio.to_thread(postgres, 'down', own_database_url):.1f}s")
        await asyncio.sleep(PG_OUTAGE_S)  # the outage
        run.note(f"PostgreSQL up again after {await asyncio.to_thread(postgres, 'up', own_database_url):.1f}s")

    await scenario(postgres_pipeline, scale_tally, alerts, topics, stop_postgres)


# ---------------------------------------------------------------------------------------------
# LAPOR! down for 60 s, then back losing answers


async def lapor_outage(run: Run) -> None:
    await run.await_created(STRIKE_AT)
    await run.sim.faults(reset=1.0)  # every connection dropped before anything is done: LAPOR! is down
    run.note("LAPOR! down")
    await asyncio.sleep(LAPOR_OUTAGE_S)  # the outage
    made = await run.created()
    await run.sim.faults(reset=0.0, lost_response=LOST_RESPONSES)
    run.note(f"LAPOR! back, losing {LOST_RESPONSES:.0%} of its answers ({made} reports made before)")
    await run.await_created(min(made + 100, len(run.expected)), timeout=180)
    injected = (await run.sim.stats())["faults_injected"]
    run.note(f"{injected['reset']} connections dropped while down, {injected['lost_response']} answers lost since")
    assert injected["reset"] > 0 and injected["lost_response"] > 0, injected


async def test_lapor_down_for_60_s_then_losing_answers_with_a_thousand_complaints_in_flight_loses_and_doubles_nothing(
    pipeline: FaultStack, scale_tally: Tally, alerts: Alerts, topics: Topics
) -> None:
    await scenario(pipeline, scale_tally, alerts, topics, lapor_outage, recover_timeout=300)
