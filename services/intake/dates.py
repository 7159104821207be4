"""The incident date a complaint's text states, in Indonesian, relative to its receipt in Jakarta. Pure.

"12 Agustus 2026", "12 Agt 2026", "tgl 3/9", "tanggal 3-9-2026", "kemarin sore", "tadi pagi",
"tadi malam", "3 hari yang lalu", "seminggu yang lalu", "minggu lalu", "bulan lalu", "hari senin
kemarin", "sudah 2 minggu": each is read as a date counted from the day of receipt (Asia/Jakarta).
The first mention that gives a date wins; a date after a word such as "lahir" (a birth date) or
"sampai" (the end of a period) is not the incident's, and a date after the day of receipt never is.
Only what the text states is read: no date in the text is None, and the caller decides the default.

The words (month names and their abbreviations, weekdays, counted units, relative phrases) live in
dates.toml next to this module, validated when the module is imported.
"""

from __future__ import annotations

import calendar
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

JAKARTA = ZoneInfo("Asia/Jakarta")
VOCABULARY_PATH = Path(__file__).with_name("dates.toml")
_LOOKBEHIND_CHARS = 40  # how far before a date its "lahir" / "sampai" is looked for


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Unit(_Strict):
    days: Annotated[int, Field(ge=0)] = 0
    months: Annotated[int, Field(ge=0)] = 0
    hours: Annotated[int, Field(ge=0)] = 0

    @model_validator(mode="after")
    def _one_length(self) -> Unit:
        if sum(1 for v in (self.days, self.months, self.hours) if v) != 1:
            raise ValueError("a unit is a number of days, months or hours (exactly one)")
        return self


class WeekdayRules(_Strict):
    needs_hari: list[str]
    before_today: list[str]
    after_today: list[str] = []


class Evening(_Strict):
    phrases: list[str]
    from_hour: Annotated[int, Field(ge=0, le=23)]


class Vocabulary(_Strict):
    version: Literal[1]
    date_markers: list[str]
    ignore_after: list[str]
    months: dict[str, Annotated[int, Field(ge=1, le=12)]]
    weekdays: dict[str, Annotated[int, Field(ge=0, le=6)]]
    weekday_rules: WeekdayRules
    numbers: dict[str, Annotated[int, Field(ge=1)]]
    units: dict[str, Unit]
    ago: list[str]
    since: list[str]
    last: list[str]
    relative_days: dict[str, Annotated[int, Field(le=0)]]
    evening: Evening

    @model_validator(mode="after")
    def _consistent(self) -> Vocabulary:
        unknown = set(self.weekday_rules.needs_hari) - set(self.weekdays)
        if unknown:
            raise ValueError(f"weekday_rules.needs_hari names no weekday: {sorted(unknown)}")
        words = [*self.date_markers, *self.months, *self.weekdays, *self.numbers, *self.units, *self.relative_days]
        if any(w != w.lower() or not w.strip() for w in words):
            raise ValueError("words are written in lower case and are not blank")
        return self


def load_vocabulary(path: Path = VOCABULARY_PATH) -> Vocabulary:
    try:
        return Vocabulary.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise ValueError(f"{path}: not a valid date vocabulary: {exc}") from exc


def _alt(words: Iterable[str]) -> str:
    """A regex alternation of words, longest first, spaces matching any whitespace."""
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(set(words), key=len, reverse=True))


def _word(words: Iterable[str], group: str | None = None) -> str:
    inner = f"?P<{group}>" if group else "?:"
    return rf"(?<!\w)({inner}{_alt(words)})(?!\w)"


@dataclass(frozen=True)
class Mention:
    """A phrase of the text and the date it means (None when it means none, e.g. a future one)."""

    start: int
    end: int
    kind: str
    date: date | None


