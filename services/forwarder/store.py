"""forwarder's repository: its own schema only.

Every forward of one complaint runs inside `locked(...)`: a session advisory lock on the complaint,
held on one connection across the LAPOR! call, so two deliveries of one complaint (a batch rewind
and a retry record, two replicas after a rebalance) can never both look up and both create. Each
statement on that connection commits on its own: the attempt (and the doubt it opens) must be
durable before LAPOR! is called, whatever happens next.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias, cast

import asyncpg

from services.forwarder.forward import QueuedMessage
from shared.db import Connection, session_lock

SCHEMA = "forwarder"
Conn: TypeAlias = asyncpg.Pool | Connection


def _lock_key(kind: str, key: uuid.UUID) -> int:
    return int.from_bytes(hashlib.sha256(f"aduan.forwarder.{kind}.{key}".encode()).digest()[:8], "big", signed=True)


def report_lock_key(complaint_id: uuid.UUID) -> int:
    return _lock_key("report", complaint_id)


@asynccontextmanager
async def locked(pool: asyncpg.Pool, complaint_id: uuid.UUID, *, take_lock: bool = True) -> AsyncIterator[Connection]:
    """A connection holding the complaint's advisory lock until the block ends. A crash (or a
    cancelled handler) cannot leave it held: it dies with the session, and a connection released
    before its unlock is unlocked by the pool's reset (shared.db.session_lock)."""
    key = report_lock_key(complaint_id)
    async with pool.acquire() as conn:
        with session_lock(conn):
            if take_lock:  # else the block's first statement takes it (open_report(lock_key=...))
                await conn.execute("SELECT pg_advisory_lock($1)", key)
            try:
                yield conn
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", key)


@dataclass(frozen=True)
class ReportRow:
    complaint_id: uuid.UUID
    tracking_number: str
    agency_code: str
    state: str
    attempts: int
    lapor_tracking_id: str | None
    doubt_at: datetime | None
    routed_event_id: uuid.UUID | None = None


_COLUMNS = "complaint_id, tracking_number, agency_code, state, attempts, lapor_tracking_id, doubt_at, routed_event_id"


async def open_report(
    conn: Conn,
    complaint_id: uuid.UUID,
    tracking_number: str,
    reference: str,
    agency_code: str,
    routed_json: str,
    routed_event_id: uuid.UUID | None,
    *,
    lock_key: int | None = None,
    correlation_id: str | None = None,
) -> ReportRow:
    """The complaint's row, created on first sight. Until the report exists, the latest decision's
    agency and routed complaint are kept (a re-route before the create simply creates it there).

    With `lock_key`, the same statement first takes the complaint's advisory lock (one round trip
    less per forward): the row is inserted or read only once the lock is held, and ON CONFLICT DO
    UPDATE works on the latest committed version of the row, whatever the statement's snapshot."""
    source = (
        "SELECT $1::uuid, $2::text, $3::text, $4::text, 'pending', $5::jsonb, $6::uuid, $7::text"
        " FROM (SELECT pg_advisory_lock($8::bigint)) AS lock"
        if lock_key is not None
        else "VALUES ($1, $2, $3, $4, 'pending', $5::jsonb, $6, $7)"
    )
    extra = (lock_key,) if lock_key is not None else ()
    row = await conn.fetchrow(
        f"""INSERT INTO forwarder.reports (complaint_id, tracking_number, reference, agency_code, state, routed,
                                          routed_event_id, correlation_id)
           {source}
           ON CONFLICT (complaint_id) DO UPDATE SET
               agency_code = CASE WHEN forwarder.reports.state = 'created' THEN forwarder.reports.agency_code
                                  ELSE EXCLUDED.agency_code END,
               routed = CASE WHEN forwarder.reports.state = 'created' THEN forwarder.reports.routed
                             ELSE EXCLUDED.routed END,
               routed_event_id = COALESCE(forwarder.reports.routed_event_id, EXCLUDED.routed_event_id),
               correlation_id = COALESCE(forwarder.reports.correlation_id, EXCLUDED.correlation_id)
           RETURNING {_COLUMNS}""",
        complaint_id,
        tracking_number,
        reference,
        agency_code,
        routed_json,
        routed_event_id,
        correlation_id,
        *extra,
    )
    return ReportRow(**dict(cast(asyncpg.Record, row)))  # INSERT ... ON CONFLICT DO UPDATE RETURNING: one row


async def get_report(conn: Conn, complaint_id: uuid.UUID) -> ReportRow | None:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM forwarder.reports WHERE complaint_id = $1", complaint_id)
    return ReportRow(**dict(row)) if row else None


