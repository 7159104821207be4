"""The whole pipeline as separate processes on the real broker and database: complaints posted over
HTTP reach the LAPOR! simulator exactly once, with the expected agency, and have an open deadline."""

from __future__ import annotations

import socket
import uuid

import asyncpg
import httpx
import pytest

from aduan import stack
from tests.intake_support import NO_LINKING
from tests.support import eventually

pytestmark = pytest.mark.e2e

# (text, location, expected agency) — written for these tests
CASES = [
    (
        "Jalan desa di Kecamatan Natar rusak parah, banyak lubang dan membahayakan pengendara motor.",
        "Natar",
        "kab-lampung-selatan",
    ),
    (
        "Sampah di pasar Bambu Kuning Kota Bandar Lampung tidak diangkut sudah seminggu, baunya menyengat.",
        None,
        "kota-bandar-lampung",
    ),
    (
        "Lampu penerangan jalan di Metro Pusat mati semua sejak minggu lalu, rawan kejahatan malam hari.",
        "Kota Metro",
        "kota-metro",
    ),
    (
        "Puskesmas di Kecamatan Pringsewu sering tutup sebelum jam pelayanan berakhir, warga kecewa.",
        None,
        "kab-pringsewu",
    ),
    (
        "Saluran drainase di Menggala Tulang Bawang tersumbat sehingga rumah warga kebanjiran setiap hujan.",
        None,
        "kab-tulang-bawang",
    ),
    (
        "Jalan di Kecamatan Metro Kibang berlubang dan belum pernah diperbaiki sejak dua tahun lalu.",
        None,
        "kab-lampung-timur",
    ),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def pipeline(infra, database_url, topics):  # type: ignore[no-untyped-def]
    ports = {name: _free_port() for name in stack.DEFAULT_PORTS}
    local = stack.Stack(
        stack.Infra(infra.kafka, database_url),
        topic_prefix=topics.prefix,
        ports=ports,
        extra_env={"ADUAN_TRIAGE_THRESHOLD": "0", **NO_LINKING, "ADUAN_STATUS_SYNC_INTERVAL_S": "0.5"},
    )
    local.start(timeout=90)
    try:
        yield local
    finally:
        local.stop()


async def test_complaints_posted_over_http_reach_lapor_once_with_the_expected_agency(pipeline, database_url):
    run = uuid.uuid4().hex[:6]
    tracking: dict[str, str] = {}
    async with httpx.AsyncClient(base_url=pipeline.url("intake"), timeout=30) as http:
        for i, (body, location, agency) in enumerate(CASES):
            form = {
                "body": body,
                "reporter": {"name": "Warga Uji", "phone": f"08120000{i:04d}"},
                "location": {"text": location} if location else None,
            }
            response = await http.post("/v1/complaints", json=form, headers={"Idempotency-Key": f"{run}-{i}"})
            assert response.status_code == 202, response.text
            tracking[response.json()["tracking_number"]] = agency

    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:

        async def all_forwarded() -> bool:
            n = await pool.fetchval(
                "SELECT count(*) FROM forwarder.reports WHERE tracking_number = ANY($1) AND state = 'created'",
                list(tracking),
            )
            return n == len(tracking)

        assert await eventually(all_forwarded, timeout=60), "not every complaint reached LAPOR!"
        rows = await pool.fetch(
            "SELECT tracking_number, agency_code, lapor_tracking_id FROM forwarder.reports"
            " WHERE tracking_number = ANY($1)",
            list(tracking),
        )
        assert {r["tracking_number"]: r["agency_code"] for r in rows} == tracking

        async def all_clocks_open() -> bool:
            n = await pool.fetchval(
                "SELECT count(*) FROM notifier.deadlines WHERE clock = 'verification'"
                " AND stopped_at IS NULL AND tracking_number = ANY($1)",
                list(tracking),
            )
            return n == len(tracking)

        assert await eventually(all_clocks_open, timeout=30), "a complaint has no open verification deadline"
    finally:
        await pool.close()

    async with httpx.AsyncClient(timeout=10) as http:
        stats = (await http.get(pipeline.url("lapor-sim") + "/_sim/stats")).json()
        reports = [
            (
                await http.get(
                    pipeline.url("lapor-sim") + f"/api/v1/reports/{r['lapor_tracking_id']}",
                    headers={"X-Api-Key": "sim-key"},
                )
            ).json()
            for r in rows
        ]
    assert stats["reports"] == len(CASES) and stats["duplicates"] == 0
    assert sorted(r["agency_code"] for r in reports) == sorted(tracking.values())

    # LAPOR! disposes one report to its agency: the verification clock stops, the follow-up clock starts.
    disposed = rows[0]
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.post(
            pipeline.url("lapor-sim") + f"/_sim/reports/{disposed['lapor_tracking_id']}/status",
            json={"status": "disposed", "note": "didisposisikan"},
        )
        assert answer.status_code == 200
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1)
    try:

        async def follow_up_running() -> bool:
            clocks = {
                r["clock"]: r["stopped_by"]
                for r in await pool.fetch(
                    "SELECT clock, stopped_by FROM notifier.deadlines WHERE tracking_number = $1",
                    disposed["tracking_number"],
                )
            }
            return clocks.get("verification") == "disposed" and "follow_up" in clocks

        assert await eventually(follow_up_running, timeout=30), "the disposition did not reach the notifier"
    finally:
        await pool.close()

    # ...and the citizen following the tracking number sees it, with the agency and the LAPOR! id
    async with httpx.AsyncClient(base_url=pipeline.url("intake"), timeout=10) as http:

        async def citizen_sees_disposition() -> dict | None:  # type: ignore[type-arg]
            body = (await http.get(f"/v1/complaints/{disposed['tracking_number']}")).json()
            return body if body["status"] == "disposed" else None

        seen = await eventually(citizen_sees_disposition, timeout=30)
    assert seen, "the citizen's lookup never showed the disposition"
    assert seen["agency_code"] == disposed["agency_code"]
    assert seen["lapor_tracking_id"] == disposed["lapor_tracking_id"]
    # ...step by step: routed to the agency by name, forwarded with the LAPOR! id, disposed
    steps = {s["step"]: s for s in seen["timeline"]}
    assert {"received", "accepted", "routed", "forwarded", "disposed"} <= set(steps)
    assert steps["routed"]["agency_name"] == seen["agency_name"] and seen["agency_name"] in steps["routed"]["text"]
    assert disposed["lapor_tracking_id"] in steps["forwarded"]["text"]
