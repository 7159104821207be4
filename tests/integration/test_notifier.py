"""notifier against the real broker and database: clocks opened, stopped and announced."""

from __future__ import annotations

import uuid
from datetime import timedelta

import asyncpg
import pytest

from services.notifier import store
from services.notifier.app import build
from services.notifier.deadlines import Deadline
from services.notifier.settings import NotifierSettings
from shared.events import ComplaintStatus, EventType, StatusChanged, new_envelope, utcnow
from tests.factories import accepted_event, complaint
from tests.support import eventually, publish_events, read_topic, running

pytestmark = pytest.mark.integration


@pytest.fixture
async def notifier(service_env):  # type: ignore[no-untyped-def]
    async with running(build(NotifierSettings(**service_env, scan_interval_s=0.2))) as service:
        yield service


async def _deadlines(database_url, complaint_id):  # type: ignore[no-untyped-def]
    conn = await asyncpg.connect(database_url)
    try:
        return {
            r["clock"]: r
            for r in await conn.fetch("SELECT * FROM notifier.deadlines WHERE complaint_id = $1", complaint_id)
        }
    finally:
        await conn.close()


async def test_an_accepted_complaint_opens_its_verification_deadline(notifier, infra, topics, database_url):
    event = accepted_event()
    await publish_events(infra.kafka, topics.accepted, event, event)  # the redelivery changes nothing

    async def opened():  # type: ignore[no-untyped-def]
        return await _deadlines(database_url, event.complaint_id)

    clocks = await eventually(opened)
    assert {"verification", "completeness_answer"} <= set(clocks)
    verification = clocks["verification"]
    assert verification["stopped_at"] is None
    # 3 working days: at least 3 calendar days after receipt, and never more than 3 + weekends/holidays
    assert timedelta(days=3) <= verification["due_at"] - event.payload.received_at <= timedelta(days=14)


async def test_disposition_stops_verification_and_starts_follow_up(notifier, infra, topics, database_url):
    event = accepted_event()
    await publish_events(infra.kafka, topics.accepted, event)
    await eventually(lambda: _deadlines(database_url, event.complaint_id))
    change = StatusChanged(
        tracking_number=event.payload.tracking_number,
        status=ComplaintStatus.DISPOSED,
        agency_code="kab-lampung-selatan",
        changed_at=utcnow(),
    )
    status = new_envelope(EventType.STATUS_CHANGED, change, producer="test-lapor-sync", complaint_id=event.complaint_id)
    await publish_events(infra.kafka, topics.status, status)

    async def follow_up_open():  # type: ignore[no-untyped-def]
        clocks = await _deadlines(database_url, event.complaint_id)
        return clocks if "follow_up" in clocks else None

    clocks = await eventually(follow_up_open)
    assert clocks["verification"]["stopped_by"] == "disposed"
    assert clocks["follow_up"]["stopped_at"] is None


async def test_an_overdue_clock_is_announced_once_as_warning_breach_and_escalation(
    notifier, infra, topics, database_url
):
    # received three weeks ago: every accepted-clock is past its warning, its deadline and its escalation
    event = accepted_event(complaint(received_at=utcnow() - timedelta(days=21)))
    await publish_events(infra.kafka, topics.accepted, event)
    alerts = await read_topic(infra.kafka, topics.sla_alerts, expect=8, timeout=20, settle=1.0)
    kinds = sorted((a["payload"]["clock"], a["payload"]["kind"], a["payload"]["level"]) for a in alerts)
    # the shipped chain has two escalation levels: the head of agency, then Admin Koordinator / Inspektorat
    assert kinds == sorted(
        [
            (clock, kind, level)
            for clock in ("verification", "completeness_answer")
            for kind, level in (("warning", 0), ("breach", 0), ("escalation", 1), ("escalation", 2))
        ]
    )
    assert {a["payload"]["tracking_number"] for a in alerts} == {event.payload.tracking_number}


