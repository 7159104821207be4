"""A citizen's e-mail reply, after the agency's follow-up, reaches LAPOR! as the reporter's response:
the complaint e-mailed as sent (raw MIME), forwarded into the LAPOR! simulator, followed up by the
agency there; the reply naming its tracking number joins the complaint at intake (complaints.follow_ups)
and the forwarder sends it to LAPOR!, which reopens the report — all as separate processes on the
real broker and database."""

from __future__ import annotations

import asyncpg
import httpx
import pytest

from aduan import demo
from tests.e2e.conftest import running_stack
from tests.support import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture
def pipeline(infra, own_database_url, topics):  # type: ignore[no-untyped-def]
    with running_stack(
        infra.kafka,
        own_database_url,
        topics.prefix,
        ADUAN_SIM_LIFECYCLE="auto=false",  # the report moves only when the test moves it
        ADUAN_STATUS_SYNC_INTERVAL_S="0.5",
    ) as local:
        yield local


async def test_an_email_reply_after_the_agencys_follow_up_lands_in_lapor_as_a_response(  # type: ignore[no-untyped-def]
    pipeline, own_database_url
):
    run = "reply-e2e"
    message_id = f"raw.{run}@example.org"
    complaint = (demo.RAW_EMAILS / "complaint.eml").read_bytes().replace(b"{message_id}", message_id.encode())
    sim_headers = {"X-Api-Key": "sim-key"}
    async with (
        httpx.AsyncClient(base_url=pipeline.url("intake"), timeout=30) as intake,
        httpx.AsyncClient(base_url=pipeline.url("lapor-sim"), timeout=10) as lapor,
    ):
        gateways = demo.signed_gateways(intake)
        answer = await gateways.email_mime(complaint)
        assert answer.status_code == 202, answer.text
        (tracking,) = answer.json()["accepted"]

        pool = await asyncpg.create_pool(own_database_url, min_size=1, max_size=2)
        try:

            async def lapor_id() -> str | None:
                return await pool.fetchval(
                    "SELECT lapor_tracking_id FROM forwarder.reports WHERE tracking_number = $1 AND state = 'created'",
                    tracking,
                )

            report_id = await eventually(lapor_id, timeout=90)
            assert report_id, "the complaint did not reach LAPOR!"
            for status in ("verified", "disposed", "followed_up"):
                moved = await lapor.post(f"/_sim/reports/{report_id}/status", json={"status": status})
                assert moved.status_code == 200, moved.text

            reply = (
                (demo.RAW_EMAILS / "reply.eml")
                .read_bytes()
                .replace(b"{message_id}", f"reply.{run}@example.org".encode())
                .replace(b"{in_reply_to}", message_id.encode())
                .replace(b"{tracking}", tracking.encode())
            )
            assert (await gateways.email_mime(reply)).status_code == 202

            async def responded() -> dict | None:  # type: ignore[type-arg]
                report = (await lapor.get(f"/api/v1/reports/{report_id}", headers=sim_headers)).json()
                return report if report["responses"] else None

            report = await eventually(responded, timeout=60)
            assert report, "the reply did not reach LAPOR!"
        finally:
            await pool.close()
    (response,) = report["responses"]
    assert response["text"].startswith("Tambahan: tadi sore satu papan lantai jembatan sudah lepas")
    assert "menulis:" not in response["text"]  # intake cut the quoted complaint
    assert report["status"] == "reopened"
    assert (await _stats(pipeline))["reports"] == 1


async def _stats(pipeline) -> dict:  # type: ignore[no-untyped-def, type-arg]
    async with httpx.AsyncClient(base_url=pipeline.url("lapor-sim"), timeout=10) as http:
        return (await http.get("/_sim/stats")).json()
