"""Which earlier complaint a new message belongs to, read from intake's store (the comparisons themselves
are duplicates.py's, pure). Used by the HTTP edge (web form, Open311) and by the inbound consumer.

- `message_key`: the channel message id of a post that carries none (a web post without an
  Idempotency-Key, an Open311 request): the same reporter with the same text within
  ADUAN_REPEAT_WINDOW_S is the same message, hence the same complaint and tracking number.
- `thread_of`: an e-mail answering one intake sent (In-Reply-To / References naming a Message-ID in
  intake.mail_threads), or naming a tracking number in its subject.
- `follow_up_of`: a message quoting a tracking number, or from the reporter of an open complaint about
  the same thing (duplicates.find_follow_up).
- `duplicate_of`: a near-duplicate of an earlier complaint (same place, similar text; ADUAN_DUPLICATE_*).
"""

from __future__ import annotations

import tomllib
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import cast

import asyncpg
from pydantic import BaseModel, ConfigDict, Field

from services.intake import duplicates
from services.intake.channels import EmailMessage
from services.intake.duplicates import Candidate, DuplicatePolicy, Link, Place
from services.intake.settings import IntakeSettings
from shared.db import Connection
from shared.events import Channel, Complaint
from shared.pii import keyed_digest

REPLIES_PATH = Path(__file__).with_name("replies.toml")
CANDIDATE_LIMIT = 2000
CLOSED_STAGES = ("closed",)


