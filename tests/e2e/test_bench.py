"""`aduan bench` for real, kept short: a burst of 50, and 20/s for 1 s of warm-up and 3 s measured, through
the whole pipeline and both baselines on the real broker and database. Asserts what the figures say (their keys, nothing
lost or repeated, the plot beside the JSON), never how fast: speed belongs in docs/BENCHMARKS.md."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from aduan import stack

pytestmark = pytest.mark.e2e

KEYS = (
    "complaints",
    "e2e_per_s",
    "p50_ms",
    "p99_ms",
    "baseline_per_s",
    "ratio",
    "reference_per_s",
    "reference_ratio",
    "lost",
    "duplicates",
    "stages",
    "peak_rss_mib",
    "max_lag",
)


@pytest.mark.parametrize(
    ("argv", "mode", "complaints"),
    [
        (["burst", "--n", "50"], "burst", 50),
        (["steady", "--rate", "20", "--seconds", "3", "--warmup", "1"], "steady", 80),
    ],
)
def test_a_short_bench_run_loses_and_repeats_nothing(
    infra: stack.Infra, own_database_url: str, argv: list[str], mode: str, complaints: int
) -> None:
    before = set((stack.VAR / "bench").glob(f"{mode}-*.json"))
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": infra.kafka, "DATABASE_URL": own_database_url}
    started = time.time()
    done = subprocess.run(
        [sys.executable, "-m", "aduan.cli", "bench", *argv, "--timeout", "90"],
        cwd=stack.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    written = sorted(set((stack.VAR / "bench").glob(f"{mode}-*.json")) - before)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert len(written) == 1 and written[0].stat().st_mtime >= started
    figures = json.loads(written[0].read_text())
    try:
        for key in KEYS + (("rate", "p95_ms", "warmup_p50_ms", "warmup_p99_ms") if mode == "steady" else ()):
            assert key in figures, key
        assert figures["complaints"] == complaints
        if mode == "steady":  # the warm-up's complaints are sent and counted, but not in the percentiles
            assert 0 < figures["measured_complaints"] < complaints
        assert figures["lost"] == 0 and figures["duplicates"] == 0 and figures["send_failures"] == 0
        assert figures["reference_lost"] == 0 and figures["baseline_lost"] == 0
        assert len(figures["channels"]) >= 5  # Kafka and the HTTP channels of the mix
        assert {"intake", "routing", "forwarder", "notifier"} <= figures["peak_rss_mib"].keys()
        assert "forwarded" in done.stderr  # the progress line
        png = written[0].with_name(figures["plot"])
        assert png.read_bytes()[:4] == b"\x89PNG"
    finally:
        written[0].with_name(figures.get("plot", "none")).unlink(missing_ok=True)
        written[0].unlink()
