"""The PNG beside a bench run's JSON: throughput per stage and latency over time, and consumer lag.

Drawn with matplotlib's Agg backend (no display). Input is the run's `timeline` as written in its
JSON: per-second stage counts, per-second latency percentiles and lag samples per consumer group.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def write_plot(path: Path, timeline: dict[str, Any], title: str) -> Path:
    """Three panels sharing the time axis (s from the first send); returns `path`."""
    fig, (rates, latency, lag) = plt.subplots(3, 1, figsize=(10, 9), sharex=True)
    seconds = list(range(len(timeline.get("sent_per_s", []))))
    rates.plot(seconds, timeline.get("sent_per_s", []), label="sent", color="grey", linestyle="--")
    for stage, counts in timeline.get("stage_per_s", {}).items():
        rates.plot(list(range(len(counts))), counts, label=stage)
    rates.set_ylabel("complaints / s")
    rates.legend(loc="upper right")
    rates.set_title(title)
    for name in ("p50_ms", "p99_ms"):
        points = timeline.get("latency_per_s", {}).get(name, [])
        latency.plot(list(range(len(points))), points, label=name.replace("_ms", ""))
    latency.set_ylabel("accepted → forwarded, ms")
    latency.legend(loc="upper right")
    for group, values in timeline.get("lag", {}).get("groups", {}).items():
        lag.plot(timeline["lag"]["t"], values, label=group)
    lag.set_ylabel("consumer lag, records")
    lag.set_xlabel("seconds from the first send")
    if timeline.get("lag", {}).get("groups"):
        lag.legend(loc="upper right", fontsize="small")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80)
    plt.close(fig)
    return path
