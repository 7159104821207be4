"""GeoReport v2 without a broker: the service catalogue, the spec's XML and JSON shapes, the date range
and status arguments, and what a service request shows of a complaint."""

from __future__ import annotations

import json
import tomllib
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest
from starlette.applications import Starlette

from services.intake import open311
from services.intake.open311_catalogue import CATALOGUE, Catalogue
from services.intake.settings import IntakeSettings
from services.intake.timeline import Timeline

NOTICES = CATALOGUE.notices
TAXONOMY = Path(__file__).parents[2] / "services" / "routing" / "data" / "taxonomy.toml"
NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)


def test_the_services_are_routings_urusan_and_lainnya() -> None:
    urusan = set(tomllib.loads(TAXONOMY.read_text(encoding="utf-8"))["urusan"])
    assert {s["service_code"] for s in CATALOGUE.listing()} == urusan | {"lainnya"}
    assert all(s["metadata"] is True and s["type"] == "realtime" and s["service_name"] for s in CATALOGUE.listing())


def test_codes_are_canonical_and_the_first_codes_still_accepted() -> None:
    assert CATALOGUE.canonical("pekerjaan_umum") == "pekerjaan_umum"
    assert CATALOGUE.canonical(" Jalan ") == "pekerjaan_umum"
    assert CATALOGUE.canonical("penerangan") == "perumahan"
    assert CATALOGUE.canonical("xyz") is None and CATALOGUE.canonical(None) is None


def test_a_catalogue_with_an_alias_to_nowhere_is_refused() -> None:
    data = CATALOGUE.model_dump()
    data["aliases"] = {"jalan": "jalan_tol"}
    with pytest.raises(ValueError, match="alias jalan"):
        Catalogue.model_validate(data)


def test_the_service_definition_offers_anonim_and_rahasia() -> None:
    definition = CATALOGUE.definition("kesehatan")
    assert definition["service_code"] == "kesehatan"
    assert [(a["code"], a["order"], a["datatype"]) for a in definition["attributes"]] == [
        ("anonymous", 1, "singlevaluelist"),
        ("confidential", 2, "singlevaluelist"),
    ]
    assert [v["key"] for v in definition["attributes"][0]["values"]] == ["true", "false"]


def test_xml_has_the_specs_shape() -> None:
    response = open311.render(
        "xml",
        "service_requests",
        [{"service_request_id": "LPG-1", "status": "open", "description": "a & b\x00", "lat": -5.4, "x": None}],
    )
    assert response.media_type.startswith("application/xml")
    text = response.body.decode()
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    root = ElementTree.fromstring(response.body)
    assert root.tag == "service_requests"
    (request,) = root
    assert request.tag == "request"
    assert [(e.tag, e.text) for e in request] == [
        ("service_request_id", "LPG-1"),
        ("status", "open"),
        ("description", "a & b"),
        ("lat", "-5.4"),
        ("x", None),
    ]


def test_nested_lists_and_errors_in_xml_and_json() -> None:
    root = ElementTree.fromstring(open311.render("xml", "service_definition", CATALOGUE.definition("sosial")).body)
    attribute = root.find("attributes/attribute")
    assert attribute is not None and attribute.findtext("variable") == "true"
    assert [v.findtext("key") for v in attribute.findall("values/value")] == ["true", "false"]
    xml_error = ElementTree.fromstring(open311.error("xml", 404, "tidak ada").body)
    assert (xml_error.tag, xml_error.findtext("error/code"), xml_error.findtext("error/description")) == (
        "errors",
        "404",
        "tidak ada",
    )
    json_error = open311.error("json", 400, "salah")
    assert json_error.status_code == 400 and json.loads(json_error.body) == [{"code": 400, "description": "salah"}]


