"""One complaint through every channel a citizen or a gateway uses — the web form, the app on Kafka, the SMS
gateway webhook, Gammu SMSD (`aduan gammu-receive` in RunOnReceive's environment), the WhatsApp Cloud API,
an e-mail gateway's parsed JSON, an e-mail as sent (raw MIME) and Open311 — each sent as the demo sends it,
through the whole pipeline as separate processes on the real broker and database, into the LAPOR! simulator
exactly once."""

from __future__ import annotations

import time
import uuid

import asyncpg
import httpx
import pytest

from aduan import demo, stack
from tests.e2e.conftest import running_stack
from tests.support import eventually

pytestmark = pytest.mark.e2e

SAMPLES = stack.ROOT / "samples" / "complaints.jsonl"
CHANNELS = ("web", "app", "sms", "sms_gammu", "whatsapp", "email", "open311")


@pytest.fixture
def pipeline(infra, own_database_url, topics):  # type: ignore[no-untyped-def]
    with running_stack(infra.kafka, own_database_url, topics.prefix) as local:
        yield local


async def test_a_complaint_from_every_channel_reaches_lapor_once(pipeline, infra, own_database_url, topics):  # type: ignore[no-untyped-def]
    run = uuid.uuid4().hex[:8]
    every = demo.load_samples(SAMPLES, run)
    # the first sample of each channel that intake should accept
    chosen = [next(s for s in every if s.channel == c and not s.expect.get("rejected")) for c in CHANNELS]
    await demo.send(chosen, pipeline.url("intake"), infra.kafka, topics, pipeline.procs["intake"].env)
    raw_mail, _ = await demo.send_raw_email(pipeline.url("intake"), run)
    chosen.append(raw_mail)

    pool = await asyncpg.create_pool(own_database_url, min_size=1, max_size=2)
    try:
        await demo.resolve_kafka_samples(chosen, pool, time.monotonic() + 60)
        by_channel = {s.channel: s.tracking_number for s in chosen}
        assert all(by_channel.values()), {s.channel: s.rejected_reasons for s in chosen if not s.tracking_number}
        tracking = list(by_channel.values())

        async def all_created() -> bool:
            n = await pool.fetchval(
                "SELECT count(*) FROM forwarder.reports WHERE tracking_number = ANY($1) AND state = 'created'",
                tracking,
            )
            return n == len(tracking)

        assert await eventually(all_created, timeout=90), "not every channel's complaint reached LAPOR!"
        rows = await pool.fetch(
            "SELECT c.channel, r.lapor_tracking_id FROM forwarder.reports r"
            " JOIN intake.complaints c USING (tracking_number) WHERE r.tracking_number = ANY($1)",
            tracking,
        )
    finally:
        await pool.close()
    assert sorted(r["channel"] for r in rows) == sorted(["email", *CHANNELS])  # the raw e-mail is an e-mail
    async with httpx.AsyncClient(base_url=pipeline.url("lapor-sim"), timeout=10) as http:
        stats = (await http.get("/_sim/stats")).json()
        for r in rows:
            answer = await http.get(f"/api/v1/reports/{r['lapor_tracking_id']}", headers={"X-Api-Key": "sim-key"})
            assert answer.status_code == 200, (r["channel"], answer.text)
    assert (stats["reports"], stats["duplicates"]) == (len(tracking), 0)
