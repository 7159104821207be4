"""A delivery round ends only when every message it leased has settled, and a message whose lease ran out while
it waited for a sending slot is left to the next lease instead of being sent late (two senders, one message)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest

from services.notifier import delivery, store
from services.notifier.delivery import Deliverer
from services.notifier.settings import NotifierSettings
from shared.events import utcnow


class _Conn:
    def transaction(self) -> _Conn:
        return self

    async def __aenter__(self) -> _Conn:
        return self

    async def __aexit__(self, *exc: object) -> None:
        return None


class _Pool:
    def acquire(self) -> _Conn:
        return _Conn()


class _Db:
    pool = _Pool()


def _row(row_id: int, lease: datetime) -> dict[str, Any]:
    return {"id": row_id, "channel": "email", "attempts": 1, "next_attempt_at": lease}


@pytest.fixture
def deliverer(monkeypatch: pytest.MonkeyPatch) -> Deliverer:
    return Deliverer(_Db(), NotifierSettings(delivery_batch=10), "Asia/Jakarta")  # type: ignore[arg-type]


async def test_a_round_that_fails_on_one_message_waits_for_the_others_before_it_ends(
    deliverer: Deliverer, monkeypatch: pytest.MonkeyPatch
) -> None:
    leases: list[list[dict[str, Any]]] = []

    async def claim_batch(conn: Any, now: datetime, limit: int, lease_until: datetime) -> list[dict[str, Any]]:
        leases.append([_row(1, lease_until), _row(2, lease_until)])
        return leases[-1]

    finished: list[int] = []

    async def send(row: dict[str, Any]) -> None:
        if row["id"] == 1:
            raise RuntimeError("the database went away under this one")
        await asyncio.sleep(0.3)  # still being sent
        finished.append(row["id"])

    async def record(row_id: int) -> None:
        return None

    monkeypatch.setattr(store, "claim_batch", claim_batch)
    monkeypatch.setattr(deliverer.channels, "send", send)
    monkeypatch.setattr(deliverer._sent, "record", record)
    with pytest.raises(RuntimeError):
        await deliverer.deliver_once()
    assert finished == [2], "the round ended while a message of its lease was still being sent"
    assert len(leases) == 1


async def test_a_message_whose_lease_ran_out_before_its_slot_came_is_not_sent(
    deliverer: Deliverer, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[int] = []

    async def send(row: dict[str, Any]) -> None:
        sent.append(row["id"])

    monkeypatch.setattr(deliverer.channels, "send", send)
    monkeypatch.setattr(delivery.store, "mark_sent_many", _never)
    outcome = await deliverer._one(_row(7, utcnow() - timedelta(seconds=1)), utcnow())
    assert (outcome, sent) == (False, [])


async def _never(*args: object) -> None:
    raise AssertionError("nothing was sent, nothing is recorded")
