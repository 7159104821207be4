"""routing's repository: its own schema only."""

from __future__ import annotations

import json
import uuid

import asyncpg

from shared.db import Connection
from shared.events import Complaint, RoutingDecision

SCHEMA = "routing"


async def record_decision(
    conn: Connection,
    event_id: uuid.UUID,
    complaint: Complaint,
    decision: RoutingDecision,
    outcome: str,
    correlation_id: str,
    *,
    routed_event_id: uuid.UUID | None = None,
    reroute_of: uuid.UUID | None = None,
) -> bool:
    """False when this event's decision was recorded before."""
    inserted = await conn.fetchval(
        """INSERT INTO routing.decisions (event_id, complaint_id, tracking_number, level, urusan, region_code,
                                          agency_code, confidence, reasons, outcome, complaint, correlation_id,
                                          place, rule_version, excluded_agencies, routed_event_id, reroute_of)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
           ON CONFLICT DO NOTHING RETURNING 1""",
        event_id,
        complaint.complaint_id,
        complaint.tracking_number,
        decision.level.value,
        decision.urusan,
        decision.region_code,
        decision.agency_code,
        decision.confidence,
        json.dumps(list(decision.reasons)),
        outcome,
        complaint.model_dump_json(),
        correlation_id,
        decision.place.model_dump_json() if decision.place else None,
        decision.rule_version,
        json.dumps(list(decision.excluded_agencies)),
        routed_event_id,
        reroute_of,
    )
    return inserted is not None


async def awaiting_triage(pool: asyncpg.Pool, tracking_number: str) -> asyncpg.Record | None:
    """The complaint's latest decision if that decision sent it to triage."""
    row = await pool.fetchrow(
        "SELECT * FROM routing.decisions WHERE tracking_number = $1 ORDER BY decided_at DESC LIMIT 1",
        tracking_number,
    )
    return row if row is not None and row["outcome"] == "triage" else None


async def latest_decision(conn: Connection, tracking_number: str) -> asyncpg.Record | None:
    """The complaint's latest decision (locked for this transaction, so two answers re-route one after the other)."""
    return await conn.fetchrow(
        "SELECT * FROM routing.decisions WHERE tracking_number = $1 ORDER BY decided_at DESC LIMIT 1 FOR UPDATE",
        tracking_number,
    )


async def last_routed_event(pool: asyncpg.Pool, tracking_number: str) -> uuid.UUID | None:
    """The complaints.routed event of the complaint's latest routed decision, if it was ever routed."""
    return await pool.fetchval(
        "SELECT routed_event_id FROM routing.decisions WHERE tracking_number = $1 AND outcome = 'routed'"
        " ORDER BY decided_at DESC LIMIT 1",
        tracking_number,
    )


async def decisions_for(pool: asyncpg.Pool, tracking_number: str) -> list[asyncpg.Record]:
    return await pool.fetch(
        "SELECT level, urusan, region_code, agency_code, confidence, reasons, outcome, decided_at, place,"
        " rule_version, excluded_agencies, routed_event_id, reroute_of"
        " FROM routing.decisions WHERE tracking_number = $1 ORDER BY decided_at",
        tracking_number,
    )
