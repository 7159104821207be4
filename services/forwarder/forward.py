"""What the forwarder decides, free of I/O: the LAPOR! report for a routed complaint, what to do
after a failure (retry now, retry later on which topic, or park), and the text of the reporter's
messages as one LAPOR! response."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

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


# -- the reporter's messages as LAPOR! responses --------------------------------------------------

RESPONSE_MAX_CHARS = 10_000  # the longest response text LAPOR! takes (docs/lapor-integration.md)
WIB = ZoneInfo("Asia/Jakarta")
_SEPARATOR = "\n\n---\n\n"
_CUT = " […]"


@dataclass(frozen=True)
class QueuedMessage:
    """One message of the reporter kept for LAPOR! (forwarder.responses), its text ready to send."""

    event_id: uuid.UUID
    body: str
    received_at: datetime | None


def message_text(text: str, attachment_urls: Sequence[str]) -> str:
    """A follow-up's text for LAPOR!: intake's masked text, then each attachment (intake's signed URL)
    as a link, as the report's own attachments over LAPOR!'s limit are sent. Empty if it has neither."""
    parts = [text.strip()] if text.strip() else []
    parts += [f"Lampiran: {url}" for url in attachment_urls]
    return "\n\n".join(parts)


def response_reference(first: QueuedMessage) -> str:
    """The reference a response goes under: its first message's (`resp-<event id>`), so a single
    message keeps the reference it always had."""
    return f"resp-{first.event_id}"


def response_batch(
    messages: Sequence[QueuedMessage], max_chars: int = RESPONSE_MAX_CHARS
) -> tuple[list[QueuedMessage], str]:
    """The messages that go to LAPOR! as one response, and its text.

    LAPOR! takes one response per follow-up of the agency (the response reopens the report), so every
    message that waited for the follow-up goes in it, oldest first; several are each headed by when
    the reporter wrote (WIB). A message that would make the text longer than LAPOR! takes waits for
    the next response; the first one alone is cut to fit."""
    if not messages:
        return [], ""
    ordered = list(messages)
    if len(ordered) == 1:
        return ordered, _fit(ordered[0].body, max_chars)
    batch: list[QueuedMessage] = []
    text = ""
    for message in ordered:
        part = f"[{_when(message.received_at)}]\n{message.body}"
        candidate = part if not batch else text + _SEPARATOR + part
        if len(candidate) > max_chars:
            if not batch:
                return [message], _fit(part, max_chars)
            break
        batch.append(message)
        text = candidate
    return batch, text


def _when(at: datetime | None) -> str:
    return at.astimezone(WIB).strftime("%d-%m-%Y %H:%M WIB") if at is not None else "waktu tidak diketahui"


def _fit(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[: max_chars - len(_CUT)].rstrip() + _CUT
