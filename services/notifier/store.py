"""notifier's repository: its own schema only."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple, cast

import asyncpg

from services.notifier.deadlines import Deadline
from shared.db import Connection

SCHEMA = "notifier"

_DEADLINE_FIELDS = (
    "agency_code",
    "urusan",
    "started_at",
    "warn_at",
    "due_at",
    "stopped_at",
    "stopped_by",
    "warned_at",
    "breached_at",
    "escalated_at",
    "escalation_level",
    "paused_at",
    "cycle",
    "next_alert_at",
)


def deadline_of(row: asyncpg.Record | dict[str, Any]) -> Deadline:
    return Deadline(
        clock=row["clock"],
        started_at=row["started_at"],
        due_at=row["due_at"],
        warn_at=row["warn_at"],
        agency_code=row["agency_code"],
        urusan=row["urusan"],
    )


# ---------------------------------------------------------------------------------------------
# complaints


async def upsert_complaint(
    conn: Connection,
    complaint_id: uuid.UUID,
    tracking_number: str,
    *,
    channel: str | None = None,
    reply_handle: str | None = None,
    agency_code: str | None = None,
    urusan: str | None = None,
    lapor_tracking_id: str | None = None,
    forward_outcome: str | None = None,
    seen: tuple[str, datetime],
) -> Known:
    """What the notifier knows of a complaint, each field kept once known, and when each lifecycle event
    was first seen (`seen`: this event and its time, kept only if the event is new to the complaint);
    returns the merged row, `events_seen` as a dict of ISO times, and every clock of the complaint, locked
    for the rest of the transaction (after the complaint's row). One statement."""
    event, at = seen
    row = await conn.fetchrow(
        """WITH c AS (
               INSERT INTO notifier.complaints (complaint_id, tracking_number, channel, reply_handle, agency_code,
                                                urusan, lapor_tracking_id, forward_outcome, events_seen)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, jsonb_build_object($9::text, $10::text))
               ON CONFLICT (complaint_id) DO UPDATE SET
                   events_seen = EXCLUDED.events_seen || complaints.events_seen,
                   channel = COALESCE(EXCLUDED.channel, complaints.channel),
                   reply_handle = COALESCE(EXCLUDED.reply_handle, complaints.reply_handle),
                   agency_code = COALESCE(EXCLUDED.agency_code, complaints.agency_code),
                   urusan = COALESCE(EXCLUDED.urusan, complaints.urusan),
                   lapor_tracking_id = COALESCE(EXCLUDED.lapor_tracking_id, complaints.lapor_tracking_id),
                   forward_outcome = COALESCE(EXCLUDED.forward_outcome, complaints.forward_outcome),
                   updated_at = now()
               RETURNING *)
           SELECT c.*,
                  ARRAY(SELECT d FROM notifier.deadlines d WHERE d.complaint_id = c.complaint_id
                        ORDER BY d.clock FOR UPDATE) AS aduan_clocks
           FROM c""",
        complaint_id,
        tracking_number,
        channel,
        reply_handle,
        agency_code,
        urusan,
        lapor_tracking_id,
        forward_outcome,
        event,
        at.isoformat(),
    )
    info = dict(cast(asyncpg.Record, row))  # INSERT ... ON CONFLICT DO UPDATE RETURNING: one row
    clocks = [dict(d) for d in info.pop("aduan_clocks")]
    info["events_seen"] = _events(info["events_seen"])
    return Known(info, clocks)


class Known(NamedTuple):
    """A complaint as the notifier knows it (`notifier.complaints`), and its clocks (`notifier.deadlines`)."""

    info: dict[str, Any]
    clocks: list[dict[str, Any]]


def _events(seen: Any) -> dict[str, str]:
    return json.loads(seen) if isinstance(seen, str) else dict(seen or {})


async def complaint(conn: asyncpg.Pool | Connection, complaint_id: uuid.UUID) -> dict[str, Any] | None:
    row = await conn.fetchrow("SELECT * FROM notifier.complaints WHERE complaint_id = $1", complaint_id)
    return dict(row) if row is not None else None


async def ombudsman_due(conn: Connection, complaint_id: uuid.UUID, at: datetime) -> None:
    await conn.execute(
        "UPDATE notifier.complaints SET ombudsman_due_at = COALESCE(ombudsman_due_at, $2) WHERE complaint_id = $1",
        complaint_id,
        at,
    )


async def mark_ombudsman(conn: Connection, complaint_id: uuid.UUID, at: datetime) -> bool:
    """True the first time only: the citizen hears of the Ombudsman route once per complaint."""
    return (
        await conn.fetchval(
            """UPDATE notifier.complaints SET ombudsman_at = $2 WHERE complaint_id = $1 AND ombudsman_at IS NULL
           RETURNING true""",
            complaint_id,
            at,
        )
        is not None
    )


# ---------------------------------------------------------------------------------------------
# deadlines


class NewClock(NamedTuple):
    """A clock to open: its deadline, when its first alert is due, and its stop if that came first."""

    deadline: Deadline
    next_alert_at: datetime | None
    stopped_at: datetime | None = None
    stopped_by: str | None = None


_FIELD_TYPES = {
    "agency_code": "text",
    "urusan": "text",
    "stopped_by": "text",
    "escalation_level": "integer",
    "cycle": "integer",
}  # the other fields of _DEADLINE_FIELDS are timestamptz


class ClockNote(NamedTuple):
    """A step for the history; `if_opened`: only when the clock was opened by this statement."""

    clock: str
    cycle: int
    kind: str
    at: datetime
    due_at: datetime | None
    detail: dict[str, Any]
    if_opened: bool = False


def _write_clocks_sql() -> str:
    fields = ", ".join(f"{f} = u.{f}" for f in _DEADLINE_FIELDS)
    arrays = ", ".join(f"${i}::{_FIELD_TYPES.get(f, 'timestamptz')}[]" for i, f in enumerate(_DEADLINE_FIELDS, start=5))
    n = 5 + len(_DEADLINE_FIELDS)  # the first parameter after the updates
    o = [f"${i}" for i in range(n, n + 9)]
    h = [f"${i}" for i in range(n + 9, n + 16)]
    return f"""
        WITH updated AS (
            UPDATE notifier.deadlines d SET {fields}
            FROM unnest($4::text[], {arrays}) AS u(clock, {", ".join(_DEADLINE_FIELDS)})
            WHERE d.complaint_id = $1 AND d.clock = u.clock
        ), opened AS (
            INSERT INTO notifier.deadlines (complaint_id, clock, tracking_number, agency_code, urusan, started_at,
                                            warn_at, due_at, next_alert_at, stopped_at, stopped_by, correlation_id)
            SELECT $1, clock, $2, agency_code, urusan, started_at, warn_at, due_at, next_alert_at, stopped_at,
                   stopped_by, $3
            FROM unnest({o[0]}::text[], {o[1]}::text[], {o[2]}::text[], {o[3]}::timestamptz[], {o[4]}::timestamptz[],
                        {o[5]}::timestamptz[], {o[6]}::timestamptz[], {o[7]}::timestamptz[], {o[8]}::text[])
                 AS c(clock, agency_code, urusan, started_at, warn_at, due_at, next_alert_at, stopped_at, stopped_by)
            ON CONFLICT (complaint_id, clock) DO NOTHING RETURNING clock
        ), noted AS (
            INSERT INTO notifier.deadline_history (complaint_id, tracking_number, clock, cycle, kind, at, due_at,
                                                   detail)
            SELECT $1, $2, clock, cycle, kind, at, due_at, detail::jsonb
            FROM unnest({h[0]}::text[], {h[1]}::integer[], {h[2]}::text[], {h[3]}::timestamptz[],
                        {h[4]}::timestamptz[], {h[5]}::text[], {h[6]}::boolean[])
                 WITH ORDINALITY AS n(clock, cycle, kind, at, due_at, detail, if_opened, ord)
            WHERE NOT if_opened OR clock IN (SELECT clock FROM opened)
            ORDER BY ord
        )
        SELECT clock FROM opened"""


_WRITE_CLOCKS = _write_clocks_sql()


async def write_clocks(
    conn: Connection,
    *,
    complaint_id: uuid.UUID,
    tracking_number: str,
    changed: Sequence[dict[str, Any]],
    opening: Sequence[NewClock],
    notes: Sequence[ClockNote],
    correlation_id: str | None = None,
) -> set[str]:
    """One lifecycle event's writes to one complaint's clocks, in one statement: the `changed` rows (read by
    upsert_complaint) written back, the `opening` clocks opened (one already there is left as it is) and the
    `notes` added to the history in their order, those `if_opened` only for a clock this statement opened.
    Returns the names of the clocks it opened."""
    if not (changed or opening or notes):
        return set()
    rows = await conn.fetch(
        _WRITE_CLOCKS,
        complaint_id,
        tracking_number,
        correlation_id,
        [r["clock"] for r in changed],
        *([r[f] for r in changed] for f in _DEADLINE_FIELDS),
        [c.deadline.clock for c in opening],
        [c.deadline.agency_code for c in opening],
        [c.deadline.urusan for c in opening],
        [c.deadline.started_at for c in opening],
        [c.deadline.warn_at for c in opening],
        [c.deadline.due_at for c in opening],
        [c.next_alert_at for c in opening],
        [c.stopped_at for c in opening],
        [c.stopped_by for c in opening],
        [n.clock for n in notes],
        [n.cycle for n in notes],
        [n.kind for n in notes],
        [n.at for n in notes],
        [n.due_at for n in notes],
        [json.dumps(n.detail) for n in notes],
        [n.if_opened for n in notes],
    )
    return {r["clock"] for r in rows}


async def update_deadlines(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Write back the mutable fields of deadline rows read by upsert_complaint / due_for_alert: one round trip."""
    if rows:
        sets = ", ".join(f"{f} = ${i}" for i, f in enumerate(_DEADLINE_FIELDS, start=3))
        await conn.executemany(
            f"UPDATE notifier.deadlines SET {sets} WHERE complaint_id = $1 AND clock = $2",
            [(r["complaint_id"], r["clock"], *(r[f] for f in _DEADLINE_FIELDS)) for r in rows],
        )


async def due_for_alert(conn: Connection, now: datetime, limit: int = 500) -> list[dict[str, Any]]:
    """Clocks whose next warning, breach or escalation step has come. The predicate is the partial index's
    (`next_alert_at IS NOT NULL`, range on next_alert_at), so only due rows are read; locked with SKIP LOCKED
    so that two replicas never take the same row."""
    rows = await conn.fetch(
        """SELECT * FROM notifier.deadlines
           WHERE next_alert_at IS NOT NULL AND next_alert_at <= $1
           ORDER BY next_alert_at LIMIT $2 FOR UPDATE SKIP LOCKED""",
        now,
        limit,
    )
    return [dict(r) for r in rows]


async def add_history(conn: Connection, entries: Sequence[tuple[Any, ...]]) -> None:
    """entries: (complaint_id, tracking_number, clock, cycle, kind, at, due_at, detail dict)."""
    if entries:
        await conn.executemany(
            """INSERT INTO notifier.deadline_history (complaint_id, tracking_number, clock, cycle, kind, at, due_at,
                                                      detail)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)""",
            [(*e[:7], json.dumps(e[7])) for e in entries],
        )


async def history(pool: asyncpg.Pool, tracking_number: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(current clocks, history in order) of one complaint."""
    clocks = await pool.fetch(
        """SELECT clock, cycle, started_at, warn_at, due_at, paused_at, stopped_at, stopped_by, warned_at,
                  breached_at, escalated_at, escalation_level, agency_code, urusan
           FROM notifier.deadlines WHERE tracking_number = $1 ORDER BY started_at, clock""",
        tracking_number,
    )
    steps = await pool.fetch(
        """SELECT clock, cycle, kind, at, due_at, detail FROM notifier.deadline_history
           WHERE tracking_number = $1 ORDER BY id""",
        tracking_number,
    )
    return [dict(r) for r in clocks], [dict(r) for r in steps]


async def open_counts(pool: asyncpg.Pool) -> dict[str, int]:
    rows = await pool.fetch(
        "SELECT clock, count(*) AS n FROM notifier.deadlines WHERE stopped_at IS NULL GROUP BY clock"
    )
    return {r["clock"]: r["n"] for r in rows}


# ---------------------------------------------------------------------------------------------
# outbox


async def enqueue(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """rows: (idem_key, channel, recipient, role, subject, body, payload dict, secret_env, next_attempt_at).
    A key already in the outbox is left alone: each message once per recipient per alert."""
    if rows:
        await conn.executemany(
            """INSERT INTO notifier.outbox (idem_key, channel, recipient, role, subject, body, payload, secret_env,
                                            next_attempt_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9) ON CONFLICT (idem_key) DO NOTHING""",
            [(*r[:6], json.dumps(r[6], default=str), *r[7:]) for r in rows],
        )


async def claim_batch(conn: Connection, now: datetime, limit: int, lease_until: datetime) -> list[dict[str, Any]]:
    """Take pending messages whose time has come: each counts an attempt and is leased until `lease_until`
    (a process killed mid-send leaves it to be tried again then). SKIP LOCKED: two replicas take different
    rows; the lease is committed before anything is sent, so neither takes a row the other is sending."""
    rows = await conn.fetch(
        """UPDATE notifier.outbox SET attempts = attempts + 1, next_attempt_at = $3
           WHERE id IN (SELECT id FROM notifier.outbox WHERE state = 'pending' AND next_attempt_at <= $1
                        ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED)
           RETURNING *""",
        now,
        limit,
        lease_until,
    )
    return sorted((dict(r) for r in rows), key=lambda r: r["id"])


async def mark_sent(conn: asyncpg.Pool | Connection, row_id: int, at: datetime) -> None:
    await conn.execute(
        "UPDATE notifier.outbox SET state = 'sent', sent_at = $2, last_error = NULL WHERE id = $1", row_id, at
    )


async def mark_sent_many(conn: asyncpg.Pool | Connection, row_ids: Sequence[int], at: datetime) -> None:
    await conn.execute(
        "UPDATE notifier.outbox SET state = 'sent', sent_at = $2, last_error = NULL WHERE id = ANY($1::bigint[])",
        list(row_ids),
        at,
    )


async def mark_failed(
    conn: asyncpg.Pool | Connection, row_id: int, error: str, next_attempt_at: datetime | None
) -> None:
    """Retry at next_attempt_at, or give up (state 'dead') when None."""
    await conn.execute(
        """UPDATE notifier.outbox SET last_error = $2,
               state = CASE WHEN $3::timestamptz IS NULL THEN 'dead' ELSE state END,
               next_attempt_at = COALESCE($3, next_attempt_at)
           WHERE id = $1""",
        row_id,
        error[:500],
        next_attempt_at,
    )


async def defer(conn: asyncpg.Pool | Connection, row_id: int, until: datetime) -> None:
    """Not yet (SMS quiet hours): the same message later, the attempt not counted."""
    await conn.execute(
        "UPDATE notifier.outbox SET next_attempt_at = $2, attempts = attempts - 1 WHERE id = $1", row_id, until
    )


async def delivered_counts(pool: asyncpg.Pool | Connection) -> dict[str, int]:
    rows = await pool.fetch("SELECT channel, count(*) AS n FROM notifier.outbox WHERE state = 'sent' GROUP BY channel")
    return {r["channel"]: r["n"] for r in rows}


# ---------------------------------------------------------------------------------------------
# digest


async def claim_digest(conn: Connection, agency_code: str, day: Any) -> bool:
    return (
        await conn.fetchval(
            "INSERT INTO notifier.digests (agency_code, day) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING true",
            agency_code,
            day,
        )
        is not None
    )


async def digest_counts(
    conn: Connection, agency_codes: Sequence[str], now: datetime, soon: datetime
) -> dict[str, dict[str, int]]:
    rows = await conn.fetch(
        """SELECT agency_code, count(*) AS open,
                  count(*) FILTER (WHERE due_at >= $2 AND due_at <= $3) AS due_soon,
                  count(*) FILTER (WHERE due_at < $2) AS breached
           FROM notifier.deadlines WHERE stopped_at IS NULL AND agency_code = ANY($1::text[])
           GROUP BY agency_code""",
        list(agency_codes),
        now,
        soon,
    )
    return {r["agency_code"]: {"open": r["open"], "due_soon": r["due_soon"], "breached": r["breached"]} for r in rows}
