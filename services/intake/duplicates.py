"""Duplicates and follow-ups among complaints, by their content. Pure: the caller brings the candidates.

Three questions, each with its own function:

- `content_message_id`: a channel message id for channels that carry none (a web post without an
  `Idempotency-Key`, an Open311 request): the same reporter sending the same text within the same
  window is the same channel message, hence the same complaint and tracking number.
- `find_duplicate`: is a new complaint a near-duplicate of an earlier one (same place, similar text,
  within the window)? Then it is linked to the first (`duplicate_of`), which is routed and forwarded
  once, and its reporter told the first's number.
- `find_follow_up`: is a new message a follow-up of an open complaint (it quotes the tracking number,
  or comes from the same phone or e-mail address within the window and is about the same thing)?

Texts are compared with rapidfuzz on a normalised form (lower case, letters and digits, words sorted);
the thresholds are a `DuplicatePolicy`, meant to be read from settings.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz

from services.intake import tracking

_WORD = re.compile(r"[0-9a-z]+")
_EARTH_RADIUS_M = 6_371_000.0


class DuplicatePolicy(BaseModel):
    """How alike two complaints must be to be one; the defaults are a starting point, not a finding."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # a repeated post (same reporter, same text) within this window is the same complaint
    repeat_window: timedelta = timedelta(hours=24)
    # near-duplicates (another reporter, same place, similar text) are looked for this far back
    duplicate_window: timedelta = timedelta(days=14)
    # rapidfuzz token_sort_ratio (0–100) from which two texts say the same
    similar_text: Annotated[float, Field(ge=0, le=100)] = 80.0
    # texts shorter than this (normalised characters) are never called duplicates: too little to compare
    min_chars: Annotated[int, Field(ge=1)] = 25
    # two points at most this far apart are the same place (metres)
    same_place_m: Annotated[float, Field(gt=0)] = 300.0
    # rapidfuzz ratio (0–100) from which two location texts name the same place
    similar_place: Annotated[float, Field(ge=0, le=100)] = 85.0
    # a message from a reporter with an open complaint is its follow-up when this alike (or quoting its number)
    follow_up_window: timedelta = timedelta(days=30)
    follow_up_text: Annotated[float, Field(ge=0, le=100)] = 60.0


@dataclass(frozen=True)
class Place:
    region_code: str | None = None
    kecamatan_code: str | None = None
    lat: float | None = None
    lon: float | None = None
    text: str | None = None


@dataclass(frozen=True)
class Candidate:
    """What the comparison needs of a complaint (no personal data beyond the reporter's key)."""

    complaint_id: uuid.UUID
    tracking_number: str
    received_at: datetime
    text: str
    place: Place = Place()
    reporter_key: str | None = None  # reporter_key(): a digest of the E.164 phone or the e-mail address
    open: bool = True  # not closed yet: may take a follow-up


@dataclass(frozen=True)
class Link:
    """The earlier complaint a new one belongs to, and why."""

    complaint_id: uuid.UUID
    tracking_number: str
    score: float
    reason: str


def normalised_text(text: str) -> str:
    """Lower case, accents off, letters and digits only, single spaces."""
    folded = unicodedata.normalize("NFKD", text.lower())
    return " ".join(_WORD.findall("".join(c for c in folded if not unicodedata.combining(c))))


def reporter_key(*, phone: str | None = None, email: str | None = None) -> str | None:
    """A stable, non-reversible key of the reporter (E.164 phone, else e-mail), or None when anonymous."""
    identity = phone or (email.lower() if email else None)
    return hashlib.sha256(f"reporter\x1f{identity}".encode()).hexdigest()[:32] if identity else None


def content_message_id(
    *, channel: str, reporter: str | None, text: str, received_at: datetime, window: timedelta
) -> str:
    """A channel message id from the content: same reporter, same text, same window → same id.

    The window is a fixed bucket of time (UTC epoch multiples): a repeat that straddles a bucket's
    edge becomes a second complaint, which `find_duplicate` then links to the first."""
    bucket = math.floor(received_at.timestamp() / window.total_seconds())
    digest = hashlib.sha256("\x1f".join([channel, reporter or "-", normalised_text(text), str(bucket)]).encode())
    return f"content-{digest.hexdigest()[:32]}"


def text_similarity(a: str, b: str) -> float:
    return float(fuzz.token_sort_ratio(normalised_text(a), normalised_text(b)))


def _distance_m(a: Place, b: Place) -> float | None:
    if None in (a.lat, a.lon, b.lat, b.lon):
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (a.lat, a.lon, b.lat, b.lon))  # type: ignore[arg-type]
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(math.sqrt(h))


def same_place(a: Place, b: Place, policy: DuplicatePolicy) -> str | None:
    """Why two places are the same one, or None: near points, one kecamatan, or alike location texts in
    one kab/kota. Places never named are not the same place."""
    distance = _distance_m(a, b)
    if distance is not None:
        return f"{distance:.0f} m apart" if distance <= policy.same_place_m else None
    if a.kecamatan_code and a.kecamatan_code == b.kecamatan_code:
        return f"same kecamatan {a.kecamatan_code}"
    if a.region_code and b.region_code and a.region_code != b.region_code:
        return None
    if a.text and b.text:
        score = fuzz.token_sort_ratio(normalised_text(a.text), normalised_text(b.text))
        if score >= policy.similar_place:
            return "alike location texts"
    return None


def find_duplicate(new: Candidate, earlier: Iterable[Candidate], policy: DuplicatePolicy) -> Link | None:
    """The first earlier complaint the new one duplicates (same place, similar text, within the window)."""
    if len(normalised_text(new.text)) < policy.min_chars:
        return None
    best: tuple[datetime, Link] | None = None
    for old in earlier:
        if old.complaint_id == new.complaint_id or not (
            timedelta(0) <= new.received_at - old.received_at <= policy.duplicate_window
        ):
            continue
        place = same_place(new.place, old.place, policy)
        if place is None or len(normalised_text(old.text)) < policy.min_chars:
            continue
        score = text_similarity(new.text, old.text)
        if score >= policy.similar_text and (best is None or old.received_at < best[0]):
            best = (
                old.received_at,
                Link(old.complaint_id, old.tracking_number, score, f"similar text ({score:.0f}), {place}"),
            )
    return best[1] if best else None


def find_follow_up(
    new: Candidate, open_complaints: Iterable[Candidate], policy: DuplicatePolicy, *, tracking_prefix: str
) -> Link | None:
    """The open complaint a new message follows up: the one whose number it quotes, else the latest
    of the same reporter within the window whose text it resembles."""
    candidates = [c for c in open_complaints if c.open and c.complaint_id != new.complaint_id]
    quoted = tracking.find_numbers(new.text, prefix=tracking_prefix)
    for number in quoted:
        for c in candidates:
            if c.tracking_number == number:
                return Link(c.complaint_id, c.tracking_number, 100.0, "quotes its tracking number")
    if new.reporter_key is None:
        return None
    same_reporter = sorted(
        (c for c in candidates if c.reporter_key == new.reporter_key
         and timedelta(0) <= new.received_at - c.received_at <= policy.follow_up_window),
        key=lambda c: c.received_at, reverse=True,
    )  # fmt: skip
    for c in same_reporter:
        score = float(fuzz.token_set_ratio(normalised_text(new.text), normalised_text(c.text)))
        if score >= policy.follow_up_text:
            return Link(c.complaint_id, c.tracking_number, score, f"same reporter, alike text ({score:.0f})")
    return None
