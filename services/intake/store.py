"""intake's repository: its own schema only."""

from __future__ import annotations

import json
import uuid

import asyncpg

from services.intake import tracking
from shared.db import Connection
from shared.events import Complaint, Rejection
from shared.logging import get_logger

log = get_logger(__name__)
SCHEMA = "intake"


async def record_accepted(conn: Connection, complaint: Complaint, correlation_id: str) -> Complaint | None:
    """Remember the complaint; None when this channel message was accepted before.

    Should another complaint hold its tracking number already, the complaint takes the next, longer
    number derived from its id (tracking.numbers) instead of being dropped, and is returned with it.
    """
    prefix = tracking.prefix_of(complaint.tracking_number)
    for number in tracking.numbers(complaint.complaint_id, prefix=prefix):
        # ON CONFLICT without a target: no unique key can abort the caller's (the batch's) transaction,
        # so no savepoint is needed; which key it was is asked only when the insert did nothing
        inserted = await conn.fetchval(
            """INSERT INTO intake.complaints
                   (complaint_id, tracking_number, channel, channel_message_id, received_at, correlation_id,
                    anonymous, confidential)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
               ON CONFLICT DO NOTHING RETURNING 1""",
            complaint.complaint_id,
            number,
            complaint.channel.value,
            complaint.channel_message_id,
            complaint.received_at,
            correlation_id,
            complaint.anonymous,
            complaint.confidential,
        )
        if inserted is not None:
            return (
                complaint
                if number == complaint.tracking_number
                else complaint.model_copy(update={"tracking_number": number})
            )
        known = await conn.fetchval(
            """SELECT EXISTS (SELECT 1 FROM intake.complaints
                              WHERE complaint_id = $1 OR (channel = $2 AND channel_message_id = $3))""",
            complaint.complaint_id,
            complaint.channel.value,
            complaint.channel_message_id,
        )
        if known:
            return None  # this channel message, or this complaint under another channel key, came before
        log.error("tracking number held by another complaint; taking a longer one", taken=number)
    raise RuntimeError(f"every tracking number of complaint {complaint.complaint_id} is taken")


async def record_rejected(
    conn: Connection, event_id: object, rejection: Rejection, unmasked_raw: object = None
) -> None:
    """The rejection, with the unmasked message for support (purged by `purge_expired`)."""
    await conn.execute(
        """INSERT INTO intake.rejections (event_id, channel, channel_message_id, reason_codes, raw)
           VALUES ($1, $2, $3, $4, $5::jsonb) ON CONFLICT DO NOTHING""",
        event_id,
        rejection.channel,
        rejection.channel_message_id,
        [r.code for r in rejection.reasons],
        json.dumps(unmasked_raw, ensure_ascii=False, default=str) if unmasked_raw is not None else None,
    )


async def record_reporter(conn: Connection, complaint: Complaint, new_handle: str) -> str:
    """Keep the reporter's identity and the original text; the reply handle (the first one minted wins,
    so a redelivery publishes the same handle). One statement, unless the row is a concurrent
    transaction's that committed meanwhile (the statement's snapshot predates it): then a second one."""
    reporter = complaint.reporter
    handle = await conn.fetchval(
        """WITH minted AS (
               INSERT INTO intake.reporters
                   (complaint_id, reply_handle, name, phone, email, original_title, original_body)
               VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (complaint_id) DO NOTHING
               RETURNING reply_handle)
           SELECT reply_handle FROM minted
           UNION ALL
           SELECT reply_handle FROM intake.reporters WHERE complaint_id = $1""",
        complaint.complaint_id,
        new_handle,
        reporter.name if reporter else None,
        reporter.phone if reporter else None,
        reporter.email if reporter else None,
        complaint.original_title,
        complaint.original_body,
    )
    if handle is None:
        handle = await conn.fetchval(
            "SELECT reply_handle FROM intake.reporters WHERE complaint_id = $1", complaint.complaint_id
        )
    return handle


async def contact_of(pool: asyncpg.Pool | Connection, reply_handle: str) -> asyncpg.Record | None:
    """Who a reply handle addresses (for intake's own outbound replies)."""
    return await pool.fetchrow(
        "SELECT complaint_id, name, phone, email FROM intake.reporters WHERE reply_handle = $1", reply_handle
    )


