"""notifier's repository: its own schema only."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from services.notifier.deadlines import Deadline

SCHEMA = "notifier"


async def open_deadlines(conn: asyncpg.Connection, complaint_id: uuid.UUID, tracking_number: str,
                         deadlines: list[Deadline], *, correlation_id: str | None = None) -> None:
    await conn.executemany(
        """INSERT INTO notifier.deadlines (complaint_id, clock, tracking_number, agency_code, started_at,
                                           warn_at, due_at, correlation_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (complaint_id, clock) DO NOTHING""",
        [(complaint_id, d.clock, tracking_number, d.agency_code, d.started_at, d.warn_at, d.due_at, correlation_id)
         for d in deadlines],
    )


async def stop_deadlines(conn: asyncpg.Connection, complaint_id: uuid.UUID, clocks: list[str], event: str,
                         at: datetime) -> None:
    await conn.execute(
        """UPDATE notifier.deadlines SET stopped_at = $3, stopped_by = $4
           WHERE complaint_id = $1 AND clock = ANY($2::text[]) AND stopped_at IS NULL""",
        complaint_id, clocks, at, event,
    )


async def record_forwarded(conn: asyncpg.Connection, complaint_id: uuid.UUID, tracking_number: str,
                           agency_code: str, lapor_tracking_id: str | None, outcome: str) -> None:
    await conn.execute(
        """INSERT INTO notifier.complaints (complaint_id, tracking_number, agency_code, lapor_tracking_id,
                                            forward_outcome)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (complaint_id) DO UPDATE SET agency_code = $3, lapor_tracking_id = $4,
               forward_outcome = $5, updated_at = now()""",
        complaint_id, tracking_number, agency_code, lapor_tracking_id, outcome,
    )
    await conn.execute(
        "UPDATE notifier.deadlines SET agency_code = $2 WHERE complaint_id = $1 AND agency_code IS NULL",
        complaint_id, agency_code,
    )


async def due_for_alert(conn: asyncpg.Connection, now: datetime, limit: int = 500) -> list[asyncpg.Record]:
    """Open clocks whose warning, breach or escalation moment has come and was not yet announced.
    Locked so that two notifier replicas never announce the same alert."""
    return await conn.fetch(
        """SELECT * FROM notifier.deadlines
           WHERE stopped_at IS NULL
             AND ((warned_at IS NULL AND warn_at <= $1) OR (breached_at IS NULL AND due_at < $1)
                  OR (breached_at IS NOT NULL AND escalated_at IS NULL))
           ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED""",
        now, limit,
    )


async def mark_alerted(conn: asyncpg.Connection, complaint_id: uuid.UUID, clock: str, column: str,
                       at: datetime) -> None:
    assert column in ("warned_at", "breached_at", "escalated_at")
    await conn.execute(
        f"UPDATE notifier.deadlines SET {column} = $3 WHERE complaint_id = $1 AND clock = $2",
        complaint_id, clock, at,
    )


async def open_counts(pool: asyncpg.Pool) -> dict[str, int]:
    rows = await pool.fetch(
        "SELECT clock, count(*) AS n FROM notifier.deadlines WHERE stopped_at IS NULL GROUP BY clock")
    return {r["clock"]: r["n"] for r in rows}
