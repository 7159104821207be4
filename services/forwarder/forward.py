"""What the forwarder decides, free of I/O: the LAPOR! report for a routed complaint, and what to do
after a failure (retry now, retry later on which topic, or park)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.forwarder.lapor_api import MAX_ATTACHMENTS_BYTES, LaporReport
from shared.agencies import PROVINCE_CODE
from shared.events import RoutedComplaint


def reference_for(routed: RoutedComplaint) -> str:
    """The stable reference LAPOR! sees: the same complaint always sends the same one."""
    return f"aduan-{routed.complaint.complaint_id}"


def report_for(routed: RoutedComplaint) -> LaporReport:
    c, d = routed.complaint, routed.decision
    # An anonymous report keeps the reporter's identity from the agency (LAPOR!'s "anonim"): it is not sent.
    reporter = None if c.anonymous or c.reporter is None else c.reporter.model_dump(exclude_none=True)
    # LAPOR! takes files whose type and size are known, 2 MB in total. A bare link (as Open311 clients
    # send), and every file once the total would pass 2 MB, travels in the text as a link instead,
    # with a note, so the agency still sees it.
    files, links, total = [], [], 0
    for a in c.attachments:
        if a.media_type and a.size_bytes is not None and total + a.size_bytes <= MAX_ATTACHMENTS_BYTES:
            files.append(a)
            total += a.size_bytes
        else:
            links.append(a)
    content = c.body + "".join(f"\n\nLampiran: {a.url}" for a in links)
    if any(a.size_bytes is not None for a in links):
        content += "\n\n(Catatan: lampiran melebihi batas 2 MB SP4N-LAPOR!, dikirim sebagai tautan.)"
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
        # the file's name is ours (intake's attachments); LAPOR!'s contract has url, media_type, size_bytes
        attachments=[a.model_dump(exclude_none=True, exclude={"name"}) for a in files],
    )


@dataclass(frozen=True)
class RetryPlan:
    """Where a forward that may still pass goes next: a retry level with its delay, or the DLQ."""

    level: int | None  # None: no retry level left, park it
    not_before: datetime | None


def next_retry(
    level_done: int, delays_s: tuple[float, ...], now: datetime, retry_after_s: float | None = None
) -> RetryPlan:
    """After retry level `level_done` (0 = the first delivery) failed: the next level, or park.

    LAPOR!'s own Retry-After hint wins when it asks for a longer wait than the level's delay."""
    if level_done >= len(delays_s):
        return RetryPlan(None, None)
    delay = max(delays_s[level_done], retry_after_s or 0.0)
    return RetryPlan(level_done + 1, now + timedelta(seconds=delay))


def doubt_wait(doubt_age_s: float | None, settle_s: float) -> float:
    """How long before a lookup that found nothing may be taken as "not in LAPOR!": a create whose
    answer was lost may still be being carried out (LAPOR!'s slow apply) for `settle_s`."""
    if doubt_age_s is None:
        return 0.0
    return max(0.0, settle_s - doubt_age_s)


def inline_backoff(attempt: int, base_s: float) -> float:
    """Pause before inline try `attempt + 1`: doubling, capped at 2 s so a delivery stays short."""
    return min(base_s * 2 ** (attempt - 1), 2.0)