async def record_mail_thread(
    conn: Connection, message_id: str, *, complaint_id: uuid.UUID, tracking_number: str
) -> None:
    """Remember the Message-ID of an e-mail sent to a reporter: replies naming it join the complaint."""
    await conn.execute(
        """INSERT INTO intake.mail_threads (message_id, complaint_id, tracking_number) VALUES ($1, $2, $3)
           ON CONFLICT (message_id) DO NOTHING""",
        message_id,
        complaint_id,
        tracking_number,
    )


async def claim_idempotency_key(pool: asyncpg.Pool, key: str, digest: str) -> bool:
    """True when `key` is new or was used with the same request; False when it came with another body."""
    stored = await pool.fetchval(
        """INSERT INTO intake.idempotency_keys (idempotency_key, request_digest) VALUES ($1, $2)
           ON CONFLICT (idempotency_key) DO UPDATE SET idempotency_key = EXCLUDED.idempotency_key
           RETURNING request_digest""",
        key,
        digest,
    )
    return stored == digest


async def claim_token(pool: asyncpg.Pool, scope: str, token: str) -> bool:
    inserted = await pool.fetchval(
        "INSERT INTO intake.webhook_tokens (scope, token) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING 1",
        scope,
        token,
    )
    return inserted is not None


async def release_token(pool: asyncpg.Pool, scope: str, token: str) -> None:
    await pool.execute("DELETE FROM intake.webhook_tokens WHERE scope = $1 AND token = $2", scope, token)


async def purge_expired(pool: asyncpg.Pool, *, rejected_raw_days: int, token_seconds: int) -> tuple[int, int]:
    """Drop unmasked rejected messages past their retention and one-use tokens past their window."""
    raw = await pool.execute(
        "UPDATE intake.rejections SET raw = NULL WHERE raw IS NOT NULL AND rejected_at < now() - make_interval("
        "days => $1)",
        rejected_raw_days,
    )
    tokens = await pool.execute(
        "DELETE FROM intake.webhook_tokens WHERE seen_at < now() - make_interval(secs => $1)", token_seconds
    )
    return int(raw.split()[-1]), int(tokens.split()[-1])


async def existing_tracking_numbers(pool: asyncpg.Pool, candidates: tuple[str, ...]) -> list[str]:
    """Which of these numbers belong to a complaint (for "did you mean")."""
    if not candidates:
        return []
    # a confidential complaint is never offered: its existence is for the bearer of its access token
    rows = await pool.fetch(
        "SELECT tracking_number FROM intake.complaints WHERE tracking_number = ANY($1) AND NOT confidential",
        list(candidates),
    )
    found = {r["tracking_number"] for r in rows}
    return [c for c in candidates if c in found]


async def find_by_tracking_number(pool: asyncpg.Pool, tracking_number: str) -> asyncpg.Record | None:
    return await pool.fetchrow(
        "SELECT k.complaint_id, k.tracking_number, k.channel, k.received_at, k.accepted_at, k.stage, k.agency_code,"
        " k.lapor_tracking_id, k.updated_at, k.confidential, o.tracking_number AS duplicate_of"
        " FROM intake.complaints k LEFT JOIN intake.complaints o ON o.complaint_id = k.duplicate_of"
        " WHERE k.tracking_number = $1",
        tracking_number,
    )


async def record_progress(
    conn: asyncpg.Pool | Connection,
    complaint_id: uuid.UUID,
    stage: str,
    rank: int,
    *,
    agency_code: str | None = None,
    lapor_tracking_id: str | None = None,
) -> bool:
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
        complaint_id,
        stage,
        rank,
        agency_code,
        lapor_tracking_id,
    )
    return status != "UPDATE 0"


async def record_outbound(
    conn: Connection,
    *,
    event_id: uuid.UUID,
    tracking_number: str,
    kind: str,
    channel: str,
    via: str | None,
    outcome: str,
) -> None:
    """What became of one message for a citizen (intake.outbound, services/intake/outbound.py)."""
    await conn.execute(
        """INSERT INTO intake.outbound (event_id, tracking_number, kind, channel, via, outcome)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (event_id) DO NOTHING""",
        event_id,
        tracking_number,
        kind,
        channel,
        via,
        outcome,
    )