def _months_back(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _year(text: str | None, today: date) -> int | None:
    if text is None:
        return None
    year = int(text)
    return 2000 + year if len(text) == 2 else year


def _latest(month: int, day: int, today: date) -> date | None:
    """The latest day/month on or before today (this year, else the year before)."""
    for year in (today.year, today.year - 1):
        found = _valid(year, month, day)
        if found is not None and found <= today:
            return found
    return None


def _latest_day_of_month(day: int, today: date) -> date | None:
    month_start = today.replace(day=1)
    for back in range(12):
        first = _months_back(month_start, back)
        found = _valid(first.year, first.month, day)
        if found is not None and found <= today:
            return found
    return None


_TOKEN = re.compile(r"[a-z]+|\d+")


def _first_tokens(phrases: Iterable[str]) -> frozenset[str]:
    """The first word of each phrase: a text without any of them cannot hold one of the phrases."""
    return frozenset(found[0] for p in phrases if (found := _TOKEN.findall(p.lower())))


@dataclass(frozen=True)
class _Pattern:
    kind: str
    regex: re.Pattern[str]
    resolve: Callable[[re.Match[str], datetime], date | None]
    triggers: frozenset[str] | None = None  # words one of which the text must hold for the pattern to be tried
    prefix: re.Pattern[str] | None = None  # what may stand before a match and belongs to it ("hari Senin, tgl")


class _Reader:
    def __init__(self, v: Vocabulary) -> None:
        self.v = v
        num = rf"(?P<num>\d{{1,3}}|{_alt(v.numbers)})"
        unit = rf"(?P<unit>{_alt(v.units)})"
        se_unit = rf"se(?P<seunit>{_alt(v.units)})"
        counted = rf"(?:{num}\s*{unit}|{se_unit})(?!\w)"
        marker = rf"(?:{_word(v.date_markers)}\.?\s*:?\s*)"
        weekday = rf"(?:(?:hari\s+)?{_word(v.weekdays)}\s*,?\s*)"
        year = r"(?P<year>(?:19|20)\d{2}|\d{2})(?!\d)"
        units = _first_tokens(v.units) | _first_tokens(f"se{u}" for u in v.units)  # "3 hari", "seminggu"
        before = _word(v.weekday_rules.before_today, "before")
        after = _word(v.weekday_rules.after_today, "after") if v.weekday_rules.after_today else "(?P<after>(?!))"
        # Weekday and marker before a date are found backwards from the date (`prefix`): as optional
        # heads of the pattern they would be tried at every position of the text.
        self.patterns: list[_Pattern] = [
            _Pattern(
                "month_name",
                re.compile(
                    rf"(?<!\d)(?P<day>\d{{1,2}})\s*[-/.]?\s*{_word(v.months, 'month')}\.?(?:\s*[-/.,]?\s*{year})?",
                    re.I,
                ),
                self._month_name,
                triggers=_first_tokens(v.months),
                prefix=re.compile(rf"{weekday}?{marker}?$", re.I),
            ),
            _Pattern(
                "iso",
                re.compile(r"(?<![\d/.-])(?P<year>(?:19|20)\d{2})-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?!\d)"),
                self._numeric,
            ),
            _Pattern(
                "numeric_marked",
                re.compile(
                    rf"{marker}(?P<day>\d{{1,2}})\s*[/\-.]\s*(?P<month>\d{{1,2}})(?:\s*[/\-.]\s*{year})?(?![\d/])",
                    re.I,
                ),
                self._numeric,
                triggers=_first_tokens(v.date_markers),
                prefix=re.compile(rf"{weekday}?$", re.I),
            ),
            _Pattern(
                "numeric",
                re.compile(r"(?<![\d/.-])(?P<day>\d{1,2})[/\-.](?P<month>\d{1,2})[/\-.](?P<year>(?:19|20)\d{2})(?!\d)"),
                self._numeric,
            ),
            _Pattern(
                "day_marked",
                re.compile(rf"{marker}(?P<day>\d{{1,2}})(?!\s*[/\-.]\s*\d|\d|\w)", re.I),
                self._day_only,
                triggers=_first_tokens(v.date_markers),
            ),
            _Pattern("ago", re.compile(rf"(?<!\w){counted}\s*{_word(v.ago)}", re.I), self._counted, triggers=units),
            _Pattern(
                "since",
                re.compile(rf"{_word(v.since)}\s+{counted}", re.I),
                self._counted,
                triggers=_first_tokens(v.since),
            ),
            _Pattern(
                "last", re.compile(rf"{_word(v.units, 'unit')}\s+{_word(v.last)}", re.I), self._counted, triggers=units
            ),
            _Pattern(
                "weekday",
                re.compile(
                    rf"(?<!\w)(?:(?P<hari>hari)\s+)?{_word(v.weekdays, 'weekday')}(?:\s+(?:{before}|{after}))?",
                    re.I,
                ),
                self._weekday,
                triggers=_first_tokens(v.weekdays),
            ),
            _Pattern(
                "relative",
                re.compile(_word(v.relative_days, "phrase"), re.I),
                self._relative,
                triggers=_first_tokens(v.relative_days),
            ),
            _Pattern(
                "evening",
                re.compile(_word(v.evening.phrases), re.I),
                self._evening,
                triggers=_first_tokens(v.evening.phrases),
            ),
        ]
        self.ignore = re.compile(
            rf"{_word(v.ignore_after)}\s*[:\-]?\s*(?:{_word(v.date_markers)}\.?)?\s*[:\-]?\s*$", re.I
        )
        self.relative = {" ".join(k.split()): d for k, d in v.relative_days.items()}
        self.weekdays = v.weekdays
        self.numbers = {" ".join(k.split()): n for k, n in v.numbers.items()}

    # -- resolvers: a match and the time of receipt (Jakarta) → the date, or None

    def _month_name(self, m: re.Match[str], local: datetime) -> date | None:
        month = self.v.months[m["month"].lower()]
        year = _year(m["year"], local.date())
        if year is None:
            return _latest(month, int(m["day"]), local.date())
        return _valid(year, month, int(m["day"]))

    def _numeric(self, m: re.Match[str], local: datetime) -> date | None:
        year = _year(m["year"], local.date())
        if year is None:
            return _latest(int(m["month"]), int(m["day"]), local.date())
        return _valid(year, int(m["month"]), int(m["day"]))

    def _day_only(self, m: re.Match[str], local: datetime) -> date | None:
        return _latest_day_of_month(int(m["day"]), local.date())

    def _counted(self, m: re.Match[str], local: datetime) -> date | None:
        groups = m.groupdict()
        unit_word = groups.get("unit") or groups.get("seunit") or ""
        count_word = (groups.get("num") or "").lower()
        count = int(count_word) if count_word.isdigit() else self.numbers.get(" ".join(count_word.split()), 1)
        if count == 0:
            return None
        unit = self.v.units[unit_word.lower()]
        if unit.hours:
            return (local - timedelta(hours=unit.hours * count)).date()
        if unit.months:
            return _months_back(local.date(), unit.months * count)
        return local.date() - timedelta(days=unit.days * count)

    def _weekday(self, m: re.Match[str], local: datetime) -> date | None:
        word = m["weekday"].lower()
        if m["after"] or (word in self.v.weekday_rules.needs_hari and not m["hari"]):
            return None
        back = (local.weekday() - self.weekdays[word]) % 7
        if back == 0 and m["before"]:
            back = 7
        return local.date() - timedelta(days=back)

    def _relative(self, m: re.Match[str], local: datetime) -> date | None:
        return local.date() + timedelta(days=self.relative[" ".join(m["phrase"].lower().split())])

    def _evening(self, _: re.Match[str], local: datetime) -> date | None:
        return local.date() - timedelta(days=1 if local.hour < self.v.evening.from_hour else 0)

    def mentions(self, text: str, received_at: datetime) -> list[Mention]:
        """The phrases of the text, none inside another: at one place the longest phrase is read
        (a future "28 Agustus" is not read again as "tanggal 28"), on a tie the earlier pattern."""
        local = received_at.astimezone(JAKARTA)
        tokens = frozenset(_TOKEN.findall(text.lower()))
        spans: list[tuple[int, int, int, _Pattern, re.Match[str]]] = []
        for rank, pattern in enumerate(self.patterns):
            if pattern.triggers is not None and not pattern.triggers & tokens:
                continue
            for m in pattern.regex.finditer(text):
                start = m.start()
                if pattern.prefix is not None:
                    head = text[max(0, start - _LOOKBEHIND_CHARS) : start]
                    start -= len(head) - pattern.prefix.search(head).start()  # type: ignore[union-attr]
                spans.append((start, m.end(), rank, pattern, m))
        spans.sort(key=lambda x: (x[0], x[0] - x[1], x[2]))
        found: list[Mention] = []
        for start, end, _, pattern, m in spans:
            if found and start < found[-1].end:
                continue
            day = pattern.resolve(m, local)
            window = text[max(0, start - _LOOKBEHIND_CHARS) : start]
            if day is not None and (day > local.date() or self.ignore.search(window)):
                day = None
            found.append(Mention(start, end, pattern.kind, day))
        return found


_READER = _Reader(load_vocabulary())


def mentions(text: str, *, received_at: datetime) -> list[Mention]:
    """Every date phrase of the text in order, with the date it means (or None)."""
    return _READER.mentions(text, received_at)


def incident_date(text: str, *, received_at: datetime) -> date | None:
    """The date of the first phrase in the text that means one, or None when it states none."""
    return next((m.date for m in mentions(text, received_at=received_at) if m.date is not None), None)
