"""Session advisory locks on pooled connections (shared/db.py `session_lock`), on the real PostgreSQL:
the pools skip asyncpg's reset query, so a lock must not outlive a block that failed before its
unlock, and a block that unlocked itself costs no extra statement on release."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from shared.db import Database, session_lock

pytestmark = pytest.mark.integration
KEY = 7_240_001  # an advisory lock key no service uses


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url, min_size=1, max_size=1)  # one connection: each acquire is the same one
    await database.connect()
    yield database
    await database.close()


async def _free_elsewhere(database_url: str) -> bool:
    """Whether another session can take the lock now (and gives it back at once)."""
    other = await asyncpg.connect(database_url)
    try:
        taken = await other.fetchval("SELECT pg_try_advisory_lock($1)", KEY)
        if taken:
            await other.execute("SELECT pg_advisory_unlock($1)", KEY)
        return bool(taken)
    finally:
        await other.close()


async def _locks_held(conn: asyncpg.pool.PoolConnectionProxy) -> int:
    return await conn.fetchval(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND objid = $1", KEY
    )


async def test_a_block_that_fails_before_its_unlock_leaves_no_lock_on_the_released_connection(
    db: Database, database_url: str
) -> None:
    with pytest.raises(RuntimeError, match="before the unlock"):
        async with db.pool.acquire() as conn:
            with session_lock(conn):
                await conn.execute("SELECT pg_advisory_lock($1)", KEY)
                assert not await _free_elsewhere(database_url)
                raise RuntimeError("failed before the unlock")
    assert await _free_elsewhere(database_url)
    async with db.pool.acquire() as conn:  # the same pooled connection, handed out again
        assert await _locks_held(conn) == 0


async def test_a_lock_taken_outside_a_session_lock_block_would_survive_its_release(
    db: Database, database_url: str
) -> None:
    """Why the block is needed: the pool does not reset what it was not told of."""
    async with db.pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", KEY)
    try:
        assert not await _free_elsewhere(database_url)
    finally:
        async with db.pool.acquire() as conn:
            await conn.execute("SELECT pg_advisory_unlock_all()")


async def test_a_block_that_unlocks_itself_runs_nothing_more_on_release(db: Database, database_url: str) -> None:
    async with db.pool.acquire() as conn:
        pid = conn.get_server_pid()
        with session_lock(conn):
            await conn.execute("SELECT pg_advisory_lock($1)", KEY)
            await conn.execute("SELECT pg_advisory_unlock($1)", KEY)
    observer = await asyncpg.connect(database_url)
    try:
        # the released connection's last statement is still the block's own unlock, not a reset's
        last = await observer.fetchval("SELECT query FROM pg_stat_activity WHERE pid = $1", pid)
    finally:
        await observer.close()
    assert last == "SELECT pg_advisory_unlock($1)"
    assert await _free_elsewhere(database_url)
