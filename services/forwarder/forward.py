"""What the forwarder decides, free of I/O: the LAPOR! report for a routed complaint, and what to do
after a failure (retry now, retry later on which topic, or park)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.forwarder.lapor import LaporReport
from shared.agencies import PROVINCE_CODE
from shared.events import RoutedComplaint


def reference_for(routed: RoutedComplaint) -> str:
    """The stable reference LAPOR! sees: the same complaint always sends the same one."""
    return f"aduan-{routed.complaint.complaint_id}"


def report_for(routed: RoutedComplaint) -> LaporReport:
    c, d = routed.complaint, routed.decision
    # An anonymous report keeps the reporter's identity from the agency (LAPOR!'s "anonim"): it is not sent.
    reporter = None if c.anonymous or c.reporter is None else c.reporter.model_dump(exclude_none=True)
    # LAPOR! takes files whose type and size are known (it enforces 2 MB in total); a bare link, as
    # Open311 clients send, travels in the text instead, so the agency still sees it.
    files = [a for a in c.attachments if a.media_type and a.size_bytes is not None]
    links = [a.url for a in c.attachments if a not in files]
    content = c.body + "".join(f"\n\nLampiran: {url}" for url in links)
    return LaporReport(
        reference=reference_for(routed),
        title=c.title[:150],
        content=content,
        incident_date=c.incident_date,
        category=d.urusan,
        agency_code=d.agency_code,
        # LAPOR! wants a region: the responsible one, else where it happened (pusat/bumn), else the province.
        region_code=d.region_code or (d.place.kabkota if d.place and d.place.kabkota else PROVINCE_CODE),
        level=d.level.value,
        anonymous=c.anonymous,
        confidential=c.confidential,
        channel=c.channel.value,
        location=c.location.model_dump(exclude_none=True) or None,
        reporter=reporter,
        attachments=[a.model_dump(exclude_none=True) for a in files],
    )


@dataclass(frozen=True)
class RetryPlan:
    """Where a forward that may still pass goes next: a retry level with its delay, or the DLQ."""

    level: int | None  # None: no retry level left, park it
    not_before: datetime | None


def next_retry(level_done: int, delays_s: tuple[float, ...], now: datetime,
               retry_after_s: float | None = None) -> RetryPlan:
    """After retry level `level_done` (0 = the first delivery) failed: the next level, or park.

    LAPOR!'s own Retry-After hint wins when it asks for a longer wait than the level's delay."""
    if level_done >= len(delays_s):
        return RetryPlan(None, None)
    delay = max(delays_s[level_done], retry_after_s or 0.0)
    return RetryPlan(level_done + 1, now + timedelta(seconds=delay))


def inline_backoff(attempt: int, base_s: float) -> float:
    """Pause before inline try `attempt + 1`: doubling, capped at 2 s so a delivery stays short."""
    return min(base_s * 2 ** (attempt - 1), 2.0)
