"""The breaker and the token bucket towards LAPOR!, on a clock the test moves."""

from __future__ import annotations

import pytest

from services.forwarder.guard import BreakerState, CircuitBreaker, LaporGuard, TokenBucket
from services.forwarder.lapor_api import LaporPermanentError, LaporRetryableError, LaporUnavailable


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_breaker_opens_after_consecutive_failures_probes_once_and_closes_on_success() -> None:
    clock = Clock()
    breaker = CircuitBreaker(failure_threshold=3, open_for_s=10, clock=clock)
    for _ in range(2):
        breaker.before_call()
        breaker.on_failure("503")
    breaker.before_call()
    breaker.on_success()  # a success in between: the count starts again
    for _ in range(3):
        breaker.before_call()
        breaker.on_failure("503")
    assert breaker.state == BreakerState.OPEN
    with pytest.raises(LaporUnavailable) as refused:
        breaker.before_call()
    assert 9 <= refused.value.retry_after <= 10 and not refused.value.maybe_applied
    clock.now += 10
    assert breaker.state == BreakerState.HALF_OPEN
    breaker.before_call()  # the one probe
    with pytest.raises(LaporUnavailable):
        breaker.before_call()  # a second caller waits for the probe
    breaker.on_failure("503")  # the probe failed: open for another period
    assert breaker.state == BreakerState.OPEN
    clock.now += 10
    breaker.before_call()
    breaker.on_success()
    assert breaker.state == BreakerState.CLOSED
    breaker.before_call()


def test_the_bucket_spaces_calls_and_a_retry_after_pauses_them_all() -> None:
    clock = Clock()
    bucket = TokenBucket(rate_per_s=10, burst=2, clock=clock)
    assert bucket.reserve() == 0 and bucket.reserve() == 0
    assert bucket.reserve() == pytest.approx(0.1)
    clock.now += 1
    assert bucket.reserve() == 0
    bucket.pause(30)
    assert bucket.reserve() == pytest.approx(30)
    assert bucket.pause_remaining() == pytest.approx(30)


async def test_the_guard_sends_a_long_wait_back_and_counts_only_what_says_lapor_is_unwell() -> None:
    clock = Clock()
    guard = LaporGuard(
        CircuitBreaker(failure_threshold=2, open_for_s=5, clock=clock),
        TokenBucket(rate_per_s=1000, burst=100, clock=clock),
        max_in_flight=4,
        max_wait_s=2,
    )

    async def rate_limited() -> None:
        raise LaporRetryableError("429", status=429, retry_after=60, maybe_applied=False)

    async def refused() -> None:
        raise LaporPermanentError("422", status=422, body="")

    async def down() -> None:
        raise LaporRetryableError("503", status=503)

    async def ok() -> str:
        return "ok"

    with pytest.raises(LaporRetryableError):
        await guard.call(rate_limited)
    # Retry-After 60 s > max_wait_s: the next call is not made at all, whoever makes it.
    with pytest.raises(LaporUnavailable) as waiting:
        await guard.call(ok)
    assert waiting.value.retry_after == pytest.approx(60)
    clock.now += 61
    for _ in range(3):
        with pytest.raises(LaporPermanentError):
            await guard.call(refused)  # LAPOR! is well; it refused the report
    assert guard.breaker.state == BreakerState.CLOSED
    for _ in range(2):
        with pytest.raises(LaporRetryableError):
            await guard.call(down)
    assert guard.breaker.state == BreakerState.OPEN
    with pytest.raises(LaporUnavailable):
        await guard.call(ok)
    clock.now += 5
    assert await guard.call(ok) == "ok"
    assert guard.breaker.state == BreakerState.CLOSED
