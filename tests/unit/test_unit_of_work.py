"""A consumed batch as one unit of work (shared/unit_of_work.py), on an in-memory fake of asyncpg:
the order (acknowledgements, then COMMIT), the rollback on any failure, and what a redelivery sees."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

import pytest

from shared import unit_of_work
from shared.idempotency import once

SCHEMA = "svc"
CLAIM = re.compile(
    r"(?:SAVEPOINT (?P<name>\w+)|BEGIN); INSERT INTO \"svc\"\.processed_events \(event_id, handler\)"
    r" VALUES \('(?P<event>[0-9a-f-]{36})'::uuid, '(?P<handler>[^']*)'\) ON CONFLICT DO NOTHING"
)


class FakeDatabase:
    """Committed claims, and a log of what happened in which order."""

    def __init__(self) -> None:
        self.committed: set[tuple[uuid.UUID, str]] = set()
        self.log: list[str] = []
        self.acquired = 0
        self.released = 0


class FakeTransaction:
    """The batch's (or a lone claim's) transaction; savepoints are the unit's own statements."""

    def __init__(self, conn: FakeConnection) -> None:
        self.conn = conn

    async def start(self) -> None:
        self.conn.db.log.append("BEGIN")
        self.conn.pending = set()
        self.conn.in_transaction = True

    async def commit(self) -> None:
        self.conn.db.log.append("COMMIT")
        self.conn.db.committed |= self.conn.pending
        self.conn.in_transaction = False

    async def rollback(self) -> None:
        self.conn.db.log.append("ROLLBACK")
        self.conn.pending = set()
        self.conn.in_transaction = False

    async def __aenter__(self) -> FakeTransaction:
        await self.start()
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, *_: object) -> None:
        await (self.rollback() if exc_type else self.commit())


class FakeConnection:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db
        self.pending: set[tuple[uuid.UUID, str]] = set()
        self.savepoints: dict[str, frozenset[tuple[uuid.UUID, str]]] = {}
        self.in_transaction = False

    def transaction(self) -> FakeTransaction:
        return FakeTransaction(self)

    def is_in_transaction(self) -> bool:
        return self.in_transaction

    async def execute(self, sql: str) -> str:
        """What `once` and the batch unit send: a BEGIN or a named savepoint with the literal claim, the
        rollback to a savepoint, and a lone claim's COMMIT or ROLLBACK."""
        if sql.startswith("ROLLBACK TO SAVEPOINT "):
            name = sql.removeprefix("ROLLBACK TO SAVEPOINT ")
            self.db.log.append("ROLLBACK TO SAVEPOINT")
            self.pending = set(self.savepoints[name])
            return "ROLLBACK"
        if sql in ("COMMIT", "ROLLBACK"):
            await (FakeTransaction(self).commit() if sql == "COMMIT" else FakeTransaction(self).rollback())
            return sql
        found = CLAIM.fullmatch(sql)
        assert found is not None, sql
        if found["name"] is None:
            await FakeTransaction(self).start()
        else:
            self.db.log.append("SAVEPOINT")
            self.savepoints[found["name"]] = frozenset(self.pending)
        return "INSERT 0 1" if self._claim(uuid.UUID(found["event"]), found["handler"]) else "INSERT 0 0"

    def _claim(self, event_id: uuid.UUID, handler: str) -> bool:
        key = (event_id, handler)
        if key in self.db.committed or key in self.pending:
            return False
        self.pending.add(key)
        self.db.log.append(f"claim {handler}")
        return True


class FakePool:
    def __init__(self, db: FakeDatabase) -> None:
        self.db = db

    async def acquire(self) -> FakeConnection:
        self.db.acquired += 1
        return FakeConnection(self.db)

    async def release(self, conn: FakeConnection) -> None:
        self.db.released += 1


def ack(db: FakeDatabase, name: str, *, fails: bool = False) -> Any:
    async def wait() -> None:
        await asyncio.sleep(0.01)
        db.log.append(f"ack {name}")
        if fails:
            raise RuntimeError(f"{name} not acknowledged")

    return wait()


