"""A run's own database: created empty next to the given one, reachable at the URL returned, dropped after."""

from __future__ import annotations

import asyncpg
import pytest

from aduan import scratch_db
from aduan.stack import Infra


async def _exists(url: str, name: str) -> bool:
    conn = await asyncpg.connect(url)
    try:
        return bool(await conn.fetchval("SELECT count(*) FROM pg_database WHERE datname = $1", name))
    finally:
        await conn.close()


async def test_a_scratch_database_is_new_empty_and_gone_afterwards(infra: Infra) -> None:
    async with scratch_db.scratch_database(infra.database_url, "aduan_scratch_test") as url:
        assert url != infra.database_url
        name = url.rpartition("/")[2]
        assert name.startswith("aduan_scratch_test_")
        assert await _exists(infra.database_url, name)
        conn = await asyncpg.connect(url)
        try:
            assert await conn.fetchval("SELECT current_database()") == name
            tables = await conn.fetchval(
                "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
            )
            assert tables == 0
        finally:
            await conn.close()  # the drop would end it anyway (WITH FORCE); a test should not rely on that
    assert not await _exists(infra.database_url, name)


async def test_a_scratch_database_is_dropped_with_its_connections_still_open(infra: Infra) -> None:
    scratch = await scratch_db.create(infra.database_url, "aduan_scratch_test")
    assert scratch is not None
    left_open = await asyncpg.connect(scratch)
    await scratch_db.drop(infra.database_url, scratch)
    assert not await _exists(infra.database_url, scratch.rpartition("/")[2])
    with pytest.raises((asyncpg.PostgresError, OSError, asyncpg.InterfaceError)):
        await left_open.fetchval("SELECT 1")
    await left_open.close()
