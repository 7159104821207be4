"""intake's repository: its own schema only."""

from __future__ import annotations

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
        "SELECT complaint_id, tracking_number, channel, received_at, accepted_at"
        " FROM intake.complaints WHERE tracking_number = $1",
        tracking_number,
    )
