"""`aduan bench forwarder`: forwards/s into the LAPOR! simulator, beside a bare httpx client, in one run.

The simulator runs as its own process with 20 ms of latency on every call (ADUAN_SIM_FAULTS) and no
other fault. Two things are measured one after the other against it, with the same concurrency:

1. **bare client**: N `POST /api/v1/reports` with the very bodies the forwarder would send, from one
   httpx.AsyncClient, at most C in flight; nothing else (no Kafka, no database, no lookups).
2. **forwarder**: N complaints.routed events published beforehand; the forwarder process (handler
   concurrency C, C LAPOR! calls in flight) does its real work per complaint: the advisory lock, the
   attempt and doubt made durable before the call, the create, the tracking id recorded, the
   complaints.forwarded event published with acks=all, offsets committed per batch.

Both rates are taken the same way, from the first report made to the last ((N - 1) / span), so the
forwarder's start-up is not counted. Figures go to stdout and var/bench/forwarder-<time>.json; the
exit status is non-zero when a floor is missed (≥ 300 forwards/s and ≥ 50 % of the bare client) or
when any report is missing or made twice.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import socket
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer

from aduan import scratch_db, stack
from services.forwarder.forward import report_for
from shared.events import (
    Channel,
    Complaint,
    EventType,
    Level,
    Location,
    RoutedComplaint,
    RoutingDecision,
    new_envelope,
    utcnow,
)
from shared.kafka import Publisher
from shared.topics import Topics

BENCH_DIR = stack.VAR / "bench"
FLOOR_PER_S = 300.0
FLOOR_RATIO = 0.5
KEY = "sim-key"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _routed(i: int, run: str) -> RoutedComplaint:
    complaint_id = uuid.uuid4()
    body = f"Jalan di Kecamatan Natar rusak berat dan berlubang, sudah berbulan-bulan (bench {run} no. {i})."
    complaint = Complaint(
        complaint_id=complaint_id,
        tracking_number=f"LPG-BENCH-{complaint_id.hex[:8].upper()}",
        channel=Channel.APP,
        channel_message_id=f"bench-{run}-{i}",
        received_at=utcnow(),
        title=body[:60],
        body=body,
        original_body=body,
        location=Location(text="Natar"),
    )
    decision = RoutingDecision(
        level=Level.KABKOTA,
        urusan="pekerjaan_umum",
        region_code="18.01",
        agency_code="kab-lampung-selatan",
        confidence=0.9,
        reasons=("bench",),
    )
    return RoutedComplaint(complaint=complaint, decision=decision)


async def bare_client(url: str, bodies: list[dict[str, Any]], concurrency: int) -> dict[str, Any]:
    """The same creates from a bare client: at most `concurrency` in flight."""
    done: list[float] = []
    failures = 0
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, headers={"X-Api-Key": KEY}, limits=limits, timeout=30) as http:

        async def one(body: dict[str, Any]) -> None:
            nonlocal failures
            async with gate:
                response = await http.post("/api/v1/reports", json=body)
            if response.status_code == 201:
                done.append(time.perf_counter())
            else:
                failures += 1

        await asyncio.gather(*(one(b) for b in bodies))
    span = max(done) - min(done) if len(done) > 1 else 0.0
    return {"made": len(done), "failures": failures, "per_s": (len(done) - 1) / span if span else 0.0}


async def _forwarded_span(bootstrap: str, topic: str, n: int, timeout: float) -> tuple[int, int, float]:
    """Wait for n `created` announcements; return (created, repeated, span between first and last, s)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    stamps: dict[str, int] = {}
    repeated = 0
    try:
        deadline = time.monotonic() + timeout
        while len(stamps) < n and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=500, max_records=2000)).values():
                for record in records:
                    event = json.loads(record.value)
                    if event["payload"]["outcome"] != "created":
                        continue
                    if event["complaint_id"] in stamps:
                        repeated += 1
                    else:
                        stamps[event["complaint_id"]] = record.timestamp  # the producer's create time, ms
    finally:
        await consumer.stop()
    span = (max(stamps.values()) - min(stamps.values())) / 1000 if len(stamps) > 1 else 0.0
    return len(stamps), repeated, span


