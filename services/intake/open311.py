"""Open311 GeoReport v2 both ways, in JSON and in XML (the spec's shapes), at /open311/v2/:

- `GET /open311/discovery.{fmt}`: the spec's service discovery document;
- `GET services.{fmt}`, `GET services/{code}.{fmt}`: urusan codes as services (open311_catalogue.py);
- `POST requests.{fmt}` (channels/open311.py: signed with an api_key like every channel) answers with the
  tracking number as `service_request_id` and the complaint id as `token`; this module refuses an
  unknown service code or jurisdiction first, and writes the answer;
- `GET requests.{fmt}` (service_request_id list, service_code, start_date, end_date, status; at most
  1000 requests, the last 90 days by default), `GET requests/{id}.{fmt}`, `GET tokens/{token}.{fmt}`.

What the public sees follows docs/privacy.md: never the reporter; no confidential complaint at all
(its own request only with the X-Access-Token of its answer), text with PII masked (timeline.py). GETs
need no key but are limited per IP as the citizen's lookup is.
"""

from __future__ import annotations

import hmac
import re
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.etree import ElementTree

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.intake import open311_store as store
from services.intake import progress, tracking
from services.intake.open311_catalogue import CATALOGUE, Catalogue
from services.intake.ratelimit import RateLimiter
from services.intake.settings import IntakeSettings
from services.intake.timeline import Timeline, agency_name
from shared.db import Database
from shared.pii import fingerprint

