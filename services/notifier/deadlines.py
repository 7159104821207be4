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
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from services.notifier.calendar import WorkingCalendar, _require_aware

__all__ = [
    "DEFAULT_POLICY_PATH",
    "START_EVENTS",
    "ClockOverride",
    "ClockPolicy",
    "ClockUnit",
    "Deadline",
    "DeadlineState",
    "Policy",
    "classify",
    "clocks_started_by",
    "clocks_stopped_by",
    "escalate_at",
    "escalation_due",
    "load_policy",
    "parse_policy",
]

DEFAULT_POLICY_PATH = Path(__file__).with_name("policy.toml")

# Lifecycle events a clock may start on. A closed set so that a typo in the policy ("dispose")
# fails at start-up instead of silently never opening a clock.
START_EVENTS: frozenset[str] = frozenset({"accepted", "disposed", "followed_up", "file_complete", "decided"})

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

    @field_validator("unit", mode="before")
    @classmethod
    def _unit_from_str(cls, value: Any) -> Any:
        return _parse_unit(value)

    @field_validator("stops_on", mode="before")
    @classmethod
    def _stops_on_from_list(cls, value: Any) -> Any:
        return tuple(value) if isinstance(value, list) else value

    @field_validator("starts_on")
    @classmethod
    def _known_start_event(cls, value: str) -> str:
        if value not in START_EVENTS:
            raise ValueError(f"starts_on must be one of {sorted(START_EVENTS)}, got {value!r}")
        return value

    @field_validator("source")
    @classmethod
    def _source_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("source must cite where the limit comes from")
        return value

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


class Policy(_Strict):
    version: int = 1
    timezone: str = "Asia/Jakarta"
    count_cuti_bersama_as_holiday: bool = True
    clocks: dict[str, ClockPolicy]
    overrides: dict[str, dict[str, ClockOverride]] = Field(default_factory=dict)

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
                    raise ValueError(
                        f"overrides.{agency}.{clock_name}: no such clock (known: {sorted(self.clocks)})"
                    )
                # Validate the merged clock now, so a bad override fails at start-up, not mid-shift.
                self.clock(clock_name, agency)
        return self

    def clock(self, name: str, agency_code: str | None = None) -> ClockPolicy:
        """The effective clock `name` for `agency_code` (base clock when there is no override)."""
        try:
            base = self.clocks[name]
        except KeyError:
            raise KeyError(f"no clock named {name!r} in the policy") from None
        override = self.overrides.get(agency_code, {}).get(name) if agency_code else None
        if override is None:
            return base
        changes = override.model_dump(exclude_none=True)
        try:
            return ClockPolicy.model_validate({**base.model_dump(), **changes})
        except ValidationError as exc:
            raise ValueError(f"overrides.{agency_code}.{name}: {_first_error(exc)}") from None

    def calendar(self) -> WorkingCalendar:
        """A WorkingCalendar configured by this policy (shared across calls)."""
        return _calendar_for(self.timezone, self.count_cuti_bersama_as_holiday)


@lru_cache(maxsize=8)
def _calendar_for(timezone: str, count_cuti_bersama: bool) -> WorkingCalendar:
    # One calendar per configuration, so the per-year holiday cache is shared across calls.
    return WorkingCalendar(timezone=timezone, count_cuti_bersama=count_cuti_bersama)


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
    # Which agency's overrides applied (None: the base policy); needed to re-resolve escalation.
    agency_code: str | None = None


def _add(calendar: WorkingCalendar, unit: ClockUnit, start: datetime, n: int) -> datetime:
    if unit is ClockUnit.WORKING_DAYS:
        return calendar.add_working_days(start, n)
    return calendar.add_calendar_days(start, n)


def clocks_started_by(
    policy: Policy,
    event: str,
    at: datetime,
    agency_code: str | None = None,
    *,
    calendar: WorkingCalendar | None = None,
) -> list[Deadline]:
    """The deadlines that lifecycle `event` at `at` opens, in policy order.

    Uses `agency_code`'s overrides when given. Events that open no clock give an empty list.
    `calendar` defaults to the one the policy describes.
    """
    _require_aware(at)
    cal = calendar if calendar is not None else policy.calendar()
    opened: list[Deadline] = []
    for name, base in policy.clocks.items():
        if base.starts_on != event:
            continue
        clock = policy.clock(name, agency_code)
        opened.append(
            Deadline(
                clock=name,
                started_at=at.astimezone(UTC),
                due_at=_add(cal, clock.unit, at, clock.limit),
                # warn_before < limit, so this is the end of an earlier day than due_at.
                warn_at=_add(cal, clock.unit, at, clock.limit - clock.warn_before),
                agency_code=agency_code,
            )
        )
    return opened


def clocks_stopped_by(policy: Policy, event: str) -> list[str]:
    """Names of the clocks whose `stops_on` lists `event`."""
    return [name for name, clock in policy.clocks.items() if event in clock.stops_on]


def classify(deadline: Deadline, now: datetime) -> DeadlineState:
    """"ok" before warn_at, "warning" from warn_at up to and including due_at, "breach" after."""
    _require_aware(now)
    if now > deadline.due_at:
        return "breach"
    if now >= deadline.warn_at and deadline.warn_at < deadline.due_at:
        return "warning"
    return "ok"


def escalate_at(
    deadline: Deadline, policy: Policy, *, calendar: WorkingCalendar | None = None
) -> datetime | None:
    """End of the `escalate_after`-th day (clock's unit) after due_at; None if the clock never escalates.

    Resolved against the current policy (with the deadline's agency overrides), so a policy change
    re-times escalation of open deadlines; due_at itself is not recomputed.
    """
    clock = policy.clock(deadline.clock, deadline.agency_code)
    if clock.escalate_after is None:
        return None
    cal = calendar if calendar is not None else policy.calendar()
    return _add(cal, clock.unit, deadline.due_at, clock.escalate_after)


def escalation_due(
    deadline: Deadline, now: datetime, policy: Policy, *, calendar: WorkingCalendar | None = None
) -> bool:
    """True once a breach has lasted past escalate_at (escalate_after = 0: as soon as it is breached)."""
    _require_aware(now)
    when = escalate_at(deadline, policy, calendar=calendar)
    return when is not None and now > when