async def begin_create(conn: Conn, complaint_id: uuid.UUID) -> tuple[int, datetime | None]:
    """Count the attempt and open a doubt, durably, before the create call; return the attempt
    number and the doubt that was open before (to restore when the call surely was not applied)."""
    row = await conn.fetchrow(
        """UPDATE forwarder.reports r SET attempts = r.attempts + 1, state = 'pending', doubt_at = now(),
                  updated_at = now()
           FROM (SELECT doubt_at FROM forwarder.reports WHERE complaint_id = $1) before
           WHERE r.complaint_id = $1 RETURNING r.attempts, before.doubt_at AS previous""",
        complaint_id,
    )
    row = cast(asyncpg.Record, row)  # open_report made the row, under the same lock; none is ever deleted
    return row["attempts"], row["previous"]


async def doubt_from_now(conn: Conn, complaint_id: uuid.UUID) -> None:
    """The create's outcome became unknown just now (its answer lost, timed out, a 5xx): LAPOR! may carry it out
    for `doubt_settle_s` from here, not from when the attempt began (the call may have waited its turn first)."""
    await conn.execute("UPDATE forwarder.reports SET doubt_at = now() WHERE complaint_id = $1", complaint_id)


async def restore_doubt(conn: Conn, complaint_id: uuid.UUID, previous: datetime | None) -> None:
    """The create call surely was not applied (refused connection, 429, a 4xx): the doubt it opened closes."""
    await conn.execute("UPDATE forwarder.reports SET doubt_at = $2 WHERE complaint_id = $1", complaint_id, previous)


async def mark_created(conn: Conn, complaint_id: uuid.UUID, lapor_tracking_id: str) -> None:
    await conn.execute(
        """UPDATE forwarder.reports SET state = 'created', lapor_tracking_id = $2, last_error = NULL,
                  doubt_at = NULL, parked_reason = NULL, parked_at = NULL, updated_at = now()
           WHERE complaint_id = $1""",
        complaint_id,
        lapor_tracking_id,
    )


async def note_error(conn: Conn, complaint_id: uuid.UUID, error: str) -> None:
    await conn.execute(
        "UPDATE forwarder.reports SET last_error = $2, updated_at = now() WHERE complaint_id = $1",
        complaint_id,
        error[:2000],
    )


async def park(conn: Conn, complaint_id: uuid.UUID, reason: str, *, in_doubt: bool) -> int:
    """Park the forward (`in_doubt`: the report may exist in LAPOR!); return its attempts."""
    return await conn.fetchval(
        """UPDATE forwarder.reports SET state = CASE WHEN $3 THEN 'in_doubt' ELSE 'parked' END,
                  parked_reason = $2, last_error = COALESCE(last_error, $2), parked_at = now(), updated_at = now()
           WHERE complaint_id = $1 RETURNING attempts""",
        complaint_id,
        reason[:2000],
        in_doubt,
    )


async def attempts_of(conn: Conn, complaint_id: uuid.UUID) -> int:
    return await conn.fetchval("SELECT attempts FROM forwarder.reports WHERE complaint_id = $1", complaint_id) or 0


async def counts(pool: asyncpg.Pool) -> dict[str, int]:
    rows = await pool.fetch("SELECT state, count(*) AS n FROM forwarder.reports GROUP BY state")
    return {r["state"]: r["n"] for r in rows}


