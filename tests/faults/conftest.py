"""Fixtures the fault tests share."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.faults.harness import Tally, open_tally


@pytest.fixture
async def tally(database_url: str) -> AsyncIterator[Tally]:
    async with open_tally(database_url) as counts:
        yield counts
