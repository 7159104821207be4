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
    assert stats(http)["requests"] == {
        "create": 2,
        "lookup": 2,
        "get": 2,
        "changed_since": 0,
        "status_feed": 0,
        "dispose": 0,
        "respond": 0,
    }


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
    with (
        httpx.Client(base_url=sim.base_url, headers={"X-Api-Key": KEY}, timeout=0.1) as impatient,
        pytest.raises(httpx.ReadTimeout),
    ):
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


# ---------------------------------------------------------------------------------------------
# LAPOR!'s lifecycle, faults from the environment, and the legacy form


def _statuses(state: SimulatorState, tracking_id: str) -> list[str]:
    report = state.get(tracking_id)
    assert report is not None
    return [h["status"] for h in report["status_history"]]


def test_the_lifecycle_verifies_disposes_follows_up_and_closes_after_10_working_days() -> None:
    from datetime import datetime

    from simulators.lapor.lifecycle import LifecycleConfig, add_working_days

    # 1 real second = 1,000,000 simulated seconds (11.6 days)
    life = LifecycleConfig(time_scale=1_000_000, verify_after_s=3600, follow_up_after_s=86400 * 2)
    state = SimulatorState(lifecycle=life)
    report = state.create(payload())
    time.sleep(0.05)  # 14 simulated hours: verified and disposed, not yet followed up
    assert _statuses(state, report["tracking_id"]) == ["menunggu_verifikasi", "verified", "disposed"]
    time.sleep(0.3)
    history = state.get(report["tracking_id"])["status_history"]  # type: ignore[index]
    assert [h["status"] for h in history][:4] == ["menunggu_verifikasi", "verified", "disposed", "followed_up"]
    time.sleep(1.6)  # 10 working days (two weekends and any holidays) are at most ~16 simulated days
    history = state.get(report["tracking_id"])["status_history"]  # type: ignore[index]
    assert [h["status"] for h in history] == ["menunggu_verifikasi", "verified", "disposed", "followed_up", "closed"]
    followed, closed = (datetime.fromisoformat(history[i]["at"]) for i in (3, 4))
    clock = state._clock
    assert clock.sim(closed) - add_working_days(clock.sim(followed), 10) < __import__("datetime").timedelta(seconds=1)
    # every step is in the feed once, in order
    assert [s["status"] for s in state.status_feed(0, 100)["changes"]] == [h["status"] for h in history]


def test_bukan_wewenang_waits_for_a_new_disposition_and_a_response_reopens() -> None:
    state = SimulatorState(lifecycle=fast_lifecycle(not_our_authority_rate=1.0))
    tid = state.create(payload())["tracking_id"]
    time.sleep(0.05)
    assert _statuses(state, tid)[-1] == "not_our_authority"
    time.sleep(0.05)
    assert _statuses(state, tid)[-1] == "not_our_authority"  # it waits
    state.set_lifecycle({"not_our_authority_rate": 0.0})
    assert state.dispose(tid, "prov-dinas-pendidikan", None)[0] == 200
    assert state.get(tid)["agency_code"] == "prov-dinas-pendidikan"  # type: ignore[index]
    time.sleep(0.05)
    assert _statuses(state, tid)[-2:] == ["disposed", "followed_up"]
    # the agency it is with already: no new step
    steps = len(_statuses(state, tid))
    assert state.dispose(tid, "prov-dinas-pendidikan", None)[0] == 200 and len(_statuses(state, tid)) == steps
    assert state.respond(tid, "r1", "belum selesai")[0] == 200
    time.sleep(0.05)
    assert _statuses(state, tid)[-2:] == ["reopened", "followed_up"]  # the agency follows it up again

    frozen = SimulatorState()  # nothing moves by itself
    waiting = frozen.create(payload())["tracking_id"]
    assert frozen.respond(waiting, "r1", "belum selesai")[0] == 409  # only a followed-up report takes one
    assert frozen.dispose("1", "x", None)[0] == 404


def fast_lifecycle(**fields: Any) -> Any:
    from simulators.lapor.lifecycle import LifecycleConfig

    return LifecycleConfig(time_scale=1_000_000, verify_after_s=1, follow_up_after_s=1, **fields)


