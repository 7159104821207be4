"""The arithmetic of `aduan bench`: percentiles, open-loop pacing, consumer lag, rates per second.

Pure functions, no I/O: the harness (aduan/bench.py and its helpers) measures, these count.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import TypeVar

K = TypeVar("K")


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank q-th percentile (0 < q <= 100) of `values`; 0.0 for no values."""
    if not values:
        return 0.0
    if not 0 < q <= 100:
        raise ValueError("q must be in (0, 100]")
    ordered = sorted(values)
    rank = math.ceil(q / 100 * len(ordered))
    return float(ordered[max(rank, 1) - 1])


def latency_summary(latencies_s: Sequence[float]) -> dict[str, float]:
    """p50/p95/p99/max of latencies given in seconds, in milliseconds rounded to 0.1."""
    return {
        f"{name}_ms": round(percentile(latencies_s, q) * 1000, 1) if latencies_s else 0.0
        for name, q in (("p50", 50), ("p95", 95), ("p99", 99), ("max", 100))
    }


def send_offsets(rate: float, seconds: float) -> list[float]:
    """Open-loop schedule: the second (from the start) at which each of rate × seconds sends is due."""
    if rate <= 0 or seconds <= 0:
        raise ValueError("rate and seconds must be positive")
    return [i / rate for i in range(round(rate * seconds))]


def group_lag(committed: Mapping[K, int | None], ends: Mapping[K, int]) -> int:
    """Records a consumer group has still to read: over each partition, end offset minus committed offset.
    A partition the group has not committed yet counts from offset 0 (the bench's topics are new)."""
    return sum(max(0, end - (committed.get(tp) or 0)) for tp, end in ends.items())


def rate_per_second(stamps_s: Iterable[float], start_s: float, seconds: int) -> list[int]:
    """Counts of events per whole second after `start_s` (the last bucket takes nothing later)."""
    counts = Counter(int(t - start_s) for t in stamps_s if t >= start_s)
    return [counts.get(i, 0) for i in range(seconds)]


def throughput(count: int, first_s: float, last_s: float) -> float:
    """count events over the span first → last; 0.0 when there is no span."""
    return count / (last_s - first_s) if last_s > first_s and count else 0.0
