"""intake against the real broker and database: HTTP and Kafka channels in, accepted or rejected out."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer

from services.intake import store, timeline_store
from services.intake.app import build
from services.intake.tracking import numbers
from shared.events import (
    Channel,
    Complaint,
    ComplaintStatus,
    EventType,
    Forwarded,
    ForwardOutcome,
    InboundMessage,
    Level,
    RoutedComplaint,
    RoutingDecision,
    StatusChanged,
    complaint_id_for,
    new_envelope,
    utcnow,
)
from tests.factories import complaint
from tests.intake_support import gateways, intake_settings
from tests.support import eventually, publish_events, read_topic, running

pytestmark = pytest.mark.integration

FORM = {
    "title": "Jalan berlubang di Kedaton",
    "body": "<p>Jalan di depan pasar Kedaton <b>berlubang</b> besar, sudah tiga bulan tidak diperbaiki.</p>",
    "reporter": {"name": "Rina Contoh", "phone": "0812-0000-1234", "email": "rina@example.com"},
    "location": {"text": "Jl. Teuku Umar, Kedaton, Bandar Lampung"},
}


@pytest.fixture
async def intake(service_env):  # type: ignore[no-untyped-def]
    service = build(intake_settings(service_env))
    async with running(service):
        transport = httpx.ASGITransport(app=service.asgi())
        async with httpx.AsyncClient(transport=transport, base_url="http://intake") as client:
            yield service, client


async def test_web_form_is_accepted_normalised_and_answered_with_its_tracking_number(intake, infra, topics):
    _, client = intake
    response = await client.post("/v1/complaints", json=FORM, headers={"Idempotency-Key": "form-1"})
    assert response.status_code == 202
    tracking = response.json()["tracking_number"]
    assert tracking.startswith("LPG-")

    inbound = await read_topic(infra.kafka, topics.inbound, expect=1)
    assert [e["payload"]["tracking_number"] for e in inbound] == [tracking]

    accepted = await read_topic(infra.kafka, topics.accepted, expect=1)
    assert len(accepted) == 1
    event = accepted[0]
    complaint = event["payload"]
    assert event["event_type"] == EventType.ACCEPTED
    assert event["correlation_id"] == inbound[0]["correlation_id"]
    assert complaint["tracking_number"] == tracking
    assert complaint["body"].startswith("Jalan di depan pasar Kedaton berlubang besar")
    assert "<p>" in complaint["original_body"]
    assert complaint["reporter"]["phone"] == "+6281200001234"

    lookup = await eventually(lambda: _status_of(client, tracking))
    assert lookup == 200


async def _status_of(client: httpx.AsyncClient, tracking: str) -> int | None:
    response = await client.get(f"/v1/complaints/{tracking}")
    return response.status_code if response.status_code == 200 else None


async def test_a_retried_form_gets_the_same_tracking_number_and_one_complaint(intake, infra, topics):
    _, client = intake
    first = await client.post("/v1/complaints", json=FORM, headers={"Idempotency-Key": "retry-1"})
    second = await client.post("/v1/complaints", json=FORM, headers={"Idempotency-Key": "retry-1"})
    assert first.json()["tracking_number"] == second.json()["tracking_number"]
    await read_topic(infra.kafka, topics.inbound, expect=2)
    accepted = await read_topic(infra.kafka, topics.accepted, expect=1, settle=2.0)
    assert len(accepted) == 1


async def test_invalid_form_is_refused_with_problem_json_naming_each_field(intake, infra, topics):
    _, client = intake
    bad = {**FORM, "body": "rusak", "reporter": {"phone": "12", "email": "not-an-email"}}
    response = await client.post("/v1/complaints", json=bad)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    fields = {e["field"]: e["code"] for e in response.json()["errors"]}
    assert fields == {"body": "too_short", "reporter.phone": "invalid_phone", "reporter.email": "invalid_email"}
    assert await read_topic(infra.kafka, topics.inbound, expect=1, timeout=2.0) == []


async def test_kafka_channel_input_that_fails_validation_is_answered_on_rejected(intake, infra, topics):
    bad = InboundMessage(
        channel=Channel.APP, channel_message_id="app-bad-1", received_at=utcnow(), raw={"title": "x"}
    )  # no body
    await publish_events(infra.kafka, topics.inbound, new_envelope(EventType.RECEIVED, bad, producer="test-app"))
    producer = AIOKafkaProducer(bootstrap_servers=infra.kafka)
    await producer.start()
    await producer.send_and_wait(topics.inbound, b"{not json", key=b"garbage")
    await producer.stop()

    rejected = await read_topic(infra.kafka, topics.rejected, expect=2)
    codes = sorted(r["payload"]["reasons"][0]["code"] for r in rejected)
    assert codes == ["invalid_envelope", "missing_field"]
    missing = next(r for r in rejected if r["payload"]["reasons"][0]["code"] == "missing_field")
    assert missing["payload"]["reasons"][0]["field"] == "body"
    assert missing["complaint_id"] == str(complaint_id_for("app", "app-bad-1"))
    assert await read_topic(infra.kafka, topics.accepted, expect=1, timeout=1.0) == []


async def test_a_redelivered_inbound_event_is_accepted_once(intake, infra, topics):
    message = InboundMessage(
        channel=Channel.APP,
        channel_message_id="app-dup-1",
        received_at=utcnow(),
        raw={"body": "Lampu jalan di Jl. Ahmad Yani Kota Metro mati sejak seminggu."},
    )
    envelope = new_envelope(EventType.RECEIVED, message, producer="test-app")
    await publish_events(infra.kafka, topics.inbound, envelope, envelope, envelope)
    accepted = await read_topic(infra.kafka, topics.accepted, expect=1, settle=2.0)
    assert len(accepted) == 1
    assert accepted[0]["payload"]["title"] == "Lampu jalan di Jl. Ahmad Yani Kota Metro mati sejak seminggu."


async def test_gateway_webhooks_publish_every_message_and_report_each_verdict(intake, infra, topics):
    _, client = intake
    sms = await gateways(client).sms(
        {
            "message": "Sampah menumpuk di pasar Gisting Tanggamus sudah 2 minggu",
            "phoneNumber": "081200005678",
            "receivedAt": "2026-11-20T08:15:00+07:00",
        }
    )
    empty = await gateways(client).sms({"message": "", "phoneNumber": "081200005678"})
    assert sms.status_code == empty.status_code == 202
    assert len(sms.json()["accepted"]) == 1
    assert empty.json()["accepted"] == [] and empty.json()["rejected"]

    accepted = await read_topic(infra.kafka, topics.accepted, expect=1)
    rejected = await read_topic(infra.kafka, topics.rejected, expect=1)
    assert accepted[0]["payload"]["reporter"]["phone"] == "+6281200005678"
    assert accepted[0]["payload"]["channel"] == "sms"
    assert rejected[0]["payload"]["channel"] == "sms"


async def test_a_citizen_follows_the_complaint_through_routing_lapor_and_the_agency(intake, infra, topics):
    _, client = intake
    answer = await client.post("/v1/complaints", json=FORM, headers={"Idempotency-Key": "follow-1"})
    tracking = answer.json()["tracking_number"]
    accepted = (await read_topic(infra.kafka, topics.accepted, expect=1))[0]
    complaint = Complaint.model_validate(accepted["payload"])
    assert await eventually(lambda: _status_of(client, tracking)) == 200  # intake's row is committed
    assert (await client.get(f"/v1/complaints/{tracking}")).json()["status"] == "accepted"

    decision = RoutingDecision(
        level=Level.KABKOTA,
        urusan="pekerjaan_umum",
        region_code="18.71",
        agency_code="kota-bandar-lampung",
        confidence=0.9,
        reasons=("Kedaton",),
    )
    routed = new_envelope(
        EventType.ROUTED,
        RoutedComplaint(complaint=complaint, decision=decision),
        producer="test-routing",
        complaint_id=complaint.complaint_id,
    )
    forwarded = new_envelope(
        EventType.FORWARDED,
        Forwarded(
            tracking_number=tracking,
            agency_code="kota-bandar-lampung",
            outcome=ForwardOutcome.CREATED,
            lapor_tracking_id="9300001",
            attempts=1,
        ),
        producer="test-forwarder",
        complaint_id=complaint.complaint_id,
    )
    verified = new_envelope(
        EventType.STATUS_CHANGED,
        StatusChanged(tracking_number=tracking, status=ComplaintStatus.VERIFIED, changed_at=utcnow()),
        producer="test-forwarder",
        complaint_id=complaint.complaint_id,
    )
    # topics are read independently, so the status may be seen before the forward and the routing:
    # make that happen for sure, then deliver the earlier stages late
    await publish_events(infra.kafka, topics.status, verified)

    async def seen_verified() -> dict | None:  # type: ignore[type-arg]
        body = (await client.get(f"/v1/complaints/{tracking}")).json()
        return body if body["status"] == "verified" else None

    await eventually(seen_verified)
    await publish_events(infra.kafka, topics.forwarded, forwarded)
    await publish_events(infra.kafka, topics.routed, routed)

    async def everything_known() -> dict | None:  # type: ignore[type-arg]
        body = (await client.get(f"/v1/complaints/{tracking}")).json()
        return body if body["agency_code"] and body["lapor_tracking_id"] else None

    body = await eventually(everything_known)
    assert body["status"] == "verified"  # the furthest stage wins, whatever the order of arrival
    assert body["agency_code"] == "kota-bandar-lampung" and body["lapor_tracking_id"] == "9300001"
    assert body["status_text"]


async def test_a_tracking_number_is_found_as_read_out_and_a_slip_answered_with_did_you_mean(intake, infra, topics):
    _, client = intake
    answer = await client.post("/v1/complaints", json=FORM, headers={"Idempotency-Key": "read-out-1"})
    tracking = answer.json()["tracking_number"]
    assert await eventually(lambda: _status_of(client, tracking)) == 200
    # lower case, no dashes, spaces between the groups, O typed for 0 and L for 1
    spoken = tracking.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    found = await client.get(f"/v1/complaints/{spoken}")
    assert found.status_code == 200 and found.json()["tracking_number"] == tracking

    code = tracking.removeprefix("LPG-")
    slip = code[:-1] + ("Z" if code[-1] != "Z" else "Y")  # the check character heard wrong
    missed = await client.get(f"/v1/complaints/LPG-{slip}")
    assert missed.status_code == 404
    assert [e["message"] for e in missed.json()["errors"] if e["code"] == "did_you_mean"] == [
        f"Maksud Anda {tracking}?"
    ]
    assert (await client.get("/v1/complaints/LPG-0000-0000-0000")).json()["errors"] == []


async def test_a_tracking_number_collision_keeps_both_complaints(intake, infra, topics):
    service, client = intake
    message = InboundMessage(
        channel=Channel.APP,
        channel_message_id="app-collide-1",
        received_at=utcnow(),
        raw={"body": "Jembatan gantung di Desa Sukajaya Pesawaran putus sejak kemarin."},
    )
    complaint_id = complaint_id_for("app", "app-collide-1")
    taken, longer, *_ = numbers(complaint_id, prefix="LPG")
    # another complaint holds the number this one would get
    await service.db.pool.execute(
        "INSERT INTO intake.complaints (complaint_id, tracking_number, channel, channel_message_id, received_at,"
        " correlation_id) VALUES ($1, $2, 'web', 'other-complaint', now(), 'c')",
        uuid.uuid4(),
        taken,
    )
    envelope = new_envelope(EventType.RECEIVED, message, producer="test-app")
    await publish_events(infra.kafka, topics.inbound, envelope, envelope)

    accepted = await read_topic(infra.kafka, topics.accepted, expect=1, settle=2.0)
    assert [a["payload"]["tracking_number"] for a in accepted] == [longer]
    assert await eventually(lambda: _status_of(client, longer)) == 200
    rows = await service.db.pool.fetch(
        "SELECT tracking_number FROM intake.complaints WHERE tracking_number"
        " = ANY($1) ORDER BY length(tracking_number)",
        [taken, longer],
    )
    assert [r["tracking_number"] for r in rows] == [taken, longer]


async def test_a_reporters_reply_handle_is_the_first_one_minted_even_against_a_concurrent_writer(intake, database_url):  # type: ignore[no-untyped-def]
    stored = complaint()
    first, second = await asyncpg.connect(database_url), await asyncpg.connect(database_url)
    try:
        await store.record_accepted(first, stored, "corr-1")
        assert await store.record_reporter(first, stored, "rh_first") == "rh_first"
        assert await store.record_reporter(first, stored, "rh_again") == "rh_first"  # a redelivery

        racer = complaint()
        await store.record_accepted(first, racer, "corr-2")
        tx = first.transaction()
        await tx.start()
        assert await store.record_reporter(first, racer, "rh_winner") == "rh_winner"  # not committed yet
        waiting = asyncio.create_task(store.record_reporter(second, racer, "rh_loser"))
        await asyncio.sleep(0.3)
        assert not waiting.done()  # the insert waits on the uncommitted row
        await tx.commit()
        # the waiting statement's snapshot predates the commit: the winner's handle is read again
        assert await asyncio.wait_for(waiting, 10) == "rh_winner"
    finally:
        await first.close()
        await second.close()


async def test_a_routing_decision_is_one_timeline_step_and_its_latest_urusan_is_kept(intake, database_url):  # type: ignore[no-untyped-def]
    stored = complaint()
    conn = await asyncpg.connect(database_url)
    try:
        await store.record_accepted(conn, stored, "corr-r")
        first = timeline_store.Step(stored.complaint_id, uuid.uuid4(), "routed", utcnow(), agency_code="kab-a")
        await timeline_store.add_routed_step(conn, first, "pekerjaan_umum")
        await timeline_store.add_routed_step(conn, first, "pekerjaan_umum")  # a redelivery: no second step
        again = timeline_store.Step(stored.complaint_id, uuid.uuid4(), "routed", utcnow(), agency_code="kab-b")
        await timeline_store.add_routed_step(conn, again, "perhubungan")  # a re-route
        steps = await timeline_store.steps_of(conn, stored.complaint_id)
        assert [(s["step"], s["agency_code"]) for s in steps] == [("routed", "kab-a"), ("routed", "kab-b")]
        urusan = await conn.fetchval(
            "SELECT urusan FROM intake.public_requests WHERE complaint_id = $1", stored.complaint_id
        )
        assert urusan == "perhubungan"
    finally:
        await conn.close()