FORMATS = ("json", "xml")
XML_MEDIA = "application/xml"
DEFAULT_SPAN = timedelta(days=90)
# GeoReport's XML: a list's element name → the name of each of its items
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class Refused(Exception):
    def __init__(self, status: int, description: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.headers = headers or {}


def format_of(request: Request) -> str:
    """The format a GeoReport path asks for (`….xml` → xml); JSON otherwise."""
    fmt = request.path_params.get("fmt")
    if fmt is None:
        fmt = request.url.path.rpartition(".")[2]
    return fmt if fmt in FORMATS else "json"


def _xml_value(parent: ElementTree.Element, tag: str, value: Any) -> None:
    node = ElementTree.SubElement(parent, tag)
    if isinstance(value, dict):
        for k, v in value.items():
            _xml_value(node, k, v)
    elif isinstance(value, list):
        for item in value:
            _xml_value(node, ITEM_TAGS.get(tag, "item"), item)
    elif isinstance(value, bool):
        node.text = "true" if value else "false"
    elif value is not None:
        node.text = _NOT_XML.sub("", str(value))


def render(fmt: str, root: str, body: list[dict[str, Any]] | dict[str, Any], status: int = 200) -> Response:
    """A GeoReport answer: JSON as the spec's JSON tab, XML as its XML tab (root element, one per item)."""
    if fmt != "xml":
        return JSONResponse(body, status_code=status)
    top = ElementTree.Element(root)
    if isinstance(body, list):
        for item in body:
            _xml_value(top, ITEM_TAGS[root], item)
    else:
        for k, v in body.items():
            _xml_value(top, k, v)
    text = ElementTree.tostring(top, encoding="unicode")
    return Response(
        f'<?xml version="1.0" encoding="utf-8"?>\n{text}', status_code=status, media_type=f"{XML_MEDIA}; charset=utf-8"
    )


def error(fmt: str, status: int, description: str, headers: dict[str, str] | None = None) -> Response:
    response = render(fmt, "errors", [{"code": status, "description": description}], status)
    response.headers.update(headers or {})
    return response


def parse_w3(value: str, field: str, notices: dict[str, str]) -> datetime:
    """A W3C date-time (2026-01-01T00:00:00Z, or +07:00); a date alone is its midnight UTC."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise Refused(400, notices["bad_date"].format(field=field)) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def date_range(start: str | None, end: str | None, now: datetime, notices: dict[str, str]) -> tuple[datetime, datetime]:
    """The spec's range: given bounds, at most 90 days apart; a missing bound 90 days from the other;
    none: the last 90 days."""
    lo = parse_w3(start, "start_date", notices) if start else None
    hi = parse_w3(end, "end_date", notices) if end else None
    try:
        if lo is None and hi is None:
            return now - DEFAULT_SPAN, now
        if hi is None:
            assert lo is not None
            return lo, lo + DEFAULT_SPAN
        if lo is None:
            return hi - DEFAULT_SPAN, hi
    except OverflowError:  # 90 days before year 1 or after 9999
        raise Refused(400, notices["date_span"]) from None
    if hi - lo > DEFAULT_SPAN:
        raise Refused(400, notices["date_span"])
    return lo, hi


def statuses(value: str | None, notices: dict[str, str]) -> bool | None:
    """`status=open,closed` → None (both); `closed` → True; `open` → False."""
    if not value:
        return None
    wanted = {s.strip().lower() for s in value.split(",") if s.strip()}
    if not wanted <= {"open", "closed"}:
        raise Refused(400, notices["bad_status"])
    return None if len(wanted) != 1 else wanted == {"closed"}


def service_request(row: Any, catalogue: Catalogue = CATALOGUE, expected: str | None = None) -> dict[str, Any]:
    """One complaint as a GeoReport service request (the fields the spec lists, in its order);
    `expected`: the next deadline the notifier announced (requests/{id} only)."""
    code = row["service_code"] or row["urusan"] or "lainnya"
    closed = row["stage"] == "closed"
    return {
        "service_request_id": row["tracking_number"],
        "status": "closed" if closed else "open",
        "status_notes": progress.MEANING.get(row["stage"]),
        "service_name": catalogue.name_of(code) or code,
        "service_code": code,
        "description": None if row["confidential"] else row["description"],
        "agency_responsible": agency_name(row["agency_code"]),
        "service_notice": None,
        "requested_datetime": row["received_at"].isoformat(),
        "updated_datetime": (row["updated_at"] or row["accepted_at"]).isoformat(),
        "expected_datetime": expected,
        "address": None if row["confidential"] else row["address"],
        "lat": None if row["confidential"] else row["lat"],
        "long": None if row["confidential"] else row["lon"],
    }


def _listed(value: str | None) -> list[str]:
    """A comma-delimited argument's items (only printable ones: nothing else can be a code or an id)."""
    return [i.strip() for i in (value or "").split(",") if i.strip() and i.strip().isprintable()]


def _uuid(text: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(text[:64])
    except ValueError:
        return None


class Open311:
    """GeoReport v2's reads, and the checks and answer of its POST (channels/open311.open311_request)."""

    def __init__(
        self,
        db: Database,
        settings: IntakeSettings,
        access_token: Callable[[uuid.UUID], str],
        timeline: Timeline,
        catalogue: Catalogue = CATALOGUE,
    ) -> None:
        self.db = db
        self.timeline = timeline
        self.settings = settings
        self.access_token = access_token
        self.catalogue = catalogue
        self.notices = catalogue.notices
        self.limiter = RateLimiter(settings.lookup_rate_limit_per_min)

    # ------------------------------------------------------------------------------------------
    # checks shared by every method

    def _jurisdiction(self, given: str | None) -> None:
        ours = self.settings.open311_jurisdiction_id
        if given is not None and given.strip() and given.strip().lower() != ours.lower():
            description = self.notices["unknown_jurisdiction"].format(jurisdiction=given[:100], ours=ours)
            raise Refused(404, description)

    def _format(self, request: Request) -> str:
        fmt = request.path_params.get("fmt", "json")
        if fmt not in FORMATS:
            raise Refused(404, self.notices["bad_format"].format(format=str(fmt)[:20]))
        return fmt

    def _read(self, request: Request) -> str:
        """A public GET: its format, its jurisdiction, the caller's rate."""
        fmt = self._format(request)
        self._jurisdiction(request.query_params.get("jurisdiction_id"))
        source = request.client.host if request.client else "unknown"
        wait = self.limiter.retry_after(fingerprint(source))
        if wait is not None:
            raise Refused(429, f"too many requests; retry in {wait} s", {"Retry-After": str(wait)})
        return fmt

    # ------------------------------------------------------------------------------------------
    # the endpoints

    async def discovery(self, request: Request) -> Response:
        try:
            fmt = self._read(request)
        except Refused as r:
            return error(format_of(request), r.status, r.description, r.headers)
        base = self.settings.public_base_url or str(request.base_url)
        return render(fmt, "discovery", self.catalogue.discovery_document(base.rstrip("/") + "/open311/v2"))

    async def services(self, request: Request) -> Response:
        try:
            fmt = self._read(request)
        except Refused as r:
            return error(format_of(request), r.status, r.description, r.headers)
        return render(fmt, "services", self.catalogue.listing())

    async def service_definition(self, request: Request) -> Response:
        try:
            fmt = self._read(request)
            code = request.path_params["code"]
            if self.catalogue.service(code) is None:
                raise Refused(404, self.notices["unknown_service"].format(code=code[:100]))
        except Refused as r:
            return error(format_of(request), r.status, r.description, r.headers)
        return render(fmt, "service_definition", self.catalogue.definition(code))

    async def list_requests(self, request: Request) -> Response:
        try:
            fmt = self._read(request)
            q = request.query_params
            ids = _listed(q.get("service_request_id"))
            if ids:  # the spec: a list of ids overrides every other argument
                prefix = self.settings.tracking_prefix
                numbers = [tracking.read(i[:64], prefix=prefix).lookup_key for i in ids[: store.MAX_REQUESTS]]
                rows = await store.by_ids(self.db.pool, numbers)
            else:
                start, end = date_range(q.get("start_date"), q.get("end_date"), datetime.now(UTC), self.notices)
                codes = _listed(q.get("service_code"))
                wanted = sorted({self.catalogue.canonical(c) or c[:100] for c in codes}) or None
                closed = statuses(q.get("status"), self.notices)
                rows = await store.search(self.db.pool, start=start, end=end, service_codes=wanted, closed=closed)
        except Refused as r:
            return error(format_of(request), r.status, r.description, r.headers)
        return render(fmt, "service_requests", [service_request(row, self.catalogue) for row in rows])

    async def get_request(self, request: Request) -> Response:
        try:
            fmt = self._read(request)
            given = request.path_params["id"]
            if not given.isprintable():
                raise Refused(404, self.notices["unknown_request"].format(id="?"))
            number = tracking.read(given[:64], prefix=self.settings.tracking_prefix).lookup_key
            row = await store.one(self.db.pool, number)
            if row is not None and row["confidential"] and not self._bearer(request, row["complaint_id"]):
                row = None  # unknown and not-yours answer alike
            if row is None:
                raise Refused(404, self.notices["unknown_request"].format(id=given[:64]))
        except Refused as r:
            return error(format_of(request), r.status, r.description, r.headers)
        expected = await self.timeline.next_due(row["complaint_id"])
        return render(fmt, "service_requests", [service_request(row, self.catalogue, expected)])

    async def get_token(self, request: Request) -> Response:
        try:
            fmt = self._read(request)
            token = request.path_params["token"]
            complaint_id = _uuid(token)
            number = await store.tracking_number_of(self.db.pool, complaint_id) if complaint_id else None
            if number is None:
                raise Refused(404, self.notices["unknown_token"].format(token=token[:64]))
        except Refused as r:
            return error(format_of(request), r.status, r.description, r.headers)
        return render(fmt, "service_requests", [{"service_request_id": number, "token": token}])

    def _bearer(self, request: Request, complaint_id: uuid.UUID) -> bool:
        given = request.headers.get("x-access-token", "")
        return hmac.compare_digest(self.access_token(complaint_id).encode(), given.encode()[:64])

    # ------------------------------------------------------------------------------------------
    # POST requests (channels/open311.py authenticates, judges and publishes)

    def refuse_post(self, request: Request, fields: dict[str, Any]) -> Response | None:
        """An unknown format, jurisdiction or service code, answered as GeoReport errors; else None."""
        try:
            self._format(request)
            jurisdiction = fields.get("jurisdiction_id") or request.query_params.get("jurisdiction_id")
            self._jurisdiction(str(jurisdiction) if jurisdiction is not None else None)
            code = fields.get("service_code")
            if code is not None and self.catalogue.canonical(str(code)) is None:
                raise Refused(400, self.notices["unknown_service"].format(code=str(code)[:100]))
        except Refused as r:
            return error(format_of(request), r.status, r.description)
        return None

    def created(
        self, request: Request, tracking_number: str, complaint_id: uuid.UUID, access_token: str | None
    ) -> Response:
        answer: dict[str, Any] = {
            "service_request_id": tracking_number,
            "token": str(complaint_id),
            "service_notice": self.notices["created"],
            "account_id": None,
        }
        if access_token is not None:  # confidential: the only key to GET requests/{id} (X-Access-Token)
            answer["access_token"] = access_token
        return render(format_of(request), "service_requests", [answer], 201)

    def routes(self) -> list[Route]:
        return [
            Route("/open311/discovery.{fmt}", self.discovery, methods=["GET"]),
            Route("/open311/v2/services.{fmt}", self.services, methods=["GET"]),
            Route("/open311/v2/services/{code}.{fmt}", self.service_definition, methods=["GET"]),
            Route("/open311/v2/requests.{fmt}", self.list_requests, methods=["GET"]),
            Route("/open311/v2/requests/{id}.{fmt}", self.get_request, methods=["GET"]),
            Route("/open311/v2/tokens/{token}.{fmt}", self.get_token, methods=["GET"]),
        ]
