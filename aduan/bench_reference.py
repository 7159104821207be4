"""The benchmark's reference hop: the batched minimum of the real work, written for the bench alone.

Where aduan/relay.py does no work at all, this does the least the pipeline's hop must do, in the
cheapest batched form: for each batch it decodes every record's JSON, claims every record once in
PostgreSQL (one transaction, one multi-row INSERT … ON CONFLICT DO NOTHING into its own scratch
table), for the `forward` hop POSTs each claimed record as a report to the LAPOR! simulator over
kept-alive aiohttp connections (at most 32 at once), encodes and produces every output, waits once
for all acknowledgements, commits the transaction, then the offsets. It shares no code with the
services, so the pipeline/reference ratio says how close the services' design comes to what the
machine allows.

    python -m aduan.bench_reference HOP BOOTSTRAP SOURCE TARGET GROUP DATABASE_URL SCHEMA [LAPOR_URL]

HOP is `accept`, `route` or `forward`; SCHEMA (with its `claims` table) is made and dropped by the bench.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import uuid
from typing import Any

import aiohttp
import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

HOPS = ("accept", "route", "forward")
LAPOR_CONCURRENCY = 32
LAPOR_KEY = "sim-key"
BATCH = 500


def claims_ddl(schema: str) -> str:
    return (
        f'CREATE SCHEMA "{schema}"; '
        f'CREATE TABLE "{schema}".claims (hop text, event_id text, PRIMARY KEY (hop, event_id))'
    )


def _next_id(event_id: str, hop: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{hop}:{event_id}"))


def transform(hop: str, event: dict[str, Any]) -> dict[str, Any]:
    """The output of `hop` for one decoded input (the `forward` hop adds LAPOR!'s id afterwards)."""
    if hop == "accept":
        raw = event["payload"]["raw"]
        body = raw["body"]
        return {
            "event_id": _next_id(event["event_id"], hop),
            "complaint_id": event["complaint_id"],
            "payload": {"title": body[:60], "body": body, "channel": event["payload"]["channel"]},
        }
    if hop == "route":
        return {
            **event,
            "event_id": _next_id(event["event_id"], hop),
            "decision": {"level": "kabkota", "agency_code": "kab-lampung-selatan", "region_code": "18.01"},
        }
    return {"event_id": _next_id(event["event_id"], hop), "complaint_id": event["complaint_id"]}


def report_of(event: dict[str, Any]) -> dict[str, Any]:
    """The LAPOR! create a routed reference record asks for."""
    return {
        "reference": event["complaint_id"],
        "title": event["payload"]["title"],
        "content": event["payload"]["body"],
        "agency_code": event["decision"]["agency_code"],
        "level": event["decision"]["level"],
    }


async def _post_all(http: aiohttp.ClientSession, url: str, events: list[dict[str, Any]]) -> list[str]:
    gate = asyncio.Semaphore(LAPOR_CONCURRENCY)

    async def one(event: dict[str, Any]) -> str:
        async with gate:
            for _ in range(5):  # the reference does not give up on a hiccup either
                async with http.post(url, data=json.dumps(report_of(event)).encode()) as response:
                    if response.status == 201:
                        return str((await response.json())["tracking_id"])
                await asyncio.sleep(0.05)
            raise RuntimeError(f"LAPOR! refused a create: {response.status}")

    return await asyncio.gather(*(one(e) for e in events))


async def run_hop(
    hop: str, bootstrap: str, source: str, target: str, group: str, database_url: str, schema: str, lapor: str = ""
) -> None:
    consumer = AIOKafkaConsumer(
        source, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5)
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    connector = aiohttp.TCPConnector(limit=LAPOR_CONCURRENCY, keepalive_timeout=60)
    http = aiohttp.ClientSession(
        connector=connector, headers={"X-Api-Key": LAPOR_KEY, "Content-Type": "application/json"}
    )
    insert = (
        f'INSERT INTO "{schema}".claims (hop, event_id) SELECT $1, unnest($2::text[]) '
        "ON CONFLICT DO NOTHING RETURNING event_id"
    )
    await consumer.start()
    await producer.start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        while not stop.is_set():
            batch = await consumer.getmany(timeout_ms=200, max_records=BATCH)
            records = [r for rs in batch.values() for r in rs]
            if not records:
                continue
            events = [(r.key, json.loads(r.value)) for r in records]
            async with pool.acquire() as conn, conn.transaction():
                claimed = {row[0] for row in await conn.fetch(insert, hop, [e["event_id"] for _, e in events])}
                fresh = [(k, e) for k, e in events if e["event_id"] in claimed]
                outputs = [(k, transform(hop, e)) for k, e in fresh]
                if hop == "forward" and outputs:
                    ids = await _post_all(http, lapor + "/api/v1/reports", [e for _, e in fresh])
                    for (_, out), tracking_id in zip(outputs, ids, strict=True):
                        out["lapor_tracking_id"] = tracking_id
                futures = [await producer.send(target, json.dumps(out).encode(), key=k) for k, out in outputs]
                await asyncio.gather(*futures)
            await consumer.commit()
    finally:
        await http.close()
        await producer.stop()
        await consumer.stop()
        await pool.close()


if __name__ == "__main__":
    if len(sys.argv) < 8 or sys.argv[1] not in HOPS:
        print(__doc__, file=sys.stderr)
        raise SystemExit(2)
    asyncio.run(run_hop(*sys.argv[1:9]))
