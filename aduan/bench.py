"""`aduan bench burst|steady|scale-out`: complaints through the whole pipeline beside two baselines.

The pipeline run sends complaints of a mix of channels (aduan/bench_mix.toml): some published to
complaints.inbound as a Kafka-speaking app does, the rest posted to intake's HTTP endpoints, signed
as each gateway signs. intake, routing, the forwarder (with its LAPOR! call to the simulator) and the
notifier run as separate processes and do their real work. Each complaint is timed from its
acceptance (the broker's acknowledgement, or intake's 2xx answer) to the complaints.forwarded event
announcing its LAPOR! report (the record's create time).

- burst: N complaints sent at once; steady: open-loop sending at R complaints/s for W seconds of
  warm-up and then S seconds measured. The warm-up's complaints count for lost and duplicates, and their
  latencies are reported apart (`warmup_p50_ms`, `warmup_p99_ms`): a freshly started pipeline opens its
  connections, fetches metadata for each agency topic and fills its caches on its first complaints.
- While it runs: accepted/routed/forwarded per second, consumer lag per group (sampled each second),
  a progress line on stderr; at the end each process's peak RSS.
- Two baselines in the same run, each N messages of the same size through three hops as separate
  processes: the raw relay (aduan/relay.py: consume, produce, commit, no work) and the reference
  (aduan/bench_reference.py: the batched minimum of the real work: JSON, one PostgreSQL transaction
  per batch with an idempotency claim per record, one POST per record to the LAPOR! simulator).
- scale-out: the burst twice, with routing and the forwarder as 1 and then 2 processes each.

Figures go to stdout and var/bench/<mode>-<time>.json, the plot beside it as .png.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import platform
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from aduan import scratch_db, stack
from aduan.bench_load import Load, Sent, inbound_envelope, keys_of_forwarded, load_mix
from aduan.bench_monitor import LagSampler, Progress, StageWatch, progress_line, sampled_rss, wait_leaders
from aduan.bench_plot import write_plot
from aduan.bench_reference import claims_ddl
from aduan.bench_stats import latency_summary, percentile, rate_per_second, send_offsets, throughput
from shared.kafka import delete_topics, ensure_topics
from shared.topics import Topics, TopicSpec
from simulators.gateways import GatewaySecrets

BENCH_DIR = stack.VAR / "bench"
HOPS = 3  # intake, routing, forwarder
SCALED = ("routing", "forwarder")
SCALE_OUT_PARTITIONS = 6  # the scaled consumers' topics must have at least this many to share
# the pipeline's capacity is measured, not the LAPOR! politeness limit (ADUAN_LAPOR_RATE_PER_S, 200/s by default)
PIPELINE_ENV = {
    "ADUAN_TRIAGE_THRESHOLD": "0",
    "ADUAN_LOG_LEVEL": "WARNING",
    "ADUAN_LAPOR_RATE_PER_S": "100000",
    "ADUAN_LAPOR_BURST": "1000",
    "ADUAN_RATE_LIMIT_PHONE_PER_MIN": "1000000",
    "ADUAN_RATE_LIMIT_API_KEY_PER_MIN": "1000000",
    # the load repeats a few texts from a few reporters: load, not duplicates (linking them would hold
    # all but the first back from routing)
    "ADUAN_DUPLICATE_LINKING": "false",
}


@dataclass
class RunResult:
    sent: int
    received: int
    duplicates: int
    per_s: float
    p50_ms: float
    p99_ms: float


@dataclass
class PipelineRun:
    """What one pipeline run measured."""

    sent: dict[str, Sent] = field(default_factory=dict)
    send_failures: dict[str, int] = field(default_factory=dict)
    forwarded_at: dict[str, float] = field(default_factory=dict)
    repeats: int = 0
    stamps: dict[str, list[float]] = field(default_factory=dict)
    lag: list[tuple[float, dict[str, int]]] = field(default_factory=list)
    started: float = 0.0
    behind_schedule_ms: float = 0.0  # how late the open-loop sender ever was
    rss_mib: dict[str, Any] = field(default_factory=dict)
    sim: dict[str, Any] = field(default_factory=dict)
    partitions: dict[str, int] = field(default_factory=dict)

    def latencies(self) -> dict[str, float]:
        return {k: self.forwarded_at[k] - s.accepted_at for k, s in self.sent.items() if k in self.forwarded_at}


# ---------------------------------------------------------------------------------------------
# baselines


async def _drive(
    bootstrap: str, source: str, sink: str, messages: list[tuple[str, bytes]], key_of: Any, timeout: float
) -> RunResult:
    """Publish `messages` to `source` at once; time each from its acknowledgement until its answer
    is produced on `sink` (the answer record's create time)."""
    consumer = AIOKafkaConsumer(
        sink, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5)
    await consumer.start()
    await producer.start()
    acked_at: dict[str, float] = {}
    done_at: dict[str, float] = {}
    duplicates = 0

    async def send(key: str, value: bytes) -> None:
        await (await producer.send(source, value, key=key.encode()))
        acked_at[key] = time.time()

    try:
        first = time.time()
        await asyncio.gather(*(send(k, v) for k, v in messages))
        deadline = time.monotonic() + timeout
        while len(done_at) < len(messages) and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=500, max_records=5000)).values():
                for record in records:
                    key = key_of(record)
                    if key in done_at:
                        duplicates += 1
                    elif key in acked_at:
                        done_at[key] = record.timestamp / 1000
    finally:
        await producer.stop()
        await consumer.stop()
    latencies = [max(0.0, done_at[k] - acked_at[k]) for k in done_at]
    summary = latency_summary(latencies)
    return RunResult(
        sent=len(messages),
        received=len(done_at),
        duplicates=duplicates,
        per_s=throughput(len(done_at), first, max(done_at.values(), default=first)),
        p50_ms=summary["p50_ms"],
        p99_ms=summary["p99_ms"],
    )


