"""What the forwarder needs from LAPOR!, whatever the interface: the report it sends, the answers it
reads, the failures it tells apart, and the methods every adapter offers (`LaporApi`).

The wire formats live in one module each: `lapor.py` (the JSON contract of docs/lapor-integration.md)
and `lapor_legacy.py` (the public legacy form, XML `POST /api/stream/addstream`). `ADUAN_LAPOR_API`
chooses one (`adapter_for`).

Failures say what to do next:
- LaporRetryableError: may pass later. `maybe_applied` says whether the request may have been carried
  out anyway (a timeout, a broken connection, a 5xx, an unreadable answer): then the reference is
  looked up before anything is created again. `retry_after` is LAPOR!'s own hint (429, 503).
- LaporUnavailable: not sent at all (open breaker, rate limit, long Retry-After); try again later.
- LaporPermanentError: will not pass as sent; park it with the reason.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol

from pydantic import BaseModel

from shared.events import ComplaintStatus

MAX_ATTACHMENTS_BYTES = 2 * 1024 * 1024  # LAPOR! accepts at most 2 MB of attachments per report


class LaporReport(BaseModel):
    """One report as LAPOR! receives it. `reference` is the client's stable idempotency reference."""

    reference: str
    title: str
    content: str
    incident_date: date | None = None
    category: str | None = None
    agency_code: str
    region_code: str | None = None
    level: str
    anonymous: bool = False  # LAPOR!'s "anonim": identity hidden from the agency and the public
    confidential: bool = False  # LAPOR!'s "rahasia": the whole report hidden from the public
    channel: str | None = None
    location: dict[str, Any] | None = None
    reporter: dict[str, Any] | None = None
    attachments: list[dict[str, Any]] = []


class LaporReceipt(BaseModel):
    tracking_id: str
    reference: str
    status: str
    transaction_id: str | None = None  # the legacy form's transaksiid


# LAPOR!'s words for a report's steps, as our lifecycle names them. The first step (waiting for
# verification) is not a change worth announcing.
STATUS_MEANING: dict[str, ComplaintStatus] = {
    "verified": ComplaintStatus.VERIFIED,
    "disposed": ComplaintStatus.DISPOSED,
    "followed_up": ComplaintStatus.FOLLOWED_UP,
    "closed": ComplaintStatus.CLOSED,
    "not_our_authority": ComplaintStatus.NOT_OUR_AUTHORITY,
    "reopened": ComplaintStatus.REOPENED,
}


class LaporStatusChange(BaseModel):
    """One step of a report's life in LAPOR!, in our lifecycle's terms. `seq` orders every step of
    every report; the feed is read after the last `seq` applied."""

    seq: int
    tracking_id: str
    reference: str | None = None
    status: ComplaintStatus
    agency_code: str | None = None
    note: str | None = None
    at: datetime


class LaporStatusPage(BaseModel):
    changes: list[LaporStatusChange]
    next_after: int  # the cursor after this page (the last seq it covered, steps we ignore included)
    more: bool


class LaporError(Exception):
    """Base of every LAPOR! failure."""


class LaporRetryableError(LaporError):
    """May pass later. `retry_after` (seconds) is LAPOR!'s own hint, when it gave one."""

    maybe_applied_default = True

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        maybe_applied: bool | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.maybe_applied = self.maybe_applied_default if maybe_applied is None else maybe_applied


class LaporTimeoutError(LaporRetryableError):
    """The outcome is unknown: the request may have been applied. Look the reference up before creating again."""


class LaporUnavailable(LaporRetryableError):
    """Not sent: the breaker is open or LAPOR! asked us to wait longer than a handler may."""

    maybe_applied_default = False


class LaporPermanentError(LaporError):
    """Will not pass as sent; `status` and `body` say why."""

    def __init__(self, message: str, *, status: int, body: str) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


class LaporApi(Protocol):
    """What every LAPOR! adapter offers; one HTTP call per method, failures classified as above."""

    async def create_report(self, report: LaporReport) -> LaporReceipt: ...

    async def find_by_reference(self, reference: str) -> LaporReceipt | None: ...

    async def status_page(self, after: int, limit: int) -> LaporStatusPage: ...

    async def redispose(self, tracking_id: str, agency_code: str, note: str | None) -> None: ...

    async def reporter_response(self, tracking_id: str, reference: str, text: str) -> None: ...

    async def has_response(self, tracking_id: str, reference: str) -> bool: ...

    async def aclose(self) -> None: ...
