"""PostgreSQL plumbing: one asyncpg pool per service, and per-service SQL migrations at start-up.

Each service owns one schema (DESIGN.md §1) and keeps its migrations in `services/<name>/migrations/`
as `NNNN_description.sql`. They are applied in order, once, under an advisory lock so that several
replicas starting together do not race.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeAlias

import asyncpg

from shared.idempotency import PROCESSED_EVENTS_DDL
from shared.logging import get_logger

log = get_logger(__name__)

# One connection: asyncpg.connect()'s own, or one a pool lends (`pool.acquire()`), a proxy and no subclass of it
Connection: TypeAlias = asyncpg.Connection | asyncpg.pool.PoolConnectionProxy

_may_hold_locks: set[int] = set()  # server pids of this process's connections inside a `session_lock` block


@contextmanager
def session_lock(conn: Connection) -> Iterator[None]:
    """Around a block that takes a session advisory lock on `conn` and unlocks it itself: a block that
    ends before its unlock (an error, a cancellation) leaves the connection marked, and its pool's
    reset then runs pg_advisory_unlock_all() on it before anyone else may use it."""
    pid = conn.get_server_pid()
    _may_hold_locks.add(pid)
    yield
    _may_hold_locks.discard(pid)  # reached only when the block ended normally, after its unlock


async def _unlock_if_held(conn: asyncpg.Connection) -> None:
    """The pools' reset: one statement on a connection whose `session_lock` block did not get to its own
    unlock, and none otherwise. asyncpg has already rolled back an open transaction and dropped the
    listeners before it calls this."""
    pid = conn.get_server_pid()
    if pid in _may_hold_locks:
        await conn.execute("SELECT pg_advisory_unlock_all()")
        _may_hold_locks.discard(pid)


class Database:
    """A service's connection pool, created at start-up and shared by its handlers and stores.

    A released connection is not reset with asyncpg's default query (RESET ALL, CLOSE ALL, UNLISTEN *,
    pg_advisory_unlock_all(): one more round trip per use of the pool, 15 per complaint across the
    services, docs/BENCHMARKS.md). Every SET is `SET LOCAL` or undone by its own statement
    (migrations), and nothing LISTENs. Session advisory locks (the migrations', the forwarder's per
    complaint) are taken inside `session_lock`, so a connection released before its unlock is unlocked
    by the reset; the others cost nothing."""

    def __init__(self, url: str, *, min_size: int = 1, max_size: int = 5) -> None:
        self.url = url
        self._sizes = (min_size, max_size)
        self._pool: asyncpg.Pool | None = None

    async def connect(self) -> None:
        self._pool = await asyncpg.create_pool(
            self.url, min_size=self._sizes[0], max_size=self._sizes[1], command_timeout=30, reset=_unlock_if_held
        )

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("database not connected: the service has not started")
        return self._pool

    async def ping(self) -> bool:
        try:
            return await self.pool.fetchval("SELECT 1", timeout=2) == 1
        except Exception:
            return False

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None


def _lock_key(schema: str) -> int:
    return int.from_bytes(hashlib.sha256(f"aduan.migrations.{schema}".encode()).digest()[:8], "big", signed=True)


async def apply_migrations(pool: asyncpg.Pool, schema: str, directory: Path) -> list[str]:
    """Apply the not-yet-applied `*.sql` files of `directory` to `schema`; return the names applied."""
    files = sorted(directory.glob("*.sql"))
    if not files:
        raise RuntimeError(f"no migrations found in {directory}")
    applied: list[str] = []
    async with pool.acquire() as conn:
        with session_lock(conn):
            await conn.execute("SELECT pg_advisory_lock($1)", _lock_key(schema))
            try:
                await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
                await conn.execute(
                    f'CREATE TABLE IF NOT EXISTS "{schema}".schema_migrations ('
                    " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
                )
                # Every schema keeps the ids of the events its handlers processed (shared/idempotency.py).
                await conn.execute(f'SET search_path TO "{schema}"; {PROCESSED_EVENTS_DDL}; RESET search_path')
                done = {r["name"] for r in await conn.fetch(f'SELECT name FROM "{schema}".schema_migrations')}
                for file in files:
                    if file.name in done:
                        continue
                    async with conn.transaction():
                        await conn.execute(f'SET LOCAL search_path TO "{schema}"')
                        await conn.execute(file.read_text())
                        await conn.execute(f'INSERT INTO "{schema}".schema_migrations (name) VALUES ($1)', file.name)
                    applied.append(file.name)
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", _lock_key(schema))
    if applied:
        log.info("migrations applied", schema=schema, migrations=applied)
    return applied
