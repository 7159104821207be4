"""`aduan bench notifier`: the notifier's due scan and its delivery rate, each beside a baseline in the same run.

1. Due scan: a database of its own (created here, dropped at the end) holds 1,000,000 open deadlines of which
   1,000 are due. Timed: the notifier's own scan round (select the due rows with the service's query, plan
   each clock, write the steps back, fill the outbox and the history; the Kafka publish is counted out by a
   publisher that only counts), beside the bare SQL query on the same table, and beside the scan query that
   was on main before (walks every open deadline) for comparison.
2. Delivery: N webhook messages in the outbox, sent by the notifier's Deliverer (lease, sign, POST, record each
   outcome) to the webhook sink running as its own process, beside bare unsigned aiohttp POSTs (the same client
   library) of the same bodies with the same concurrency to the same sink.

Floors: scan < 1 s; >= 1,000 alerts delivered per second. Figures to stdout and var/bench/notifier-<time>.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import secrets
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import aiohttp
import asyncpg
import httpx

from aduan import stack
from aduan.scratch_db import scratch_database
from services.notifier import store
from services.notifier.deadlines import load_policy
from services.notifier.delivery import Deliverer
from services.notifier.handlers import NotifierHandlers
from services.notifier.messages import load_messages
from services.notifier.recipients import parse_recipients
from services.notifier.settings import NotifierSettings
from shared.db import Database, apply_migrations
from shared.events import utcnow
from shared.kafka import Publisher

BENCH_DIR = stack.VAR / "bench"
MIGRATIONS = Path(stack.ROOT / "services" / "notifier" / "migrations")
SECRET_ENV = "ADUAN_WEBHOOK_SECRET_BENCH"


class CountingPublisher:
    """Stands in for Kafka in the scan timing: counts what would be published."""

    def __init__(self) -> None:
        self.published = 0

    async def publish(self, topic: str, envelope: Any, *, key: str | None = None) -> None:
        self.published += 1


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def _fill(pool: asyncpg.Pool, total: int, due: int) -> None:
    # open deadlines spread over the next 30 days; `due` of them a minute to an hour overdue
    await pool.execute(
        """INSERT INTO notifier.deadlines (complaint_id, clock, tracking_number, agency_code, started_at, warn_at,
                                           due_at, next_alert_at)
           SELECT gen_random_uuid(), 'follow_up', 'LPG-BENCH-' || g, 'kota-metro',
                  now() - interval '1 day', now() + (g % 43200) * interval '1 minute',
                  now() + (g % 43200) * interval '1 minute' + interval '1 day',
                  now() + interval '1 minute' + (g % 43200) * interval '1 minute'
           FROM generate_series(1, $1) AS g""",
        total - due,
    )
    await pool.execute(
        """INSERT INTO notifier.deadlines (complaint_id, clock, tracking_number, agency_code, started_at, warn_at,
                                           due_at, next_alert_at)
           SELECT gen_random_uuid(), 'follow_up', 'LPG-BENCHDUE-' || g, 'kota-metro',
                  now() - interval '10 days', now() - interval '3 days', now() - (g % 60 + 1) * interval '1 minute',
                  now() - interval '3 days'
           FROM generate_series(1, $1) AS g""",
        due,
    )
    await pool.execute("ANALYZE notifier.deadlines")


async def bench_scan(url: str, total: int, due: int) -> dict[str, Any]:
    pool = await asyncpg.create_pool(url, min_size=1, max_size=4)
    try:
        await apply_migrations(pool, "notifier", MIGRATIONS)
        t = time.perf_counter()
        await _fill(pool, total, due)
        fill_s = time.perf_counter() - t
        bare_sql = "SELECT * FROM notifier.deadlines WHERE next_alert_at IS NOT NULL AND next_alert_at <= now()"
        old_sql = """SELECT * FROM notifier.deadlines WHERE stopped_at IS NULL
                       AND ((warned_at IS NULL AND warn_at <= now()) OR (breached_at IS NULL AND due_at < now())
                            OR (breached_at IS NOT NULL AND escalated_at IS NULL))
                     ORDER BY due_at LIMIT 500"""
        plan = "\n".join(r[0] for r in await pool.fetch("EXPLAIN " + bare_sql + " ORDER BY next_alert_at LIMIT 500"))
        await pool.fetch(bare_sql)  # warm the cache the same way for both
        t = time.perf_counter()
        bare_rows = await pool.fetch(bare_sql)
        bare_s = time.perf_counter() - t
        await pool.execute("CREATE INDEX deadlines_open_old ON notifier.deadlines (due_at) WHERE stopped_at IS NULL")
        t = time.perf_counter()
        old_rows = await pool.fetch(old_sql)
        old_s = time.perf_counter() - t
        await pool.execute("DROP INDEX notifier.deadlines_open_old")

        db = Database(url, min_size=1, max_size=4)
        await db.connect()
        try:
            settings = NotifierSettings(database_url=url, scan_batch=500)
            publisher = CountingPublisher()
            handlers = NotifierHandlers(
                cast(Publisher, publisher),  # a stand-in: NotifierHandlers calls only `publish`
                db,
                load_policy(),
                settings,
                recipients=parse_recipients(_RECIPIENTS),
                messages=load_messages(),
            )
            t = time.perf_counter()
            alerts = await handlers.scan_once()
            scan_s = time.perf_counter() - t
            t = time.perf_counter()
            again = await handlers.scan_once()  # nothing is due any more: an idle round
            idle_s = time.perf_counter() - t
            queued = await pool.fetchval("SELECT count(*) FROM notifier.outbox")
        finally:
            await db.close()
        return {
            "open_deadlines": total,
            "due": due,
            "fill_s": round(fill_s, 1),
            "bare_sql_s": round(bare_s, 4),
            "bare_sql_rows": len(bare_rows),
            "notifier_scan_s": round(scan_s, 4),
            "alerts": alerts,
            "published": publisher.published,
            "outbox_rows": queued,
            "idle_scan_s": round(idle_s, 4),
            "idle_alerts": again,
            "old_main_query_s": round(old_s, 4),
            "old_main_query_rows": len(old_rows),
            "uses_partial_index": "deadlines_next_alert" in plan,
        }
    finally:
        await pool.close()


_RECIPIENTS = """
[[escalation]]
level = 1
to = ["agency_head"]
after_hours = 0
[agencies.kota-metro.admin]
email = "admin@metro.example"
"""


async def _migrate(url: str) -> None:
    pool = await asyncpg.create_pool(url, min_size=1, max_size=1)
    try:
        await apply_migrations(pool, "notifier", MIGRATIONS)
    finally:
        await pool.close()


async def bench_delivery(url: str, n: int, concurrency: int) -> dict[str, Any]:
    secret = secrets.token_hex(16)
    port = _free_port()
    sink = subprocess.Popen(
        [sys.executable, "-m", "simulators.webhook_sink", "--port", str(port)],
        cwd=stack.ROOT,
        env={**os.environ, "ADUAN_WEBHOOK_SINK_SECRET": secret},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    pool = await asyncpg.create_pool(url, min_size=1, max_size=4)
    try:
        base = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient() as http:
            for _ in range(100):
                try:
                    if (await http.get(base + "/_sim/stats")).status_code == 200:
                        break
                except httpx.HTTPError:
                    await asyncio.sleep(0.1)
        hook = base + "/hooks/bench"
        body = {"type": "sla.alert", "kind": "breach", "clock": "follow_up", "level": 0, "agency_code": "kota-metro"}
        now = utcnow()
        rows = [
            (f"bench:{i}", "webhook", hook, "agency_admin", "s", "b", {**body, "n": i}, SECRET_ENV, now)
            for i in range(n)
        ]
        await pool.execute("DELETE FROM notifier.outbox")
        async with pool.acquire() as conn:
            await store.enqueue(conn, rows)
        db = Database(url, min_size=2, max_size=concurrency + 2)
        await db.connect()
        settings = NotifierSettings(database_url=url, delivery_concurrency=concurrency, delivery_batch=500)
        deliverer = Deliverer(db, settings, "Asia/Jakarta", environ={SECRET_ENV: secret})
        try:
            t = time.perf_counter()
            delivered = await deliverer.deliver_once()
            notifier_s = time.perf_counter() - t
        finally:
            await deliverer.aclose()
            await db.close()
        sent = await pool.fetchval("SELECT count(*) FROM notifier.outbox WHERE state = 'sent'")

        # baseline: the same bodies, bare POSTs, same concurrency, same sink (the sink refuses unsigned ones with
        # a 401 after reading them: the same HTTP work, minus signing, leasing and recording)
        gate = asyncio.Semaphore(concurrency)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency * 2)) as session:

            async def post(i: int) -> int:
                data = json.dumps({**body, "n": i}).encode()
                async with gate, session.post(hook, data=data, headers={"Content-Type": "application/json"}) as r:
                    await r.read()
                    return r.status

            t = time.perf_counter()
            codes = await asyncio.gather(*(post(i) for i in range(n)))
            bare_s = time.perf_counter() - t
            async with session.get(base + "/_sim/stats") as r:
                stats = await r.json()
        return {
            "messages": n,
            "concurrency": concurrency,
            "delivered": delivered,
            "sent_rows": sent,
            "notifier_s": round(notifier_s, 3),
            "notifier_per_s": round(delivered / notifier_s, 1),
            "bare_http_s": round(bare_s, 3),
            "bare_http_per_s": round(n / bare_s, 1),
            "bare_http_answers": sorted(set(codes)),
            "sink_received": stats["received"],
            "sink_duplicates": stats["duplicates"],
        }
    finally:
        await pool.close()
        sink.terminate()
        sink.wait(10)


async def _main(total: int, due: int, n: int, concurrency: int) -> dict[str, Any]:
    infra = stack.infra_up()
    async with scratch_database(infra.database_url, "aduan_bench_notifier") as url:
        await (c := await asyncpg.connect(url)).execute("CREATE EXTENSION IF NOT EXISTS pgcrypto")
        await c.close()
        # delivery first: the 1,000,000-row fill leaves autovacuum busy for a while afterwards
        print(f"delivery: {n:,} webhooks to the local sink …", flush=True)
        await _migrate(url)
        delivery = await bench_delivery(url, n, concurrency)
        print(f"due scan: {total:,} open deadlines, {due:,} due …", flush=True)
        scan = await bench_scan(url, total, due)
    return {
        "scan": scan,
        "delivery": delivery,
        "floors": {
            "scan_under_1s": scan["notifier_scan_s"] < 1.0,
            "at_least_1000_alerts_per_s": delivery["notifier_per_s"] >= 1000,
        },
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def run_bench_notifier(total: int = 1_000_000, due: int = 1_000, n: int = 5_000, concurrency: int = 48) -> int:
    figures = asyncio.run(_main(total, due, n, concurrency))
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    out = BENCH_DIR / f"notifier-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(figures, indent=2))
    s, d = figures["scan"], figures["delivery"]
    print(f"""
  due scan over {s["open_deadlines"]:,} open deadlines ({s["due"]:,} due), partial index used: {s["uses_partial_index"]}
    notifier scan round (plan, write back, outbox)  {s["notifier_scan_s"] * 1000:>9.1f} ms   {s["alerts"]} alerts
    bare SQL query (same predicate)                  {s["bare_sql_s"] * 1000:>9.1f} ms   {s["bare_sql_rows"]} rows
    idle round afterwards                            {s["idle_scan_s"] * 1000:>9.1f} ms
    main's old scan query (for comparison)           {s["old_main_query_s"] * 1000:>9.1f} ms
  delivery of {d["messages"]:,} webhooks, concurrency {d["concurrency"]}
    notifier (lease, sign, POST, record)             {d["notifier_per_s"]:>9.1f} /s   delivered {d["delivered"]}
    bare HTTP POSTs                                  {d["bare_http_per_s"]:>9.1f} /s
  floors: {figures["floors"]}   written to {out}
""")
    return 0 if all(figures["floors"].values()) and d["sink_duplicates"] == 0 and d["delivered"] == d["messages"] else 1
