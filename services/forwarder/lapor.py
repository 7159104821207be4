"""LAPOR! adapter: the only module that knows LAPOR!'s wire format.

It makes one HTTP call per method and classifies what went wrong; retry policy belongs to the
forwarder. The classes tell the caller what to do next:

- LaporRetryableError: may pass later (5xx, 429, 408, connection refused, unreadable answer to a read).
- LaporTimeoutError: may or may not have been applied; look the reference up before creating again.
- LaporPermanentError: will not pass (other 4xx, bad redirects); park it with the reason.
"""

from __future__ import annotations

from datetime import date, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import Any

import httpx
from pydantic import BaseModel, ValidationError

from shared.events import ComplaintStatus

REPORTS_PATH = "/api/v1/reports"


class LaporReport(BaseModel):
    """One report as LAPOR! receives it. `reference` is the client's stable idempotency reference."""

    reference: str
    title: str
    content: str
    incident_date: date | None = None
    category: str | None = None
    agency_code: str
    region_code: str
    level: str
    anonymous: bool = False
    confidential: bool = False
    channel: str | None = None
    location: dict[str, Any] | None = None
    reporter: dict[str, Any] | None = None
    attachments: list[dict[str, Any]] = []


class LaporReceipt(BaseModel):
    tracking_id: str
    reference: str
    status: str


# LAPOR!'s words for a report's steps, as our lifecycle names them. The first step (waiting for
# verification) is not a change worth announcing.
STATUS_MEANING: dict[str, ComplaintStatus] = {
    "verified": ComplaintStatus.VERIFIED,
    "disposed": ComplaintStatus.DISPOSED,
    "followed_up": ComplaintStatus.FOLLOWED_UP,
    "closed": ComplaintStatus.CLOSED,
    "not_our_authority": ComplaintStatus.NOT_OUR_AUTHORITY,
}


class LaporStatusChange(BaseModel):
    """One step of a report's life in LAPOR!, in our lifecycle's terms."""

    tracking_id: str
    status: ComplaintStatus
    note: str | None = None
    at: datetime


class _ListedReport(LaporReceipt):
    created_at: datetime


class LaporError(Exception):
    """Base of every LAPOR! failure."""


class LaporRetryableError(LaporError):
    """May pass later. `retry_after` (seconds) is LAPOR!'s own hint, when it gave one."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class LaporTimeoutError(LaporRetryableError):
    """The outcome is unknown: the request may have been applied. Look the reference up before creating again."""


class LaporPermanentError(LaporError):
    """Will not pass as sent; `status` and `body` say why."""

    def __init__(self, message: str, *, status: int, body: str) -> None:
        super().__init__(message)
        self.status = status
        self.body = body


def _retry_after(value: str | None) -> float | None:
    """Retry-After is either delay-seconds or an HTTP date."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(when.tzinfo)).total_seconds())


def _raise_for_status(response: httpx.Response) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    what = f"LAPOR! answered {status} to {response.request.method} {response.request.url.path}"
    if status >= 500 or status in (408, 429):
        raise LaporRetryableError(what, status=status, retry_after=_retry_after(response.headers.get("retry-after")))
    raise LaporPermanentError(what, status=status, body=response.text)


class LaporClient:
    """Async client for LAPOR!'s integration API; one connection pool per instance."""

    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        timeout_s: float = 5.0,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        headers = {"Accept": "application/json", "User-Agent": "aduan-forwarder"}
        if api_key is not None:
            headers["X-Api-Key"] = api_key
        self._http = httpx.AsyncClient(
            base_url=base_url, headers=headers, timeout=httpx.Timeout(timeout_s), transport=transport
        )

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.TimeoutException as exc:
            raise LaporTimeoutError(f"LAPOR! {method} {path} timed out: {exc!r}") from exc
        except httpx.ConnectError as exc:
            # Nothing was sent, so nothing was applied.
            raise LaporRetryableError(f"cannot connect to LAPOR!: {exc!r}") from exc
        except httpx.TransportError as exc:
            # The connection broke after the request went out: as uncertain as a timeout.
            raise LaporTimeoutError(f"LAPOR! {method} {path} broke off: {exc!r}") from exc
        _raise_for_status(response)
        return response

    async def create_report(self, report: LaporReport) -> LaporReceipt:
        response = await self._send("POST", REPORTS_PATH, json=report.model_dump(mode="json"))
        try:
            return LaporReceipt.model_validate_json(response.content)
        except ValidationError as exc:
            # Accepted but unreadable: the report probably exists, only the lookup can tell.
            raise LaporTimeoutError(f"LAPOR! accepted the report but its answer is unreadable: {exc}") from exc

    async def find_by_reference(self, reference: str) -> LaporReceipt | None:
        """The first (oldest) report created with `reference`, or None if there is none."""
        response = await self._send("GET", REPORTS_PATH, params={"reference": reference})
        matches = [r for r in self._parse_list(response) if r.get("reference") == reference]
        try:
            listed = [_ListedReport.model_validate(r) for r in matches]
        except ValidationError as exc:
            raise LaporRetryableError(f"unreadable LAPOR! lookup answer: {exc}") from exc
        if not listed:
            return None
        oldest = min(listed, key=lambda r: r.created_at)
        return LaporReceipt(tracking_id=oldest.tracking_id, reference=oldest.reference, status=oldest.status)

    async def get_report(self, tracking_id: str) -> dict[str, Any]:
        """The full report incl. `status` and `status_history`; an unknown id is a LaporPermanentError (404)."""
        response = await self._send("GET", f"{REPORTS_PATH}/{tracking_id}")
        body = self._parse_json(response)
        if not isinstance(body, dict):
            raise LaporRetryableError("unreadable LAPOR! report: not an object")
        return body

    async def changed_since(self, since: datetime) -> list[dict[str, Any]]:
        """Reports whose status changed after `since` (aware datetime: LAPOR! and Lampung differ by 7 hours)."""
        if since.tzinfo is None:
            raise ValueError("since must be timezone-aware")
        response = await self._send("GET", REPORTS_PATH, params={"updated_since": since.isoformat()})
        return self._parse_list(response)

    async def status_changes_since(self, since: datetime) -> list[LaporStatusChange]:
        """Every status step taken after `since`, oldest first, across all reports that changed."""
        changes: list[LaporStatusChange] = []
        for report in await self.changed_since(since):
            try:
                for step in report.get("status_history") or []:
                    status = STATUS_MEANING.get(step["status"])
                    change = LaporStatusChange(tracking_id=str(report["tracking_id"]), status=status,
                                               note=step.get("note"), at=step["at"]) if status else None
                    if change is not None and change.at > since:
                        changes.append(change)
            except (KeyError, TypeError, ValidationError) as exc:
                raise LaporRetryableError(f"unreadable LAPOR! status history: {exc}") from exc
        return sorted(changes, key=lambda c: c.at)

    @staticmethod
    def _parse_json(response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError as exc:
            raise LaporRetryableError(f"LAPOR! answered {response.status_code} with a body that is not JSON") from exc

    @classmethod
    def _parse_list(cls, response: httpx.Response) -> list[dict[str, Any]]:
        reports = cls._parse_json(response)
        reports = reports.get("reports") if isinstance(reports, dict) else None
        if not isinstance(reports, list) or not all(isinstance(r, dict) for r in reports):
            raise LaporRetryableError("unreadable LAPOR! report list")
        return reports

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> LaporClient:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()
