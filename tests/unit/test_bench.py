"""The bench's pure parts: percentiles, open-loop pacing, lag arithmetic, the figures' JSON, the plot."""

from __future__ import annotations

from pathlib import Path

import pytest

from aduan.bench import PipelineRun, baseline_figures, pipeline_figures, timeline
from aduan.bench import RunResult as Result
from aduan.bench_load import CHANNELS, Sent, keys_of_forwarded, load_mix
from aduan.bench_monitor import peak_rss_kib, progress_line
from aduan.bench_plot import write_plot
from aduan.bench_reference import report_of, transform
from aduan.bench_stats import group_lag, latency_summary, percentile, rate_per_second, send_offsets, throughput
from aduan.scratch_db import with_database


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0  # order of the input does not matter
    assert percentile([], 99) == 0.0
    with pytest.raises(ValueError):
        percentile(values, 0)


def test_latency_summary_is_in_milliseconds() -> None:
    summary = latency_summary([0.010] * 98 + [0.5, 1.0])
    assert summary == {"p50_ms": 10.0, "p95_ms": 10.0, "p99_ms": 500.0, "max_ms": 1000.0}


def test_open_loop_schedule_is_evenly_spaced() -> None:
    offsets = send_offsets(20, 3)
    assert len(offsets) == 60
    assert offsets[0] == 0.0 and offsets[1] == pytest.approx(0.05) and offsets[-1] == pytest.approx(2.95)
    with pytest.raises(ValueError):
        send_offsets(0, 3)


def test_group_lag_sums_what_is_left_per_partition() -> None:
    ends = {("t", 0): 10, ("t", 1): 7, ("t", 2): 0}
    assert group_lag({("t", 0): 4, ("t", 1): 7}, ends) == 6  # partition 2 empty, 1 caught up
    assert group_lag({}, ends) == 17  # nothing committed yet: all of it
    assert group_lag({("t", 0): None}, {("t", 0): 3}) == 3
    assert group_lag({("t", 0): 12}, {("t", 0): 10}) == 0  # never negative


def test_rates_per_second_and_throughput() -> None:
    assert rate_per_second([100.1, 100.2, 101.5, 103.0, 99.0], 100.0, 4) == [2, 1, 0, 1]
    assert throughput(10, 0.0, 2.0) == 5.0
    assert throughput(10, 1.0, 1.0) == 0.0


def test_the_channel_mix_interleaves_and_is_validated(tmp_path: Path) -> None:
    mix = load_mix()
    assert set(mix) <= set(CHANNELS) and "app" in mix and "web" in mix
    assert mix[: len(set(mix))] == [c for c in CHANNELS if c in mix]  # every channel early in each round
    bad = tmp_path / "mix.toml"
    bad.write_text("[weights]\nfax = 1\n")
    with pytest.raises(ValueError, match="fax"):
        load_mix(bad)
    bad.write_text("[weights]\napp = 0\n")
    with pytest.raises(ValueError):
        load_mix(bad)


def test_forwarded_keys_only_for_created_reports() -> None:
    created = b'{"complaint_id": "c1", "payload": {"outcome": "created", "tracking_number": "LPG-1"}}'
    parked = b'{"complaint_id": "c2", "payload": {"outcome": "parked", "tracking_number": "LPG-2"}}'
    assert keys_of_forwarded(created) == ("cid:c1", "tn:LPG-1")
    assert keys_of_forwarded(parked) is None


def test_the_reference_hops_carry_what_the_last_one_posts() -> None:
    inbound = {"event_id": "e1", "complaint_id": "c1", "payload": {"channel": "app", "raw": {"body": "x" * 80}}}
    routed = transform("route", transform("accept", inbound))
    report = report_of(routed)
    assert report["reference"] == "c1" and len(report["title"]) == 60 and report["content"] == "x" * 80
    assert {"agency_code", "level"} <= report.keys()
    assert transform("accept", inbound)["event_id"] == transform("accept", inbound)["event_id"]  # redelivery-stable