async def handler(pool: FakePool, name: str, event_id: uuid.UUID, *, fails: bool = False) -> bool:
    """What a service's handler does: claim, write, publish (an acknowledgement to await)."""
    async with once(pool, SCHEMA, name, event_id) as conn:  # type: ignore[arg-type]
        if conn is None:
            return False
        unit = unit_of_work.current()
        assert unit is not None
        unit.track(ack(pool.db, name))
        if fails:
            raise ValueError("handler failed")
        return True


async def test_a_batch_commits_once_after_every_acknowledgement() -> None:
    db = FakeDatabase()
    pool = FakePool(db)
    ids = [uuid.uuid4() for _ in range(3)]
    async with unit_of_work.batch_unit() as unit:
        done = await asyncio.gather(*(handler(pool, f"h{i}", e) for i, e in enumerate(ids)))
        assert db.committed == set()  # nothing durable before the end of the batch
    assert done == [True, True, True] and unit.claims == 3
    assert db.log[0] == "BEGIN" and db.log[-1] == "COMMIT" and db.log.count("BEGIN") == 1
    last_ack = max(i for i, entry in enumerate(db.log) if entry.startswith("ack"))
    assert last_ack < db.log.index("COMMIT")
    assert db.committed == {(e, f"h{i}") for i, e in enumerate(ids)}
    assert (db.acquired, db.released) == (1, 1)
    assert unit_of_work.current() is None


async def test_a_failed_acknowledgement_rolls_the_batch_back_and_the_redelivery_does_the_work_again() -> None:
    db = FakeDatabase()
    pool = FakePool(db)
    event = uuid.uuid4()
    with pytest.raises(RuntimeError, match="not acknowledged"):
        async with unit_of_work.batch_unit() as unit:
            assert await handler(pool, "h", event)
            unit.track(ack(db, "lost", fails=True))
    assert "COMMIT" not in db.log and db.log[-1] == "ROLLBACK" and db.committed == set()
    assert db.released == 1
    # redelivered: the claim was taken back with the batch, so the handler publishes again
    async with unit_of_work.batch_unit():
        assert await handler(pool, "h", event)
    assert db.committed == {(event, "h")}
    async with unit_of_work.batch_unit():
        assert not await handler(pool, "h", event)  # and once committed, a redelivery changes nothing


async def test_a_failing_handler_rolls_back_the_whole_batch() -> None:
    db = FakeDatabase()
    pool = FakePool(db)
    good, bad = uuid.uuid4(), uuid.uuid4()
    with pytest.raises(ValueError):
        async with unit_of_work.batch_unit():
            await handler(pool, "good", good)
            await handler(pool, "bad", bad, fails=True)
    assert "ROLLBACK TO SAVEPOINT" in db.log and db.log[-1] == "ROLLBACK"
    assert db.committed == set()


async def test_a_handler_that_catches_its_own_failure_loses_only_its_own_writes() -> None:
    db = FakeDatabase()
    pool = FakePool(db)
    good, bad = uuid.uuid4(), uuid.uuid4()
    async with unit_of_work.batch_unit():
        await handler(pool, "good", good)
        with pytest.raises(ValueError):
            await handler(pool, "bad", bad, fails=True)
    assert db.committed == {(good, "good")}


async def test_a_batch_that_claims_nothing_takes_no_connection_and_publishes_are_still_awaited() -> None:
    db = FakeDatabase()
    async with unit_of_work.batch_unit() as unit:
        unit.track(ack(db, "forwarded"))
    assert db.log == ["ack forwarded"] and db.acquired == 0


async def test_outside_a_batch_once_is_a_transaction_of_its_own() -> None:
    db = FakeDatabase()
    pool = _PoolWithContext(db)
    event = uuid.uuid4()
    assert unit_of_work.current() is None
    async with once(pool, SCHEMA, "h", event) as conn:  # type: ignore[arg-type]
        assert conn is not None
    assert db.log == ["BEGIN", "claim h", "COMMIT"] and db.committed == {(event, "h")}


