"""SLA policy and deadline arithmetic for the notifier (DESIGN.md §5).

The policy (policy.toml next to this module) names every clock: the lifecycle event that opens it,
its unit (working or calendar days), its limit, when to warn, when to escalate a breach, and the
source of the limit. Agencies may override a clock. This module turns a lifecycle event into the
deadlines it opens and classifies a deadline at a given moment. It does no I/O beyond reading the
policy file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from services.notifier.calendar import WorkingCalendar, _require_aware
from shared.agencies import AGENCIES, KABKOTA, PROVINCE_CODE
from shared.events import ComplaintStatus

__all__ = [
    "DEFAULT_POLICY_PATH",
    "LIFECYCLE_EVENTS",
    "START_EVENTS",
    "ClockOverride",
    "ClockPolicy",
    "ClockUnit",
    "Deadline",
    "DeadlineState",
    "Policy",
    "classify",
    "clocks_paused_by",
    "clocks_restarted_by",
    "clocks_resumed_by",
    "clocks_started_by",
    "clocks_stopped_by",
    "deadline_for",
    "escalate_at",
    "escalation_due",
    "load_policy",
    "parse_policy",
    "region_of",
    "reschedule",
    "shift_for_pause",
]

DEFAULT_POLICY_PATH = Path(__file__).with_name("policy.toml")

# The lifecycle events the notifier actually receives: a complaint accepted by intake (complaints.accepted),
# routed (complaints.routed), forwarded to LAPOR! (complaints.forwarded), and every status LAPOR! reports
# back (complaints.status). A clock may start, stop, pause, resume or restart only on one of these, so a
# typo in the policy ("dispose") or an event nobody emits fails at start-up instead of silently never
# opening (or never closing) a clock.
LIFECYCLE_EVENTS: frozenset[str] = frozenset({"accepted", "routed", "forwarded"} | {s.value for s in ComplaintStatus})
START_EVENTS = LIFECYCLE_EVENTS  # the name earlier code imported

DeadlineState = Literal["ok", "warning", "breach"]

_NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
_AGENCY_PATTERN = r"^[a-z0-9][a-z0-9-]*$"


class ClockUnit(StrEnum):
    WORKING_DAYS = "working_days"
    CALENDAR_DAYS = "calendar_days"


def _parse_unit(value: Any) -> Any:
    # strict mode would refuse the plain string TOML gives us for an enum field.
    if isinstance(value, str):
        try:
            return ClockUnit(value)
        except ValueError:
            allowed = ", ".join(u.value for u in ClockUnit)
            raise ValueError(f"unit must be one of {allowed}, got {value!r}") from None
    return value


class _Strict(BaseModel):
    # strict: TOML is typed, so `limit = "3"` or `limit = true` is a mistake, not something to coerce.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class ClockPolicy(_Strict):
    """One SLA clock as configured (after any agency override has been applied)."""

    name: str = Field(pattern=_NAME_PATTERN)
    starts_on: str
    unit: ClockUnit
    limit: int = Field(ge=1)
    warn_before: int = Field(ge=0)
    # Days (same unit) a breach may last before escalation; None = never escalate.
    escalate_after: int | None = Field(default=None, ge=0)
    source: str = Field(min_length=1)
    stops_on: tuple[str, ...] = ()
    # waiting for the reporter: the clock stands still between a pause and a resume event
    pauses_on: tuple[str, ...] = ()
    resumes_on: tuple[str, ...] = ()
    # the clock runs again from zero (a complaint reopened by the reporter's response)
    restarts_on: tuple[str, ...] = ()

    @field_validator("unit", mode="before")
    @classmethod
    def _unit_from_str(cls, value: Any) -> Any:
        return _parse_unit(value)

    @field_validator("stops_on", "pauses_on", "resumes_on", "restarts_on", mode="before")
    @classmethod
    def _events_from_list(cls, value: Any) -> Any:
        return tuple(value) if isinstance(value, list) else value

    @field_validator("starts_on")
    @classmethod
    def _known_start_event(cls, value: str) -> str:
        if value not in LIFECYCLE_EVENTS:
            raise ValueError(f"starts_on must be one of {sorted(LIFECYCLE_EVENTS)}, got {value!r}")
        return value

    @field_validator("stops_on", "pauses_on", "resumes_on", "restarts_on")
    @classmethod
    def _known_events(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - LIFECYCLE_EVENTS)
        if unknown:
            raise ValueError(f"no such lifecycle event {unknown}; known: {sorted(LIFECYCLE_EVENTS)}")
        return value

    @field_validator("source")
    @classmethod
    def _source_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("source must cite where the limit comes from")
        return value

    @model_validator(mode="after")
    def _events_consistent(self) -> ClockPolicy:
        if self.starts_on in self.stops_on:
            raise ValueError(f"clock {self.name!r}: starts_on {self.starts_on!r} also stops it")
        both = set(self.pauses_on) & set(self.resumes_on)
        if both:
            raise ValueError(f"clock {self.name!r}: {sorted(both)} both pause and resume it")
        if bool(self.pauses_on) != bool(self.resumes_on):
            raise ValueError(f"clock {self.name!r}: pauses_on and resumes_on go together (a pause must end)")
        return self

    @model_validator(mode="after")
    def _warn_before_due(self) -> ClockPolicy:
        # A warning at or before the start is no warning; almost certainly a unit mix-up.
        if self.warn_before >= self.limit:
            raise ValueError(
                f"clock {self.name!r}: warn_before ({self.warn_before}) must be less than limit ({self.limit})"
            )
        return self


class ClockOverride(_Strict):
    """Fields an agency may change on a clock. starts_on is national and not overridable."""

    unit: ClockUnit | None = None
    limit: int | None = Field(default=None, ge=1)
    warn_before: int | None = Field(default=None, ge=0)
    escalate_after: int | None = Field(default=None, ge=0)
    source: str | None = Field(default=None, min_length=1)

    @field_validator("unit", mode="before")
    @classmethod
    def _unit_from_str(cls, value: Any) -> Any:
        return _parse_unit(value)


_REGION_CODES: frozenset[str] = frozenset({PROVINCE_CODE} | {a.region_code for a in KABKOTA})


class ExtraHoliday(_Strict):
    """A regional day off (e.g. a kabupaten's anniversary declared a holiday by its bupati)."""

    day: date
    name: str = Field(min_length=1)
    # Kemendagri codes it applies to: "18" for the whole province, "18.71" for one kab/kota; empty: all.
    regions: tuple[str, ...] = ()
    source: str = Field(min_length=1)

    @field_validator("regions", mode="before")
    @classmethod
    def _regions_from_list(cls, value: Any) -> Any:
        return tuple(value) if isinstance(value, list) else value

    @field_validator("regions")
    @classmethod
    def _known_regions(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - _REGION_CODES)
        if unknown:
            raise ValueError(f"unknown region codes {unknown} (Lampung: 18 or a kab/kota code such as 18.71)")
        return value

    def applies_to(self, region_code: str | None) -> bool:
        return not self.regions or PROVINCE_CODE in self.regions or (region_code in self.regions)


class WorkingHours(_Strict):
    start: time
    end: time

    @model_validator(mode="after")
    def _ordered(self) -> WorkingHours:
        if not self.start < self.end:
            raise ValueError(f"working_hours: start {self.start} must be before end {self.end}")
        return self


class Policy(_Strict):
    version: int = 1
    timezone: str = "Asia/Jakarta"
    count_cuti_bersama_as_holiday: bool = True
    clocks: dict[str, ClockPolicy]
    # [overrides.<agency_code>.<clock>]: per agency (wins over an urusan override)
    overrides: dict[str, dict[str, ClockOverride]] = Field(default_factory=dict)
    # [urusan_overrides.<urusan>.<clock>]: per urusan (e.g. kesehatan answers faster)
    urusan_overrides: dict[str, dict[str, ClockOverride]] = Field(default_factory=dict)
    extra_holidays: tuple[ExtraHoliday, ...] = ()
    # None: a deadline ends at midnight local; set: at the end of working hours
    working_hours: WorkingHours | None = None
    # resolved clocks and calendars, filled on first use (the policy itself never changes)
    _clocks: dict[tuple[str, str | None, str | None], ClockPolicy] = PrivateAttr(default_factory=dict)
    _calendars: dict[str | None, WorkingCalendar] = PrivateAttr(default_factory=dict)

    @field_validator("extra_holidays", mode="before")
    @classmethod
    def _holidays_from_list(cls, value: Any) -> Any:
        return tuple(value) if isinstance(value, list) else value

    @model_validator(mode="before")
    @classmethod
    def _name_clocks_from_keys(cls, data: Any) -> Any:
        # In TOML the clock's name is its table key ([clocks.follow_up]); copy it into the model.
        if isinstance(data, dict) and isinstance(data.get("clocks"), dict):
            clocks: dict[str, Any] = {}
            for key, body in data["clocks"].items():
                if isinstance(body, dict):
                    if "name" in body and body["name"] != key:
                        raise ValueError(f"clocks.{key}: name {body['name']!r} differs from its table key")
                    body = {**body, "name": key}
                clocks[key] = body
            data = {**data, "clocks": clocks}
        return data

    @field_validator("version")
    @classmethod
    def _known_version(cls, value: int) -> int:
        if value != 1:
            raise ValueError(f"unsupported policy version {value}; this code reads version 1")
        return value

    @field_validator("timezone")
    @classmethod
    def _real_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _overrides_apply(self) -> Policy:
        if not self.clocks:
            raise ValueError("policy defines no clocks")
        for agency, per_clock in self.overrides.items():
            if not _matches(_AGENCY_PATTERN, agency):
                raise ValueError(f"overrides.{agency}: agency code must be a lowercase slug")
            for clock_name in per_clock:
                if clock_name not in self.clocks:
                    raise ValueError(f"overrides.{agency}.{clock_name}: no such clock (known: {sorted(self.clocks)})")
                # Validate the merged clock now, so a bad override fails at start-up, not mid-shift.
                self.clock(clock_name, agency)
        for urusan, per_clock in self.urusan_overrides.items():
            if not _matches(_NAME_PATTERN, urusan):
                raise ValueError(f"urusan_overrides.{urusan}: urusan must be a lowercase code")
            for clock_name in per_clock:
                if clock_name not in self.clocks:
                    raise ValueError(
                        f"urusan_overrides.{urusan}.{clock_name}: no such clock (known: {sorted(self.clocks)})"
                    )
                self.clock(clock_name, urusan=urusan)
        return self

    def clock(self, name: str, agency_code: str | None = None, urusan: str | None = None) -> ClockPolicy:
        """The effective clock `name`: the base clock, then the urusan's override, then the agency's."""
        try:
            base = self.clocks[name]
        except KeyError:
            raise KeyError(f"no clock named {name!r} in the policy") from None
        key = (name, agency_code, urusan)
        cached = self._clocks.get(key)
        if cached is not None:
            return cached
        resolved = self._resolve(base, name, agency_code, urusan)
        self._clocks[key] = resolved
        return resolved

    def _resolve(self, base: ClockPolicy, name: str, agency_code: str | None, urusan: str | None) -> ClockPolicy:
        merged = base.model_dump()
        applied: list[str] = []
        for where, override in (
            (f"urusan_overrides.{urusan}.{name}", self.urusan_overrides.get(urusan, {}).get(name) if urusan else None),
            (f"overrides.{agency_code}.{name}", self.overrides.get(agency_code, {}).get(name) if agency_code else None),
        ):
            if override is not None:
                merged.update(override.model_dump(exclude_none=True))
                applied.append(where)
        if not applied:
            return base
        try:
            return ClockPolicy.model_validate(merged)
        except ValidationError as exc:
            raise ValueError(f"{' + '.join(applied)}: {_first_error(exc)}") from None

    def calendar(self, region_code: str | None = None) -> WorkingCalendar:
        """A WorkingCalendar configured by this policy for `region_code` (its extra holidays), shared."""
        cached = self._calendars.get(region_code)
        if cached is None:
            extra = tuple(sorted((h.day, h.name) for h in self.extra_holidays if h.applies_to(region_code)))
            hours = (self.working_hours.start, self.working_hours.end) if self.working_hours else None
            cached = self._calendars[region_code] = _calendar_for(
                self.timezone, self.count_cuti_bersama_as_holiday, extra, hours
            )
        return cached

    def calendar_for_agency(self, agency_code: str | None) -> WorkingCalendar:
        return self.calendar(region_of(agency_code))


def region_of(agency_code: str | None) -> str | None:
    """The Kemendagri region whose holidays an agency keeps: its kab/kota, "18" for the province, None outside."""
    agency = AGENCIES.get(agency_code) if agency_code else None
    return agency.region_code or None if agency is not None else None


@lru_cache(maxsize=64)
def _calendar_for(
    timezone: str,
    count_cuti_bersama: bool,
    extra: tuple[tuple[date, str], ...] = (),
    hours: tuple[time, time] | None = None,
) -> WorkingCalendar:
    # One calendar per configuration, so the per-year holiday cache is shared across calls.
    return WorkingCalendar(
        timezone=timezone, count_cuti_bersama=count_cuti_bersama, extra_holidays=dict(extra), working_hours=hours
    )


def _matches(pattern: str, value: str) -> bool:
    return re.fullmatch(pattern, value) is not None


def _message(err: Any) -> str:
    # pydantic prefixes our own ValueErrors with "Value error, "; the path already says enough.
    return str(err["msg"]).removeprefix("Value error, ")


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"])
    return f"{loc}: {_message(err)}" if loc else _message(err)


def _format_errors(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        lines.append(f"  - {loc or '<policy>'}: {_message(err)}")
    return "\n".join(lines)


def parse_policy(text: str, origin: str = "<string>") -> Policy:
    """Parse and validate policy TOML text. Any problem raises ValueError naming `origin`."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"SLA policy {origin} is not valid TOML: {exc}") from None
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        raise ValueError(f"SLA policy {origin} is invalid:\n{_format_errors(exc)}") from None
    except (KeyError, ValueError) as exc:  # raised by our own validators outside pydantic's wrapping
        raise ValueError(f"SLA policy {origin} is invalid: {exc}") from None


def load_policy(path: Path | None = None) -> Policy:
    """Read and validate the SLA policy (default: policy.toml next to this module).

    Meant to run at start-up: a malformed policy raises ValueError, a missing file OSError.
    """
    path = Path(path) if path is not None else DEFAULT_POLICY_PATH
    return parse_policy(path.read_text(encoding="utf-8"), origin=str(path))


# ---------------------------------------------------------------------------------------------
# Deadlines


@dataclass(frozen=True, slots=True)
class Deadline:
    """An open SLA clock. Times are aware UTC; due_at and warn_at are ends of local days."""

    clock: str
    started_at: datetime
    due_at: datetime
    warn_at: datetime
    # Which agency's and urusan's overrides applied (None: the base policy); needed to re-resolve escalation.
    agency_code: str | None = None
    urusan: str | None = None


def _add(calendar: WorkingCalendar, unit: ClockUnit, start: datetime, n: int) -> datetime:
    if unit is ClockUnit.WORKING_DAYS:
        return calendar.add_working_days(start, n)
    return calendar.add_calendar_days(start, n)


def _open(
    policy: Policy,
    name: str,
    at: datetime,
    agency_code: str | None,
    urusan: str | None,
    calendar: WorkingCalendar | None,
) -> Deadline:
    cal = calendar if calendar is not None else policy.calendar_for_agency(agency_code)
    clock = policy.clock(name, agency_code, urusan)
    return Deadline(
        clock=name,
        started_at=at.astimezone(UTC),
        due_at=_add(cal, clock.unit, at, clock.limit),
        # warn_before < limit, so this is the end of an earlier day than due_at.
        warn_at=_add(cal, clock.unit, at, clock.limit - clock.warn_before),
        agency_code=agency_code,
        urusan=urusan,
    )


def deadline_for(
    policy: Policy,
    clock: str,
    at: datetime,
    *,
    agency_code: str | None = None,
    urusan: str | None = None,
    calendar: WorkingCalendar | None = None,
) -> Deadline:
    """The deadline clock `clock` has when it starts at `at` (what `aduan sla due` prints)."""
    _require_aware(at)
    return _open(policy, clock, at, agency_code, urusan, calendar)


def clocks_started_by(
    policy: Policy,
    event: str,
    at: datetime,
    agency_code: str | None = None,
    *,
    urusan: str | None = None,
    calendar: WorkingCalendar | None = None,
) -> list[Deadline]:
    """The deadlines that lifecycle `event` at `at` opens, in policy order.

    Uses the overrides of `urusan` and `agency_code` when given, and the holidays of the agency's region.
    Events that open no clock give an empty list. `calendar` overrides the policy's calendar.
    """
    _require_aware(at)
    return [
        _open(policy, name, at, agency_code, urusan, calendar)
        for name, base in policy.clocks.items()
        if base.starts_on == event
    ]


def reschedule(
    policy: Policy,
    deadline: Deadline,
    *,
    agency_code: str | None,
    urusan: str | None,
    calendar: WorkingCalendar | None = None,
) -> Deadline:
    """The same clock from the same start, timed with the overrides and holidays of a now-known agency/urusan."""
    return _open(policy, deadline.clock, deadline.started_at, agency_code, urusan, calendar)


def restart(policy: Policy, deadline: Deadline, at: datetime, *, calendar: WorkingCalendar | None = None) -> Deadline:
    """The clock running again from zero at `at` (same agency and urusan)."""
    _require_aware(at)
    return _open(policy, deadline.clock, at, deadline.agency_code, deadline.urusan, calendar)


def shift_for_pause(
    policy: Policy,
    deadline: Deadline,
    paused_at: datetime,
    resumed_at: datetime,
    *,
    calendar: WorkingCalendar | None = None,
) -> Deadline:
    """The deadline after a pause from `paused_at` to `resumed_at`: warn and due move by the days (in the
    clock's unit) the pause lasted, so the time spent waiting for the reporter is not counted."""
    _require_aware(paused_at)
    _require_aware(resumed_at)
    cal = calendar if calendar is not None else policy.calendar_for_agency(deadline.agency_code)
    clock = policy.clock(deadline.clock, deadline.agency_code, deadline.urusan)
    if clock.unit is ClockUnit.WORKING_DAYS:
        days = max(0, cal.working_days_between(paused_at, resumed_at))
    else:
        days = max(0, (cal.local_date(resumed_at) - cal.local_date(paused_at)).days)
    if days == 0:
        return deadline
    return replace(
        deadline,
        due_at=_add(cal, clock.unit, deadline.due_at, days),
        warn_at=_add(cal, clock.unit, deadline.warn_at, days),
    )


def clocks_stopped_by(policy: Policy, event: str) -> list[str]:
    """Names of the clocks whose `stops_on` lists `event`."""
    return [name for name, clock in policy.clocks.items() if event in clock.stops_on]


def clocks_paused_by(policy: Policy, event: str) -> list[str]:
    return [name for name, clock in policy.clocks.items() if event in clock.pauses_on]


def clocks_resumed_by(policy: Policy, event: str) -> list[str]:
    return [name for name, clock in policy.clocks.items() if event in clock.resumes_on]


def clocks_restarted_by(policy: Policy, event: str) -> list[str]:
    return [name for name, clock in policy.clocks.items() if event in clock.restarts_on]


def classify(deadline: Deadline, now: datetime) -> DeadlineState:
    """ "ok" before warn_at, "warning" from warn_at up to and including due_at, "breach" after."""
    _require_aware(now)
    if now > deadline.due_at:
        return "breach"
    if now >= deadline.warn_at and deadline.warn_at < deadline.due_at:
        return "warning"
    return "ok"


def escalate_at(deadline: Deadline, policy: Policy, *, calendar: WorkingCalendar | None = None) -> datetime | None:
    """End of the `escalate_after`-th day (clock's unit) after due_at; None if the clock never escalates.

    Resolved against the current policy (with the deadline's agency overrides), so a policy change
    re-times escalation of open deadlines; due_at itself is not recomputed.
    """
    clock = policy.clock(deadline.clock, deadline.agency_code, deadline.urusan)
    if clock.escalate_after is None:
        return None
    cal = calendar if calendar is not None else policy.calendar_for_agency(deadline.agency_code)
    return _add(cal, clock.unit, deadline.due_at, clock.escalate_after)


def escalation_due(
    deadline: Deadline, now: datetime, policy: Policy, *, calendar: WorkingCalendar | None = None
) -> bool:
    """True once a breach has lasted past escalate_at (escalate_after = 0: as soon as it is breached)."""
    _require_aware(now)
    when = escalate_at(deadline, policy, calendar=calendar)
    return when is not None and now > when
