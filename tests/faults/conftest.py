"""Fixtures the fault tests share."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest

from tests.faults.harness import Tally


@pytest.fixture
async def tally(database_url: str) -> AsyncIterator[Tally]:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=3)
    try:
        yield Tally(pool)
    finally:
        await pool.close()
