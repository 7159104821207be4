"""One consumed batch as one unit of work: one transaction for every idempotency claim of the batch,
every publish enqueued without waiting for its own acknowledgement, and at the end, in this order:
await every acknowledgement, COMMIT, and only then may the batch's offsets be committed
(shared/kafka.py `subscribe`).

Why it keeps DESIGN.md §6: a claim commits only after the events its handler published are durable
in Kafka, and the offsets only after the claim. Any failure (a handler, an acknowledgement, the
COMMIT) rolls the whole batch back and the batch is redelivered; the handlers then find no claim and
do their work again, publishing the very same event ids, which consumers dedupe.

The unit lives in a context variable for the batch's duration, so `shared.idempotency.once` and
`shared.kafka.Publisher` find it without being handed it. Handlers of one batch run concurrently:
their claimed blocks take turns on the one connection (a lock), each in a savepoint of its own, so a
block that fails takes back only its own writes; the savepoint and the claim are one round trip. A
handler that does slow I/O inside its claim (a call to another system) must not hold the batch's
connection meanwhile: its subscription runs without a unit (`Service.subscribe(..., unit_of_work=False)`),
as before. Writes that need no claim join the batch through `writes(pool)`.

The connection is taken from the pool on the first claim only: a batch whose handlers claim nothing
(the forwarder's, which lock per complaint on connections of their own) holds none. Within one
process, one batch transaction per pool is open at a time (a batch waits for its turn at its first
claim): two subscribers' batches upserting the same complaints' rows in different orders would
otherwise deadlock in PostgreSQL (the notifier's four subscriptions did, tens of times per 2,000
complaints). Across replicas a deadlock is still possible; PostgreSQL breaks it, the batch is rolled
back and redelivered.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar

import asyncpg

_current: ContextVar[BatchUnit | None] = ContextVar("aduan_batch_unit", default=None)
_turns: dict[int, asyncio.Lock] = {}  # id(pool) → whose batch transaction is open


def _turn(pool: asyncpg.Pool) -> asyncio.Lock:
    return _turns.setdefault(id(pool), asyncio.Lock())


def current() -> BatchUnit | None:
    """The unit of the batch being handled, while it still takes work; None outside a batch."""
    unit = _current.get()
    return unit if unit is not None and unit.open else None


class BatchUnit:
    def __init__(self) -> None:
        self.open = True
        self._lock = asyncio.Lock()
        self._pool: asyncpg.Pool | None = None
        self._conn: asyncpg.pool.PoolConnectionProxy | None = None
        self._tx: asyncpg.transaction.Transaction | None = None
        self._acks: list[Awaitable[object]] = []
        self._send_now: dict[int, Callable[[], None]] = {}
        self._turn: asyncio.Lock | None = None
        self.claims = 0
        self._failed_write: BaseException | None = None

    def track(self, ack: Awaitable[object]) -> None:
        """An acknowledgement to await before the batch commits."""
        self._acks.append(ack)

    def send_now_at_end(self, producer: object, send_now: Callable[[], None]) -> None:
        """At the batch's end, before its acknowledgements are awaited, call `send_now` once for `producer`:
        what the producer still holds back for its linger then goes to the broker at once. The batch's
        handlers are done, so nothing more of it can join those records; waiting out the linger would
        only add to the batch's latency and to how long it holds its turn."""
        self._send_now.setdefault(id(producer), send_now)

    def _flush(self) -> None:
        senders, self._send_now = self._send_now, {}
        for send_now in senders.values():
            send_now()

    @asynccontextmanager
    async def claimed(
        self, pool: asyncpg.Pool, schema: str, handler: str, event_id: uuid.UUID
    ) -> AsyncIterator[asyncpg.pool.PoolConnectionProxy | None]:
        """`once(...)` inside a batch: the batch's connection in a savepoint, or None for a redelivery.

        The savepoint and the claim travel as one statement (one round trip), and a block that ends
        well leaves its savepoint open (released with the batch's COMMIT) rather than paying a second
        one; a block that raises is rolled back to its own savepoint."""
        from shared.idempotency import claim_statement  # idempotency.once delegates here: import at use

        async with self._lock:
            conn = await self._connection(pool)
            self.claims += 1
            savepoint = f"aduan_claim_{self.claims}"
            try:
                status = await conn.execute(f"SAVEPOINT {savepoint}; {claim_statement(schema, handler, event_id)}")
            except BaseException as exc:  # the transaction may be aborted with no savepoint to return to
                self._failed_write = self._failed_write or exc
                raise
            try:
                yield conn if status == "INSERT 0 1" else None
            except BaseException:
                await conn.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")
                raise

    @asynccontextmanager
    async def joined(self, pool: asyncpg.Pool) -> AsyncIterator[asyncpg.pool.PoolConnectionProxy]:
        """The batch's connection for writes that are idempotent by themselves (`writes(...)`): no claim and
        no savepoint; they commit with the batch. A failing one aborts the batch's transaction, so the
        whole batch is rolled back and redelivered, even when its handler catches the error (PostgreSQL
        would answer the COMMIT of an aborted transaction with a silent rollback)."""
        async with self._lock:
            conn = await self._connection(pool)
            try:
                yield conn
            except BaseException as exc:
                self._failed_write = self._failed_write or exc
                raise

    async def _connection(self, pool: asyncpg.Pool) -> asyncpg.pool.PoolConnectionProxy:
        if self._conn is None:
            turn = _turn(pool)
            await turn.acquire()
            try:
                conn = await pool.acquire()
                try:
                    tx = conn.transaction()
                    await tx.start()
                except BaseException:
                    await pool.release(conn)
                    raise
            except BaseException:
                turn.release()
                raise
            self._pool, self._conn, self._tx, self._turn = pool, conn, tx, turn
        elif pool is not self._pool:
            raise RuntimeError("one batch, one database: a unit of work spans a single pool")
        return self._conn

    async def commit(self) -> None:
        """Every acknowledgement, then COMMIT. Raises (and leaves the rollback to `rollback`) on any failure."""
        self.open = False
        self._flush()
        acks, self._acks = self._acks, []
        outcomes = await asyncio.gather(*acks, return_exceptions=True)
        failed = [o for o in outcomes if isinstance(o, BaseException)]
        if failed:
            raise failed[0]
        if self._failed_write is not None:
            raise RuntimeError("a write of the batch failed; the batch is rolled back") from self._failed_write
        if self._tx is not None:
            async with self._lock:
                await self._tx.commit()
                self._tx = None
        await self._release()

    async def rollback(self) -> None:
        self.open = False
        self._flush()
        acks, self._acks = self._acks, []
        await asyncio.gather(*acks, return_exceptions=True)  # nothing left dangling; outcomes do not matter now
        try:
            if self._tx is not None:
                async with self._lock:
                    await self._tx.rollback()
        finally:
            self._tx = None
            await self._release()

    async def _release(self) -> None:
        try:
            if self._conn is not None and self._pool is not None:
                conn, self._conn = self._conn, None
                await self._pool.release(conn)
        finally:
            if self._turn is not None:
                turn, self._turn = self._turn, None
                turn.release()


@asynccontextmanager
async def writes(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Pool | asyncpg.pool.PoolConnectionProxy]:
    """Where a write that needs no claim goes (an upsert or a keyed insert, the same however often it
    runs): inside a consumed batch, the batch's transaction, so it costs one round trip and commits
    with the batch; outside one, the pool (its own autocommit statement)."""
    unit = current()
    if unit is None:
        yield pool
        return
    async with unit.joined(pool) as conn:
        yield conn


@asynccontextmanager
async def batch_unit() -> AsyncIterator[BatchUnit]:
    """`async with batch_unit():` around handling one batch; leaving it normally commits (acks first),
    leaving it by an exception rolls back and re-raises."""
    unit = BatchUnit()
    token = _current.set(unit)
    try:
        try:
            yield unit
        except BaseException:
            await unit.rollback()
            raise
        try:
            await unit.commit()
        except BaseException:
            await unit.rollback()
            raise
    finally:
        _current.reset(token)