async def test_work_left_after_the_batch_ended_does_not_join_it() -> None:
    async with unit_of_work.batch_unit() as unit:
        pass
    token = unit_of_work._current.set(unit)
    try:
        assert unit_of_work.current() is None  # a task that outlived its batch publishes on its own
    finally:
        unit_of_work._current.reset(token)


class _PoolWithContext(FakePool):
    """`pool.acquire()` as asyncpg's, usable with `async with`."""

    def acquire(self) -> Any:  # type: ignore[override]
        pool = self

        class Acquire:
            async def __aenter__(self) -> FakeConnection:
                pool.db.acquired += 1
                return FakeConnection(pool.db)

            async def __aexit__(self, *_: object) -> None:
                pool.db.released += 1

        return Acquire()


async def test_batches_on_one_pool_take_turns_so_they_cannot_deadlock_each_other() -> None:
    db = FakeDatabase()
    pool = FakePool(db)
    first_claimed = asyncio.Event()
    release_first = asyncio.Event()

    async def first() -> None:
        async with unit_of_work.batch_unit():
            await handler(pool, "a", uuid.uuid4())
            first_claimed.set()
            await release_first.wait()

    async def second() -> None:
        await first_claimed.wait()
        async with unit_of_work.batch_unit():
            await handler(pool, "b", uuid.uuid4())

    tasks = [asyncio.create_task(first()), asyncio.create_task(second())]
    await first_claimed.wait()
    await asyncio.sleep(0.05)
    assert db.log.count("BEGIN") == 1  # the second batch waits for the first to end
    release_first.set()
    await asyncio.gather(*tasks)
    assert db.log.count("BEGIN") == 2 and db.log.count("COMMIT") == 2
    assert db.log.index("COMMIT") < db.log.index("BEGIN", 1)


async def test_a_failed_write_outside_a_claim_rolls_the_batch_back_even_when_its_handler_catches_it() -> None:
    db = FakeDatabase()
    pool = FakePool(db)
    kept = uuid.uuid4()
    with pytest.raises(RuntimeError, match="a write of the batch failed"):
        async with unit_of_work.batch_unit():
            await handler(pool, "good", kept)
            with pytest.raises(ValueError):
                async with unit_of_work.writes(pool) as conn:  # type: ignore[arg-type]
                    assert conn is not pool
                    raise ValueError("the upsert failed")
    assert db.log[-1] == "ROLLBACK" and db.committed == set()


async def test_outside_a_batch_writes_go_to_the_pool() -> None:
    pool = FakePool(FakeDatabase())
    async with unit_of_work.writes(pool) as conn:  # type: ignore[arg-type]
        assert conn is pool


async def test_the_batch_sends_what_its_producers_hold_back_once_each_before_awaiting_its_acknowledgements() -> None:
    db = FakeDatabase()
    pool = FakePool(db)
    first, second = object(), object()
    async with unit_of_work.batch_unit() as unit:
        await handler(pool, "h", uuid.uuid4())
        for producer, name in ((first, "first"), (second, "second"), (first, "first again")):
            unit.send_now_at_end(producer, lambda name=name: db.log.append(f"send {name}"))  # type: ignore[misc]
        assert not any(entry.startswith("send") for entry in db.log)  # only once the handlers are done
    assert db.log.count("send first") == 1 and "send second" in db.log and "send first again" not in db.log
    assert db.log.index("send second") < db.log.index("ack h") < db.log.index("COMMIT")


async def test_a_failed_batch_still_sends_what_its_producers_hold_back() -> None:
    db = FakeDatabase()
    with pytest.raises(ValueError):
        async with unit_of_work.batch_unit() as unit:
            unit.send_now_at_end(object(), lambda: db.log.append("send"))
            raise ValueError("a handler failed")
    assert db.log == ["send"]  # the acknowledgements it waits for come sooner, whatever their outcome
