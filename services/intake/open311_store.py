"""GeoReport v2's reads of intake's schema: service requests as the public may see them.

A complaint is a service request once its public facts are recorded (intake.public_requests, from
complaints.accepted), so a request never shows with a service code it does not have."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

MAX_REQUESTS = 1000  # GeoReport v2 "Response Volume": at most the first 1000 requests

_COLUMNS = """c.complaint_id, c.tracking_number, c.received_at, c.accepted_at, c.stage, c.agency_code,
       c.confidential, p.service_code, p.urusan, p.description, p.address, p.lat, p.lon,
       GREATEST(c.accepted_at, (SELECT max(t.at) FROM intake.timeline t WHERE t.complaint_id = c.complaint_id))
           AS updated_at
       FROM intake.complaints c JOIN intake.public_requests p ON p.complaint_id = c.complaint_id AND p.known"""


async def by_ids(pool: asyncpg.Pool, tracking_numbers: list[str]) -> list[asyncpg.Record]:
    """The requests named (service_request_id=…, overriding every other filter); never a confidential one."""
    return await pool.fetch(
        f"SELECT {_COLUMNS} WHERE c.tracking_number = ANY($1) AND NOT c.confidential ORDER BY c.received_at DESC",
        tracking_numbers[:MAX_REQUESTS],
    )


async def search(
    pool: asyncpg.Pool,
    *,
    start: datetime,
    end: datetime,
    service_codes: list[str] | None,
    closed: bool | None,
) -> list[asyncpg.Record]:
    """Requests received in [start, end], newest first, at most MAX_REQUESTS; never a confidential one.
    A request's service code is the client's, else routing's urusan, else `lainnya`."""
    return await pool.fetch(
        f"""SELECT {_COLUMNS}
            WHERE NOT c.confidential AND c.received_at >= $1 AND c.received_at <= $2
              AND ($3::text[] IS NULL OR COALESCE(p.service_code, p.urusan, 'lainnya') = ANY($3))
              AND ($4::boolean IS NULL OR (c.stage = 'closed') = $4)
            ORDER BY c.received_at DESC LIMIT {MAX_REQUESTS}""",
        start,
        end,
        service_codes,
        closed,
    )


async def one(pool: asyncpg.Pool, tracking_number: str) -> asyncpg.Record | None:
    """One request, confidential or not (the caller decides who may see it)."""
    return await pool.fetchrow(f"SELECT {_COLUMNS} WHERE c.tracking_number = $1", tracking_number)


async def tracking_number_of(pool: asyncpg.Pool, complaint_id: uuid.UUID) -> str | None:
    return await pool.fetchval("SELECT tracking_number FROM intake.complaints WHERE complaint_id = $1", complaint_id)
