"""intake's repository: its own schema only."""

from __future__ import annotations

import uuid

import asyncpg

from shared.events import Complaint, Rejection

SCHEMA = "intake"


async def record_accepted(conn: asyncpg.Connection, complaint: Complaint, correlation_id: str) -> bool:
    """Remember the complaint; False when this channel message was accepted before."""
    inserted = await conn.fetchval(
        """INSERT INTO intake.complaints
               (complaint_id, tracking_number, channel, channel_message_id, received_at, correlation_id)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING 1""",
        complaint.complaint_id, complaint.tracking_number, complaint.channel.value,
        complaint.channel_message_id, complaint.received_at, correlation_id,
    )
    return inserted is not None


async def record_rejected(conn: asyncpg.Connection, event_id: object, rejection: Rejection) -> None:
    await conn.execute(
        """INSERT INTO intake.rejections (event_id, channel, channel_message_id, reason_codes)
           VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING""",
        event_id, rejection.channel, rejection.channel_message_id, [r.code for r in rejection.reasons],
    )


async def find_by_tracking_number(pool: asyncpg.Pool, tracking_number: str) -> asyncpg.Record | None:
    return await pool.fetchrow(
        "SELECT complaint_id, tracking_number, channel, received_at, accepted_at, stage, agency_code,"
        " lapor_tracking_id, updated_at FROM intake.complaints WHERE tracking_number = $1",
        tracking_number,
    )


async def record_progress(conn: asyncpg.Pool | asyncpg.Connection, complaint_id: uuid.UUID, stage: str, rank: int, *,
                          agency_code: str | None = None, lapor_tracking_id: str | None = None) -> bool:
    """Move the complaint to `stage` unless it is already further; keep facts once known.
    False when intake does not know the complaint."""
    status = await conn.execute(
        """UPDATE intake.complaints SET
               stage = CASE WHEN $3 > stage_rank THEN $2 ELSE stage END,
               stage_rank = GREATEST(stage_rank, $3),
               agency_code = COALESCE($4, agency_code),
               lapor_tracking_id = COALESCE($5, lapor_tracking_id),
               updated_at = now()
           WHERE complaint_id = $1""",
        complaint_id, stage, rank, agency_code, lapor_tracking_id,
    )
    return status != "UPDATE 0"
