"""The citizen's lookup of a tracking number as typed or read out: forgiving, with "did you mean"."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from services.intake import store, tracking
from shared.events import RejectReason


@dataclass(frozen=True)
class Found:
    """The complaint's row, or none and the existing numbers one slip away from what was typed."""

    row: asyncpg.Record | None
    did_you_mean: tuple[str, ...] = ()

    def reasons(self) -> list[RejectReason]:
        """The suggestions as problem+json errors (Indonesian: the citizen reads them)."""
        return [
            RejectReason(code="did_you_mean", field="tracking_number", message=f"Maksud Anda {number}?")
            for number in self.did_you_mean
        ]


async def find_complaint(pool: asyncpg.Pool, text: str, *, prefix: str) -> Found:
    reading = tracking.read(text, prefix=prefix)
    row = await store.find_by_tracking_number(pool, reading.lookup_key)
    if row is not None or not reading.suggestions:
        return Found(row)
    # Only numbers that exist are offered; 55 bits leave guessing one hopeless even with the hints.
    return Found(None, tuple(await store.existing_tracking_numbers(pool, reading.suggestions)))
