"""Indonesian working-day calendar for SLA clocks (DESIGN.md §5).

A working day is Monday–Friday in the configured timezone (Asia/Jakarta by default), minus the
national public holidays and, unless configured otherwise, minus cuti bersama. Both lists come
from the `holidays` package: category "public" holds the national holidays, category
"government" holds cuti bersama (domain/sla-sources.md, "Channels and packages:1").

Counting rules (shared by every method, so the numbers always agree with each other):

* A datetime is first converted to its *local date* in the calendar's timezone. A complaint sent
  at 2026-11-30 20:00 UTC arrived on Tuesday 2026-12-01 in Jakarta, and counts from there.
* The start date itself is never counted ("day 0"). The n-th working day is the n-th working
  day strictly after the start's local date. A start on a weekend or holiday therefore begins
  counting on the next working day, which is day 1: a report on Friday afternoon and one on
  Saturday both get Mon/Tue/Wed for a 3-working-day limit.
* A deadline ends at the *end* of its last day, 23:59:59.999999 local time, returned as an aware
  UTC datetime. Calendar-day clocks use the same rule with every day counted.
* Optional working hours (start, end): a deadline then ends at `end` local time on its last day, and
  a clock started at or after `end` on some day counts from the next day, as if it had arrived then.
* Extra holidays (regional days off from the policy file) are non-working days like national ones.

Holiday data is only as good as the installed `holidays` release: years past the latest SKB
decree have no cuti bersama and lunar holidays carry "(perkiraan)" (estimate) in their names.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

__all__ = ["WorkingCalendar"]

_ONE_DAY = timedelta(days=1)


class WorkingCalendar:
    """Working days in one timezone, with holiday sets loaded lazily and cached per year."""

    def __init__(
        self,
        timezone: str = "Asia/Jakarta",
        count_cuti_bersama: bool = True,
        *,
        language: str = "id",
        extra_holidays: Mapping[date, str] | None = None,
        working_hours: tuple[time, time] | None = None,
    ) -> None:
        self.timezone = timezone
        self.tz = ZoneInfo(timezone)
        self.count_cuti_bersama = count_cuti_bersama
        # "government" is where the package keeps cuti bersama; without it only national holidays.
        self.categories: tuple[str, ...] = ("public", "government") if count_cuti_bersama else ("public",)
        # Fixed language so holiday names do not depend on the host's LANG setting.
        self.language = language
        self._by_year: dict[int, dict[date, str]] = {}
        self.extra_holidays: dict[date, str] = dict(extra_holidays or {})
        if working_hours is not None and not working_hours[0] < working_hours[1]:
            raise ValueError(f"working hours must start before they end, got {working_hours}")
        self.working_hours = working_hours

    def __repr__(self) -> str:
        return f"WorkingCalendar(timezone={self.timezone!r}, count_cuti_bersama={self.count_cuti_bersama!r})"

    # -- holiday data -------------------------------------------------------------------------

    def _holidays(self, year: int) -> dict[date, str]:
        cached = self._by_year.get(year)
        if cached is None:
            source = holidays.country_holidays("ID", years=year, categories=self.categories, language=self.language)
            # Copy into a plain dict: holidays objects auto-expand on lookups of other years,
            # which would make the cache silently grow and mix years.
            cached = {d: str(name) for d, name in source.items() if d.year == year}
            cached.update({d: name for d, name in self.extra_holidays.items() if d.year == year})
            self._by_year[year] = cached
        return cached

    def holiday_name(self, d: date) -> str | None:
        """The holiday (or cuti bersama) name on `d`, or None. Weekends are not named."""
        if isinstance(d, datetime):
            d = self.local_date(d)
        return self._holidays(d.year).get(d)

    def is_working_day(self, d: date) -> bool:
        """Monday–Friday and not a holiday (nor cuti bersama when it counts)."""
        if isinstance(d, datetime):
            d = self.local_date(d)
        return d.weekday() < 5 and d not in self._holidays(d.year)

    # -- local time helpers -------------------------------------------------------------------

    def local_date(self, moment: datetime) -> date:
        """The calendar date of an aware datetime in this calendar's timezone."""
        _require_aware(moment)
        return moment.astimezone(self.tz).date()

    def end_of_day(self, d: date) -> datetime:
        """23:59:59.999999 local on `d` (the end of working hours when configured), as aware UTC."""
        end = self.working_hours[1] if self.working_hours is not None else time.max
        return datetime.combine(d, end, tzinfo=self.tz).astimezone(UTC)

    def counting_date(self, moment: datetime) -> date:
        """The local date a clock started at `moment` counts from: its local date, or the next day when
        working hours are configured and `moment` is at or after their end."""
        local = moment.astimezone(self.tz) if moment.tzinfo is not None else moment
        d = self.local_date(moment)
        if self.working_hours is not None and local.timetz().replace(tzinfo=None) >= self.working_hours[1]:
            d += _ONE_DAY
        return d

    # -- arithmetic ---------------------------------------------------------------------------

    def add_working_days(self, start: datetime, n: int) -> datetime:
        """End of the n-th working day after `start`'s local date, as aware UTC.

        The start date is day 0 and is never counted, whether or not it is a working day; on a
        non-working start, the next working day is day 1. n == 0 means "by the end of the
        current working day": the end of the start date if it is a working day, else the end of
        the next working day (so from a non-working start, n == 0 and n == 1 give the same
        moment). Negative n is rejected.
        """
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        d = self.counting_date(start)
        if n == 0:
            while not self.is_working_day(d):
                d += _ONE_DAY
            return self.end_of_day(d)
        counted = 0
        while counted < n:
            d += _ONE_DAY
            if self.is_working_day(d):
                counted += 1
        return self.end_of_day(d)

    def add_calendar_days(self, start: datetime, n: int) -> datetime:
        """End of the n-th calendar day after `start`'s local date, as aware UTC (n == 0: end of that date)."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        return self.end_of_day(self.counting_date(start) + timedelta(days=n))

    def working_days_between(self, a: datetime | date, b: datetime | date) -> int:
        """Working days d with local(a) < d <= local(b); negative when b is before a.

        Matches add_working_days: working_days_between(s, add_working_days(s, n)) == n for n >= 1.
        Datetimes must be aware; plain dates are taken as local dates.
        """
        da = self.local_date(a) if isinstance(a, datetime) else a
        db = self.local_date(b) if isinstance(b, datetime) else b
        if db < da:
            return -self.working_days_between(db, da)
        count = 0
        d = da + _ONE_DAY
        while d <= db:
            if self.is_working_day(d):
                count += 1
            d += _ONE_DAY
        return count


def _require_aware(moment: datetime) -> None:
    # A naive datetime has no defined local date; guessing would shift deadlines by up to a day.
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        raise ValueError(f"aware datetime required, got naive {moment!r}")
