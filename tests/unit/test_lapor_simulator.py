"""The LAPOR! simulator over real HTTP: API, auth, validation, duplicates and every fault type."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from simulators.lapor.server import SimulatorServer
from simulators.lapor.state import SimulatorState

KEY = "test-key"


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorServer]:
    with SimulatorServer(api_key=KEY, seed=1) as server:
        yield server


@pytest.fixture
def http(sim: SimulatorServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.base_url, headers={"X-Api-Key": KEY}, timeout=5) as client:
        client.post("/_sim/reset").raise_for_status()
        yield client


def payload(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "reference": "aduan-0001",
        "title": "Jalan rusak di Jl. Soekarno-Hatta",
        "content": "Lubang besar di depan pasar sejak dua minggu, sudah ada kecelakaan motor.",
        "incident_date": "2025-06-01",
        "category": "Infrastruktur",
        "agency_code": "DINAS-BMBK",
        "region_code": "18",
        "level": "provinsi",
        "anonymous": False,
        "confidential": True,
        "channel": "web",
        "location": {"text": "Bandar Lampung", "lat": -5.4, "lon": 105.26},
        "reporter": {"name": "Siti", "phone": "+6281234567890", "email": "siti@example.org"},
        "attachments": [{"url": "https://files.example.org/a.jpg", "media_type": "image/jpeg", "size_bytes": 1000}],
    }
    body.update(overrides)
    return body


def set_faults(http: httpx.Client, **faults: Any) -> None:
    http.post("/_sim/faults", json=faults).raise_for_status()


def stats(http: httpx.Client) -> dict[str, Any]:
    return http.get("/_sim/stats").json()


def test_create_lookup_and_get(http: httpx.Client) -> None:
    created = http.post("/api/v1/reports", json=payload())
    assert created.status_code == 201
    receipt = created.json()
    assert receipt["reference"] == "aduan-0001"
    assert receipt["status"] == "menunggu_verifikasi"
    assert receipt["tracking_id"].isdigit() and len(receipt["tracking_id"]) >= 7

    found = http.get("/api/v1/reports", params={"reference": "aduan-0001"}).json()["reports"]
    assert [r["tracking_id"] for r in found] == [receipt["tracking_id"]]
    assert http.get("/api/v1/reports", params={"reference": "other"}).json() == {"reports": []}

    report = http.get(f"/api/v1/reports/{receipt['tracking_id']}").json()
    assert report["title"] == payload()["title"]
    assert report["reporter"]["phone"] == "+6281234567890"
    assert [h["status"] for h in report["status_history"]] == ["menunggu_verifikasi"]
    assert http.get("/api/v1/reports/1").status_code == 404

    second = http.post("/api/v1/reports", json=payload(reference="aduan-0002")).json()
    assert int(second["tracking_id"]) == int(receipt["tracking_id"]) + 1
    assert stats(http)["requests"] == {"create": 2, "lookup": 2, "get": 2, "changed_since": 0, "status_feed": 0,
                                       "dispose": 0, "respond": 0}


def test_api_key_required_but_not_on_control_plane(sim: SimulatorServer, http: httpx.Client) -> None:
    with httpx.Client(base_url=sim.base_url) as anonymous:
        missing = anonymous.post("/api/v1/reports", json=payload())
        wrong = anonymous.post("/api/v1/reports", json=payload(), headers={"X-Api-Key": "nope"})
        assert anonymous.get("/_sim/stats").status_code == 200
    for response in (missing, wrong):
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["status"] == 401
    assert stats(http)["reports"] == 0


def test_auth_can_be_disabled() -> None:
    with SimulatorServer(api_key=None) as server:
        assert httpx.post(f"{server.base_url}/api/v1/reports", json=payload()).status_code == 201


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": None}, "title"),
        ({"title": "x" * 151}, "title"),
        ({"content": "terlalu"}, "content"),
        ({"incident_date": "01/06/2025"}, "incident_date"),
        ({"anonymous": "yes"}, "anonymous"),
        ({"reference": "r" * 101}, "reference"),
    ],
)
def test_invalid_fields_are_named(http: httpx.Client, overrides: dict[str, Any], field: str) -> None:
    body = {k: v for k, v in payload(**overrides).items() if v is not None}
    response = http.post("/api/v1/reports", json=body)
    assert response.status_code == 422
    assert field in [f["field"] for f in response.json()["fields"]]
    assert stats(http)["reports"] == 0


def test_attachments_limited_to_2_mb_in_total(http: httpx.Client) -> None:
    half = {"url": "https://files.example.org/v.mp4", "media_type": "video/mp4", "size_bytes": 1024 * 1024}
    assert http.post("/api/v1/reports", json=payload(attachments=[half, half])).status_code == 201
    over = http.post("/api/v1/reports", json=payload(attachments=[half, {**half, "size_bytes": 1024 * 1024 + 1}]))
    assert over.status_code == 422
    assert [f["field"] for f in over.json()["fields"]] == ["attachments"]


def test_body_that_is_not_json_is_422(http: httpx.Client) -> None:
    response = http.post("/api/v1/reports", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422
    assert response.json()["fields"][0]["field"] == "body"


def test_list_needs_a_filter(http: httpx.Client) -> None:
    assert http.get("/api/v1/reports").status_code == 422
    assert http.get("/api/v1/reports", params={"updated_since": "yesterday"}).status_code == 422


def test_same_reference_twice_makes_a_visible_duplicate(http: httpx.Client) -> None:
    first = http.post("/api/v1/reports", json=payload()).json()
    second = http.post("/api/v1/reports", json=payload()).json()
    http.post("/api/v1/reports", json=payload(reference="aduan-0002"))
    assert first["tracking_id"] != second["tracking_id"]

    found = http.get("/api/v1/reports", params={"reference": "aduan-0001"}).json()["reports"]
    assert [r["tracking_id"] for r in found] == [first["tracking_id"], second["tracking_id"]]
    s = stats(http)
    assert (s["reports"], s["unique_references"], s["duplicates"]) == (3, 2, 1)
    assert s["duplicate_references"] == 1 and s["duplicated"] == {"aduan-0001": 2}
    assert s["reports_created"] == 3


def test_fail_next_fails_exactly_n_api_requests(http: httpx.Client) -> None:
    set_faults(http, fail_next=2, error_status=500)
    assert http.get("/_sim/stats").status_code == 200  # the control plane is never faulted
    assert http.post("/api/v1/reports", json=payload()).status_code == 500
    assert http.get("/api/v1/reports", params={"reference": "x"}).status_code == 500
    assert http.post("/api/v1/reports", json=payload()).status_code == 201
    assert http.get("/_sim/faults").json()["fail_next"] == 0
    s = stats(http)
    assert s["reports"] == 1
    assert s["faults_injected"]["fail_next"] == 2
    assert s["requests"]["create"] == 2


def test_reject_next_refuses_creates_without_storing(http: httpx.Client) -> None:
    set_faults(http, reject_next=1)
    assert http.get("/api/v1/reports", params={"reference": "x"}).status_code == 200  # reads unaffected
    rejected = http.post("/api/v1/reports", json=payload())
    assert rejected.status_code == 422
    assert "error" in rejected.json()
    assert http.post("/api/v1/reports", json=payload()).status_code == 201
    s = stats(http)
    assert (s["reports"], s["faults_injected"]["reject_next"]) == (1, 1)


def test_rate_limit_answers_429_with_retry_after(http: httpx.Client) -> None:
    set_faults(http, rate_limit_rate=1.0)
    response = http.post("/api/v1/reports", json=payload())
    assert response.status_code == 429
    assert response.headers["retry-after"] == "1"
    set_faults(http, rate_limit_rate=0.0)
    s = stats(http)
    assert (s["reports"], s["faults_injected"]["rate_limit"]) == (0, 1)


def test_error_rate_uses_error_status(http: httpx.Client) -> None:
    set_faults(http, error_rate=1.0)
    assert http.get("/api/v1/reports/9200001").status_code == 503
    assert stats(http)["faults_injected"]["error"] == 1


def test_random_faults_repeat_with_the_same_seed() -> None:
    def outcomes(seed: int) -> list[int | None]:
        state = SimulatorState(seed=seed)
        state.set_faults({"error_rate": 0.5})
        return [state.begin("get")[1] for _ in range(40)]

    assert outcomes(7) == outcomes(7)
    assert {None, 503} == set(outcomes(7))


def test_latency_delays_api_requests(http: httpx.Client) -> None:
    set_faults(http, latency_ms=200)
    started = time.monotonic()
    assert http.get("/api/v1/reports", params={"reference": "x"}).status_code == 200
    assert time.monotonic() - started >= 0.2
    assert stats(http)["faults_injected"]["latency"] == 1


def test_slow_create_stores_the_report_even_when_the_client_gives_up(sim: SimulatorServer, http: httpx.Client) -> None:
    set_faults(http, slow_create_rate=1.0, slow_create_ms=300)
    with httpx.Client(base_url=sim.base_url, headers={"X-Api-Key": KEY}, timeout=0.1) as impatient, \
            pytest.raises(httpx.ReadTimeout):
            impatient.post("/api/v1/reports", json=payload())
    found = http.get("/api/v1/reports", params={"reference": "aduan-0001"}).json()["reports"]
    assert len(found) == 1
    assert stats(http)["faults_injected"]["slow_create"] == 1


def test_invalid_fault_settings_are_refused(http: httpx.Client) -> None:
    assert http.post("/_sim/faults", json={"error_rate": 2}).status_code == 422
    assert http.post("/_sim/faults", json={"explode": True}).status_code == 422
    assert http.get("/_sim/faults").json()["error_rate"] == 0


def test_status_advance_and_updated_since(http: httpx.Client) -> None:
    a = http.post("/api/v1/reports", json=payload(reference="a")).json()
    b = http.post("/api/v1/reports", json=payload(reference="b")).json()
    since = b["created_at"]

    advanced = http.post(f"/_sim/reports/{a['tracking_id']}/status", json={"status": "verified", "note": "ok"})
    assert advanced.status_code == 200
    report = http.get(f"/api/v1/reports/{a['tracking_id']}").json()
    assert report["status"] == "verified"
    assert [(h["status"], h["note"]) for h in report["status_history"]] == [
        ("menunggu_verifikasi", None),
        ("verified", "ok"),
    ]
    assert report["status_history"][1]["at"] > since

    changed = http.get("/api/v1/reports", params={"updated_since": since}).json()["reports"]
    assert [r["tracking_id"] for r in changed] == [a["tracking_id"]]
    assert stats(http)["requests"]["changed_since"] == 1

    assert http.post(f"/_sim/reports/{a['tracking_id']}/status", json={"status": "lost"}).status_code == 422
    assert http.post("/_sim/reports/1/status", json={"status": "closed"}).status_code == 404


def test_reset_forgets_everything_but_never_reuses_a_tracking_id(http: httpx.Client) -> None:
    first = http.post("/api/v1/reports", json=payload()).json()
    set_faults(http, fail_next=5)
    assert http.post("/_sim/reset").status_code == 204
    assert stats(http)["reports"] == 0
    assert http.get("/_sim/faults").json()["fail_next"] == 0
    again = http.post("/api/v1/reports", json=payload()).json()
    assert int(again["tracking_id"]) > int(first["tracking_id"])