def test_the_date_range_follows_the_spec() -> None:
    assert open311.date_range(None, None, NOW, NOTICES) == (NOW - timedelta(days=90), NOW)
    start = datetime(2026, 6, 1, tzinfo=UTC)
    assert open311.date_range("2026-06-01T00:00:00Z", None, NOW, NOTICES) == (start, start + timedelta(days=90))
    assert open311.date_range(None, "2026-06-01", NOW, NOTICES) == (start - timedelta(days=90), start)
    lo, hi = open311.date_range("2026-06-01T07:00:00+07:00", "2026-06-30T00:00:00Z", NOW, NOTICES)
    assert lo == start and hi == datetime(2026, 6, 30, tzinfo=UTC)
    for bad in (
        ("2026-01-01T00:00:00Z", "2026-06-01T00:00:00Z"),
        ("kemarin", None),
        ("9999-12-31", None),
        (None, "0001-01-01"),
    ):
        with pytest.raises(open311.Refused) as refused:
            open311.date_range(*bad, NOW, NOTICES)
        assert refused.value.status == 400


def test_status_arguments() -> None:
    assert open311.statuses(None, NOTICES) is None
    assert open311.statuses("open,closed", NOTICES) is None
    assert open311.statuses("closed", NOTICES) is True
    assert open311.statuses(" OPEN ", NOTICES) is False
    with pytest.raises(open311.Refused):
        open311.statuses("selesai", NOTICES)


def _row(**changes: object) -> dict[str, object]:
    at = datetime(2026, 8, 1, 3, 0, tzinfo=UTC)
    row: dict[str, object] = {
        "complaint_id": uuid.uuid4(),
        "tracking_number": "LPG-AAAA-BBBB-CCCC",
        "received_at": at,
        "accepted_at": at,
        "updated_at": at + timedelta(hours=2),
        "stage": "forwarded",
        "agency_code": "kota-bandar-lampung",
        "confidential": False,
        "service_code": None,
        "urusan": "pekerjaan_umum",
        "description": "Jalan berlubang",
        "address": "Kedaton",
        "lat": -5.39,
        "lon": 105.25,
    }
    return {**row, **changes}


def test_a_service_request_shows_the_routed_agency_and_our_stages() -> None:
    r = open311.service_request(_row())
    assert r["status"] == "open" and r["status_notes"]
    assert (r["service_code"], r["service_name"]) == ("pekerjaan_umum", "Pekerjaan umum dan penataan ruang")
    assert r["agency_responsible"] == "Pemerintah Kota Bandar Lampung"
    assert r["requested_datetime"] == "2026-08-01T03:00:00+00:00"
    assert r["updated_datetime"] == "2026-08-01T05:00:00+00:00"
    assert (r["address"], r["lat"], r["long"]) == ("Kedaton", -5.39, 105.25)
    assert open311.service_request(_row(stage="closed"))["status"] == "closed"
    assert open311.service_request(_row(stage="reopened"))["status"] == "open"
    # the client's service code wins over routing's urusan; nothing known: lainnya
    assert open311.service_request(_row(service_code="perumahan"))["service_code"] == "perumahan"
    assert open311.service_request(_row(urusan=None, agency_code=None))["service_code"] == "lainnya"


def test_a_confidential_request_shows_neither_text_nor_place() -> None:
    r = open311.service_request(_row(confidential=True))
    assert (r["description"], r["address"], r["lat"], r["long"]) == (None, None, None, None)


async def test_public_reads_are_rate_limited_per_ip_in_georeports_shape() -> None:
    settings = IntakeSettings(lookup_rate_limit_per_min=2)
    api = open311.Open311(None, settings, lambda _: "t", Timeline(None))  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=Starlette(routes=api.routes()))
    async with httpx.AsyncClient(transport=transport, base_url="http://intake") as client:
        assert [(await client.get("/open311/v2/services.json")).status_code for _ in range(2)] == [200, 200]
        limited = await client.get("/open311/v2/services.xml")
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
    assert ElementTree.fromstring(limited.content).findtext("error/code") == "429"


def test_the_discovery_document_names_this_endpoint_in_both_formats() -> None:
    document = CATALOGUE.discovery_document("https://aduan.example/open311/v2")
    (endpoint,) = document["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "https://aduan.example/open311/v2" and endpoint["type"] == "production"
    root = ElementTree.fromstring(open311.render("xml", "discovery", document).body)
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]
