"""One complaint's correlation id, set where it entered (complaints.inbound), is on every event of
every topic the complaint touches, down to its sla.alerts: the four services in one process each,
on the real broker and database, with the LAPOR! simulator over HTTP."""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from services.forwarder.app import build as build_forwarder
from services.forwarder.settings import ForwarderSettings
from services.intake.app import build as build_intake
from services.intake.settings import IntakeSettings
from services.notifier.app import build as build_notifier
from services.notifier.settings import NotifierSettings
from services.routing.app import build as build_routing
from services.routing.settings import RoutingSettings
from shared.events import Channel, EventType, InboundMessage, new_envelope, utcnow
from simulators.lapor.server import SimulatorServer
from tests.support import eventually, publish_events, running

pytestmark = pytest.mark.integration

AGENCY = "kab-lampung-selatan"


async def _events_of(bootstrap: str, topic: str, complaint_id: str, *, at_least: int, timeout: float = 30):
    """(envelope, correlation_id header) of every record of this complaint on `topic`."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        found: list[tuple[dict, str]] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(found) < at_least:
            for records in (await consumer.getmany(timeout_ms=200)).values():
                for r in records:
                    body = json.loads(r.value)
                    if body.get("complaint_id") == complaint_id:
                        found.append((body, dict(r.headers)["correlation_id"].decode()))
        return found
    finally:
        await consumer.stop()


async def test_one_correlation_id_follows_a_complaint_from_inbound_to_sla_alerts(
    service_env, own_database_url, infra, topics
):
    # A database of its own: in a full run the session's database holds the overdue clocks of
    # every earlier test, and the notifier announces those before this one.
    service_env = {**service_env, "database_url": own_database_url}
    correlation = f"corr-{uuid.uuid4()}"
    # received three weeks ago, so its clocks are overdue and the notifier announces them at once
    message = InboundMessage(
        channel=Channel.APP,
        channel_message_id=f"app-{uuid.uuid4().hex}",
        received_at=utcnow() - timedelta(days=21),
        raw={
            "body": "Jalan desa di Kecamatan Natar rusak parah, banyak lubang dan "
            "membahayakan pengendara motor setiap hari."
        },
    )
    inbound = new_envelope(EventType.RECEIVED, message, producer="test-app", correlation_id=correlation)
    with SimulatorServer(api_key="test-key", seed=3) as sim:
        services = [
            build_intake(IntakeSettings(**service_env)),
            build_routing(RoutingSettings(**service_env, triage_threshold=0)),
            build_forwarder(
                ForwarderSettings(
                    **service_env, lapor_base_url=sim.base_url, lapor_api_key="test-key", status_sync_interval_s=0.3
                )
            ),
            build_notifier(NotifierSettings(**service_env, scan_interval_s=0.2)),
        ]
        async with running(services[0]), running(services[1]), running(services[2]), running(services[3]):
            await publish_events(infra.kafka, topics.inbound, inbound)

            async def complaint_id() -> str | None:
                consumer = AIOKafkaConsumer(
                    topics.accepted,
                    bootstrap_servers=infra.kafka,
                    auto_offset_reset="earliest",
                    enable_auto_commit=False,
                )
                await consumer.start()
                try:
                    for records in (await consumer.getmany(timeout_ms=1000)).values():
                        for r in records:
                            return json.loads(r.value)["complaint_id"]
                    return None
                finally:
                    await consumer.stop()

            cid = await eventually(complaint_id, timeout=30)
            assert cid, "intake accepted nothing"
            forwarded = await _events_of(infra.kafka, topics.forwarded, cid, at_least=1)
            assert forwarded, "the complaint never reached LAPOR!"
            lapor_id = forwarded[0][0]["payload"]["lapor_tracking_id"]
            # The overdue verification clock's alerts, before LAPOR! disposes the report: a disposition the notifier
            # reads first would stop that clock before its scan announced it (seen under load in a full run).
            alerts = await _events_of(infra.kafka, topics.sla_alerts, cid, at_least=2, timeout=90)
            async with httpx.AsyncClient(timeout=10) as http:
                answer = await http.post(
                    f"{sim.base_url}/_sim/reports/{lapor_id}/status",
                    json={"status": "disposed", "note": "didisposisikan"},
                )
                assert answer.status_code == 200
            touched = {
                topics.accepted: await _events_of(infra.kafka, topics.accepted, cid, at_least=1),
                topics.routed: await _events_of(infra.kafka, topics.routed, cid, at_least=1),
                topics.agency(AGENCY): await _events_of(infra.kafka, topics.agency(AGENCY), cid, at_least=1),
                topics.forwarded: forwarded,
                topics.status: await _events_of(infra.kafka, topics.status, cid, at_least=1),
                topics.sla_alerts: alerts,
            }
    for topic, events in touched.items():
        assert events, f"nothing of the complaint on {topic}"
        for body, header in events:
            assert (body["correlation_id"], header) == (correlation, correlation), (topic, body["event_type"])