def test_faults_and_the_lifecycle_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "ADUAN_SIM_FAULTS",
        "latency_ms=20,error_5xx=0.2,lost_response=0.1,rate_429=0.05,reset=0.02,malformed=0.02,slow_apply=0.05",
    )
    monkeypatch.setenv("ADUAN_SIM_TIME_SCALE", "500")
    monkeypatch.setenv("ADUAN_SIM_LIFECYCLE", "verify_after_s=60,not_our_authority_rate=0.1")
    state = SimulatorState.from_env()
    faults = state.faults()
    assert (
        faults["latency_ms"],
        faults["error_rate"],
        faults["rate_limit_rate"],
        faults["lost_response"],
        faults["reset"],
        faults["malformed"],
        faults["slow_apply"],
    ) == (20, 0.2, 0.05, 0.1, 0.02, 0.02, 0.05)
    assert state.lifecycle.time_scale == 500 and state.lifecycle.verify_after_s == 60
    monkeypatch.setenv("ADUAN_SIM_FAULTS", "error_5xx")
    with pytest.raises(ValueError):
        SimulatorState.from_env()


# a connection the server drops: "disconnected without a response", or a reset while the client reads
BROKEN = (httpx.RemoteProtocolError, httpx.ReadError)


def test_reset_and_lost_response_break_the_connection_only_lost_response_makes_the_report(
    sim: SimulatorServer, http: httpx.Client
) -> None:
    set_faults(http, reset=1.0)
    with pytest.raises(BROKEN):
        http.post("/api/v1/reports", json=payload(reference="reset"))
    set_faults(http, reset=0.0, lost_response=1.0)
    with pytest.raises(BROKEN):
        http.post("/api/v1/reports", json=payload(reference="lost"))
    set_faults(http, lost_response=0.0)
    assert http.get("/api/v1/reports", params={"reference": "reset"}).json()["reports"] == []
    assert len(http.get("/api/v1/reports", params={"reference": "lost"}).json()["reports"]) == 1


def test_malformed_and_slow_apply(http: httpx.Client) -> None:
    set_faults(http, malformed=1.0)
    answer = http.post("/api/v1/reports", json=payload(reference="bad"))
    assert answer.status_code == 201
    with pytest.raises(ValueError):
        answer.json()
    set_faults(http, malformed=0.0, slow_apply=1.0, slow_apply_ms=300)
    assert http.post("/api/v1/reports", json=payload(reference="slow")).status_code == 504
    set_faults(http, slow_apply=0.0)
    assert http.get("/api/v1/reports", params={"reference": "slow"}).json()["reports"] == []  # not yet
    time.sleep(0.5)
    assert len(http.get("/api/v1/reports", params={"reference": "slow"}).json()["reports"]) == 1
    s = stats(http)
    assert s["reports_created"] == 2 and s["faults_injected"]["slow_apply"] == 1


LEGACY = """<?xml version="1.0" encoding="UTF-8"?><lapor token="{token}"><pelapor><email>siti@example.org</email>
<telpon>+6281234567890</telpon><namadepan>Siti</namadepan><namabelakang>Aminah</namabelakang></pelapor>
<laporan rahasia="1" anonim="0"><referensi>aduan-x1</referensi><judul>Jalan rusak</judul>
<isi>Lubang besar di depan pasar sejak dua minggu.</isi><instansi>kota-bandar-lampung</instansi>
<tingkat>kabkota</tingkat></laporan></lapor>"""


def test_the_legacy_form_answers_trackingid_and_transaksiid(sim: SimulatorServer, http: httpx.Client) -> None:
    sent = httpx.post(
        f"{sim.base_url}/api/stream/addstream",
        content=LEGACY.format(token="sim-token"),
        headers={"Content-Type": "text/xml; charset=UTF-8"},
    )
    assert sent.status_code == 200 and "<trackingid>" in sent.text and "<transaksiid>" in sent.text
    report = http.get("/api/v1/reports", params={"reference": "aduan-x1"}).json()["reports"][0]
    assert report["confidential"] is True and report["anonymous"] is False
    assert report["reporter"] == {"name": "Siti Aminah", "phone": "+6281234567890", "email": "siti@example.org"}
    wrong = httpx.post(f"{sim.base_url}/api/stream/addstream", content=LEGACY.format(token="nope"))
    assert wrong.status_code == 401
    bomb = '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa">]><lapor token="sim-token">&a;</lapor>'
    assert httpx.post(f"{sim.base_url}/api/stream/addstream", content=bomb).status_code == 400
