"""Exactly-once effects on top of at-least-once delivery.

A handler claims the event's id in its own schema's `processed_events` table inside the same
transaction as its writes. A redelivered event finds its id already there and changes nothing;
a crash before commit leaves no claim behind, so the redelivery does the work again.

A claim is needed only while its event can still come again: `prune` drops the claims older than that
(shared/service.py runs it every `claims_prune_interval_s`, keeping claims as long as Kafka may still
deliver a record of the topics the service consumes), so the table and its index stay the size of a few
weeks of traffic rather than growing forever.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta

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


def claim_statement(schema: str, handler: str, event_id: uuid.UUID) -> str:
    """The claim of an event as one literal statement, sent together with the BEGIN or the savepoint
    before it (one round trip); its status is "INSERT 0 1" for the first claim, "INSERT 0 0" for a
    redelivery. The event id is a UUID (written back from its parsed form) and the handler a name
    from the code, its quotes doubled."""
    event = uuid.UUID(str(event_id))
    name = handler.replace("'", "''")
    return (
        f'INSERT INTO "{schema}".processed_events (event_id, handler)'
        f" VALUES ('{event}'::uuid, '{name}') ON CONFLICT DO NOTHING"
    )


@asynccontextmanager
async def once(
    pool: asyncpg.Pool, schema: str, handler: str, event_id: uuid.UUID
) -> AsyncIterator[asyncpg.pool.PoolConnectionProxy | None]:
    """`async with once(...) as conn:` yields a connection in an open transaction, or None if the
    event was processed before. Everything the block writes commits together with the claim.

    Inside a consumed batch (shared/unit_of_work.py) that transaction is the batch's: the claim and
    the block's writes commit with the whole batch, after the acknowledgements of what it published."""
    unit = unit_of_work.current()
    if unit is not None:
        async with unit.claimed(pool, schema, handler, event_id) as conn:
            yield conn
        return
    async with pool.acquire() as conn:
        # BEGIN and the claim in one round trip; asyncpg refuses a `conn.transaction()` inside the block
        # ("cannot use Connection.transaction() in a manually started transaction")
        try:
            status = await conn.execute(f"BEGIN; {claim_statement(schema, handler, event_id)}")
        except BaseException:
            if conn.is_in_transaction():
                await conn.execute("ROLLBACK")
            raise
        try:
            yield conn if status == "INSERT 0 1" else None
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
        # a statement of the block failed and the block caught it: PostgreSQL answers COMMIT with ROLLBACK
        if await conn.execute("COMMIT") != "COMMIT":
            raise RuntimeError("a write of the claimed block failed; its transaction was rolled back")


async def prune(pool: asyncpg.Pool, schema: str, *, older_than: timedelta, batch: int = 5_000) -> int:
    """Delete the claims of `schema` made more than `older_than` ago, `batch` rows per statement (each its
    own short transaction, so no long lock and no huge WAL burst); return how many went. Replicas may prune
    at once: each skips the rows another one is deleting."""
    total = 0
    while True:
        status = await pool.execute(
            f"""DELETE FROM "{schema}".processed_events WHERE ctid = ANY(ARRAY(
                    SELECT ctid FROM "{schema}".processed_events
                    WHERE processed_at < now() - $1::interval
                    LIMIT $2 FOR UPDATE SKIP LOCKED))""",
            older_than,
            batch,
        )
        deleted = int(status.split()[-1])
        total += deleted
        if deleted < batch:
            return total
