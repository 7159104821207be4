"""The forwarder's pure decisions (services/forwarder/forward.py): the LAPOR! report for a routed
complaint, and what happens after a failure (DESIGN.md §6)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.forwarder.forward import RetryPlan, inline_backoff, next_retry, reference_for, report_for
from services.forwarder.settings import ForwarderSettings
from shared.events import (
    Attachment,
    Channel,
    Complaint,
    Level,
    Location,
    Reporter,
    RoutedComplaint,
    RoutingDecision,
)
from shared.topics import ALL_TOPICS, forward_retry

NOW = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
REPORTER = Reporter(name="Budi Santoso", phone="+6281234567890", email="budi@gmail.com")


def routed(*, complaint_id: uuid.UUID | None = None, **overrides: Any) -> RoutedComplaint:
    fields: dict[str, Any] = dict(
        complaint_id=complaint_id or uuid.uuid4(),
        tracking_number="LPG-260310-ABCD1234",
        channel=Channel.WHATSAPP,
        channel_message_id="wamid.1",
        received_at=NOW,
        title="Jalan berlubang di depan pasar",
        body="Jalan berlubang di depan pasar. Sudah sebulan.",
        original_body="Jalan berlubang di depan pasar.  Sudah sebulan.",
        reporter=REPORTER,
        incident_date=date(2026, 3, 9),
        location=Location(text="Pasar Tugu", lat=-5.4, lon=105.27),
        attachments=(Attachment(url="https://x/a.jpg", media_type="image/jpeg", size_bytes=1234, name="a.jpg"),),
    )
    fields.update(overrides)
    decision = RoutingDecision(
        level=Level.KABKOTA,
        urusan="pekerjaan_umum",
        region_code="18.71",
        agency_code="kota-bandar-lampung",
        confidence=0.92,
        reasons=("jalan",),
    )
    return RoutedComplaint(complaint=Complaint(**fields), decision=decision)


# ---------------------------------------------------------------------------------------------
# report_for


def test_report_carries_the_complaint_and_the_decision() -> None:
    r = routed()
    report = report_for(r)
    assert report.title == "Jalan berlubang di depan pasar"
    assert report.content == "Jalan berlubang di depan pasar. Sudah sebulan."  # the cleaned body
    assert report.incident_date == date(2026, 3, 9)
    assert report.category == "pekerjaan_umum"
    assert report.agency_code == "kota-bandar-lampung"
    assert report.region_code == "18.71"
    assert report.level == "kabkota"
    assert report.channel == "whatsapp"
    assert report.anonymous is False and report.confidential is False
    assert report.reporter == {"name": "Budi Santoso", "phone": "+6281234567890", "email": "budi@gmail.com"}
    assert report.location == {"text": "Pasar Tugu", "lat": -5.4, "lon": 105.27}
    assert report.attachments == [{"url": "https://x/a.jpg", "media_type": "image/jpeg", "size_bytes": 1234}]


def test_anonymous_report_carries_no_reporter_identity() -> None:
    report = report_for(routed(anonymous=True))
    assert report.anonymous is True
    assert report.reporter is None
    wire = report.model_dump_json()
    for identity in ("Budi", "Santoso", "6281234567890", "budi@gmail.com"):
        assert identity not in wire


def test_anonymous_and_confidential_together() -> None:
    report = report_for(routed(anonymous=True, confidential=True))
    assert report.anonymous is True and report.confidential is True
    assert report.reporter is None


def test_confidential_flag_passed_and_identity_kept() -> None:
    report = report_for(routed(confidential=True))
    assert report.confidential is True
    assert report.anonymous is False
    # confidential hides the report from the public, not the reporter from the agency
    assert report.reporter is not None and report.reporter["phone"] == "+6281234567890"


def test_report_without_reporter() -> None:
    report = report_for(routed(reporter=None))
    assert report.reporter is None
    assert report.anonymous is False


def test_partial_reporter_leaves_missing_fields_out() -> None:
    report = report_for(routed(reporter=Reporter(phone="+6281234567890")))
    assert report.reporter == {"phone": "+6281234567890"}


def test_empty_location_is_none() -> None:
    assert report_for(routed(location=Location())).location is None


def test_title_cut_to_150() -> None:
    long_title = "".join(f"{i % 10}" for i in range(200))
    report = report_for(routed(title=long_title))
    assert report.title == long_title[:150]
    assert len(report.title) == 150
    short = report_for(routed(title="x" * 150))
    assert short.title == "x" * 150


def test_reference_is_stable_for_the_same_complaint() -> None:
    cid = uuid.uuid4()
    first = report_for(routed(complaint_id=cid))
    # redelivered, or retried after a change of routing: same complaint, same reference
    again = report_for(routed(complaint_id=cid, title="Judul lain"))
    assert first.reference == again.reference == reference_for(routed(complaint_id=cid))
    assert str(cid) in first.reference


def test_reference_differs_between_complaints() -> None:
    refs = {report_for(routed(complaint_id=uuid.uuid4())).reference for _ in range(50)}
    assert len(refs) == 50


# ---------------------------------------------------------------------------------------------
# next_retry

DELAYS = (5.0, 30.0, 120.0)


@pytest.mark.parametrize(("level_done", "level", "delay"), [(0, 1, 5.0), (1, 2, 30.0), (2, 3, 120.0)])
def test_next_retry_levels_and_delays(level_done: int, level: int, delay: float) -> None:
    plan = next_retry(level_done, DELAYS, NOW)
    assert plan == RetryPlan(level, NOW + timedelta(seconds=delay))


def test_next_retry_parks_after_the_last_level() -> None:
    assert next_retry(3, DELAYS, NOW) == RetryPlan(None, None)
    assert next_retry(4, DELAYS, NOW) == RetryPlan(None, None)
    assert next_retry(0, (), NOW) == RetryPlan(None, None)


def test_retry_after_wins_when_longer() -> None:
    assert next_retry(0, DELAYS, NOW, retry_after_s=60) == RetryPlan(1, NOW + timedelta(seconds=60))
    assert next_retry(2, DELAYS, NOW, retry_after_s=600.5) == RetryPlan(3, NOW + timedelta(seconds=600.5))


def test_retry_after_shorter_than_the_level_is_ignored() -> None:
    assert next_retry(1, DELAYS, NOW, retry_after_s=2) == RetryPlan(2, NOW + timedelta(seconds=30))
    assert next_retry(1, DELAYS, NOW, retry_after_s=0) == RetryPlan(2, NOW + timedelta(seconds=30))
    assert next_retry(1, DELAYS, NOW, retry_after_s=None) == RetryPlan(2, NOW + timedelta(seconds=30))


def test_retry_after_does_not_prevent_parking() -> None:
    assert next_retry(3, DELAYS, NOW, retry_after_s=5) == RetryPlan(None, None)


def test_default_retry_levels_each_have_a_declared_topic() -> None:
    delays = ForwarderSettings.model_fields["retry_delays_s"].default
    declared = {t.name for t in ALL_TOPICS}
    levels = []
    level_done = 0
    while (plan := next_retry(level_done, delays, NOW)).level is not None:
        levels.append(plan.level)
        level_done = plan.level
    assert levels == list(range(1, len(delays) + 1))
    assert all(forward_retry(level) in declared for level in levels)


# ---------------------------------------------------------------------------------------------
# inline_backoff


def test_inline_backoff_doubles() -> None:
    assert [inline_backoff(a, 0.2) for a in (1, 2, 3)] == pytest.approx([0.2, 0.4, 0.8])
    assert [inline_backoff(a, 0.1) for a in (1, 2, 3, 4)] == pytest.approx([0.1, 0.2, 0.4, 0.8])


def test_inline_backoff_capped_at_two_seconds() -> None:
    assert inline_backoff(4, 0.2) == pytest.approx(1.6)
    assert inline_backoff(5, 0.2) == 2.0
    assert inline_backoff(30, 0.2) == 2.0
    assert inline_backoff(1, 5.0) == 2.0


def test_inline_backoff_zero_base() -> None:
    assert inline_backoff(3, 0.0) == 0.0


def test_attachments_past_lapors_2_mb_go_as_links_with_a_note() -> None:
    files = (
        Attachment(url="https://f.example.org/a.jpg", media_type="image/jpeg", size_bytes=1_500_000),
        Attachment(url="https://f.example.org/b.mp4", media_type="video/mp4", size_bytes=1_000_000),
        Attachment(url="https://f.example.org/c.png", media_type="image/png", size_bytes=400_000),
    )
    report = report_for(routed(attachments=files))
    assert [a["url"] for a in report.attachments] == ["https://f.example.org/a.jpg", "https://f.example.org/c.png"]
    assert sum(a["size_bytes"] for a in report.attachments) <= 2 * 1024 * 1024
    assert "Lampiran: https://f.example.org/b.mp4" in report.content and "2 MB" in report.content
    assert "Catatan" not in report_for(routed()).content  # within the limit: no note
