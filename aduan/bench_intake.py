"""`aduan bench intake`: intake's HTTP edge on loopback, beside a bare publishing endpoint, in one run.

Two processes on the same uvicorn/Starlette stack: the intake service (its real `POST /v1/complaints`:
reading, validating and normalising the web form, the tracking number, the publish to
complaints.inbound with acks=all; its Kafka consumer handles what it published meanwhile, as in
production) and aduan/bench_bare_endpoint.py (read the JSON, publish, answer 202). For each, from
one aiohttp client in the bench process:

1. closed loop: `concurrency` requests in flight for `seconds`: accepted (2xx) complaints/s;
2. open loop: `rate` requests/s for `seconds`, each timed from its send to its answer: p50/p95/p99.

Figures go to stdout and var/bench/intake-<time>.json.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import aiohttp

from aduan import stack
from aduan.bench import BENCH_DIR, _machine
from aduan.bench_load import PLACES, body_of, phone_of
from aduan.bench_stats import latency_summary, send_offsets
from shared.kafka import delete_topics, ensure_topics
from shared.topics import Topics, TopicSpec

FLOOR_PER_S = 1000.0
FLOOR_P99_MS = 100.0


def web_form(i: int) -> bytes:
    return json.dumps(
        {
            "title": body_of(i)[:60],
            "body": body_of(i),
            "reporter": {"name": "Warga Bench", "phone": phone_of(i)},
            "location": {"text": PLACES[i % len(PLACES)]},
        }
    ).encode()


async def _post(http: aiohttp.ClientSession, url: str, i: int) -> bool:
    try:
        async with http.post(url, data=web_form(i), headers={"Content-Type": "application/json"}) as response:
            await response.read()
            return 200 <= response.status < 300
    except (aiohttp.ClientError, TimeoutError):
        return False


async def closed_loop(url: str, concurrency: int, seconds: float) -> dict[str, Any]:
    """`concurrency` clients, each posting as soon as its last answer came, for `seconds`."""
    ok = failed = 0
    latencies: list[float] = []
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as http:
        for i in range(concurrency):  # warm the connections
            await _post(http, url, 10_000_000 + i)
        end = time.perf_counter() + seconds
        counter = iter(range(1 << 62))

        async def client() -> None:
            nonlocal ok, failed
            while time.perf_counter() < end:
                started = time.perf_counter()
                if await _post(http, url, next(counter)):
                    ok += 1
                    latencies.append(time.perf_counter() - started)
                else:
                    failed += 1

        started = time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        span = time.perf_counter() - started
    return {"accepted_per_s": round(ok / span, 1), "accepted": ok, "failed": failed, **latency_summary(latencies)}


async def open_loop(url: str, rate: float, seconds: float) -> dict[str, Any]:
    """Requests started at `rate`/s whatever the answers; each timed from its planned start."""
    latencies: list[float] = []
    failed = 0
    connector = aiohttp.TCPConnector(limit=1000)
    async with aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30)) as http:
        for i in range(16):
            await _post(http, url, 20_000_000 + i)

        async def one(i: int, planned: float) -> None:
            nonlocal failed
            if await _post(http, url, i):
                latencies.append(time.perf_counter() - planned)
            else:
                failed += 1

        tasks = []
        start = time.perf_counter()
        for i, offset in enumerate(send_offsets(rate, seconds)):
            planned = start + offset
            if (wait := planned - time.perf_counter()) > 0:
                await asyncio.sleep(wait)
            tasks.append(asyncio.create_task(one(i, planned)))
        await asyncio.gather(*tasks)
    return {"rate": rate, "accepted": len(latencies), "failed": failed, **latency_summary(latencies)}


def run_bench_intake(seconds: float = 10.0, rate: float = 300.0, concurrency: int = 64) -> int:
    machine = _machine()
    infra = stack.infra_up()
    run = uuid.uuid4().hex[:8]
    topics = Topics(f"bench-intake-{run}.")
    bare_topic = f"bench-intake-{run}.bare"
    stack.create_topics(infra.kafka, topics.prefix)
    asyncio.run(ensure_topics(infra.kafka, (TopicSpec(bare_topic),)))
    ports = stack.free_ports(("intake", "bare", "lapor-sim", "routing", "forwarder", "notifier"))
    env = {"ADUAN_LOG_LEVEL": "WARNING", "ADUAN_RATE_LIMIT_IP_PER_MIN": "100000000", "ADUAN_DUPLICATE_LINKING": "false"}
    local = stack.Stack(infra, topic_prefix=topics.prefix, ports=ports, extra_env=env)
    bare = stack.Proc(
        "bench-bare-endpoint",
        [
            sys.executable,
            "-m",
            "aduan.bench_bare_endpoint",
            "--port",
            str(ports["bare"]),
            "--bootstrap",
            infra.kafka,
            "--topic",
            bare_topic,
        ],
        ports["bare"],
        {"PYTHONUNBUFFERED": "1"},
    )
    results: dict[str, dict[str, Any]] = {}
    try:
        local.start(("intake",))
        bare.start()
        stack.wait_ready([bare])
        urls = {"intake": local.url("intake") + "/v1/complaints", "bare": bare.url + "/v1/complaints"}
        for name, url in urls.items():
            print(f"{name}: closed loop, {concurrency} in flight for {seconds:g} s …", file=sys.stderr, flush=True)
            results[name] = {"closed": asyncio.run(closed_loop(url, concurrency, seconds))}
        for name, url in urls.items():
            print(f"{name}: open loop at {rate:g}/s for {seconds:g} s …", file=sys.stderr, flush=True)
            results[name]["open"] = asyncio.run(open_loop(url, rate, seconds))
    finally:
        bare.stop()
        local.stop(("intake",))
        stack.drop_topics(infra.kafka, topics.prefix)
        asyncio.run(delete_topics(infra.kafka, [bare_topic]))
        stack.infra_down(infra)
    intake, bare_r = results["intake"], results["bare"]
    figures = {
        "mode": "intake",
        "seconds": seconds,
        "concurrency": concurrency,
        "rate": rate,
        "intake_per_s": intake["closed"]["accepted_per_s"],
        "bare_per_s": bare_r["closed"]["accepted_per_s"],
        "ratio": round(intake["closed"]["accepted_per_s"] / bare_r["closed"]["accepted_per_s"], 3)
        if bare_r["closed"]["accepted_per_s"]
        else None,
        "p50_ms": intake["open"]["p50_ms"],
        "p95_ms": intake["open"]["p95_ms"],
        "p99_ms": intake["open"]["p99_ms"],
        "bare_p99_ms": bare_r["open"]["p99_ms"],
        "intake": intake,
        "bare": bare_r,
        "machine": machine,
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    out = BENCH_DIR / f"intake-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(figures, indent=2))
    failed = sum(r[k]["failed"] for r in results.values() for k in ("closed", "open"))
    print(f"""
                    accepted/s (closed, {concurrency} in flight)   p50 / p95 / p99 ms at {rate:g}/s (open)
  intake            {figures["intake_per_s"]:>10}   {intake["open"]["p50_ms"]} / {intake["open"]["p95_ms"]} / \
{intake["open"]["p99_ms"]}
  bare endpoint     {figures["bare_per_s"]:>10}   {bare_r["open"]["p50_ms"]} / {bare_r["open"]["p95_ms"]} / \
{bare_r["open"]["p99_ms"]}
  intake/bare: {figures["ratio"]}   failed requests: {failed}   floors: {FLOOR_PER_S:.0f}/s, p99 < {FLOOR_P99_MS:.0f} ms
  written to {out}
""")
    return 0 if failed == 0 else 1
