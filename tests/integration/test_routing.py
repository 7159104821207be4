"""routing against the real broker and database: decisions published where they belong, explained,
recorded once, and triage decided by a human."""

from __future__ import annotations

import httpx
import pytest

from services.routing.app import build
from services.routing.settings import RoutingSettings
from shared.events import ComplaintStatus, Envelope, EventType, StatusChanged, new_envelope, utcnow
from tests.factories import accepted_event, complaint
from tests.support import publish_events, read_topic, running

pytestmark = pytest.mark.integration


@pytest.fixture
async def routing(service_env):  # type: ignore[no-untyped-def]
    service = build(RoutingSettings(**service_env, triage_threshold=0.3))
    async with running(service):
        transport = httpx.ASGITransport(app=service.asgi())
        async with httpx.AsyncClient(transport=transport, base_url="http://routing") as client:
            yield client


async def test_a_complaint_naming_a_kecamatan_goes_to_its_kabupaten_and_its_topic(routing, infra, topics):
    event = accepted_event(complaint("Jalan kabupaten di Kecamatan Natar rusak parah dan berlubang besar."))
    await publish_events(infra.kafka, topics.accepted, event, event)  # a redelivery decides nothing new

    routed = await read_topic(infra.kafka, topics.routed, expect=1, settle=1.5)
    assert len(routed) == 1
    decision = routed[0]["payload"]["decision"]
    assert (decision["agency_code"], decision["region_code"], decision["level"]) == (
        "kab-lampung-selatan",
        "18.01",
        "kabkota",
    )
    assert any("Natar" in reason for reason in decision["reasons"])
    assert routed[0]["correlation_id"] == event.correlation_id

    copies = await read_topic(infra.kafka, topics.agency("kab-lampung-selatan"), expect=1)
    assert [c["complaint_id"] for c in copies] == [str(event.complaint_id)]
    assert copies[0]["event_id"] != routed[0]["event_id"]

    explained = (await routing.get(f"/v1/decisions/{event.payload.tracking_number}")).json()
    assert len(explained) == 1 and explained[0]["outcome"] == "routed"


async def test_national_bodies_get_no_lampung_agency_topic(routing, infra, topics):
    event = accepted_event(complaint("Kartu BPJS Kesehatan saya tidak aktif padahal iuran sudah dibayar tiap bulan."))
    await publish_events(infra.kafka, topics.accepted, event)
    routed = await read_topic(infra.kafka, topics.routed, expect=1)
    decision = routed[0]["payload"]["decision"]
    assert decision["level"] == "pusat" and decision["agency_code"].startswith("pusat-")


async def test_a_doubtful_complaint_waits_in_triage_until_a_human_decides(routing, infra, topics):
    vague = accepted_event(
        complaint(
            "Tolong ditindaklanjuti, sudah lama tidak ada kabar sama sekali dari petugas.", location={"text": None}
        )
    )
    await publish_events(infra.kafka, topics.accepted, vague)
    triaged = await read_topic(infra.kafka, topics.triage, expect=1)
    assert triaged[0]["payload"]["suggestion"]["confidence"] < 0.3
    assert await read_topic(infra.kafka, topics.routed, expect=1, timeout=1.0) == []

    tracking = vague.payload.tracking_number
    refused = await routing.post(f"/v1/triage/{tracking}", json={"agency_code": "no-such-agency", "operator": "ana"})
    assert refused.status_code == 422
    decided = await routing.post(
        f"/v1/triage/{tracking}",
        json={"agency_code": "kab-pesawaran", "operator": "ana", "note": "lokasi dikonfirmasi lewat telepon"},
    )
    assert decided.status_code == 202
    again = await routing.post(f"/v1/triage/{tracking}", json={"agency_code": "kab-pesawaran", "operator": "ana"})
    assert again.status_code == 404  # no longer waiting

    routed = await read_topic(infra.kafka, topics.routed, expect=1, settle=1.0)
    assert len(routed) == 1
    decision = routed[0]["payload"]["decision"]
    assert decision["agency_code"] == "kab-pesawaran" and decision["confidence"] == 1.0
    assert decision["reasons"][0].startswith("human triage by ana")
    assert routed[0]["correlation_id"] == vague.correlation_id


def _not_ours(tracking: str, agency: str, complaint_id, note: str = "bukan wewenang kami") -> Envelope:  # type: ignore[no-untyped-def]
    return new_envelope(
        EventType.STATUS_CHANGED,
        StatusChanged(
            tracking_number=tracking,
            status=ComplaintStatus.NOT_OUR_AUTHORITY,
            agency_code=agency,
            note=note,
            changed_at=utcnow(),
        ),
        producer="forwarder",
        complaint_id=complaint_id,
    )


async def test_bukan_wewenang_reroutes_without_the_declining_agency_then_triage_after_two(routing, infra, topics):
    event = accepted_event(complaint("Jalan di desa Hajimena kecamatan Natar rusak parah dan berlubang besar."))
    await publish_events(infra.kafka, topics.accepted, event)
    first = (await read_topic(infra.kafka, topics.routed, expect=1))[0]
    assert first["payload"]["decision"]["agency_code"] == "kab-lampung-selatan"
    assert first["payload"]["decision"]["place"]["desa"] == "18.01.04.2001"
    tracking = event.payload.tracking_number

    decline = _not_ours(tracking, "kab-lampung-selatan", event.complaint_id)
    await publish_events(infra.kafka, topics.status, decline, decline)  # a redelivered answer re-routes once
    routed = await read_topic(infra.kafka, topics.routed, expect=2, settle=1.5)
    assert len(routed) == 2
    second = routed[1]
    decision = second["payload"]["decision"]
    assert second["payload"]["reroute_of"] == first["event_id"]
    assert decision["agency_code"] == "prov-bmbk" and decision["excluded_agencies"] == ["kab-lampung-selatan"]
    assert any("kab-lampung-selatan declined" in r for r in decision["reasons"])
    assert decision["rule_version"]
    copies = await read_topic(infra.kafka, topics.agency("prov-bmbk"), expect=1)
    assert [c["complaint_id"] for c in copies] == [str(event.complaint_id)]

    # an answer from the agency that no longer holds it changes nothing; the holder's second decline → triage
    await publish_events(
        infra.kafka, topics.status, _not_ours(tracking, "kab-lampung-selatan", event.complaint_id, "lagi")
    )
    await publish_events(infra.kafka, topics.status, _not_ours(tracking, "prov-bmbk", event.complaint_id))
    triaged = await read_topic(infra.kafka, topics.triage, expect=1)
    assert "2 agencies answered bukan wewenang" in triaged[0]["payload"]["why"]
    reasons = triaged[0]["payload"]["suggestion"]["reasons"]
    assert any("kab-lampung-selatan declined" in r for r in reasons)
    assert any("prov-bmbk declined" in r for r in reasons)
    assert len(await read_topic(infra.kafka, topics.routed, expect=3, timeout=2.0)) == 2

    explained = (await routing.get(f"/v1/decisions/{tracking}")).json()
    assert [e["outcome"] for e in explained] == ["routed", "routed", "triage"]
    assert explained[1]["reroute_of"] == first["event_id"]

    # the human's decision replaces the last routed one, so LAPOR! re-disposes instead of creating
    decided = await routing.post(f"/v1/triage/{tracking}", json={"agency_code": "prov-setda", "operator": "ana"})
    assert decided.status_code == 202
    routed = await read_topic(infra.kafka, topics.routed, expect=3)
    assert routed[2]["payload"]["decision"]["agency_code"] == "prov-setda"
    assert routed[2]["payload"]["reroute_of"] == second["event_id"]