def run_bench_forwarder(n: int = 3000, concurrency: int = 32, latency_ms: int = 20, timeout: float = 300.0) -> int:
    infra = stack.infra_up()
    run = uuid.uuid4().hex[:8]
    topics = Topics(f"bench-fwd-{run}.")
    ports = {**stack.DEFAULT_PORTS, "lapor-sim": _free_port(), "forwarder": _free_port()}
    database_url = asyncio.run(scratch_db.create(infra.database_url, "aduan_bench_fwd")) or infra.database_url
    env = {
        "ADUAN_SIM_FAULTS": f"latency_ms={latency_ms}",
        "ADUAN_SIM_LIFECYCLE": "auto=false",
        "ADUAN_HANDLER_CONCURRENCY": str(concurrency),
        "ADUAN_LAPOR_MAX_IN_FLIGHT": str(concurrency),
        "ADUAN_LAPOR_RATE_PER_S": "100000",
        "ADUAN_LAPOR_BURST": "1000",
        "ADUAN_STATUS_SYNC_INTERVAL_S": "3600",
        "ADUAN_RECONCILE_INTERVAL_S": "3600",
        "ADUAN_LOG_LEVEL": "WARNING",
    }
    local = stack.Stack(stack.Infra(infra.kafka, database_url), topic_prefix=topics.prefix, ports=ports, extra_env=env)
    routed = [_routed(i, run) for i in range(n)]
    stack.create_topics(infra.kafka, topics.prefix)
    try:
        local.start(("lapor-sim",))
        sim_url = local.url("lapor-sim")
        print(f"bare client: {n} creates, {concurrency} in flight, {latency_ms} ms LAPOR! latency …", flush=True)
        bodies = [report_for(r).model_dump(mode="json") for r in routed]
        bare = asyncio.run(
            bare_client(sim_url, [{**b, "reference": f"bare-{b['reference']}"} for b in bodies], concurrency)
        )

        async def publish() -> None:
            async with Publisher(infra.kafka, "bench-routing") as publisher:
                await asyncio.gather(
                    *(
                        publisher.publish(
                            topics.routed,
                            new_envelope(EventType.ROUTED, r, producer="bench", complaint_id=r.complaint.complaint_id),
                        )
                        for r in routed
                    )
                )

        asyncio.run(publish())
        print(f"forwarder: {n} routed complaints, handler concurrency {concurrency} …", flush=True)
        local.start(("forwarder",))
        created, repeated, span = asyncio.run(_forwarded_span(infra.kafka, topics.forwarded, n, timeout))
        sim = httpx.get(sim_url + "/_sim/stats", timeout=10).json()
    finally:
        local.stop(("lapor-sim", "forwarder"))
        stack.drop_topics(infra.kafka, topics.prefix)
        if database_url != infra.database_url:
            asyncio.run(scratch_db.drop(infra.database_url, database_url))
    per_s = (created - 1) / span if span else 0.0
    figures = {
        "complaints": n,
        "concurrency": concurrency,
        "lapor_latency_ms": latency_ms,
        "forwarder_per_s": round(per_s, 1),
        "bare_client_per_s": round(bare["per_s"], 1),
        "ratio": round(per_s / bare["per_s"], 3) if bare["per_s"] else None,
        "created": created,
        "repeated_announcements": repeated,
        "lapor_reports": sim["reports_created"],
        "duplicate_references": sim["duplicate_references"],
        "bare_failures": bare["failures"],
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    out = BENCH_DIR / f"forwarder-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(figures, indent=2))
    ok = (
        created == n
        and sim["reports_created"] == 2 * n
        and sim["duplicate_references"] == 0
        and per_s >= FLOOR_PER_S
        and (figures["ratio"] or 0) >= FLOOR_RATIO
    )
    print(f"""
                         reports/s
  forwarder              {figures["forwarder_per_s"]:>9}   (floor {FLOOR_PER_S:.0f})
  bare httpx client      {figures["bare_client_per_s"]:>9}
  ratio forwarder/bare: {figures["ratio"]} (floor {FLOOR_RATIO})   created {created}/{n}   LAPOR! reports \
{sim["reports_created"]} (both runs), duplicate references {sim["duplicate_references"]}
  written to {out}   {"OK" if ok else "BELOW A FLOOR OR INCOMPLETE"}
""")
    return 0 if ok else 1
