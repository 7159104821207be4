"""The LAPOR! lifecycle the simulator plays, on a clock that may run faster than real time.

What LAPOR! does with a report (../shared/domain/sla-sources.md §1.2–1.4): the admin verifies it
after a while and disposes it to the agency; the agency follows it up, or answers "bukan wewenang"
(not our authority), after which the report waits to be disposed again; a followed-up report closes
by itself 10 working days later unless the reporter responds, and a response reopens it for another
follow-up. Delays are in simulated seconds; `time_scale` simulated seconds pass per real second
(ADUAN_SIM_TIME_SCALE), so a test sees weeks of LAPOR! in seconds. Working days skip weekends and
Indonesian public holidays and cuti bersama (the `holidays` package).
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from pydantic import BaseModel, ConfigDict, Field

WIB = ZoneInfo("Asia/Jakarta")  # Lampung


class LifecycleConfig(BaseModel):
    """How LAPOR!'s people behave in the simulator. `auto=False`: nothing moves unless a test says so."""

    model_config = ConfigDict(extra="forbid")

    auto: bool = True
    time_scale: float = Field(1.0, gt=0)
    verify_after_s: float = Field(4 * 3600.0, ge=0)  # admin verification (LAPOR!: within 3 working days)
    dispose_after_s: float = Field(0.0, ge=0)  # the admin's disposition after verifying
    follow_up_after_s: float = Field(2 * 86400.0, ge=0)  # the agency's answer (LAPOR!: within 5 working days)
    not_our_authority_rate: float = Field(0.0, ge=0, le=1)  # share of dispositions answered "bukan wewenang"
    auto_close_working_days: int = Field(10, ge=0)

    @classmethod
    def from_env(cls) -> LifecycleConfig:
        """ADUAN_SIM_TIME_SCALE, ADUAN_SIM_LIFECYCLE ("verify_after_s=60,not_our_authority_rate=0.1", "auto=false")."""
        fields: dict[str, str] = dict(_pairs(os.environ.get("ADUAN_SIM_LIFECYCLE", "")))
        if scale := os.environ.get("ADUAN_SIM_TIME_SCALE"):
            fields["time_scale"] = scale
        return cls.model_validate(fields)


def _pairs(spec: str) -> list[tuple[str, str]]:
    """ "a=1,b=2" → [("a", "1"), ("b", "2")]; a ValueError names a malformed item."""
    pairs = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"not name=value: {item!r}")
        pairs.append((name.strip(), value.strip()))
    return pairs


@lru_cache(maxsize=16)
def _days_off(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("ID", years=year, categories=("public", "government")))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _days_off(day.year)


def add_working_days(at: datetime, days: int) -> datetime:
    """The same local time `days` working days after `at` (Lampung's calendar)."""
    local = at.astimezone(WIB)
    day = local.date()
    left = days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return datetime.combine(day, local.timetz()).astimezone(UTC)


class Clock:
    """Simulated time: starts at real time, runs `scale` times as fast."""

    def __init__(self, scale: float, start: datetime | None = None) -> None:
        self.scale = scale
        self._real0 = start or datetime.now(UTC)

    def sim(self, real: datetime) -> datetime:
        return self._real0 + (real - self._real0) * self.scale

    def real(self, sim: datetime) -> datetime:
        return self._real0 + (sim - self._real0) / self.scale

    def real_after(self, real: datetime, sim_seconds: float) -> datetime:
        """The real moment `sim_seconds` of simulated time after the real moment `real`."""
        return real + timedelta(seconds=sim_seconds / self.scale)

    def real_after_working_days(self, real: datetime, days: int) -> datetime:
        return self.real(add_working_days(self.sim(real), days))