async def test_a_stop_that_arrives_before_the_start_opens_the_clock_already_met(notifier, infra, topics, database_url):
    # the disposition (complaints.status) overtakes the acceptance (complaints.accepted): another topic
    c = complaint(received_at=utcnow() - timedelta(days=21))
    change = StatusChanged(
        tracking_number=c.tracking_number,
        status=ComplaintStatus.DISPOSED,
        agency_code="kab-lampung-selatan",
        changed_at=utcnow() - timedelta(days=20),
    )
    await publish_events(
        infra.kafka,
        topics.status,
        new_envelope(EventType.STATUS_CHANGED, change, producer="test-lapor-sync", complaint_id=c.complaint_id),
    )

    async def follow_up_open():  # type: ignore[no-untyped-def]
        return "follow_up" in await _deadlines(database_url, c.complaint_id)

    assert await eventually(follow_up_open)
    await publish_events(infra.kafka, topics.accepted, accepted_event(c))

    async def all_open():  # type: ignore[no-untyped-def]
        clocks = await _deadlines(database_url, c.complaint_id)
        return clocks if {"verification", "completeness_answer"} <= set(clocks) else None

    clocks = await eventually(all_open)
    assert clocks["verification"]["stopped_by"] == "disposed" and clocks["verification"]["next_alert_at"] is None
    assert clocks["completeness_answer"]["stopped_by"] == "disposed"
    alerts = await read_topic(infra.kafka, topics.sla_alerts, expect=100, timeout=4)
    assert "follow_up" in {a["payload"]["clock"] for a in alerts}  # the scan ran over this complaint ...
    assert {a["payload"]["clock"] for a in alerts} <= {"follow_up", "decision"}  # ... and raised no false alarm


async def test_the_complaints_upsert_returns_its_clocks_locked_until_the_transaction_ends(
    notifier, infra, topics, database_url
):  # type: ignore[no-untyped-def]
    event = accepted_event()
    await publish_events(infra.kafka, topics.accepted, event)
    opened = await eventually(lambda: _deadlines(database_url, event.complaint_id))
    lock_nowait = "SELECT clock FROM notifier.deadlines WHERE complaint_id = $1 FOR UPDATE NOWAIT"
    writer, other = await asyncpg.connect(database_url), await asyncpg.connect(database_url)
    try:
        async with writer.transaction():
            known = await store.upsert_complaint(
                writer, event.complaint_id, event.payload.tracking_number, seen=("routed", utcnow())
            )
            assert sorted(c["clock"] for c in known.clocks) == sorted(opened)
            assert {c["due_at"] for c in known.clocks} == {r["due_at"] for r in opened.values()}
            assert set(known.info["events_seen"]) == {"accepted", "routed"}
            with pytest.raises(asyncpg.LockNotAvailableError):
                await other.fetch(lock_nowait, event.complaint_id)
        assert len(await other.fetch(lock_nowait, event.complaint_id)) == len(opened)
    finally:
        await writer.close()
        await other.close()


async def test_one_statement_writes_an_events_clocks_and_notes_only_what_it_opened(notifier, database_url):  # type: ignore[no-untyped-def]
    """store.write_clocks: clocks opened, a changed row written back, and the history in its order, a
    clock's `started` noted only by the statement that opened it (not by a second opening, as another
    replica's would be)."""
    complaint_id, now = uuid.uuid4(), utcnow()

    def clock(name: str, days: int) -> store.NewClock:
        due = now + timedelta(days=days)
        return store.NewClock(Deadline(name, now, due, due - timedelta(days=1), "kota-metro", None), due)

    def started(name: str) -> store.ClockNote:
        return store.ClockNote(name, 0, "started", now, None, {"event": "accepted"}, if_opened=True)

    conn = await asyncpg.connect(database_url)
    try:
        write = {"conn": conn, "complaint_id": complaint_id, "tracking_number": "LPG-TEST-1"}
        opened = await store.write_clocks(
            **write,
            changed=[],
            opening=[clock("verification", 3), clock("decision", 14)],
            notes=[started("verification"), started("decision")],
        )
        assert opened == {"verification", "decision"}
        row = dict((await _deadlines(database_url, complaint_id))["verification"])
        later = row["due_at"] + timedelta(days=2)
        row.update(due_at=later, urusan="kesehatan")
        again = await store.write_clocks(
            **write,
            changed=[row],
            opening=[clock("verification", 3)],
            notes=[store.ClockNote("verification", 0, "rescheduled", now, later, {}), started("verification")],
        )
        assert again == set()
        clocks = await _deadlines(database_url, complaint_id)
        assert clocks["verification"]["due_at"] == later and clocks["verification"]["urusan"] == "kesehatan"
        assert clocks["decision"]["urusan"] is None
        steps = await conn.fetch(
            "SELECT clock, kind FROM notifier.deadline_history WHERE complaint_id = $1 ORDER BY id", complaint_id
        )
        assert [(s["clock"], s["kind"]) for s in steps] == [
            ("verification", "started"),
            ("decision", "started"),
            ("verification", "rescheduled"),
        ]
        assert await store.write_clocks(**write, changed=[], opening=[], notes=[]) == set()
    finally:
        await conn.close()