def _run() -> PipelineRun:
    run = PipelineRun(started=1000.0)
    for i in range(10):
        key = f"cid:{i}"
        run.sent[key] = Sent(key, "app" if i % 2 else "web", 1000.0 + i * 0.1)
        if i < 9:  # one lost
            run.forwarded_at[key] = 1000.0 + i * 0.1 + 0.2
    run.stamps = {
        "accepted": [1000.0 + i * 0.1 for i in range(10)],
        "routed": [1000.1 + i * 0.1 for i in range(10)],
        "forwarded": sorted(run.forwarded_at.values()),
    }
    run.lag = [(1000.0, {"aduan-routing.accepted": 5}), (1001.0, {"aduan-routing.accepted": 0})]
    run.sim = {"duplicates": 0, "reports": 9}
    run.rss_mib = {"intake": 80.0}
    run.partitions = {"complaints.accepted": 6, "complaints.routed": 6}
    return run


def test_the_figures_have_the_documented_keys() -> None:
    figures = pipeline_figures(_run())
    figures |= baseline_figures(
        figures["e2e_per_s"],
        Result(sent=10, received=10, duplicates=0, per_s=100.0, p50_ms=5, p99_ms=9),
        Result(sent=10, received=10, duplicates=0, per_s=20.0, p50_ms=50, p99_ms=90),
        {"duplicates": 0},
    )
    for key in ("complaints", "e2e_per_s", "p50_ms", "p95_ms", "p99_ms", "baseline_per_s", "ratio"):
        assert key in figures
    for key in ("reference_per_s", "reference_ratio", "lost", "duplicates", "stages", "peak_rss_mib", "max_lag"):
        assert key in figures
    assert figures["complaints"] == 10 and figures["lost"] == 1 and figures["duplicates"] == 0
    assert figures["p50_ms"] == pytest.approx(200.0)
    assert figures["e2e_per_s"] == pytest.approx(9 / 1.0, rel=0.01)  # 9 forwarded between 1000.0 and 1001.0
    assert figures["ratio"] == pytest.approx(figures["e2e_per_s"] / 100.0, abs=0.001)
    assert figures["reference_ratio"] == pytest.approx(figures["e2e_per_s"] / 20.0, abs=0.001)
    assert figures["channels"] == {"web": 5, "app": 5}
    assert figures["max_lag"] == {"aduan-routing.accepted": 5}


def test_a_warm_up_is_left_out_of_the_percentiles_and_counted_for_loss() -> None:
    run = _run()
    for i in range(5):  # the first half second: slow, as a freshly started pipeline is
        run.forwarded_at[f"cid:{i}"] = 1000.0 + i * 0.1 + 2.0
    figures = pipeline_figures(run, warmup_s=0.5)
    assert figures["p50_ms"] == pytest.approx(200.0) and figures["p99_ms"] == pytest.approx(200.0)
    assert figures["warmup_p50_ms"] == pytest.approx(2000.0) and figures["warmup_s"] == 0.5
    assert figures["measured_complaints"] == 4 and figures["complaints"] == 10 and figures["lost"] == 1
    assert pipeline_figures(run)["p99_ms"] == pytest.approx(2000.0)  # without a warm-up, every complaint counts


def test_the_timeline_and_its_plot(tmp_path: Path) -> None:
    series = timeline(_run())
    assert series["sent_per_s"] == [10, 0]
    assert series["stage_per_s"]["forwarded"] == [8, 1]
    assert series["latency_per_s"]["p50_ms"][0] == pytest.approx(200.0)
    assert series["lag"] == {"t": [0.0, 1.0], "groups": {"aduan-routing.accepted": [5, 0]}}
    png = write_plot(tmp_path / "bench.png", series, "test")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_progress_line_and_own_peak_rss() -> None:
    line = progress_line(3.25, 5, 10, {"accepted": 4, "routed": 3, "forwarded": 2}, {"a": 1, "b": 2})
    assert line == "[   3.2 s] sent 5/10  accepted 4  routed 3  forwarded 2  lag 3"
    import os

    assert (peak_rss_kib(os.getpid()) or 0) > 1000
    assert peak_rss_kib(2**22 + 12345) is None


def test_a_scratch_database_url_keeps_everything_but_the_database_name() -> None:
    url = "postgresql://aduan:s3cr%2Ft@db.example:5433/aduan?sslmode=require&application_name=x"
    assert (
        with_database(url, "aduan_bench_1a2b3c4d")
        == "postgresql://aduan:s3cr%2Ft@db.example:5433/aduan_bench_1a2b3c4d?sslmode=require&application_name=x"
    )
    assert with_database("postgresql://u@h/d", "e") == "postgresql://u@h/e"
