"""forwarder's repository: its own schema only. Each call commits on its own: the attempt counter
must be durable before LAPOR! is called, whatever happens next."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

SCHEMA = "forwarder"


@dataclass(frozen=True)
class ReportRow:
    complaint_id: uuid.UUID
    state: str
    attempts: int
    lapor_tracking_id: str | None


async def open_report(pool: asyncpg.Pool, complaint_id: uuid.UUID, tracking_number: str, reference: str,
                      agency_code: str, *, correlation_id: str | None = None) -> ReportRow:
    """The complaint's row, created on first sight."""
    row = await pool.fetchrow(
        """INSERT INTO forwarder.reports (complaint_id, tracking_number, reference, agency_code, state,
                                             correlation_id)
           VALUES ($1, $2, $3, $4, 'pending', $5)
           ON CONFLICT (complaint_id) DO UPDATE SET updated_at = forwarder.reports.updated_at
           RETURNING complaint_id, state, attempts, lapor_tracking_id""",
        complaint_id, tracking_number, reference, agency_code, correlation_id,
    )
    return ReportRow(**dict(row))


async def count_attempt(pool: asyncpg.Pool, complaint_id: uuid.UUID) -> int:
    return await pool.fetchval(
        """UPDATE forwarder.reports SET attempts = attempts + 1, state = 'pending', updated_at = now()
           WHERE complaint_id = $1 RETURNING attempts""",
        complaint_id,
    )


async def mark_created(pool: asyncpg.Pool, complaint_id: uuid.UUID, lapor_tracking_id: str) -> None:
    await pool.execute(
        """UPDATE forwarder.reports SET state = 'created', lapor_tracking_id = $2, last_error = NULL,
                  updated_at = now() WHERE complaint_id = $1""",
        complaint_id, lapor_tracking_id,
    )


async def mark_failed(pool: asyncpg.Pool, complaint_id: uuid.UUID, error: str, *, parked: bool) -> None:
    await pool.execute(
        """UPDATE forwarder.reports SET last_error = $2, state = CASE WHEN $3 THEN 'parked' ELSE state END,
                  updated_at = now() WHERE complaint_id = $1""",
        complaint_id, error[:2000], parked,
    )


async def counts(pool: asyncpg.Pool) -> dict[str, int]:
    rows = await pool.fetch("SELECT state, count(*) AS n FROM forwarder.reports GROUP BY state")
    return {r["state"]: r["n"] for r in rows}


async def by_lapor_id(pool: asyncpg.Pool, lapor_tracking_id: str) -> asyncpg.Record | None:
    return await pool.fetchrow(
        "SELECT complaint_id, tracking_number, agency_code, correlation_id FROM forwarder.reports"
        " WHERE lapor_tracking_id = $1",
        lapor_tracking_id,
    )


async def synced_to(pool: asyncpg.Pool) -> datetime | None:
    return await pool.fetchval("SELECT synced_to FROM forwarder.status_sync")


async def save_synced_to(pool: asyncpg.Pool, moment: datetime) -> None:
    await pool.execute(
        """INSERT INTO forwarder.status_sync (synced_to) VALUES ($1)
           ON CONFLICT (id) DO UPDATE SET synced_to = GREATEST(forwarder.status_sync.synced_to, $1)""",
        moment,
    )
