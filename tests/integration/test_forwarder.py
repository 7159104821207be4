"""forwarder against the real broker, the real database and the LAPOR! simulator over real HTTP:
exactly one LAPOR! report per complaint, whatever LAPOR! does."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import asyncpg
import pytest
from prometheus_client import REGISTRY

from aduan.replay import dlq_list, dlq_replay, replay
from services.forwarder.app import build
from services.forwarder.forward import report_for
from services.forwarder.settings import ForwarderSettings
from shared.events import (
    Attachment,
    Channel,
    Envelope,
    EventType,
    FollowUp,
    FollowUpKind,
    Level,
    ReporterResponse,
    RoutedComplaint,
    new_envelope,
    utcnow,
)
from simulators.lapor.server import SimulatorServer
from tests.factories import complaint, decision, routed_event
from tests.support import eventually, publish_events, read_topic, running

pytestmark = pytest.mark.integration


@pytest.fixture
def simulator():  # type: ignore[no-untyped-def]
    with SimulatorServer(api_key="test-key", seed=7) as sim:
        yield sim


def _settings(service_env, simulator, sync_every_s: float) -> ForwarderSettings:  # type: ignore[no-untyped-def]
    return ForwarderSettings(
        **service_env,
        lapor_base_url=simulator.base_url,
        lapor_api_key="test-key",
        lapor_timeout_s=0.5,
        inline_backoff_s=0.05,
        retry_delays_s=(0.3, 0.6),
        status_sync_interval_s=sync_every_s,
        doubt_settle_s=0.5,
        breaker_failures=1000,
    )  # the breaker has its own test (tests/faults)


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
    await publish_events(infra.kafka, topics.routed, *events, events[0], routed_event(events[1].payload.complaint))

    ours = {str(e.complaint_id) for e in events}
    forwarded = await read_topic(infra.kafka, topics.forwarded, expect=12, timeout=30, settle=1.0)
    # the session's database is shared: the forwarder may settle an earlier test's doubt on this topic too
    forwarded = [f for f in forwarded if f["complaint_id"] in ours]
    by_complaint = {f["complaint_id"]: f["payload"] for f in forwarded}
    assert set(by_complaint) == ours
    assert all(f["outcome"] == "created" and f["lapor_tracking_id"] for f in by_complaint.values())
    stats = simulator.state.stats()
    assert stats["reports"] == 10 and stats["duplicates"] == 0
    # the same complaint is announced with the same event id, so consumers dedupe the repeats
    assert len({f["event_id"] for f in forwarded}) == 10


async def test_a_timeout_after_lapor_stored_the_report_does_not_create_a_second(forwarder, simulator, infra, topics):
    simulator.state.set_faults({"slow_create_rate": 1.0, "slow_create_ms": 900})
    event = routed_event()
    await publish_events(infra.kafka, topics.routed, event)
    forwarded = await read_topic(infra.kafka, topics.forwarded, expect=1, timeout=30)
    assert forwarded[0]["payload"]["outcome"] == "created"
    # One create call (it timed out), then the lookup found the report it made: no second create.
    assert forwarded[0]["payload"]["attempts"] == 1
    stats = simulator.state.stats()
    assert stats["reports"] == 1 and stats["duplicates"] == 0 and stats["requests"]["lookup"] >= 1


async def test_a_create_that_waited_its_turn_is_in_doubt_from_its_answer_not_from_its_start(
    service_env, simulator, infra, topics
):  # type: ignore[no-untyped-def]
    # LAPOR! answers every create 504 and carries it out 800 ms later; each create first waits 1 s for its turn
    # (the rate limit, the calls in flight). The doubt settles 1.2 s after the 504, after the report appears;
    # counted from the attempt's start it settled before, the next try found nothing and created a second.
    simulator.state.set_faults({"slow_apply": 1.0, "slow_apply_ms": 800})
    settings = _settings(service_env, simulator, sync_every_s=3600).model_copy(update={"doubt_settle_s": 1.2})
    async with running(build(settings)) as service:
        guard = service.handlers.guard  # type: ignore[attr-defined]
        through = guard.call

        async def after_its_turn(what):  # type: ignore[no-untyped-def]
            if getattr(what, "func", None) is not None and what.func.__name__ == "create_report":
                await asyncio.sleep(1.0)
            return await through(what)

        guard.call = after_its_turn
        await publish_events(infra.kafka, topics.routed, routed_event())
        forwarded = await read_topic(infra.kafka, topics.forwarded, expect=1, timeout=30)
    assert forwarded[0]["payload"]["outcome"] == "created"
    await asyncio.sleep(1.0)  # a second create would appear by now
    stats = simulator.state.stats()
    assert (stats["reports"], stats["duplicates"]) == (1, 0), stats


async def test_failures_that_may_pass_are_retried_later_and_then_succeed(forwarder, simulator, infra, topics):
    simulator.state.set_faults({"fail_next": 4})  # more than the inline tries
    await publish_events(infra.kafka, topics.routed, routed_event())
    forwarded = await read_topic(infra.kafka, topics.forwarded, expect=1, timeout=30)
    assert forwarded[0]["payload"]["outcome"] == "created"
    retries = await read_topic(infra.kafka, topics.forward_retry(1), expect=1, timeout=5)
    assert retries and "503" in retries[0]["payload"]["last_error"]
    assert simulator.state.stats()["reports"] == 1


async def test_a_report_lapor_refuses_is_parked_with_the_reason(forwarder, simulator, infra, topics, database_url):
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
        state = await conn.fetchval("SELECT state FROM forwarder.reports WHERE complaint_id = $1", event.complaint_id)
    finally:
        await conn.close()
    assert state == "parked"


async def test_retries_run_out_to_the_dlq_and_a_replay_delivers_once_lapor_is_back(forwarder, simulator, infra, topics):
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


# ---------------------------------------------------------------------------------------------
# issue 9: steps held until the tracking id is known, re-routes, the reporter's response, in doubt,
# the DLQ as a tool


async def _row(database_url: str, complaint_id: object) -> asyncpg.Record:
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetchrow("SELECT * FROM forwarder.reports WHERE complaint_id = $1", complaint_id)
    finally:
        await conn.close()


async def test_status_steps_taken_before_the_tracking_id_is_known_are_published_once_in_order(
    service_env, simulator, infra, topics, database_url
):
    # LAPOR! answers 504 and makes the report 0.8 s later; it is verified and disposed at once. The
    # forwarder does not know the tracking id until its look-up finds the report (after the doubt
    # settled), while the status sync has already read the steps past its cursor: they are held.
    simulator.state.set_lifecycle(
        {"auto": True, "time_scale": 1.0, "verify_after_s": 0.0, "dispose_after_s": 0.0, "follow_up_after_s": 3600.0}
    )
    simulator.state.set_faults({"slow_apply": 1.0, "slow_apply_ms": 800})
    settings = _settings(service_env, simulator, sync_every_s=0.1).model_copy(
        update={"doubt_settle_s": 2.5, "status_page_size": 2}
    )
    async with running(build(settings)) as service:
        event = routed_event()
        await publish_events(infra.kafka, topics.routed, event)
        assert await eventually(lambda: _held(database_url), timeout=10), "no step was held"
        simulator.state.set_faults({"slow_apply": 0.0})
        forwarded = await read_topic(infra.kafka, topics.forwarded, expect=1, timeout=30)
        assert forwarded[0]["payload"]["outcome"] == "created"
        changes = await read_topic(infra.kafka, topics.status, expect=2, timeout=15, settle=1.5)
        assert [c["payload"]["status"] for c in changes] == ["verified", "disposed"]
        assert simulator.state.stats()["reports_created"] == 1
        assert await service.handlers.sync_status_once() == 0  # nothing twice


async def _held(database_url: str) -> bool:
    conn = await asyncpg.connect(database_url)
    try:
        return bool(await conn.fetchval("SELECT count(*) FROM forwarder.status_backlog"))
    finally:
        await conn.close()


async def test_a_reroute_after_bukan_wewenang_disposes_the_report_to_the_new_agency_once(
    syncing_forwarder, simulator, infra, topics
):
    first = routed_event()
    await publish_events(infra.kafka, topics.routed, first)
    lapor_id = (await read_topic(infra.kafka, topics.forwarded, expect=1))[0]["payload"]["lapor_tracking_id"]
    simulator.state.advance(lapor_id, "verified", None)
    simulator.state.advance(lapor_id, "disposed", None)
    simulator.state.advance(lapor_id, "not_our_authority", "bukan wewenang")

    new = decision(agency_code="prov-dinas-pendidikan", region_code="18", level=Level.PROVINSI, urusan="pendidikan")
    reroute = new_envelope(
        EventType.ROUTED,
        RoutedComplaint(complaint=first.payload.complaint, decision=new, reroute_of=first.event_id),
        producer="test-routing",
        complaint_id=first.complaint_id,
    )
    # twice: a redelivery of the re-route changes nothing more
    await publish_events(infra.kafka, topics.routed, reroute, reroute, first)
    changes = await read_topic(infra.kafka, topics.status, expect=4, timeout=20, settle=1.5)
    assert [(c["payload"]["status"], c["payload"]["agency_code"]) for c in changes] == [
        ("verified", "kab-lampung-selatan"),
        ("disposed", "kab-lampung-selatan"),
        ("not_our_authority", "kab-lampung-selatan"),
        ("disposed", "prov-dinas-pendidikan"),
    ]
    report = simulator.state.get(lapor_id)
    assert report["agency_code"] == "prov-dinas-pendidikan"
    assert simulator.state.stats()["reports_created"] == 1


async def test_the_reporters_response_reopens_the_report_once(syncing_forwarder, simulator, infra, topics):
    event = routed_event()
    await publish_events(infra.kafka, topics.routed, event)
    lapor_id = (await read_topic(infra.kafka, topics.forwarded, expect=1))[0]["payload"]["lapor_tracking_id"]
    for status in ("verified", "disposed", "followed_up"):
        simulator.state.advance(lapor_id, status, None)
    response = new_envelope(
        EventType.REPORTER_RESPONDED,
        ReporterResponse(
            tracking_number=event.payload.complaint.tracking_number,
            text="Belum selesai, jalan masih berlubang.",
            responded_at=utcnow(),
        ),
        producer="test-intake",
        complaint_id=event.complaint_id,
    )
    await publish_events(infra.kafka, topics.responses, response, response)  # and its redelivery
    changes = await read_topic(infra.kafka, topics.status, expect=4, timeout=20, settle=1.5)
    assert [c["payload"]["status"] for c in changes] == ["verified", "disposed", "followed_up", "reopened"]
    report = simulator.state.get(lapor_id)
    assert [r["text"] for r in report["responses"]] == ["Belum selesai, jalan masih berlubang."]
    assert report["status"] == "reopened"


def _follow_up(
    event: Envelope[RoutedComplaint],
    text: str,
    *,
    kind: FollowUpKind = FollowUpKind.MESSAGE,
    attachments: tuple[Attachment, ...] = (),
    minutes: int = 0,
) -> Envelope[Any]:
    return new_envelope(
        EventType.FOLLOW_UP,
        FollowUp(
            tracking_number=event.payload.complaint.tracking_number,
            kind=kind,
            channel=Channel.EMAIL,
            channel_message_id=f"<{uuid.uuid4()}@mail.example>",
            received_at=utcnow() + timedelta(minutes=minutes),
            text=text,
            attachments=attachments,
            reason="In-Reply-To",
        ),
        producer="test-intake",
        complaint_id=event.complaint_id,
    )


async def _message_states(database_url: str, complaint_id: object) -> list[str]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT state FROM forwarder.responses WHERE complaint_id = $1 ORDER BY received_at", complaint_id
        )
        return [r["state"] for r in rows]
    finally:
        await conn.close()


async def test_follow_ups_before_and_after_the_agencys_follow_up_reach_lapor_once_in_order(
    forwarder, simulator, infra, topics, database_url
):
    # No periodic status sync (the `forwarder` fixture): each round is run here, so the order is known.
    event = routed_event()
    await publish_events(infra.kafka, topics.routed, event)
    lapor_id = (await read_topic(infra.kafka, topics.forwarded, expect=1))[0]["payload"]["lapor_tracking_id"]
    for status in ("verified", "disposed"):
        simulator.state.advance(lapor_id, status, None)
    photo = "http://127.0.0.1:8080/v1/attachments/a1?expires=1&signature=abc"
    before = _follow_up(
        event, "Sudah seminggu belum ada perbaikan.", attachments=(Attachment(url=photo, media_type="image/jpeg"),)
    )
    await publish_events(infra.kafka, topics.follow_ups, before, before)  # and its redelivery
    # LAPOR! takes no response before the agency's follow-up (409): the message waits, it is not dropped.
    assert await eventually(lambda: _is(database_url, event.complaint_id, ["waiting"]), timeout=20)
    assert simulator.state.get(lapor_id)["responses"] == []

    simulator.state.advance(lapor_id, "followed_up", "jalan sudah ditambal")
    await forwarder.handlers.sync_status_once()  # sees the follow-up, then sends what waited for it
    first = f"Sudah seminggu belum ada perbaikan.\n\nLampiran: {photo}"
    report = simulator.state.get(lapor_id)
    assert [r["text"] for r in report["responses"]] == [first]
    assert report["status"] == "reopened"

    simulator.state.advance(lapor_id, "followed_up", "jalan sudah diaspal")  # the agency's second follow-up
    after = _follow_up(event, "Masih berlubang di dekat pasar.", minutes=1)
    linked = _follow_up(event, "Jalan rusak di Natar.", kind=FollowUpKind.DUPLICATE, minutes=2)
    await publish_events(infra.kafka, topics.follow_ups, after, after, before, linked)  # redeliveries, a duplicate
    assert await eventually(lambda: _is(database_url, event.complaint_id, ["sent", "sent"]), timeout=20)
    await forwarder.handlers.sync_status_once()
    await forwarder.handlers.sync_status_once()

    report = simulator.state.get(lapor_id)
    assert [r["text"] for r in report["responses"]] == [first, "Masih berlubang di dekat pasar."]
    assert report["status"] == "reopened"
    changes = await read_topic(infra.kafka, topics.status, expect=6, timeout=20, settle=1.0)
    assert [c["payload"]["status"] for c in changes] == [
        "verified",
        "disposed",
        "followed_up",
        "reopened",
        "followed_up",
        "reopened",
    ]


async def test_messages_that_waited_go_as_one_response_once_the_agency_followed_up(
    forwarder, simulator, infra, topics, database_url
):
    event = routed_event()
    # A follow-up before the complaint is even in LAPOR!, and the reporter's answer before the
    # agency's follow-up (LAPOR! refuses it with 409): both kept until LAPOR! takes them.
    early = _follow_up(event, "Tambahan: lubangnya makin besar.")
    await publish_events(infra.kafka, topics.follow_ups, early)
    assert await eventually(lambda: _is(database_url, event.complaint_id, ["pending"]), timeout=20)
    await publish_events(infra.kafka, topics.routed, event)
    lapor_id = (await read_topic(infra.kafka, topics.forwarded, expect=1))[0]["payload"]["lapor_tracking_id"]
    simulator.state.advance(lapor_id, "verified", None)
    answer = new_envelope(
        EventType.REPORTER_RESPONDED,
        ReporterResponse(
            tracking_number=event.payload.complaint.tracking_number,
            text="Belum selesai.",
            responded_at=utcnow() + timedelta(minutes=5),
        ),
        producer="test-intake",
        complaint_id=event.complaint_id,
    )
    await publish_events(infra.kafka, topics.responses, answer, answer)
    assert await eventually(lambda: _is(database_url, event.complaint_id, ["waiting", "waiting"]), timeout=20)
    assert await forwarder.handlers.sync_status_once() == 1  # verified; nothing sent yet
    assert simulator.state.get(lapor_id)["responses"] == []

    simulator.state.advance(lapor_id, "followed_up", None)
    await forwarder.handlers.sync_status_once()
    await forwarder.handlers.sync_status_once()
    report = simulator.state.get(lapor_id)
    assert len(report["responses"]) == 1  # one follow-up of the agency, one response
    text = report["responses"][0]["text"]
    assert text.index("Tambahan: lubangnya makin besar.") < text.index("Belum selesai.")
    assert report["responses"][0]["reference"] == f"resp-{early.event_id}"
    assert report["status"] == "reopened"
    assert await _message_states(database_url, event.complaint_id) == ["sent", "sent"]


async def test_messages_on_a_report_lapor_closed_are_refused_with_the_reason_not_kept_waiting(
    forwarder, simulator, infra, topics, database_url
):
    closing, open_one = routed_event(), routed_event()
    await publish_events(infra.kafka, topics.routed, closing, open_one)
    forwarded = await read_topic(infra.kafka, topics.forwarded, expect=2)
    lapor = {f["complaint_id"]: f["payload"]["lapor_tracking_id"] for f in forwarded}
    for event in (closing, open_one):
        simulator.state.advance(lapor[str(event.complaint_id)], "verified", None)
    # Before the agency's follow-up LAPOR! answers 409: both reporters' messages wait.
    await publish_events(
        infra.kafka, topics.follow_ups, _follow_up(closing, "Masih rusak."), _follow_up(open_one, "Tolong cepat.")
    )
    for event in (closing, open_one):
        assert await eventually(lambda e=event: _is(database_url, e.complaint_id, ["waiting"]), timeout=20)
    refused_before = _reporter_messages("refused")

    simulator.state.advance(lapor[str(closing.complaint_id)], "closed", None)
    await forwarder.handlers.sync_status_once()  # sees `closed`; the round then refuses what waited on it
    assert await _message_states(database_url, closing.complaint_id) == ["refused"]
    assert await _message_states(database_url, open_one.complaint_id) == ["waiting"]  # its report is open
    assert _reporter_messages("refused") == refused_before + 1

    # A message written after the close: LAPOR! refuses it (409), and the next round refuses it for good.
    await publish_events(infra.kafka, topics.follow_ups, _follow_up(closing, "Kenapa ditutup?", minutes=3))
    assert await eventually(lambda: _is(database_url, closing.complaint_id, ["refused", "waiting"]), timeout=20)
    await forwarder.handlers.sync_status_once()
    assert await _message_states(database_url, closing.complaint_id) == ["refused", "refused"]
    conn = await asyncpg.connect(database_url)
    try:
        reasons = await conn.fetch(
            "SELECT last_error FROM forwarder.responses WHERE complaint_id = $1", closing.complaint_id
        )
    finally:
        await conn.close()
    assert {r["last_error"] for r in reasons} == {"the LAPOR! report was closed before it took the message"}
    assert simulator.state.get(lapor[str(closing.complaint_id)])["responses"] == []


async def test_a_response_in_doubt_on_a_report_closed_since_is_looked_up_not_left_pending(
    forwarder, simulator, infra, topics, database_url
):
    event = routed_event()
    lapor_id, _ = await _answer_lost(simulator, infra, topics, database_url, event, "Pesan yang jawabannya hilang.")
    simulator.state.advance(lapor_id, "closed", None)  # closed before the forwarder learnt the outcome
    await forwarder.handlers.sync_status_once()  # sees `closed`; the response is looked up, not refused
    assert await _message_states(database_url, event.complaint_id) == ["sent"]
    assert [r["text"] for r in simulator.state.get(lapor_id)["responses"]] == ["Pesan yang jawabannya hilang."]


async def _answer_lost(simulator, infra, topics, database_url, event, text):  # type: ignore[no-untyped-def]
    """The complaint in LAPOR! and followed up, and a follow-up sent as a response whose answer was lost
    (LAPOR! took it): in doubt in forwarder.responses. Returns the LAPOR! number and the follow-up."""
    await publish_events(infra.kafka, topics.routed, event)
    lapor_id = (await read_topic(infra.kafka, topics.forwarded, expect=1))[0]["payload"]["lapor_tracking_id"]
    for status in ("verified", "disposed", "followed_up"):
        simulator.state.advance(lapor_id, status, None)
    simulator.state.set_faults({"lost_response": 1.0})  # LAPOR! takes the response, the answer never comes
    lost = _follow_up(event, text)
    await publish_events(infra.kafka, topics.follow_ups, lost)

    async def in_doubt() -> bool:
        conn = await asyncpg.connect(database_url)
        try:
            return bool(
                await conn.fetchval(
                    "SELECT doubt_at IS NOT NULL AND reference IS NOT NULL FROM forwarder.responses"
                    " WHERE event_id = $1 AND state = 'pending'",
                    lost.event_id,
                )
            )
        finally:
            await conn.close()

    assert await eventually(in_doubt, timeout=20)
    simulator.state.set_faults({"lost_response": 0.0})
    return lapor_id, lost


def _reporter_messages(outcome: str) -> float:
    return REGISTRY.get_sample_value("aduan_reporter_messages_total", {"outcome": outcome}) or 0.0


async def test_a_response_whose_answer_was_lost_is_looked_up_not_sent_twice(
    forwarder, simulator, infra, topics, database_url
):
    event = routed_event()
    lapor_id, lost = await _answer_lost(simulator, infra, topics, database_url, event, "Pesan pertama.")
    later = _follow_up(event, "Pesan kedua.", minutes=1)
    await publish_events(infra.kafka, topics.follow_ups, later, lost)
    # the first was found on the report; the second waits for the next follow-up (the first reopened it)
    assert await eventually(lambda: _is(database_url, event.complaint_id, ["sent", "waiting"]), timeout=20)
    simulator.state.advance(lapor_id, "followed_up", None)
    await forwarder.handlers.sync_status_once()
    report = simulator.state.get(lapor_id)
    assert [r["text"] for r in report["responses"]] == ["Pesan pertama.", "Pesan kedua."]
    assert report["status"] == "reopened"
    assert await _message_states(database_url, event.complaint_id) == ["sent", "sent"]


async def _is(database_url: str, complaint_id: object, states: list[str]) -> bool:
    return await _message_states(database_url, complaint_id) == states


async def test_parked_in_doubt_is_reconciled_by_a_lookup(forwarder, simulator, infra, topics, database_url):
    # LAPOR! answers every call 503: each create may or may not have been carried out.
    simulator.state.set_faults({"error_rate": 1.0})
    exists, absent = routed_event(), routed_event()
    await publish_events(infra.kafka, topics.routed, exists, absent)
    parked = await read_topic(infra.kafka, topics.forwarded, expect=2, timeout=60)
    assert {p["payload"]["outcome"] for p in parked} == {"in_doubt"}  # not "failed": the report may exist
    assert {(await _row(database_url, e.complaint_id))["state"] for e in (exists, absent)} == {"in_doubt"}
    # One of the 503s had in fact gone through (LAPOR! made the report, the answer was an error).
    simulator.state.set_faults({"error_rate": 0.0})
    made = simulator.state.create({**report_for(exists.payload).model_dump(mode="json")})
    await asyncio.sleep(0.6)  # past doubt_settle_s
    assert await forwarder.handlers.reconcile_once() == 2
    assert (await _row(database_url, exists.complaint_id))["lapor_tracking_id"] == made["tracking_id"]
    assert (await _row(database_url, absent.complaint_id))["state"] == "parked"
    after = await read_topic(infra.kafka, topics.forwarded, expect=4, timeout=10)
    assert {(a["complaint_id"], a["payload"]["outcome"]) for a in after} == {
        (str(exists.complaint_id), "in_doubt"),
        (str(absent.complaint_id), "in_doubt"),
        (str(exists.complaint_id), "created"),
        (str(absent.complaint_id), "failed"),
    }

    # The DLQ as a tool: the one still parked is listed, replayed once, and created once.
    ours = {exists.complaint_id, absent.complaint_id}  # the session's database holds other tests' too
    listed = [p for p in await dlq_list(service_env_url(forwarder)) if p.complaint_id in ours]
    assert [(p.complaint_id, p.state) for p in listed] == [(absent.complaint_id, "parked")]
    assert listed[0].reason and listed[0].attempts >= 1 and listed[0].since is not None
    sent, skipped = await dlq_replay(
        infra.kafka, service_env_url(forwarder), topics, complaint_ids=[absent.complaint_id, exists.complaint_id]
    )
    assert sent == [absent.complaint_id] and len(skipped) == 1  # the created one is not replayed
    assert await eventually(lambda: _state_is(database_url, absent.complaint_id, "created"), timeout=20)
    sent_again, _ = await dlq_replay(infra.kafka, service_env_url(forwarder), topics, complaint_ids=list(ours))
    assert sent_again == []
    assert [p for p in await dlq_list(service_env_url(forwarder)) if p.complaint_id in ours] == []
    stats = simulator.state.stats()
    assert stats["reports_created"] == 2 and stats["duplicate_references"] == 0


def service_env_url(service) -> str:  # type: ignore[no-untyped-def]
    return service.settings.database_url


async def _state_is(database_url: str, complaint_id: object, state: str) -> bool:
    return (await _row(database_url, complaint_id))["state"] == state
