"""How long a service keeps its idempotency claims: as long as Kafka may still redeliver a record of a topic
it consumes (shared/topics.py `readable_for_ms`), or longer when asked (shared/service.py)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from shared.events import Complaint, Envelope
from shared.service import Service
from shared.settings import ServiceSettings
from shared.topics import DAY_MS, SEGMENT_ROLL_MS, Topics


def test_the_horizon_is_the_longest_retention_consumed_plus_a_segment_roll() -> None:
    topics = Topics("p.")
    assert topics.readable_for_ms([topics.routed, topics.forward_retry(1)]) == 30 * DAY_MS + SEGMENT_ROLL_MS
    assert topics.readable_for_ms([topics.status]) == 90 * DAY_MS + SEGMENT_ROLL_MS
    assert topics.readable_for_ms(["somebody.elses.topic"]) == 365 * DAY_MS + SEGMENT_ROLL_MS
    assert topics.readable_for_ms([]) == 365 * DAY_MS + SEGMENT_ROLL_MS


def test_a_longer_retention_may_be_asked_for_never_a_shorter_one(tmp_path: Path) -> None:
    short = Service.create("s", ServiceSettings(claims_retention_days=1), tmp_path)
    long = Service.create("l", ServiceSettings(claims_retention_days=400), tmp_path)
    for service in (short, long):
        service.subscribe(service.settings.topics.accepted, Complaint, "accepted")(_noop)
    assert short.claims_kept_for() == timedelta(milliseconds=30 * DAY_MS + SEGMENT_ROLL_MS)
    assert long.claims_kept_for() == timedelta(days=400)


async def _noop(_: Envelope[Complaint]) -> None:
    return None
