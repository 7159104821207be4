"""SIGKILL the notifier while it delivers, start it again, and count at the real local servers (aiosmtpd, the SMS
gateway simulator, the webhook sink): every e-mail, SMS and webhook arrives exactly once.

The notifier runs as its own process. The kill is placed where it hurts: the webhook sink holds a request without
answering, so the notifier dies with a message in flight, a leased batch in the outbox and more of the batch
unsent; the sink then refuses the held request (the sender never learnt it arrived). After the restart the lease
runs out and the rest goes out. Deliveries run one at a time here, so every message the servers accepted before
the kill has its outcome recorded: that is the order the notifier keeps (send, record, next), proven by counting.
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest

from aduan import stack
from shared.events import utcnow
from simulators.local_channels import LocalChannels
from tests.factories import accepted_event, complaint, decision, routed_event
from tests.faults.harness import free_port, kill, restart
from tests.support import eventually, publish_events

pytestmark = pytest.mark.faults

AGENCY, REGION = "kab-pringsewu", "18.10"
N = 20


async def test_a_killed_notifier_delivers_each_message_exactly_once(infra, database_url, topics, tmp_path: Path):
    with LocalChannels() as channels:
        recipients = channels.write_recipients(tmp_path / "recipients.toml", AGENCY, REGION)
        port = free_port()
        env = {
            "KAFKA_BOOTSTRAP_SERVERS": infra.kafka,
            "DATABASE_URL": database_url,
            "ADUAN_TOPIC_PREFIX": topics.prefix,
            "ADUAN_HTTP_PORT": str(port),
            "PYTHONUNBUFFERED": "1",
            "ADUAN_SCAN_INTERVAL_S": "0.3",
            "ADUAN_DELIVERY_INTERVAL_S": "0.2",
            "ADUAN_DELIVERY_CONCURRENCY": "1",
            "ADUAN_DELIVERY_TIMEOUT_S": "2",
            "ADUAN_DELIVERY_BACKOFF_S": "0.3",
            "ADUAN_SMS_QUIET_HOURS": "",
            **channels.env(recipients),
        }
        proc = stack.Proc(
            f"notifier-faults-{topics.prefix.strip('.')}", [sys.executable, "-m", "services.notifier"], port, env
        )
        await asyncio.to_thread(proc.start)
        try:
            await asyncio.to_thread(stack.wait_ready, [proc], 60)
            complaints = [complaint(received_at=utcnow() - timedelta(days=21)) for _ in range(N)]
            await publish_events(
                infra.kafka, topics.routed, *(routed_event(c, decision(AGENCY, REGION)) for c in complaints)
            )
            pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
            try:

                async def routed_known():  # type: ignore[no-untyped-def]
                    return (
                        await pool.fetchval(
                            "SELECT count(*) FROM notifier.complaints WHERE agency_code = $1"
                            " AND complaint_id = ANY($2::uuid[])",
                            AGENCY,
                            [c.complaint_id for c in complaints],
                        )
                        == N
                    )

                assert await eventually(routed_known, timeout=30)
                await publish_events(infra.kafka, topics.accepted, *(accepted_event(c) for c in complaints))
                expected = {
                    "email": 6 * N,
                    "sms": 4 * N,
                    "webhook": 4 * N,
                    "whatsapp": 0,
                }  # the notifier never writes on WhatsApp
                total = sum(expected.values())

                # let a third go out, then hold the next webhook and kill the notifier while it waits for it
                async def a_third():  # type: ignore[no-untyped-def]
                    return sum(channels.received().values()) >= total // 3

                assert await eventually(a_third, timeout=60, interval=0.02), channels.stats()
                channels.webhook_faults.hold_next = 1

                async def holding():  # type: ignore[no-untyped-def]
                    return channels.webhook_faults.holding == 1

                assert await eventually(holding, timeout=60, interval=0.02), channels.stats()
                before_kill = channels.received()
                await kill(proc)
                channels.webhooks.app.state.faults.release.set()  # answered 503 to a dead connection
                ours = [c.tracking_number for c in complaints]  # the session's database is shared with other tests
                unsent = await pool.fetchval(
                    "SELECT count(*) FROM notifier.outbox WHERE state = 'pending'"
                    " AND payload->>'tracking_number' = ANY($1::text[])",
                    ours,
                )
                assert unsent > 0  # the kill left work behind
                await restart(proc)

                deadline = time.monotonic() + 120
                while time.monotonic() < deadline and any(channels.received()[c] < n for c, n in expected.items()):
                    await asyncio.sleep(0.3)
                await asyncio.sleep(3.0)  # a late duplicate would show now
                stats = channels.stats()
                dead = await pool.fetchval(
                    "SELECT count(*) FROM notifier.outbox WHERE state = 'dead'"
                    " AND payload->>'tracking_number' = ANY($1::text[])",
                    ours,
                )
            finally:
                await pool.close()
        finally:
            await asyncio.to_thread(proc.stop)
    assert sum(before_kill.values()) < total, before_kill
    assert {c: s["received"] for c, s in stats.items()} == expected, stats
    assert all(s["duplicates"] == 0 for s in stats.values()), stats
    assert stats["webhook"]["refused"] == 1  # only the held request, never a bad signature
    assert dead == 0