async def by_lapor_id(conn: Conn, lapor_tracking_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(
        """SELECT complaint_id, tracking_number, agency_code, correlation_id FROM forwarder.reports
           WHERE lapor_tracking_id = $1""",
        lapor_tracking_id,
    )


async def is_ours(conn: Conn, reference: str) -> bool:
    """Whether `reference` names one of our complaints."""
    return bool(await conn.fetchval("SELECT 1 FROM forwarder.reports WHERE reference = $1", reference))


async def backlog_size(conn: Conn) -> int:
    return await conn.fetchval("SELECT count(*) FROM forwarder.status_backlog")


async def in_doubt(conn: Conn, limit: int) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT complaint_id, reference FROM forwarder.reports WHERE state = 'in_doubt'
           ORDER BY parked_at LIMIT $1""",
        limit,
    )


# -- the DLQ as a table: `aduan dlq list|replay` -----------------------------------------------------


async def parked(conn: Conn, complaint_ids: list[uuid.UUID] | None = None) -> list[asyncpg.Record]:
    return await conn.fetch(
        """SELECT complaint_id, tracking_number, state, parked_reason, last_error, attempts, parked_at,
                  replayed_at, routed, routed_event_id
           FROM forwarder.reports WHERE state IN ('parked', 'in_doubt')
             AND ($1::uuid[] IS NULL OR complaint_id = ANY($1::uuid[]))
           ORDER BY parked_at""",
        complaint_ids,
    )


async def mark_replayed(conn: Conn, complaint_id: uuid.UUID) -> None:
    await conn.execute("UPDATE forwarder.reports SET replayed_at = now() WHERE complaint_id = $1", complaint_id)


# -- status sync ------------------------------------------------------------------------------------


async def status_cursor(conn: Conn) -> int:
    return await conn.fetchval("SELECT after_seq FROM forwarder.status_sync") or 0


async def save_status_cursor(conn: Conn, after_seq: int) -> None:
    await conn.execute(
        """INSERT INTO forwarder.status_sync (after_seq) VALUES ($1)
           ON CONFLICT (id) DO UPDATE SET after_seq = GREATEST(forwarder.status_sync.after_seq, $1)""",
        after_seq,
    )


async def hold_status(conn: Conn, change: Any) -> None:
    await conn.execute(
        """INSERT INTO forwarder.status_backlog (tracking_id, seq, reference, status, agency_code, note, at)
           VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING""",
        change.tracking_id,
        change.seq,
        change.reference,
        change.status.value,
        change.agency_code,
        change.note,
        change.at,
    )


async def held_status(conn: Conn, tracking_id: str | None = None) -> list[asyncpg.Record]:
    """Held steps whose report is now recorded (all, or one report's), in LAPOR!'s order."""
    return await conn.fetch(
        """SELECT b.* FROM forwarder.status_backlog b
           JOIN forwarder.reports r ON r.lapor_tracking_id = b.tracking_id
           WHERE $1::text IS NULL OR b.tracking_id = $1 ORDER BY b.seq""",
        tracking_id,
    )


async def drop_held(conn: Conn, tracking_id: str, seq: int) -> None:
    await conn.execute("DELETE FROM forwarder.status_backlog WHERE tracking_id = $1 AND seq = $2", tracking_id, seq)


async def set_agency(conn: Conn, complaint_id: uuid.UUID, agency_code: str) -> None:
    await conn.execute(
        "UPDATE forwarder.reports SET agency_code = $2, updated_at = now() WHERE complaint_id = $1",
        complaint_id,
        agency_code,
    )


# -- re-routes ---------------------------------------------------------------------------------------


async def reroute_state(conn: Conn, event_id: uuid.UUID) -> str | None:
    """'applied' when this routed event was applied, 'replaced' when a later re-route replaced it, else None."""
    return await conn.fetchval(
        """SELECT CASE WHEN EXISTS (SELECT 1 FROM forwarder.reroutes WHERE event_id = $1) THEN 'applied'
                       WHEN EXISTS (SELECT 1 FROM forwarder.reroutes WHERE replaces = $1) THEN 'replaced' END""",
        event_id,
    )


async def record_reroute(
    conn: Connection, event_id: uuid.UUID, complaint_id: uuid.UUID, replaces: uuid.UUID, agency_code: str
) -> None:
    async with conn.transaction():
        await conn.execute(
            """INSERT INTO forwarder.reroutes (event_id, complaint_id, replaces, agency_code)
               VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING""",
            event_id,
            complaint_id,
            replaces,
            agency_code,
        )
        await set_agency(conn, complaint_id, agency_code)


# -- the reporter's messages for LAPOR! (responses and follow-ups) ----------------------------------


async def queue_response(
    conn: Conn, event_id: uuid.UUID, complaint_id: uuid.UUID, kind: str, body: str, received_at: datetime
) -> bool:
    """Keep the reporter's message until LAPOR! has it: the event's claim (its id is the key) and what
    is needed to send it, in one statement. False for a redelivery (a row from before 0005 without its
    text gets it)."""
    return bool(
        await conn.fetchval(
            """INSERT INTO forwarder.responses (event_id, complaint_id, state, kind, body, received_at)
               VALUES ($1, $2, 'pending', $3, $4, $5)
               ON CONFLICT (event_id) DO UPDATE SET body = EXCLUDED.body, received_at = EXCLUDED.received_at
                   WHERE forwarder.responses.body IS NULL AND forwarder.responses.state IN ('pending', 'waiting')
               RETURNING xmax = 0""",
            event_id,
            complaint_id,
            kind,
            body,
            received_at,
        )
    )


_UNSENT = "state IN ('pending', 'waiting') AND body IS NOT NULL"


async def unsent_responses(conn: Conn, complaint_id: uuid.UUID) -> list[QueuedMessage]:
    """The complaint's messages not in LAPOR! and not in a call, in the order the reporter wrote them."""
    rows = await conn.fetch(
        f"""SELECT event_id, body, received_at FROM forwarder.responses
            WHERE complaint_id = $1 AND {_UNSENT} AND reference IS NULL
            ORDER BY received_at NULLS FIRST, queued_at, event_id""",
        complaint_id,
    )
    return [QueuedMessage(r["event_id"], r["body"], r["received_at"]) for r in rows]


async def doubtful_responses(conn: Conn, complaint_id: uuid.UUID) -> list[asyncpg.Record]:
    """The references of the complaint's responses sent in a call whose outcome is unknown, with when."""
    return await conn.fetch(
        """SELECT reference, max(doubt_at) AS doubt_at FROM forwarder.responses
           WHERE complaint_id = $1 AND state IN ('pending', 'waiting') AND reference IS NOT NULL
           GROUP BY reference ORDER BY min(received_at)""",
        complaint_id,
    )


async def begin_responses(conn: Conn, reference: str, event_ids: list[uuid.UUID]) -> None:
    """Durably, before the call: these messages go as the response `reference`, which may be applied
    from now on."""
    await conn.execute(
        """UPDATE forwarder.responses SET reference = $1, attempts = attempts + 1, doubt_at = now()
           WHERE event_id = ANY($2::uuid[])""",
        reference,
        event_ids,
    )


async def release_responses(conn: Conn, reference: str, state: str, error: str | None = None) -> None:
    """The response `reference` surely was not applied: its messages are unsent again (`state`)."""
    await conn.execute(
        """UPDATE forwarder.responses SET reference = NULL, doubt_at = NULL, state = $2,
                  last_error = COALESCE($3, last_error)
           WHERE reference = $1 AND state IN ('pending', 'waiting')""",
        reference,
        state,
        error,
    )


async def responses_sent(conn: Conn, reference: str) -> int:
    """LAPOR! has the response `reference`: its messages are sent (their text is no longer kept)."""
    rows = await conn.fetch(
        """UPDATE forwarder.responses SET state = 'sent', sent_at = now(), body = NULL, doubt_at = NULL,
                  last_error = NULL
           WHERE reference = $1 AND state IN ('pending', 'waiting') RETURNING event_id""",
        reference,
    )
    return len(rows)


async def refuse_responses(conn: Conn, reference: str, error: str) -> None:
    await conn.execute(
        """UPDATE forwarder.responses SET state = 'refused', doubt_at = NULL, last_error = $2
           WHERE reference = $1 AND state IN ('pending', 'waiting')""",
        reference,
        error[:2000],
    )


CLOSED_REPORT = "the LAPOR! report was closed before it took the message"


async def refuse_on_closed_reports(conn: Conn) -> list[asyncpg.Record]:
    """The reporter's messages on reports LAPOR! closed: a closed report takes no response (it is the
    last step of its lifecycle), so they are refused with the reason instead of waiting for ever.
    Return how many per report. A message in a call of doubtful outcome (`reference` set) is looked
    up first (`responses_due`): LAPOR! may have it."""
    return await conn.fetch(
        """WITH refused AS (
               UPDATE forwarder.responses m SET state = 'refused', last_error = $1
               FROM forwarder.reports r
               WHERE m.complaint_id = r.complaint_id AND r.lapor_status = 'closed'
                 AND m.state IN ('pending', 'waiting') AND m.reference IS NULL
               RETURNING m.complaint_id, r.lapor_tracking_id, r.correlation_id)
           SELECT complaint_id, lapor_tracking_id, correlation_id, count(*) AS messages
           FROM refused GROUP BY complaint_id, lapor_tracking_id, correlation_id""",
        CLOSED_REPORT,
    )


async def responses_due(conn: Conn, limit: int) -> list[asyncpg.Record]:
    """Reports with messages to send now: waiting ones once LAPOR! shows the agency's follow-up, and
    those never answered for sure (not tried, a lost answer, a 5xx) unless the report is closed; on a
    closed report still those of a call whose outcome is unknown, to be looked up (LAPOR! may have them;
    if not, they are refused with the others)."""
    # driven from the unsent messages (a partial index), not from every report
    return await conn.fetch(
        """SELECT DISTINCT r.complaint_id, r.lapor_tracking_id, r.correlation_id
           FROM forwarder.responses m JOIN forwarder.reports r USING (complaint_id)
           WHERE m.state IN ('pending', 'waiting') AND m.body IS NOT NULL AND r.lapor_tracking_id IS NOT NULL
             AND (r.lapor_status = 'followed_up'
                  OR (m.state = 'pending' AND (r.lapor_status IS DISTINCT FROM 'closed' OR m.reference IS NOT NULL)))
           LIMIT $1""",
        limit,
    )


async def note_lapor_status(conn: Conn, lapor_tracking_id: str, status: str, seq: int) -> None:
    """The latest LAPOR! status step applied to the report (an older step replayed changes nothing)."""
    await conn.execute(
        """UPDATE forwarder.reports SET lapor_status = $2, lapor_status_seq = $3
           WHERE lapor_tracking_id = $1 AND (lapor_status_seq IS NULL OR lapor_status_seq < $3)""",
        lapor_tracking_id,
        status,
        seq,
    )