def _hops(run: str, kind: str) -> list[str]:
    return [f"bench-{run}.{kind}.{i}" for i in range(HOPS + 1)]


def _spawn(argv: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", *argv], cwd=stack.ROOT)


def _stop_all(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def bench_baseline(infra: stack.Infra, n: int, run: str, timeout: float) -> RunResult:
    """The same hops through raw relays that do nothing but consume, produce and commit."""
    hops = _hops(run, "relay")
    asyncio.run(ensure_topics(infra.kafka, tuple(TopicSpec(h) for h in hops)))
    relays = [_spawn(["aduan.relay", infra.kafka, hops[i], hops[i + 1], f"bench-{run}-relay-{i}"]) for i in range(HOPS)]
    try:
        time.sleep(3)  # let the relays join their groups, as the services did before their run
        messages = [inbound_envelope(i, run) for i in range(n)]
        return asyncio.run(_drive(infra.kafka, hops[0], hops[-1], messages, lambda r: r.key.decode(), timeout))
    finally:
        _stop_all(relays)
        asyncio.run(delete_topics(infra.kafka, hops))


async def _sql(database_url: str, statement: str) -> None:
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def bench_reference(infra: stack.Infra, n: int, run: str, timeout: float) -> tuple[RunResult, dict[str, Any]]:
    """The same hops doing the batched minimum of the real work, against a simulator of their own."""
    from aduan.bench_reference import HOPS as NAMES

    hops = _hops(run, "reference")
    schema = f"bench_reference_{run}"
    asyncio.run(ensure_topics(infra.kafka, tuple(TopicSpec(h) for h in hops)))
    asyncio.run(_sql(infra.database_url, claims_ddl(schema)))
    port = stack.free_ports(("lapor-sim",))["lapor-sim"]
    sim = stack.Proc(
        "lapor-sim-reference",
        [sys.executable, "-m", "simulators.lapor", "--port", str(port)],
        port,
        {"PYTHONUNBUFFERED": "1"},
    )
    procs: list[subprocess.Popen[bytes]] = []
    try:
        sim.start()
        stack.wait_ready([stack.Proc("lapor-sim", sim.argv, port, popen=sim.popen)])
        procs = [
            _spawn(
                [
                    "aduan.bench_reference",
                    name,
                    infra.kafka,
                    hops[i],
                    hops[i + 1],
                    f"bench-{run}-reference-{i}",
                    infra.database_url,
                    schema,
                    sim.url,
                ]
            )
            for i, name in enumerate(NAMES)
        ]
        time.sleep(3)
        messages = [inbound_envelope(i, run) for i in range(n)]
        result = asyncio.run(_drive(infra.kafka, hops[0], hops[-1], messages, lambda r: r.key.decode(), timeout))
        stats = httpx.get(sim.url + "/_sim/stats", timeout=10).json()
    finally:
        _stop_all(procs)
        sim.stop()
        asyncio.run(delete_topics(infra.kafka, hops))
        asyncio.run(_sql(infra.database_url, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    return result, stats


# ---------------------------------------------------------------------------------------------
# the pipeline


def _pipeline_stack(infra: stack.Infra, topics: Topics, replicas: int) -> stack.Stack:
    local = stack.Stack(
        infra, topic_prefix=topics.prefix, ports=stack.free_ports(tuple(stack.DEFAULT_PORTS)), extra_env=PIPELINE_ENV
    )
    for name in SCALED:
        for k in range(2, replicas + 1):
            port = stack.free_ports((name,))[name]
            base = local.procs[name]
            local.procs[f"{name}-{k}"] = stack.Proc(
                f"{name}-{k}", base.argv, port, {**base.env, "ADUAN_HTTP_PORT": str(port)}
            )
    return local


async def _send_all(load: Load, total: int, rate: float | None, result: PipelineRun) -> None:
    """Burst (rate None): every send started at once. Steady: send i started at start + i / rate.
    Each accepted send is recorded as soon as its answer comes (the progress line counts them)."""

    async def one(i: int) -> None:
        if (sent := await load.send(i)) is not None:
            result.sent[sent.key] = sent

    tasks: list[asyncio.Task[None]] = []
    start = time.monotonic()
    offsets = send_offsets(rate, total / rate) if rate is not None else [0.0] * total
    for i, offset in enumerate(offsets):
        if rate is not None:
            wait = start + offset - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            else:
                result.behind_schedule_ms = max(result.behind_schedule_ms, -wait * 1000)
        tasks.append(asyncio.create_task(one(i)))
        if rate is None and i % 200 == 199:
            await asyncio.sleep(0)  # let the first sends go out while the rest are created
    await asyncio.gather(*tasks)


async def _pipeline_run(
    local: stack.Stack, infra: stack.Infra, topics: Topics, run: str, total: int, rate: float | None, timeout: float
) -> PipelineRun:
    result = PipelineRun(started=time.time())
    stop = asyncio.Event()
    watch = StageWatch(
        infra.kafka,
        {"accepted": topics.accepted, "routed": topics.routed, "forwarded": topics.forwarded},
        keys_of_forwarded,
    )
    lag = LagSampler(
        infra.kafka,
        topics.prefix,
        {
            "inbound": topics.inbound,
            "accepted": topics.accepted,
            "routed": topics.routed,
            "forwarded": topics.forwarded,
        },
    )
    secrets = GatewaySecrets.from_env(stack.channel_secrets())
    load = Load(
        bootstrap=infra.kafka,
        inbound_topic=topics.inbound,
        intake_url=local.url("intake"),
        secrets=secrets,
        run=run,
        mix=load_mix(),
    )
    progress = Progress(
        lambda: progress_line(time.time() - result.started, len(result.sent), total, watch.counts(), lag.latest)
    )
    background = [asyncio.create_task(t.run(stop)) for t in (watch, lag, progress)]
    try:
        async with load:
            await _send_all(load, total, rate, result)
            result.send_failures = dict(load.failures)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not all(k in watch.forwarded_at for k in result.sent):
            await asyncio.sleep(0.5)
        await asyncio.sleep(1.5)  # one more lag sample with every group caught up, and late repeats
    finally:
        stop.set()
        await asyncio.gather(*background, return_exceptions=True)
    result.forwarded_at, result.repeats, result.stamps, result.lag = (
        watch.forwarded_at,
        watch.repeats,
        watch.stamps,
        lag.samples,
    )
    return result


def bench_pipeline(
    infra: stack.Infra, total: int, run: str, timeout: float, *, rate: float | None = None, replicas: int = 1
) -> PipelineRun:
    topics = Topics(f"bench-{run}-{replicas}.")
    stack.create_topics(infra.kafka, topics.prefix)
    asyncio.run(wait_leaders(infra.kafka, topics.prefix))
    # the services on a database of the run's own: their figures must not depend on what earlier runs left
    database_url = asyncio.run(scratch_db.create(infra.database_url, "aduan_bench")) or infra.database_url
    local = _pipeline_stack(dataclasses.replace(infra, database_url=database_url), topics, replicas)
    local.start()
    try:
        time.sleep(2)  # every consumer has joined its group
        # channel message ids of the run's own: on the shared database (no right to create one), intake
        # keeps every id it accepted in any earlier run
        result = asyncio.run(_pipeline_run(local, infra, topics, f"{run}-{replicas}", total, rate, timeout))
        result.rss_mib = sampled_rss({name: p.popen.pid for name, p in local.procs.items() if p.popen is not None})
        result.sim = httpx.get(local.url("lapor-sim") + "/_sim/stats", timeout=10).json()
        result.partitions = {s.name.removeprefix(topics.prefix): s.partitions for s in topics.specs()}
    finally:
        local.stop()
        stack.drop_topics(infra.kafka, topics.prefix)
        if database_url != infra.database_url:
            asyncio.run(scratch_db.drop(infra.database_url, database_url))
    return result


def pipeline_figures(result: PipelineRun, *, warmup_s: float = 0.0) -> dict[str, Any]:
    """The JSON figures of one pipeline run (pure: no I/O). The percentiles are those of the complaints
    accepted `warmup_s` seconds or more after the first; those before it have figures of their own."""
    latencies = result.latencies()
    accepted = [s.accepted_at for s in result.sent.values()]
    first = min(accepted, default=result.started)
    last = max((result.forwarded_at[k] for k in latencies), default=first)
    measured = [v for k, v in latencies.items() if result.sent[k].accepted_at >= first + warmup_s]
    summary = latency_summary(measured)
    if warmup_s > 0:
        warm = latency_summary([v for k, v in latencies.items() if result.sent[k].accepted_at < first + warmup_s])
        summary |= {
            "warmup_s": warmup_s,
            "measured_complaints": len(measured),
            "warmup_p50_ms": warm["p50_ms"],
            "warmup_p99_ms": warm["p99_ms"],
        }
    stages = {
        f"{stage}_per_s": round(throughput(len(stamps), min(stamps), max(stamps)), 1) if len(stamps) > 1 else 0.0
        for stage, stamps in result.stamps.items()
    }
    by_channel: dict[str, int] = {}
    for sent in result.sent.values():
        by_channel[sent.channel] = by_channel.get(sent.channel, 0) + 1
    return {
        "complaints": len(result.sent),
        "e2e_per_s": round(throughput(len(latencies), first, last), 1),
        **summary,
        "stages": stages,
        "channels": by_channel,
        "lost": len(result.sent) - len(latencies),
        "send_failures": sum(result.send_failures.values()),
        "send_failure_kinds": result.send_failures,
        "duplicates": result.repeats + int(result.sim.get("duplicates", 0)),
        "lapor_reports": result.sim.get("reports"),
        "peak_rss_mib": result.rss_mib,
        "max_lag": {g: max(s.get(g, 0) for _, s in result.lag) for g in sorted({g for _, s in result.lag for g in s})},
        "partitions": {t: result.partitions[t] for t in ("complaints.accepted", "complaints.routed")}
        if result.partitions
        else {},
    }


def timeline(result: PipelineRun) -> dict[str, Any]:
    """Per-second series for the JSON and the plot (pure)."""
    start = min((s.accepted_at for s in result.sent.values()), default=result.started)
    ends = [t for stamps in result.stamps.values() for t in stamps] + [start]
    seconds = int(max(ends) - start) + 1
    latencies = result.latencies()
    by_second: dict[int, list[float]] = {}
    for key, latency in latencies.items():
        by_second.setdefault(int(result.forwarded_at[key] - start), []).append(latency)
    groups = sorted({g for _, sample in result.lag for g in sample})
    return {
        "sent_per_s": rate_per_second((s.accepted_at for s in result.sent.values()), start, seconds),
        "stage_per_s": {stage: rate_per_second(stamps, start, seconds) for stage, stamps in result.stamps.items()},
        "latency_per_s": {
            name: [round(percentile(by_second.get(i, []), q) * 1000, 1) for i in range(seconds)]
            for name, q in (("p50_ms", 50), ("p99_ms", 99))
        },
        "lag": {
            "t": [round(t - start, 1) for t, _ in result.lag],
            "groups": {g: [sample.get(g, 0) for _, sample in result.lag] for g in groups},
        },
    }


# ---------------------------------------------------------------------------------------------
# the command


def _machine() -> dict[str, Any]:
    load = os.getloadavg()
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in load],
    }


def _write(mode: str, figures: dict[str, Any], series: dict[str, Any] | None, title: str) -> Path:
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    stem = BENCH_DIR / f"{mode}-{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    out = stem.with_suffix(".json")
    if series is not None:
        figures["plot"] = write_plot(stem.with_suffix(".png"), series, title).name  # beside the JSON
        figures["timeline"] = series
    out.write_text(json.dumps(figures, indent=2))
    return out


def run_bench(
    mode: str = "burst",
    n: int = 5000,
    *,
    rate: float | None = None,
    seconds: float | None = None,
    warmup: float = 0.0,
    timeout: float = 600.0,
) -> int:
    """burst (n complaints at once) or steady (rate/s for warmup + seconds), beside both baselines."""
    if mode == "steady":
        if not rate or not seconds or rate <= 0 or seconds <= 0 or warmup < 0:
            raise ValueError("steady needs --rate and --seconds, both positive, and --warmup ≥ 0")
        total = round(rate * (warmup + seconds))
    else:
        total, rate, warmup = n, None, 0.0
    machine = _machine()
    infra = stack.infra_up()
    run = uuid.uuid4().hex[:8]
    try:
        how = f"at {rate:g}/s for {seconds:g} s after {warmup:g} s of warm-up" if rate else "at once"
        print(f"pipeline: {total} complaints {how} (Kafka and HTTP, mixed channels) …", flush=True)
        pipeline = bench_pipeline(infra, total, run, timeout, rate=rate)
        baseline_n = total
        print(f"baseline: {baseline_n} messages through {HOPS} raw aiokafka relays …", flush=True)
        baseline = bench_baseline(infra, baseline_n, run, timeout)
        print(f"reference: {baseline_n} messages through {HOPS} hops doing the batched minimum …", flush=True)
        reference, reference_sim = bench_reference(infra, baseline_n, run, timeout)
    finally:
        stack.infra_down(infra)
    figures: dict[str, Any] = {"mode": mode, **pipeline_figures(pipeline, warmup_s=warmup)}
    if mode == "steady":
        figures = {"mode": mode, "rate": rate, "seconds": seconds, **figures}
        figures["behind_schedule_max_ms"] = round(pipeline.behind_schedule_ms, 1)
    figures |= baseline_figures(figures["e2e_per_s"], baseline, reference, reference_sim)
    figures |= {"machine": machine, "measured_at": datetime.now(UTC).isoformat(timespec="seconds")}
    out = _write(mode, figures, timeline(pipeline), f"aduan bench {mode}: {total} complaints {how}")
    print(report(figures, out))
    ok = figures["lost"] == 0 and figures["duplicates"] == 0 and figures["send_failures"] == 0
    return 0 if ok and reference.received == baseline_n and baseline.received == baseline_n else 1


def baseline_figures(
    e2e_per_s: float, baseline: RunResult, reference: RunResult, reference_sim: dict[str, Any]
) -> dict[str, Any]:
    return {
        "baseline_per_s": round(baseline.per_s, 1),
        "baseline_p50_ms": baseline.p50_ms,
        "baseline_p99_ms": baseline.p99_ms,
        "ratio": round(e2e_per_s / baseline.per_s, 3) if baseline.per_s else None,
        "reference_per_s": round(reference.per_s, 1),
        "reference_p50_ms": reference.p50_ms,
        "reference_p99_ms": reference.p99_ms,
        "reference_ratio": round(e2e_per_s / reference.per_s, 3) if reference.per_s else None,
        "baseline_lost": baseline.sent - baseline.received,
        "reference_lost": reference.sent - reference.received,
        "reference_duplicates": reference.duplicates + int(reference_sim.get("duplicates", 0)),
    }


def report(figures: dict[str, Any], out: Path) -> str:
    steady = ""
    if figures["mode"] == "steady":
        steady = f"   rate {figures['rate']}/s  p95 {figures['p95_ms']} ms"
        if figures.get("warmup_s"):
            steady += (
                f"\n  warm-up (the first {figures['warmup_s']:g} s, not in the percentiles above):"
                f" p50 {figures['warmup_p50_ms']} ms  p99 {figures['warmup_p99_ms']} ms"
            )
    stages = "  ".join(f"{k} {v}" for k, v in figures["stages"].items())
    ref_p99 = figures["reference_p99_ms"]
    rss = "  ".join(f"{k} {v}" for k, v in figures["peak_rss_mib"].items())
    return f"""
                      complaints/s    p50 ms    p99 ms
  pipeline            {figures["e2e_per_s"]:>12}  {figures["p50_ms"]:>8}  {figures["p99_ms"]:>8}{steady}
  reference (batched) {figures["reference_per_s"]:>12}  {figures["reference_p50_ms"]:>8}  {ref_p99:>8}
  baseline (relays)   {figures["baseline_per_s"]:>12}  {figures["baseline_p50_ms"]:>8}  {figures["baseline_p99_ms"]:>8}
  pipeline/reference: {figures["reference_ratio"]}   pipeline/baseline: {figures["ratio"]}
  lost: {figures["lost"]}   duplicates: {figures["duplicates"]}   send failures: {figures["send_failures"]}
  stages/s: {stages}
  peak RSS MiB: {rss}
  written to {out} (plot beside it)
"""


def run_scale_out(n: int = 3000, timeout: float = 600.0) -> int:
    """The burst with routing and the forwarder as one process each, then two each, in one run."""
    topics = Topics("")
    shared = {t.name: t.partitions for t in topics.specs() if t.name in (topics.accepted, topics.routed)}
    if min(shared.values()) < SCALE_OUT_PARTITIONS:
        print(f"scale-out needs ≥ {SCALE_OUT_PARTITIONS} partitions on {shared}", file=sys.stderr)
        return 1
    machine = _machine()
    infra = stack.infra_up()
    run = uuid.uuid4().hex[:8]
    results: dict[int, dict[str, Any]] = {}
    try:
        for replicas in (1, 2):
            print(f"scale-out: {n} complaints, routing and forwarder × {replicas} …", flush=True)
            results[replicas] = pipeline_figures(bench_pipeline(infra, n, run, timeout, replicas=replicas))
    finally:
        stack.infra_down(infra)
    figures = {
        "mode": "scale-out",
        "complaints": n,
        "one_process_per_s": results[1]["e2e_per_s"],
        "two_processes_per_s": results[2]["e2e_per_s"],
        "scale_out_ratio": round(results[2]["e2e_per_s"] / results[1]["e2e_per_s"], 3)
        if results[1]["e2e_per_s"]
        else None,
        "partitions": results[1]["partitions"],
        "runs": {"1": results[1], "2": results[2]},
        "lost": results[1]["lost"] + results[2]["lost"],
        "duplicates": results[1]["duplicates"] + results[2]["duplicates"],
        "machine": machine,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    out = _write("scale-out", figures, None, "")
    print(f"""
  routing + forwarder × 1: {figures["one_process_per_s"]}/s   × 2: {figures["two_processes_per_s"]}/s   \
ratio {figures["scale_out_ratio"]}
  partitions: {figures["partitions"]}   lost {figures["lost"]}   duplicates {figures["duplicates"]}
  written to {out}
""")
    return 0 if figures["lost"] == 0 and figures["duplicates"] == 0 else 1
