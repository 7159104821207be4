"""Exactly-once effects on top of at-least-once delivery.

A handler claims the event's id in its own schema's `processed_events` table inside the same
transaction as its writes. A redelivered event finds its id already there and changes nothing;
a crash before commit leaves no claim behind, so the redelivery does the work again.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from shared import unit_of_work

PROCESSED_EVENTS_DDL = """
CREATE TABLE IF NOT EXISTS processed_events (
    event_id     uuid        NOT NULL,
    handler      text        NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, handler)
);
"""


async def claim(conn: asyncpg.Connection, schema: str, handler: str, event_id: uuid.UUID) -> bool:
    """True when this transaction is the first to process the event; False for a redelivery."""
    row = await conn.fetchval(
        f'INSERT INTO "{schema}".processed_events (event_id, handler) VALUES ($1, $2)'
        " ON CONFLICT DO NOTHING RETURNING 1",
        event_id,
        handler,
    )
    return row is not None


def claim_statement(schema: str, handler: str, event_id: uuid.UUID) -> str:
    """`claim` as one literal statement, so that the batch unit sends it together with its savepoint
    (shared/unit_of_work.py); its status is "INSERT 0 1" for the first claim. The event id is a UUID
    (written back from its parsed form) and the handler a name from the code, its quotes doubled."""
    event = uuid.UUID(str(event_id))
    name = handler.replace("'", "''")
    return (
        f'INSERT INTO "{schema}".processed_events (event_id, handler)'
        f" VALUES ('{event}'::uuid, '{name}') ON CONFLICT DO NOTHING"
    )


@asynccontextmanager
async def once(
    pool: asyncpg.Pool, schema: str, handler: str, event_id: uuid.UUID
) -> AsyncIterator[asyncpg.Connection | None]:
    """`async with once(...) as conn:` yields a connection in an open transaction, or None if the
    event was processed before. Everything the block writes commits together with the claim.

    Inside a consumed batch (shared/unit_of_work.py) that transaction is the batch's: the claim and
    the block's writes commit with the whole batch, after the acknowledgements of what it published."""
    unit = unit_of_work.current()
    if unit is not None:
        async with unit.claimed(pool, schema, handler, event_id) as conn:
            yield conn
        return
    async with pool.acquire() as conn, conn.transaction():
        yield conn if await claim(conn, schema, handler, event_id) else None
