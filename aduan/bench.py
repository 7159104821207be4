"""`make bench N=5000`: N complaints through the whole pipeline, and through a baseline, in one run.

The pipeline run publishes N complaints the way a Kafka-speaking channel does (complaints.inbound)
and times each until its complaints.forwarded event arrives: intake, routing and the forwarder
(with its LAPOR! call to the simulator) each do their real work. The baseline pushes the same
number of messages of the same size through three raw aiokafka relays (the same number of hops,
the same producer guarantees, no work at all), so the ratio says what the pipeline's own work costs
on this machine today. Figures go to stdout and to var/bench/bench-<time>.json.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from aduan import stack
from shared.events import Channel, EventType, InboundMessage, complaint_id_for, new_envelope, utcnow
from shared.kafka import delete_topics, ensure_topics
from shared.topics import Topics, TopicSpec

BENCH_DIR = stack.VAR / "bench"
HOPS = 3  # intake, routing, forwarder

BODIES = [
    "Jalan di Kecamatan {place} rusak berat dan berlubang, sudah berbulan-bulan tidak diperbaiki.",
    "Sampah menumpuk di pasar {place} dan tidak diangkut petugas kebersihan sejak minggu lalu.",
    "Lampu penerangan jalan umum di {place} mati semua, warga takut keluar malam.",
    "Puskesmas di {place} tutup sebelum jam pelayanan, pasien terpaksa pulang tanpa diperiksa.",
    "Saluran drainase di {place} tersumbat sehingga rumah warga kebanjiran setiap hujan deras.",
]
PLACES = [
    "Natar",
    "Kedaton",
    "Metro Pusat",
    "Gisting",
    "Menggala",
    "Pringsewu",
    "Kalianda",
    "Liwa",
    "Krui",
    "Gedong Tataan",
    "Sukadana",
    "Kotabumi",
    "Blambangan Umpu",
    "Mesuji",
    "Tulang Bawang Tengah",
]


@dataclass
class RunResult:
    sent: int
    received: int
    duplicates: int
    per_s: float
    p50_ms: float
    p99_ms: float


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _inbound(i: int, run: str) -> tuple[str, bytes]:
    body = BODIES[i % len(BODIES)].format(place=PLACES[i % len(PLACES)])
    message_id = f"bench-{run}-{i}"
    inbound = InboundMessage(
        channel=Channel.APP,
        channel_message_id=message_id,
        received_at=utcnow(),
        raw={"body": body, "reporter": {"name": "Warga Bench", "phone": "081200009999"}},
    )
    complaint_id = complaint_id_for("app", message_id)
    envelope = new_envelope(EventType.RECEIVED, inbound, producer="bench", complaint_id=complaint_id)
    return str(complaint_id), envelope.model_dump_json().encode()


async def _drive(
    bootstrap: str, source: str, sink: str, messages: list[tuple[str, bytes]], key_of: Any, timeout: float
) -> RunResult:
    """Publish `messages` to `source`; time each until its answer arrives on `sink`."""
    consumer = AIOKafkaConsumer(
        sink, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5)
    await consumer.start()
    await producer.start()
    sent_at: dict[str, float] = {}
    latencies: dict[str, float] = {}
    duplicates = 0
    try:
        first = time.perf_counter()
        futures = []
        for key, value in messages:
            sent_at[key] = time.perf_counter()
            futures.append(await producer.send(source, value, key=key.encode()))
        await asyncio.gather(*futures)
        deadline = time.monotonic() + timeout
        last = first
        while len(latencies) < len(messages) and time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500, max_records=1000)
            now = time.perf_counter()
            for records in batch.values():
                for record in records:
                    key = key_of(record)
                    if key in latencies:
                        duplicates += 1
                    elif key in sent_at:
                        latencies[key] = now - sent_at[key]
                        last = now
    finally:
        await producer.stop()
        await consumer.stop()
    values = sorted(latencies.values()) or [0.0]
    return RunResult(
        sent=len(messages),
        received=len(latencies),
        duplicates=duplicates,
        per_s=len(latencies) / (last - first) if last > first else 0.0,
        p50_ms=statistics.median(values) * 1000,
        p99_ms=values[min(len(values) - 1, int(len(values) * 0.99))] * 1000,
    )


def _forwarded_key(record: Any) -> str | None:
    event = json.loads(record.value)
    return event["complaint_id"] if event["payload"]["outcome"] == "created" else None


def bench_pipeline(infra: stack.Infra, n: int, run: str, timeout: float) -> tuple[RunResult, dict[str, Any]]:
    topics = Topics(f"bench-{run}.")
    stack.create_topics(infra.kafka, topics.prefix)
    ports = {name: _free_port() for name in stack.DEFAULT_PORTS}
    local = stack.Stack(
        infra,
        topic_prefix=topics.prefix,
        ports=ports,
        # the bench repeats a few texts from one reporter: not duplicates, load
        extra_env={"ADUAN_TRIAGE_THRESHOLD": "0", "ADUAN_LOG_LEVEL": "WARNING", "ADUAN_DUPLICATE_LINKING": "false"},
    )
    local.start()
    try:
        messages = [_inbound(i, run) for i in range(n)]
        result = asyncio.run(_drive(infra.kafka, topics.inbound, topics.forwarded, messages, _forwarded_key, timeout))
        sim = httpx.get(local.url("lapor-sim") + "/_sim/stats", timeout=10).json()
    finally:
        local.stop()
        stack.drop_topics(infra.kafka, topics.prefix)
    return result, sim


def bench_baseline(infra: stack.Infra, n: int, run: str, timeout: float) -> RunResult:
    """The same hops through raw relays that do nothing but consume, produce and commit."""
    hops = [f"bench-{run}.relay.{i}" for i in range(HOPS + 1)]
    asyncio.run(ensure_topics(infra.kafka, tuple(TopicSpec(h) for h in hops)))
    relays = [
        subprocess.Popen(
            [sys.executable, "-m", "aduan.relay", infra.kafka, hops[i], hops[i + 1], f"bench-{run}-relay-{i}"],
            cwd=stack.ROOT,
        )
        for i in range(HOPS)
    ]
    try:
        time.sleep(3)  # let the relays join their groups, as the services did before their run
        messages = [_inbound(i, run) for i in range(n)]
        return asyncio.run(_drive(infra.kafka, hops[0], hops[-1], messages, lambda r: r.key.decode(), timeout))
    finally:
        for relay in relays:
            relay.terminate()
            relay.wait(10)
        asyncio.run(delete_topics(infra.kafka, hops))


def run_bench(n: int, timeout: float = 600.0) -> int:
    infra = stack.infra_up()
    run = uuid.uuid4().hex[:8]
    try:
        print(f"pipeline: {n} complaints through intake → routing → forwarder (LAPOR! simulator) …", flush=True)
        pipeline, sim = bench_pipeline(infra, n, run, timeout)
        print(f"baseline: {n} messages through {HOPS} raw aiokafka relays …", flush=True)
        baseline = bench_baseline(infra, n, run, timeout)
    finally:
        stack.infra_down(infra)
    figures = {
        "complaints": n,
        "e2e_per_s": round(pipeline.per_s, 1),
        "p50_ms": round(pipeline.p50_ms, 1),
        "p99_ms": round(pipeline.p99_ms, 1),
        "baseline_per_s": round(baseline.per_s, 1),
        "baseline_p50_ms": round(baseline.p50_ms, 1),
        "baseline_p99_ms": round(baseline.p99_ms, 1),
        "ratio": round(pipeline.per_s / baseline.per_s, 3) if baseline.per_s else None,
        "lost": n - pipeline.received,
        "duplicates": pipeline.duplicates + sim["duplicates"],
        "lapor_reports": sim["reports"],
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    out = BENCH_DIR / f"bench-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(figures, indent=2))
    print(f"""
                      complaints/s    p50 ms    p99 ms
  pipeline            {figures["e2e_per_s"]:>12}  {figures["p50_ms"]:>8}  {figures["p99_ms"]:>8}
  baseline (relays)   {figures["baseline_per_s"]:>12}  {figures["baseline_p50_ms"]:>8}  {figures["baseline_p99_ms"]:>8}
  ratio pipeline/baseline: {figures["ratio"]}   lost: {figures["lost"]}   duplicates: {figures["duplicates"]}
  LAPOR! reports: {figures["lapor_reports"]}   written to {out}
""")
    return 0 if figures["lost"] == 0 and figures["duplicates"] == 0 else 1
