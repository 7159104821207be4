"""How hard the forwarder may lean on LAPOR!: a circuit breaker, a token bucket and a bound on calls
in flight. Every LAPOR! call of the forwarder (creates, lookups, status sync, reconcile, responses)
goes through one `LaporGuard`.

- The breaker opens after `failure_threshold` consecutive failures that say LAPOR! is unwell
  (timeouts, broken connections, 5xx), lets one probe through after `open_for_s`, and closes on the
  probe's success. While it is open, calls fail at once with `LaporUnavailable` (nothing is sent).
- The token bucket allows `rate_per_s` calls per second with bursts of `burst`; a 429's Retry-After
  pauses every call until it has passed.
- A call that would wait longer than `max_wait_s` (open breaker, long Retry-After) is not waited
  for: it raises `LaporUnavailable` with the wait, and the caller schedules it on a retry topic.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from enum import IntEnum
from typing import TypeVar

from prometheus_client import Counter

from services.forwarder.lapor_api import LaporPermanentError, LaporRetryableError, LaporUnavailable
from shared.logging import get_logger
from shared.metrics import BREAKER_STATE  # declared with the other domain metrics (0 closed, 1 half-open, 2 open)

log = get_logger(__name__)
T = TypeVar("T")

BREAKER_TRANSITIONS = Counter("aduan_lapor_breaker_transitions_total", "Breaker state changes", ["to"])
CALLS = Counter("aduan_lapor_calls_total", "LAPOR! calls by outcome", ["outcome"])


class BreakerState(IntEnum):
    CLOSED = 0
    HALF_OPEN = 1
    OPEN = 2


class CircuitBreaker:
    def __init__(
        self, *, failure_threshold: int, open_for_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.failure_threshold = failure_threshold
        self.open_for_s = open_for_s
        self._clock = clock
        self._state = BreakerState.CLOSED
        self._failures = 0
        self._opened_at = 0.0
        self._probing = False
        BREAKER_STATE.set(0)

    @property
    def state(self) -> BreakerState:
        if self._state == BreakerState.OPEN and self._clock() - self._opened_at >= self.open_for_s:
            return BreakerState.HALF_OPEN
        return self._state

    def _move(self, to: BreakerState, **why: object) -> None:
        if to == self._state:
            return
        self._state = to
        BREAKER_STATE.set(int(to))
        BREAKER_TRANSITIONS.labels(to=to.name.lower()).inc()
        (log.warning if to == BreakerState.OPEN else log.info)(f"LAPOR! circuit breaker {to.name.lower()}", **why)

    def before_call(self) -> None:
        """Raise LaporUnavailable unless this call may go out (closed, or the one half-open probe)."""
        state = self.state
        if state == BreakerState.CLOSED:
            return
        if state == BreakerState.HALF_OPEN and not self._probing:
            self._probing = True
            self._move(BreakerState.HALF_OPEN)
            return
        remaining = self.open_for_s - (self._clock() - self._opened_at)
        raise LaporUnavailable("LAPOR! circuit breaker is open", retry_after=max(remaining, 0.5))

    def on_success(self) -> None:
        self._failures = 0
        self._probing = False
        self._move(BreakerState.CLOSED)

    def on_failure(self, error: str) -> None:
        self._failures += 1
        probe_failed = self._probing
        self._probing = False
        if probe_failed or self._failures >= self.failure_threshold:
            self._opened_at = self._clock()
            if self._state != BreakerState.OPEN:
                self._move(BreakerState.OPEN, consecutive_failures=self._failures, error=error[:300])
            else:
                self._state = BreakerState.OPEN  # a failed probe: open again for another period
                BREAKER_STATE.set(int(BreakerState.OPEN))

    def on_neutral(self) -> None:
        """An answer that says nothing about LAPOR!'s health (a 429): a probe may go again."""
        self._probing = False


class TokenBucket:
    def __init__(self, *, rate_per_s: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate_per_s
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._stamp = clock()
        self._paused_until = 0.0

    def pause(self, seconds: float) -> None:
        """LAPOR! said 429 with Retry-After: no call at all before it has passed."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)

    def reserve(self) -> float:
        """Take a token; return how long the caller must wait before using it (0: go now)."""
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        self._tokens -= 1
        wait = 0.0 if self._tokens >= 0 else -self._tokens / self.rate
        return max(wait, self._paused_until - now)

    def give_back(self) -> None:
        self._tokens = min(self.burst, self._tokens + 1)

    def pause_remaining(self) -> float:
        return max(0.0, self._paused_until - self._clock())


class LaporGuard:
    def __init__(
        self,
        breaker: CircuitBreaker,
        bucket: TokenBucket,
        *,
        max_in_flight: int,
        max_wait_s: float,
        default_retry_after_s: float = 1.0,
    ) -> None:
        self.breaker = breaker
        self.bucket = bucket
        self.max_wait_s = max_wait_s
        self.default_retry_after_s = default_retry_after_s
        self._in_flight = asyncio.Semaphore(max_in_flight)

    async def call(self, what: Callable[[], Awaitable[T]]) -> T:
        paused = self.bucket.pause_remaining()
        if paused > self.max_wait_s:
            raise LaporUnavailable("LAPOR! asked to wait (429 Retry-After)", retry_after=paused)
        self.breaker.before_call()
        wait = self.bucket.reserve()
        if wait > self.max_wait_s:
            self.bucket.give_back()
            self.breaker.on_neutral()
            raise LaporUnavailable("rate limit towards LAPOR! reached", retry_after=wait)
        if wait > 0:
            await asyncio.sleep(wait)
        async with self._in_flight:
            try:
                result = await what()
            except LaporRetryableError as exc:
                if exc.status == 429:
                    self.bucket.pause(exc.retry_after if exc.retry_after is not None else self.default_retry_after_s)
                    self.breaker.on_neutral()
                    CALLS.labels(outcome="rate_limited").inc()
                else:
                    self.breaker.on_failure(str(exc))
                    CALLS.labels(outcome="failed").inc()
                raise
            except LaporPermanentError:
                self.breaker.on_success()  # LAPOR! is well; it refused this one
                CALLS.labels(outcome="refused").inc()
                raise
            except BaseException:
                self.breaker.on_neutral()
                raise
        self.breaker.on_success()
        CALLS.labels(outcome="ok").inc()
        return result
