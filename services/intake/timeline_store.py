"""The citizen's timeline in intake's schema: steps, announced deadlines and what GeoReport may show.

Every write is idempotent by itself: a step is keyed by its event id (the same event twice is one
step), a deadline keeps the latest announcement per clock, public facts are kept once known.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TypeAlias

import asyncpg

from shared.db import Connection

Pool: TypeAlias = asyncpg.Pool | Connection


@dataclass(frozen=True)
class Step:
    complaint_id: uuid.UUID
    event_id: uuid.UUID
    step: str
    at: datetime
    agency_code: str | None = None
    lapor_tracking_id: str | None = None
    note: str | None = None
    duplicate_of: str | None = None


_STEP_INSERT = """INSERT INTO intake.timeline
               (complaint_id, event_id, step, at, agency_code, lapor_tracking_id, note, duplicate_of)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (complaint_id, event_id) DO NOTHING"""


def _step_args(step: Step) -> tuple[object, ...]:
    return (
        step.complaint_id,
        step.event_id,
        step.step,
        step.at,
        step.agency_code,
        step.lapor_tracking_id,
        step.note,
        step.duplicate_of,
    )


async def add_step(pool: Pool, step: Step) -> None:
    await pool.execute(_STEP_INSERT, *_step_args(step))


async def add_routed_step(pool: Pool, step: Step, urusan: str) -> None:
    """A routing decision: its step, and its urusan for GeoReport (the latest decision wins: a re-route may
    change it), in one statement."""
    await pool.execute(
        f"""WITH urusan AS (
               INSERT INTO intake.public_requests (complaint_id, urusan) VALUES ($1, $9)
               ON CONFLICT (complaint_id) DO UPDATE SET urusan = EXCLUDED.urusan)
           {_STEP_INSERT}""",
        *_step_args(step),
        urusan,
    )


async def steps_of(pool: Pool, complaint_id: uuid.UUID) -> list[asyncpg.Record]:
    return await pool.fetch(
        """SELECT step, at, agency_code, lapor_tracking_id, note, duplicate_of, recorded_at
           FROM intake.timeline WHERE complaint_id = $1 ORDER BY at, recorded_at""",
        complaint_id,
    )


async def record_deadline(
    pool: Pool, complaint_id: uuid.UUID, *, clock: str, kind: str, due_at: datetime, announced_at: datetime
) -> None:
    """The notifier's announcement of a clock; an older one arriving late changes nothing."""
    await pool.execute(
        """INSERT INTO intake.deadlines (complaint_id, clock, kind, due_at, announced_at)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (complaint_id, clock) DO UPDATE SET
               kind = EXCLUDED.kind, due_at = EXCLUDED.due_at, announced_at = EXCLUDED.announced_at
           WHERE intake.deadlines.announced_at < EXCLUDED.announced_at""",
        complaint_id,
        clock,
        kind,
        due_at,
        announced_at,
    )


async def deadlines_of(pool: Pool, complaint_id: uuid.UUID) -> list[asyncpg.Record]:
    return await pool.fetch(
        "SELECT clock, kind, due_at, announced_at FROM intake.deadlines WHERE complaint_id = $1", complaint_id
    )


async def record_public(
    pool: Pool,
    complaint_id: uuid.UUID,
    *,
    service_code: str | None,
    description: str | None,
    address: str | None,
    lat: float | None,
    lon: float | None,
) -> None:
    await pool.execute(
        """INSERT INTO intake.public_requests (complaint_id, service_code, description, address, lat, lon, known)
           VALUES ($1, $2, $3, $4, $5, $6, true)
           ON CONFLICT (complaint_id) DO UPDATE SET
               service_code = EXCLUDED.service_code, description = EXCLUDED.description,
               address = EXCLUDED.address, lat = EXCLUDED.lat, lon = EXCLUDED.lon, known = true""",
        complaint_id,
        service_code,
        description,
        address,
        lat,
        lon,
    )
