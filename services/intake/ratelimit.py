"""Per-source request limits (token buckets): an API key, an IP address, a phone number. In memory, per
process — with several intake replicas each holds its own buckets (docs/privacy.md). `Limits` holds
intake's buckets by kind and refuses with `TooMany` (answered 429 by the HTTP edge)."""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable

from prometheus_client import Counter

from services.intake.settings import IntakeSettings
from shared.pii import fingerprint

RATE_LIMITED = Counter("aduan_requests_rate_limited_total", "Requests refused with 429", ["source"])


class TooMany(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class RateLimiter:
    """`per_minute` requests per source, with bursts up to the same number; 0 means no limit."""

    def __init__(
        self, per_minute: int, *, max_sources: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.per_minute = per_minute
        self.rate = per_minute / 60.0
        self.max_sources = max_sources
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def retry_after(self, source: str) -> int | None:
        """Take one request for `source`: None when allowed, else the seconds to wait."""
        if self.per_minute <= 0:
            return None
        now = self.clock()
        tokens, last = self._buckets.pop(source, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - last) * self.rate)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        self._buckets[source] = (tokens, now)
        while len(self._buckets) > self.max_sources:
            self._buckets.popitem(last=False)
        return None if allowed else max(1, math.ceil((1.0 - tokens) / self.rate))


class Limits:
    """intake's limits by kind: `ip` (the web form), `phone` (gateways), `api_key` (Open311), `lookup`."""

    def __init__(self, settings: IntakeSettings) -> None:
        self.limits = {
            "ip": RateLimiter(settings.rate_limit_ip_per_min),
            "phone": RateLimiter(settings.rate_limit_phone_per_min),
            "api_key": RateLimiter(settings.rate_limit_api_key_per_min),
            "lookup": RateLimiter(settings.lookup_rate_limit_per_min),
        }

    def check(self, kind: str, source: object) -> None:
        wait = self.limits[kind].retry_after(fingerprint(source))
        if wait is not None:
            RATE_LIMITED.labels(kind).inc()
            raise TooMany(wait)