class Replies(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(ge=1, le=1)
    duplicate: dict[str, str] = Field(min_length=1)


@cache
def replies(path: Path = REPLIES_PATH) -> Replies:
    loaded = Replies.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    for text in loaded.duplicate.values():
        text.format(first="X", own="Y")  # every placeholder known
    return loaded


def duplicate_text(*, first: str, own: str, language: str) -> str:
    texts = replies().duplicate
    return texts.get(language, texts["id"]).format(first=first, own=own)


def reporter_key(complaint: Complaint, key: str) -> str | None:
    """A keyed digest of the reporter's phone (else e-mail): a bare hash of a phone number is reversed by
    trying them all, and content message ids travel with the complaint."""
    r = complaint.reporter
    identity = (r.phone or (r.email.lower() if r.email else None)) if r else None
    return keyed_digest(key, "reporter", identity)[:32] if identity else None


def message_key(
    *, channel: Channel, complaint: Complaint, client: str | None, policy: DuplicatePolicy, key: str
) -> str:
    """The channel message id of a post without one. Reporters who gave no phone or e-mail are told apart
    by `client` (a fingerprint of their address), so two strangers' equal texts stay two complaints."""
    return duplicates.content_message_id(
        channel=channel.value,
        reporter=reporter_key(complaint, key) or (f"client:{client}" if client else None),
        text=f"{complaint.title}\n{complaint.body}",
        received_at=complaint.received_at,
        window=policy.repeat_window,
    )


def candidate(complaint: Complaint, key: str) -> Candidate:
    loc = complaint.location
    return Candidate(
        complaint_id=complaint.complaint_id,
        tracking_number=complaint.tracking_number,
        received_at=complaint.received_at,
        text=complaint.body,
        place=Place(loc.region_code, loc.kecamatan_code, loc.lat, loc.lon, loc.text),
        reporter_key=reporter_key(complaint, key),
    )


def _candidate(row: asyncpg.Record) -> Candidate:
    return Candidate(
        complaint_id=row["complaint_id"],
        tracking_number=row["tracking_number"],
        received_at=row["received_at"],
        text=row["text"],
        place=Place(row["region_code"], row["kecamatan_code"], row["lat"], row["lon"], row["place_text"]),
        reporter_key=row["reporter_key"],
        open=row["stage"] not in CLOSED_STAGES,
    )


_SELECT = """SELECT c.complaint_id, k.tracking_number, c.received_at, c.text, c.region_code, c.kecamatan_code,
                    c.lat, c.lon, c.place_text, c.reporter_key, k.stage
             FROM intake.candidates c JOIN intake.complaints k USING (complaint_id)"""


async def remember(conn: Connection, complaint: Complaint, key: str) -> None:
    """Keep what later comparisons need of an accepted complaint."""
    c = candidate(complaint, key)
    await conn.execute(
        """INSERT INTO intake.candidates (complaint_id, received_at, text, region_code, kecamatan_code, lat, lon,
                                          place_text, reporter_key)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (complaint_id) DO NOTHING""",
        c.complaint_id,
        c.received_at,
        c.text,
        c.place.region_code,
        c.place.kecamatan_code,
        c.place.lat,
        c.place.lon,
        c.place.text,
        c.reporter_key,
    )


async def duplicate_of(
    conn: asyncpg.Pool | Connection, complaint: Complaint, policy: DuplicatePolicy, key: str
) -> Link | None:
    """The first earlier complaint (itself no duplicate) the new one duplicates, if any."""
    since: datetime = complaint.received_at - policy.duplicate_window
    rows = await conn.fetch(
        _SELECT
        + " WHERE k.duplicate_of IS NULL AND NOT k.confidential AND c.received_at >= $1 AND c.complaint_id <> $2"
        " ORDER BY c.received_at DESC LIMIT $3",
        since,
        complaint.complaint_id,
        CANDIDATE_LIMIT,
    )
    return duplicates.find_duplicate(candidate(complaint, key), [_candidate(r) for r in rows], policy)


@dataclass(frozen=True)
class Original:
    complaint_id: uuid.UUID
    tracking_number: str
    reason: str


async def _by_numbers(conn: asyncpg.Pool | Connection, numbers: list[str]) -> dict[str, uuid.UUID]:
    if not numbers:
        return {}
    rows = await conn.fetch(
        "SELECT tracking_number, complaint_id FROM intake.complaints WHERE tracking_number = ANY($1)",
        numbers,
    )
    return {r["tracking_number"]: r["complaint_id"] for r in rows}


async def _original(conn: asyncpg.Pool | Connection, complaint_id: uuid.UUID, reason: str) -> Original:
    """The complaint itself, or the first one when it is a duplicate."""
    row = await conn.fetchrow(
        """SELECT o.complaint_id, o.tracking_number FROM intake.complaints k
           JOIN intake.complaints o ON o.complaint_id = COALESCE(k.duplicate_of, k.complaint_id)
           WHERE k.complaint_id = $1""",
        complaint_id,
    )
    row = cast(asyncpg.Record, row)  # the ids come from intake's own rows of complaints, which are never deleted
    return Original(row["complaint_id"], row["tracking_number"], reason)


async def thread_of(conn: asyncpg.Pool | Connection, mail: EmailMessage) -> Original | None:
    """The complaint an e-mail answers: a Message-ID intake sent, else a tracking number in its subject."""
    ids = mail.thread_ids()
    if ids:
        rows = await conn.fetch(
            "SELECT message_id, complaint_id FROM intake.mail_threads WHERE message_id = ANY($1)", ids
        )
        found = {r["message_id"]: r["complaint_id"] for r in rows}
        for i, message_id in enumerate(ids):
            if message_id in found:
                header = "In-Reply-To" if mail.in_reply_to == message_id and i == 0 else "References"
                return await _original(conn, found[message_id], f"{header} names our e-mail")
    known = await _by_numbers(conn, mail.tracking_numbers)
    for number in mail.tracking_numbers:
        if number in known:
            return await _original(conn, known[number], "its subject names the number")
    return None


async def follow_up_of(
    conn: asyncpg.Pool | Connection, complaint: Complaint, settings: IntakeSettings, key: str
) -> Original | None:
    """The complaint a new message follows up: one whose number it quotes, else (with duplicate linking
    on) the reporter's open complaint it resembles."""
    policy = settings.duplicate_policy()
    new = candidate(complaint, key)
    quoted = duplicates.tracking.find_numbers(f"{complaint.title}\n{complaint.body}", prefix=settings.tracking_prefix)
    known = await _by_numbers(conn, list(quoted))
    for number in quoted:
        if number in known:
            return await _original(conn, known[number], "it quotes the tracking number")
    if not settings.duplicate_linking or new.reporter_key is None:
        return None
    rows = await conn.fetch(
        _SELECT + " WHERE c.reporter_key = $1 AND k.duplicate_of IS NULL AND c.received_at >= $2"
        " AND c.complaint_id <> $3 ORDER BY c.received_at DESC LIMIT 50",
        new.reporter_key,
        complaint.received_at - policy.follow_up_window,
        complaint.complaint_id,
    )
    link = duplicates.find_follow_up(
        new, [_candidate(r) for r in rows], policy, tracking_prefix=settings.tracking_prefix
    )
    return Original(link.complaint_id, link.tracking_number, link.reason) if link else None
