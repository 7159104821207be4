"""A sent message is recorded even when the database is away for a while: left leased, it would go out twice."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg
import pytest

from services.notifier import delivery, store
from services.notifier.delivery import SentRecorder


class _Db:
    pool: Any = object()


@pytest.mark.parametrize(
    "outage",
    [
        ConnectionRefusedError(),
        asyncpg.ConnectionDoesNotExistError(),
        asyncpg.CannotConnectNowError("the database system is shutting down"),
        # a pooled connection the stop left mid-operation (seen in the PostgreSQL fault test at scale)
        asyncpg.InternalClientError("cannot switch to state 12; another operation (2) is in progress"),
    ],
    ids=type,
)
async def test_a_sent_message_is_recorded_once_the_database_answers_again(
    monkeypatch: pytest.MonkeyPatch, outage: Exception
) -> None:
    calls: list[list[int]] = []

    async def mark_sent_many(pool: Any, row_ids: Sequence[int], at: datetime) -> None:
        calls.append(list(row_ids))
        if len(calls) <= 2:  # PostgreSQL stopped: twice no answer
            raise outage

    monkeypatch.setattr(store, "mark_sent_many", mark_sent_many)
    monkeypatch.setattr(delivery, "RECORD_RETRY_FIRST_S", 0.01)
    recorder = SentRecorder(_Db())  # type: ignore[arg-type]
    await asyncio.wait_for(asyncio.gather(recorder.record(1), recorder.record(2)), timeout=5)
    assert calls[-1] == [1, 2] and len(calls) == 3


async def test_a_record_that_cannot_be_written_for_another_reason_still_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    async def mark_sent_many(pool: Any, row_ids: Sequence[int], at: datetime) -> None:
        raise ValueError("a bug, not an outage")

    monkeypatch.setattr(store, "mark_sent_many", mark_sent_many)
    with pytest.raises(ValueError):
        await asyncio.wait_for(SentRecorder(_Db()).record(1), timeout=5)  # type: ignore[arg-type]
