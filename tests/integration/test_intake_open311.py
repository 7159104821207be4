"""Open311 GeoReport v2 both ways and the citizen's timeline, against the real broker and database.

A GeoReport client's flow (POST, GET by id, by token, the list with each filter, XML), a GeoReport v2
client library (`georeport`) reading intake unchanged over real HTTP, the errors of the spec, and a
timeline that shows who a complaint was routed to and its LAPOR! id, as the other services announce it.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest
import uvicorn
from georeport import GeoReport

from services.intake.app import build
from shared.events import (
    Complaint,
    ComplaintStatus,
    EventType,
    Forwarded,
    ForwardOutcome,
    Level,
    RoutedComplaint,
    RoutingDecision,
    SlaAlert,
    SlaAlertKind,
    StatusChanged,
    TriageRequest,
    new_envelope,
    utcnow,
)
from tests.intake_support import SECRETS, gateways, intake_settings
from tests.support import eventually, publish_events, read_topic, running

pytestmark = pytest.mark.integration

TEXT = "Jalan berlubang besar di depan pasar Kedaton, sudah tiga bulan tidak diperbaiki. Hubungi 081299998888."
AGENCY = "kota-bandar-lampung"
AGENCY_NAME = "Pemerintah Kota Bandar Lampung"
V2 = "/open311/v2"


@pytest.fixture
async def intake(service_env, own_database_url):  # type: ignore[no-untyped-def]
    # a database of its own: GeoReport's list shows every complaint, other tests' too
    env = {**service_env, "database_url": own_database_url}
    service = build(intake_settings(env, lookup_rate_limit_per_min=0))
    async with running(service):
        transport = httpx.ASGITransport(app=service.asgi())
        async with httpx.AsyncClient(transport=transport, base_url="http://intake") as client:
            yield service, client


def _decision(urusan: str = "pekerjaan_umum") -> RoutingDecision:
    return RoutingDecision(
        level=Level.KABKOTA, urusan=urusan, region_code="18.71", agency_code=AGENCY, confidence=0.9, reasons=("x",)
    )


async def _accepted(infra: Any, topics: Any, expect: int = 1) -> list[Complaint]:
    return [
        Complaint.model_validate(e["payload"]) for e in await read_topic(infra.kafka, topics.accepted, expect=expect)
    ]


async def _found(client: httpx.AsyncClient, path: str, **params: str) -> list[dict[str, Any]] | None:
    response = await client.get(path, params=params)
    return response.json() if response.status_code == 200 and response.json() else None


async def test_a_georeport_client_posts_follows_and_lists_its_request(intake, infra, topics):
    _, client = intake
    posted = await gateways(client).open311(
        {
            "service_code": "pekerjaan_umum",
            "description": TEXT,
            "lat": "-5.3905",
            "long": "105.254",
            "address_string": "Jl. Teuku Umar, Kedaton",
            "first_name": "Rina",
            "last_name": "Wati",
            "phone": "081299998888",
            "jurisdiction_id": "lampungprov.go.id",
        }
    )
    assert posted.status_code == 201, posted.text
    (answer,) = posted.json()
    number, token = answer["service_request_id"], answer["token"]
    assert number.startswith("LPG-") and answer["service_notice"] and "access_token" not in answer

    (complaint,) = await _accepted(infra, topics)
    (request,) = await eventually(lambda: _found(client, f"{V2}/requests/{number}.json")) or [None]
    assert request["service_request_id"] == number and request["status"] == "open"
    assert request["service_code"] == "pekerjaan_umum" and request["service_name"]
    assert request["requested_datetime"] == complaint.received_at.isoformat()
    assert request["agency_responsible"] is None  # not routed yet
    # what the public sees is the complaint as it left intake, masked: no name, no phone
    assert "Rina" not in str(request) and "081299998888" not in str(request)
    assert await eventually(lambda: _found(client, f"{V2}/requests.json", service_code="pekerjaan_umum"))
    (request,) = (await client.get(f"{V2}/requests/{number}.json")).json()
    assert (request["address"], request["lat"], request["long"]) == ("Jl. Teuku Umar, Kedaton", -5.3905, 105.254)
    assert "Jalan berlubang" in request["description"]

    tokens = (await client.get(f"{V2}/tokens/{token}.json")).json()
    assert tokens == [{"service_request_id": number, "token": token}]

    # routing and the forwarder speak: the agency is named, the request updated
    routed = new_envelope(
        EventType.ROUTED,
        RoutedComplaint(complaint=complaint, decision=_decision()),
        producer="test-routing",
        complaint_id=complaint.complaint_id,
    )
    await publish_events(infra.kafka, topics.routed, routed)

    async def agency_named() -> dict[str, Any] | None:
        (r,) = (await client.get(f"{V2}/requests/{number}.json")).json()
        return r if r["agency_responsible"] == AGENCY_NAME else None

    request = await eventually(agency_named)
    assert request and request["updated_datetime"] >= request["requested_datetime"]

    # the list and its filters
    listed = (await client.get(f"{V2}/requests.json", params={"service_request_id": f"{number},LPG-NONE"})).json()
    assert [r["service_request_id"] for r in listed] == [number]
    assert (await client.get(f"{V2}/requests.json", params={"service_request_id": number.lower()})).json()
    assert number in [r["service_request_id"] for r in (await client.get(f"{V2}/requests.json")).json()]
    assert not (await client.get(f"{V2}/requests.json", params={"service_code": "kesehatan"})).json()
    assert (await client.get(f"{V2}/requests.json", params={"service_code": "kesehatan,jalan"})).json()
    assert not (await client.get(f"{V2}/requests.json", params={"status": "closed"})).json()
    assert (await client.get(f"{V2}/requests.json", params={"status": "open"})).json()
    now = utcnow()
    past = {"start_date": (now - timedelta(days=30)).isoformat(), "end_date": (now - timedelta(days=1)).isoformat()}
    assert (await client.get(f"{V2}/requests.json", params=past)).json() == []
    around = {"start_date": (now - timedelta(hours=1)).isoformat(), "end_date": (now + timedelta(hours=1)).isoformat()}
    assert [r["service_request_id"] for r in (await client.get(f"{V2}/requests.json", params=around)).json()] == [
        number
    ]

    # the same in the spec's XML
    xml = await client.get(f"{V2}/requests/{number}.xml")
    assert xml.status_code == 200 and xml.headers["content-type"].startswith("application/xml")
    root = ElementTree.fromstring(xml.content)
    assert root.tag == "service_requests" and root.findtext("request/service_request_id") == number
    assert root.findtext("request/agency_responsible") == AGENCY_NAME
    assert root.findtext("request/status") == "open"
    discovery = (await client.get("/open311/discovery.json")).json()
    assert discovery["endpoints"][0]["url"] == "http://intake/open311/v2"
    services = ElementTree.fromstring((await client.get(f"{V2}/services.xml")).content)
    assert "pekerjaan_umum" in [s.findtext("service_code") for s in services.findall("service")]
    token_xml = ElementTree.fromstring((await client.get(f"{V2}/tokens/{token}.xml")).content)
    assert token_xml.findtext("request/service_request_id") == number

    # a POST may ask for XML too
    as_xml = await client.post(
        f"{V2}/requests.xml",
        data={"service_code": "jalan", "description": "Lampu jalan mati di Jl. Sudirman, Metro.", "api_key": _key()},
    )
    assert as_xml.status_code == 201
    assert ElementTree.fromstring(as_xml.content).findtext("request/service_request_id", "").startswith("LPG-")


def _key() -> str:
    return SECRETS.open311_key


async def test_georeport_errors_as_the_spec_gives_them(intake, infra, topics):
    _, client = intake
    unknown = await gateways(client).open311({"service_code": "xyz", "description": TEXT})
    assert unknown.status_code == 400
    assert unknown.json() == [{"code": 400, "description": unknown.json()[0]["description"]}]
    assert "xyz" in unknown.json()[0]["description"]
    elsewhere = await gateways(client).open311(
        {"service_code": "kesehatan", "description": TEXT, "jurisdiction_id": "sf.gov"}
    )
    assert elsewhere.status_code == 404 and elsewhere.json()[0]["code"] == 404
    assert await read_topic(infra.kafka, topics.inbound, expect=1, timeout=2.0) == []  # nothing published

    wrong = await client.get(f"{V2}/services.json", params={"jurisdiction_id": "sf.gov"})
    assert wrong.status_code == 404 and "sf.gov" in wrong.json()[0]["description"]
    assert (await client.get(f"{V2}/services.json", params={"jurisdiction_id": "lampungprov.go.id"})).status_code == 200
    assert (await client.get(f"{V2}/services/xyz.json")).status_code == 404
    assert (await client.get(f"{V2}/services.csv")).status_code == 404
    assert (await client.get(f"{V2}/requests/LPG-0000-0000-0000.json")).status_code == 404
    missing_xml = await client.get(f"{V2}/tokens/not-a-token.xml")
    assert missing_xml.status_code == 404 and ElementTree.fromstring(missing_xml.content).tag == "errors"
    assert (await client.get(f"{V2}/requests.json", params={"start_date": "kemarin"})).status_code == 400
    too_long = {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}
    assert (await client.get(f"{V2}/requests.json", params=too_long)).status_code == 400
    assert (await client.get(f"{V2}/requests.json", params={"status": "selesai"})).status_code == 400
    no_key = await client.post(f"{V2}/requests.xml", data={"service_code": "kesehatan", "description": TEXT})
    assert no_key.status_code == 401 and ElementTree.fromstring(no_key.content).findtext("error/code") == "401"


async def test_a_confidential_request_is_nobodys_but_its_bearers(intake, infra, topics):
    _, client = intake
    posted = await gateways(client).open311(
        {"service_code": "pengawasan", "description": TEXT, "attribute[confidential]": "true"}
    )
    (answer,) = posted.json()
    number, access = answer["service_request_id"], answer["access_token"]
    await _accepted(infra, topics)

    async def with_token() -> list[dict[str, Any]] | None:
        response = await client.get(f"{V2}/requests/{number}.json", headers={"X-Access-Token": access})
        return response.json() if response.status_code == 200 else None

    (request,) = await eventually(with_token) or [None]
    assert request["description"] is None and request["address"] is None
    assert (await client.get(f"{V2}/requests/{number}.json")).status_code == 404
    assert (await client.get(f"{V2}/requests.json", params={"service_request_id": number})).json() == []
    assert number not in str((await client.get(f"{V2}/requests.json")).json())


@pytest.fixture
async def served(intake) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    """The same intake over real HTTP, for a client library that speaks `requests`."""
    service, _ = intake
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(service.asgi(), host="127.0.0.1", port=port, lifespan="off", log_level="warning")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}{V2}"
    finally:
        server.should_exit = True
        await task


async def test_a_georeport_v2_client_library_reads_intake_unchanged(intake, served, infra, topics):
    _, client = intake
    posted = await gateways(client).open311({"service_code": "sampah", "description": TEXT})
    number = posted.json()[0]["service_request_id"]
    await _accepted(infra, topics)
    assert await eventually(lambda: _found(client, f"{V2}/requests/{number}.json"))
    for fmt in ("json", "xml"):
        library = GeoReport(served, jurisdiction="lampungprov.go.id", output_format=fmt)
        services = await asyncio.to_thread(library.get_service_list)
        assert {s["service_code"] for s in services} >= {"lingkungan_hidup", "pekerjaan_umum", "lainnya"}
        definition = await asyncio.to_thread(library.get_service_definition, "lingkungan_hidup")
        assert definition["service_code"] == "lingkungan_hidup"
        one = await asyncio.to_thread(library.get_service_request, number)
        assert one["service_request_id"] == number and one["service_code"] == "lingkungan_hidup"
        listed = await asyncio.to_thread(library.get_service_requests, service_code="lingkungan_hidup", status="open")
        listed = [listed] if isinstance(listed, dict) else listed  # xmltodict: one request is no list
        assert [r["service_request_id"] for r in listed] == [number]


# ---------------------------------------------------------------------------------------------
# the citizen's timeline


async def _lookup(client: httpx.AsyncClient, number: str) -> dict[str, Any]:
    response = await client.get(f"/v1/complaints/{number}")
    return response.json() if response.status_code == 200 else {}


async def _until(client: httpx.AsyncClient, number: str, check: Any) -> dict[str, Any]:
    async def seen() -> dict[str, Any] | None:
        body = await _lookup(client, number)
        return body if body and check(body) else None

    body = await eventually(seen)
    assert body, f"timeline never showed the step: {await _lookup(client, number)}"
    return body


def _steps(body: dict[str, Any]) -> list[str]:
    return [s["step"] for s in body["timeline"]]


async def test_the_citizen_sees_every_step_with_the_agency_the_lapor_id_and_the_next_deadline(intake, infra, topics):
    _, client = intake
    answer = await client.post(
        "/v1/complaints", json={"body": TEXT, "title": "Jalan rusak"}, headers={"Idempotency-Key": "timeline-1"}
    )
    number = answer.json()["tracking_number"]
    (complaint,) = await _accepted(infra, topics)
    cid = complaint.complaint_id
    body = await _until(client, number, lambda b: b["timeline"])
    assert _steps(body) == ["received", "accepted"] and body["next_deadline"] is None
    assert body["status"] == "accepted" and body["status_text"]  # the fields of before are all there

    def event(kind: EventType, payload: Any) -> Any:
        return new_envelope(kind, payload, producer="test", complaint_id=cid)

    triage = event(EventType.TRIAGE, TriageRequest(complaint=complaint, suggestion=_decision(), why="low confidence"))
    routed = event(EventType.ROUTED, RoutedComplaint(complaint=complaint, decision=_decision()))
    forwarded = event(
        EventType.FORWARDED,
        Forwarded(
            tracking_number=number,
            agency_code=AGENCY,
            outcome=ForwardOutcome.CREATED,
            lapor_tracking_id="9300077",
            attempts=1,
        ),
    )

    def status(s: ComplaintStatus, note: str | None = None) -> Any:
        changed = StatusChanged(tracking_number=number, status=s, agency_code=AGENCY, note=note, changed_at=utcnow())
        return event(EventType.STATUS_CHANGED, changed)

    await publish_events(infra.kafka, topics.triage, triage)
    await _until(client, number, lambda b: "in_triage" in _steps(b))
    await publish_events(infra.kafka, topics.routed, routed, routed)  # the same event twice: one step
    await publish_events(infra.kafka, topics.forwarded, forwarded)
    await _until(client, number, lambda b: {"routed", "forwarded"} <= set(_steps(b)))
    await publish_events(infra.kafka, topics.status, status(ComplaintStatus.VERIFIED))
    await publish_events(infra.kafka, topics.status, status(ComplaintStatus.DISPOSED))
    await _until(client, number, lambda b: "disposed" in _steps(b))

    alert = SlaAlert(
        tracking_number=number,
        clock="follow_up",
        kind=SlaAlertKind.WARNING,
        due_at=utcnow() + timedelta(days=2),
        agency_code=AGENCY,
    )
    await publish_events(infra.kafka, topics.sla_alerts, event(EventType.SLA_ALERT, alert))
    body = await _until(client, number, lambda b: b["next_deadline"])
    assert body["next_deadline"]["clock"] == "follow_up" and body["next_deadline"]["label"] == "tindak lanjut"
    assert body["next_deadline"]["overdue"] is False and "WIB" in body["next_deadline"]["text"]
    georeport = await eventually(lambda: _found(client, f"{V2}/requests/{number}.json"))
    assert georeport and georeport[0]["expected_datetime"] == alert.due_at.isoformat()  # the same deadline
    assert georeport[0]["agency_responsible"] == AGENCY_NAME

    await publish_events(infra.kafka, topics.status, status(ComplaintStatus.FOLLOWED_UP, "Jalan sudah ditambal."))
    body = await _until(client, number, lambda b: "followed_up" in _steps(b))
    assert _steps(body) == [
        "received",
        "accepted",
        "in_triage",
        "routed",
        "forwarded",
        "verified",
        "disposed",
        "followed_up",
    ]
    steps = {s["step"]: s for s in body["timeline"]}
    assert steps["routed"]["agency_name"] == AGENCY_NAME and AGENCY_NAME in steps["routed"]["text"]
    assert steps["forwarded"]["lapor_tracking_id"] == "9300077" and "9300077" in steps["forwarded"]["text"]
    assert steps["followed_up"]["note"] == "Jalan sudah ditambal." and "ditambal" in steps["followed_up"]["text"]
    assert body["agency_name"] == AGENCY_NAME and body["lapor_tracking_id"] == "9300077"
    assert body["next_deadline"] is None  # the follow-up met the announced deadline
    assert all(s["at"] for s in body["timeline"])


async def test_a_client_retrying_a_request_gets_the_same_number_and_one_complaint(intake, infra, topics):
    # GeoReport has no idempotency key: a client that posts again after a timeout must not make two complaints
    _, client = intake
    request = {
        "service_code": "pekerjaan_umum",
        "description": "Lampu jalan di Jalan Pagar Alam mati sejak dua minggu, jalan gelap dan rawan kecelakaan.",
        "email": "retry@example.com",
        "jurisdiction_id": "lampungprov.go.id",
    }
    first = await gateways(client).open311(request)
    again = await gateways(client).open311(request)
    other = await gateways(client).open311({**request, "email": "someone.else@example.com"})
    assert first.status_code == again.status_code == other.status_code == 201
    number = first.json()[0]["service_request_id"]
    assert again.json()[0]["service_request_id"] == number
    assert other.json()[0]["service_request_id"] != number  # another reporter's own complaint
    await asyncio.sleep(1.0)
    accepted = await read_topic(infra.kafka, topics.accepted, expect=3, timeout=5)
    assert sorted(c["payload"]["tracking_number"] for c in accepted) == sorted(
        [number, other.json()[0]["service_request_id"]]
    )
