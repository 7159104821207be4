"""The batch unit of work on the real PostgreSQL and Kafka: claims commit together, after the
acknowledgements of what was published; a failed batch leaves no claim and publishes again."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from shared import unit_of_work
from shared.db import Database
from shared.events import EventType, Rejection, new_envelope
from shared.idempotency import once
from shared.kafka import Publisher
from shared.topics import Topics
from tests.support import read_topic, schema_of_its_own

pytestmark = pytest.mark.integration
SCHEMA = "uow_test"


@pytest.fixture
async def db(database_url: str, tmp_path: Path) -> AsyncIterator[Database]:
    async with schema_of_its_own(
        database_url, SCHEMA, "CREATE TABLE notes (event_id uuid PRIMARY KEY, text text NOT NULL);", tmp_path
    ) as database:
        yield database


def _event(n: int) -> object:
    rejection = Rejection(channel="web", channel_message_id=f"m{n}", raw={}, reasons=())
    return new_envelope(EventType.REJECTED, rejection, producer="test", event_id=uuid.uuid5(uuid.NAMESPACE_URL, f"{n}"))


async def _handle(db: Database, publisher: Publisher, topic: str, event_id: uuid.UUID, n: int) -> bool:
    async with once(db.pool, SCHEMA, "h", event_id) as conn:
        if conn is None:
            return False
        await conn.execute(f"INSERT INTO {SCHEMA}.notes VALUES ($1, $2)", event_id, f"note {n}")
        await publisher.publish(topic, _event(n))  # type: ignore[arg-type]
        return True


async def _claimed(db: Database) -> int:
    return await db.pool.fetchval(f"SELECT count(*) FROM {SCHEMA}.processed_events")


async def test_claims_and_writes_commit_with_the_batch_after_the_acknowledgements(
    db: Database, infra: object, topics: Topics
) -> None:
    ids = [uuid.uuid4() for _ in range(20)]
    async with Publisher(infra.kafka, "uow-test") as publisher:  # type: ignore[attr-defined]
        async with unit_of_work.batch_unit() as unit:
            assert all(
                await asyncio.gather(*(_handle(db, publisher, topics.rejected, e, n) for n, e in enumerate(ids)))
            )
            assert await _claimed(db) == 0  # another connection sees nothing before the batch commits
        assert unit.claims == 20
        assert await _claimed(db) == 20
        assert await db.pool.fetchval(f"SELECT count(*) FROM {SCHEMA}.notes") == 20
        records = await read_topic(infra.kafka, topics.rejected, expect=20, settle=0.5)  # type: ignore[attr-defined]
        assert len(records) == 20


async def test_a_batch_does_not_wait_out_its_producers_linger(infra: object, topics: Topics) -> None:
    """What the batch published goes to the broker when its handlers are done, not when the producer's
    linger runs out: with a linger of 10 s, a batch of five publishes commits in a fraction of it. This
    also pins the aiokafka internals `send_lingering` reaches into (shared/kafka.py)."""
    async with Publisher(infra.kafka, "uow-test", linger_ms=10_000) as publisher:  # type: ignore[attr-defined]
        started = time.monotonic()
        async with unit_of_work.batch_unit():
            for n in range(5):
                await publisher.publish(topics.rejected, _event(1_000 + n))  # type: ignore[arg-type]
        took = time.monotonic() - started
    assert took < 5.0, f"the batch waited {took:.1f} s for the linger"
    records = await read_topic(infra.kafka, topics.rejected, expect=5, settle=0.5)  # type: ignore[attr-defined]
    assert len(records) == 5


async def test_a_failed_batch_leaves_no_claim_and_the_redelivery_publishes_again(
    db: Database, infra: object, topics: Topics
) -> None:
    event_id = uuid.uuid4()
    async with Publisher(infra.kafka, "uow-test") as publisher:  # type: ignore[attr-defined]
        with pytest.raises(RuntimeError):
            async with unit_of_work.batch_unit():
                assert await _handle(db, publisher, topics.rejected, event_id, 1)
                raise RuntimeError("a later record of the batch failed")
        assert await _claimed(db) == 0
        async with unit_of_work.batch_unit():
            assert await _handle(db, publisher, topics.rejected, event_id, 1)  # done again, published again
        async with unit_of_work.batch_unit():
            assert not await _handle(db, publisher, topics.rejected, event_id, 1)
    assert await _claimed(db) == 1
    records = await read_topic(infra.kafka, topics.rejected, expect=2, settle=0.5)  # type: ignore[attr-defined]
    assert len(records) == 2  # the same event id twice: consumers dedupe it


async def test_a_database_error_fails_the_batch(db: Database) -> None:
    with pytest.raises(asyncpg.UndefinedTableError):
        async with unit_of_work.batch_unit(), once(db.pool, SCHEMA, "h", uuid.uuid4()) as conn:
            assert conn is not None
            await conn.execute("INSERT INTO no_such_table VALUES (1)")
    assert await _claimed(db) == 0


async def test_a_block_that_fails_takes_back_only_its_own_claim_and_writes(db: Database) -> None:
    """The claim's savepoint on the real server: a handler that catches its own block's failure (here a
    database error, which aborts the transaction up to that savepoint) loses its writes and its claim;
    the blocks before and after it commit with the batch, and a claim repeated in the batch is refused."""
    first, failing, after = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    async def note(event_id: uuid.UUID, text: str) -> bool:
        async with once(db.pool, SCHEMA, "h", event_id) as conn:
            if conn is None:
                return False
            await conn.execute(f"INSERT INTO {SCHEMA}.notes VALUES ($1, $2)", event_id, text)
            return True

    async with unit_of_work.batch_unit():
        assert await note(first, "first")
        with pytest.raises(asyncpg.NotNullViolationError):
            await note(failing, None)  # type: ignore[arg-type]
        assert await note(after, "after")
        assert not await note(first, "again")
    assert await _claimed(db) == 2
    rows = await db.pool.fetch(f"SELECT event_id, text FROM {SCHEMA}.notes ORDER BY text")
    assert [(r["event_id"], r["text"]) for r in rows] == [(after, "after"), (first, "first")]
    assert await db.pool.fetchval(f"SELECT count(*) FROM {SCHEMA}.processed_events WHERE event_id = $1", failing) == 0


async def test_writes_join_the_batch_and_stand_alone_outside_one(db: Database) -> None:
    """`writes(pool)`: inside a batch the batch's connection (seen by nobody before the COMMIT and gone
    with a rollback), outside one the pool itself."""
    kept, dropped, alone = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with unit_of_work.batch_unit():
        async with unit_of_work.writes(db.pool) as conn:
            await conn.execute(f"INSERT INTO {SCHEMA}.notes VALUES ($1, 'kept')", kept)
        assert await db.pool.fetchval(f"SELECT count(*) FROM {SCHEMA}.notes") == 0
    with pytest.raises(RuntimeError):
        async with unit_of_work.batch_unit():
            async with unit_of_work.writes(db.pool) as conn:
                await conn.execute(f"INSERT INTO {SCHEMA}.notes VALUES ($1, 'dropped')", dropped)
            raise RuntimeError("the batch failed")
    async with unit_of_work.writes(db.pool) as conn:
        assert conn is db.pool
        await conn.execute(f"INSERT INTO {SCHEMA}.notes VALUES ($1, 'alone')", alone)
    rows = await db.pool.fetch(f"SELECT text FROM {SCHEMA}.notes ORDER BY text")
    assert [r["text"] for r in rows] == ["alone", "kept"]


async def test_outside_a_batch_a_claim_commits_with_its_writes_and_a_failed_block_leaves_neither(db: Database) -> None:
    done, failed = uuid.uuid4(), uuid.uuid4()
    async with once(db.pool, SCHEMA, "alone", done) as conn:
        assert conn is not None
        await conn.execute(f"INSERT INTO {SCHEMA}.notes VALUES ($1, 'done')", done)
    async with once(db.pool, SCHEMA, "alone", done) as conn:
        assert conn is None  # a redelivery
    with pytest.raises(ValueError):
        async with once(db.pool, SCHEMA, "alone", failed) as conn:
            assert conn is not None
            await conn.execute(f"INSERT INTO {SCHEMA}.notes VALUES ($1, 'failed')", failed)
            raise ValueError("the send failed")
    claimed = await db.pool.fetch(f"SELECT event_id FROM {SCHEMA}.processed_events WHERE handler = 'alone'")
    assert [r["event_id"] for r in claimed] == [done]
    assert [r["text"] for r in await db.pool.fetch(f"SELECT text FROM {SCHEMA}.notes")] == ["done"]


async def test_outside_a_batch_a_write_that_failed_inside_the_block_fails_the_claim_even_when_caught(
    db: Database,
) -> None:
    """PostgreSQL answers the COMMIT of an aborted transaction with a silent ROLLBACK: `once` raises."""
    event = uuid.uuid4()
    with pytest.raises(RuntimeError, match="rolled back"):
        async with once(db.pool, SCHEMA, "alone", event) as conn:
            assert conn is not None
            with pytest.raises(asyncpg.UniqueViolationError):
                await conn.execute(f"INSERT INTO {SCHEMA}.notes VALUES ($1, 'a'), ($1, 'b')", event)
    assert await db.pool.fetchval(f"SELECT count(*) FROM {SCHEMA}.processed_events WHERE event_id = $1", event) == 0
    # and the connection went back to the pool clean: the next claim works
    async with once(db.pool, SCHEMA, "alone", event) as conn:
        assert conn is not None


async def test_outside_a_batch_a_nested_transaction_in_the_block_is_refused(db: Database) -> None:
    with pytest.raises(asyncpg.InterfaceError, match="manually started transaction"):
        async with once(db.pool, SCHEMA, "alone", uuid.uuid4()) as conn:
            assert conn is not None
            async with conn.transaction():
                pass
