"""WorkingCalendar against calendar facts from domain/sla-sources.md, with the real `holidays` data.

Expected dates below are worked out by hand from the published 2026 calendar (SKB 3 Menteri,
as listed in sla-sources.md), not taken from the implementation:
  cuti bersama 2026: 02-16, 03-18, 03-20, 03-23, 03-24, 05-15, 05-28, 12-24
  Nyepi 03-19 (Thu), Idul Fitri 03-21/22 (Sat/Sun), Kemerdekaan 08-17 (Mon), Natal 12-25 (Fri).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.notifier.calendar import WorkingCalendar

WIB = ZoneInfo("Asia/Jakarta")  # UTC+7, no DST

CUTI_BERSAMA_2026 = [
    date(2026, 2, 16),
    date(2026, 3, 18),
    date(2026, 3, 20),
    date(2026, 3, 23),
    date(2026, 3, 24),
    date(2026, 5, 15),
    date(2026, 5, 28),
    date(2026, 12, 24),
]


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar()


@pytest.fixture(scope="module")
def cal_public_only() -> WorkingCalendar:
    return WorkingCalendar(count_cuti_bersama=False)


def wib(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=WIB)


def end_of(d: date) -> datetime:
    """23:59:59.999999 WIB on d, in UTC: the shape every deadline must have."""
    return datetime.combine(d, time.max, tzinfo=WIB).astimezone(UTC)


# --- is_working_day / holiday_name -------------------------------------------------------------


def test_weekdays_are_working_and_weekends_are_not(cal: WorkingCalendar) -> None:
    # 2026-07-06..12 is an ordinary week with no holiday.
    week = [date(2026, 7, 6) + timedelta(days=i) for i in range(7)]
    assert [cal.is_working_day(d) for d in week] == [True] * 5 + [False] * 2


@pytest.mark.parametrize("d", CUTI_BERSAMA_2026)
def test_cuti_bersama_2026_is_off_by_default_and_on_when_not_counted(
    d: date, cal: WorkingCalendar, cal_public_only: WorkingCalendar
) -> None:
    assert d.weekday() < 5  # all 2026 cuti bersama days fall on weekdays
    assert not cal.is_working_day(d)
    assert cal_public_only.is_working_day(d)
    assert "Cuti Bersama" in (cal.holiday_name(d) or "")
    assert cal_public_only.holiday_name(d) is None


@pytest.mark.parametrize(
    ("d", "word"),
    [
        (date(2026, 8, 17), "Kemerdekaan"),
        (date(2026, 12, 25), "Natal"),
        (date(2026, 3, 19), "Nyepi"),
        (date(2026, 1, 1), "Tahun Baru"),
    ],
)
def test_public_holidays_are_off_in_both_modes(
    d: date, word: str, cal: WorkingCalendar, cal_public_only: WorkingCalendar
) -> None:
    assert not cal.is_working_day(d)
    assert not cal_public_only.is_working_day(d)
    assert word in (cal.holiday_name(d) or "")


def test_idul_fitri_2026_is_named(cal: WorkingCalendar) -> None:
    # Idul Fitri 1447 H is around 20/21 March 2026; the package puts it on the 21st.
    names = [cal.holiday_name(date(2026, 3, day)) or "" for day in (20, 21, 22)]
    assert any("Idul Fitri" in n for n in names)


def test_ordinary_day_and_weekend_have_no_holiday_name(cal: WorkingCalendar) -> None:
    assert cal.holiday_name(date(2026, 7, 8)) is None
    assert cal.holiday_name(date(2026, 7, 11)) is None  # a Saturday is not a holiday


# --- add_working_days ---------------------------------------------------------------------------


def test_three_working_days_from_friday_afternoon_end_wednesday(cal: WorkingCalendar) -> None:
    # Fri 2026-07-10 15:00 WIB -> Mon 13 (1), Tue 14 (2), Wed 15 (3).
    due = cal.add_working_days(wib(2026, 7, 10, 15), 3)
    assert due == end_of(date(2026, 7, 15))
    assert due.tzinfo is UTC
    assert due == datetime(2026, 7, 15, 16, 59, 59, 999999, tzinfo=UTC)


def test_start_on_weekend_counts_from_next_working_day(cal: WorkingCalendar) -> None:
    # Sat 2026-07-11: Monday is day 1, so the deadline matches a Friday-afternoon start.
    assert cal.add_working_days(wib(2026, 7, 11, 9), 3) == end_of(date(2026, 7, 15))
    assert cal.add_working_days(wib(2026, 7, 12, 23, 59), 1) == end_of(date(2026, 7, 13))


def test_start_day_itself_is_never_counted(cal: WorkingCalendar) -> None:
    # Mon 2026-07-13 at 00:01 WIB: day 1 is Tuesday.
    assert cal.add_working_days(wib(2026, 7, 13, 0, 1), 1) == end_of(date(2026, 7, 14))


def test_zero_working_days_is_end_of_current_or_next_working_day(cal: WorkingCalendar) -> None:
    assert cal.add_working_days(wib(2026, 7, 13, 10), 0) == end_of(date(2026, 7, 13))
    assert cal.add_working_days(wib(2026, 7, 11, 10), 0) == end_of(date(2026, 7, 13))


def test_lebaran_2026_skips_holidays_and_cuti_bersama(cal: WorkingCalendar) -> None:
    # Tue 2026-03-17. Off: 18 (cuti Nyepi), 19 (Nyepi), 20 (cuti Idul Fitri), 21-22 (weekend,
    # Idul Fitri), 23-24 (cuti Idul Fitri). Counting: Wed 25 (1), Thu 26 (2), Fri 27 (3).
    assert cal.add_working_days(wib(2026, 3, 17, 10), 3) == end_of(date(2026, 3, 27))
    # follow_up-sized: Mon 30 (4), Tue 31 (5).
    assert cal.add_working_days(wib(2026, 3, 17, 10), 5) == end_of(date(2026, 3, 31))


def test_lebaran_2026_without_cuti_bersama_counts_those_days(cal_public_only: WorkingCalendar) -> None:
    # Only Nyepi (19) and the weekend are off: Wed 18 (1), Fri 20 (2), Mon 23 (3).
    assert cal_public_only.add_working_days(wib(2026, 3, 17, 10), 3) == end_of(date(2026, 3, 23))


def test_independence_day_2026_is_skipped(cal: WorkingCalendar) -> None:
    # Fri 2026-08-14 -> Mon 17 is Hari Kemerdekaan -> Tue 18 is day 1.
    assert cal.add_working_days(wib(2026, 8, 14, 16), 1) == end_of(date(2026, 8, 18))


def test_christmas_2026(cal: WorkingCalendar, cal_public_only: WorkingCalendar) -> None:
    # Wed 2026-12-23: Thu 24 cuti bersama, Fri 25 Natal, weekend -> Mon 28 is day 1.
    assert cal.add_working_days(wib(2026, 12, 23, 9), 1) == end_of(date(2026, 12, 28))
    # Without cuti bersama, Thu 24 is a working day.
    assert cal_public_only.add_working_days(wib(2026, 12, 23, 9), 1) == end_of(date(2026, 12, 24))


def test_utc_evening_is_already_next_day_in_jakarta(cal: WorkingCalendar) -> None:
    # 2026-11-30 20:00 UTC is Tue 2026-12-01 03:00 WIB: day 0 is Tuesday, day 1 Wednesday.
    start = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)
    assert date(2026, 11, 30).weekday() == 0  # Monday in UTC
    assert cal.local_date(start) == date(2026, 12, 1)
    assert cal.add_working_days(start, 1) == end_of(date(2026, 12, 2))
    # 16:59 UTC is still Monday 23:59 WIB: day 0 is Monday, day 1 Tuesday.
    assert cal.add_working_days(datetime(2026, 11, 30, 16, 59, tzinfo=UTC), 1) == end_of(date(2026, 12, 1))


def test_other_offsets_are_converted_not_reinterpreted(cal: WorkingCalendar) -> None:
    # 2026-07-10 23:30 at UTC-3 is Sat 2026-07-11 09:30 WIB -> same as a Saturday start.
    start = datetime(2026, 7, 10, 23, 30, tzinfo=timezone(timedelta(hours=-3)))
    assert cal.add_working_days(start, 3) == end_of(date(2026, 7, 15))


def test_naive_datetimes_and_negative_counts_are_rejected(cal: WorkingCalendar) -> None:
    with pytest.raises(ValueError, match="aware"):
        cal.add_working_days(datetime(2026, 7, 10, 15), 3)
    with pytest.raises(ValueError):
        cal.add_working_days(wib(2026, 7, 10), -1)
    with pytest.raises(ValueError):
        cal.add_calendar_days(wib(2026, 7, 10), -1)


# --- add_calendar_days / working_days_between ---------------------------------------------------


def test_calendar_days_ignore_holidays(cal: WorkingCalendar) -> None:
    # 14 days from Tue 2026-03-17 is Tue 2026-03-31, Lebaran or not.
    assert cal.add_calendar_days(wib(2026, 3, 17, 10), 14) == end_of(date(2026, 3, 31))
    # 60 days from 2026-01-05: 26 left in January, 28 in February, 6 in March -> 2026-03-06.
    assert cal.add_calendar_days(wib(2026, 1, 5, 10), 60) == end_of(date(2026, 3, 6))


def test_calendar_days_use_the_jakarta_date(cal: WorkingCalendar) -> None:
    start = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)  # 2026-12-01 in Jakarta
    assert cal.add_calendar_days(start, 14) == end_of(date(2026, 12, 15))


def test_working_days_between_over_lebaran(cal: WorkingCalendar, cal_public_only: WorkingCalendar) -> None:
    # (Mon 16 Mar, Tue 31 Mar]: 17, 25, 26, 27, 30, 31 are working -> 6.
    a, b = wib(2026, 3, 16, 12), wib(2026, 3, 31, 12)
    assert cal.working_days_between(a, b) == 6
    # Without cuti bersama 18, 20, 23, 24 also count -> 10.
    assert cal_public_only.working_days_between(a, b) == 10
    assert cal.working_days_between(b, a) == -6
    assert cal.working_days_between(date(2026, 3, 16), date(2026, 3, 31)) == 6
    assert cal.working_days_between(a, a) == 0


# --- properties ---------------------------------------------------------------------------------

OFFSETS = st.sampled_from(
    [UTC, WIB, ZoneInfo("Asia/Makassar"), ZoneInfo("Asia/Jayapura"), timezone(timedelta(hours=-5))]
)
STARTS = st.builds(
    lambda naive, tz: naive.replace(tzinfo=tz),
    st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31)),
    OFFSETS,
)
COUNTS = st.integers(min_value=0, max_value=45)

# Both calendars are shared across examples so each year's holidays load once.
_CALS = (WorkingCalendar(), WorkingCalendar(count_cuti_bersama=False))
CALS = st.sampled_from(_CALS)


@settings(deadline=None, max_examples=150)
@given(start=STARTS, n=COUNTS, c=CALS)
def test_due_is_always_the_end_of_a_working_day(start: datetime, n: int, c: WorkingCalendar) -> None:
    due = c.add_working_days(start, n)
    local = due.astimezone(WIB)
    assert due.tzinfo is UTC
    assert local.time() == time.max
    assert c.is_working_day(local.date())


@settings(deadline=None, max_examples=150)
@given(start=STARTS, n=COUNTS, c=CALS)
def test_adding_more_days_is_strictly_later_and_never_before_start(start: datetime, n: int, c: WorkingCalendar) -> None:
    this, following = c.add_working_days(start, n), c.add_working_days(start, n + 1)
    assert start <= this <= following
    # Only n == 0 from a non-working day may tie with n == 1 (both: end of the next working day).
    if n >= 1 or c.is_working_day(c.local_date(start)):
        assert this < following
    assert c.add_calendar_days(start, n) < c.add_calendar_days(start, n + 1)
    assert c.add_calendar_days(start, n) >= start


@settings(deadline=None, max_examples=150)
@given(start=STARTS, n=st.integers(min_value=1, max_value=45), c=CALS)
def test_between_inverts_add(start: datetime, n: int, c: WorkingCalendar) -> None:
    due = c.add_working_days(start, n)
    assert c.working_days_between(start, due) == n
    # No working day is skipped: the day before due is at most n-1 working days after start.
    assert c.working_days_between(start, due - timedelta(days=1)) == n - 1


@settings(deadline=None, max_examples=150)
@given(start=STARTS, n=st.integers(min_value=1, max_value=45))
def test_cuti_bersama_only_ever_delays(start: datetime, n: int) -> None:
    with_cuti, without = _CALS
    assert with_cuti.add_working_days(start, n) >= without.add_working_days(start, n)
    # Working-day clocks never end before the same number of calendar days.
    assert with_cuti.add_working_days(start, n) >= with_cuti.add_calendar_days(start, n)
