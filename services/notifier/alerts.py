"""Which warning, breach and escalation steps of a deadline are due, and when the next one comes.

A clock's steps, in order: the warning (at warn_at), the breach (just after due_at), then one escalation
step per level of the chain (the first at the policy's escalate_at plus its delay, the next ones after
their own delays). A step already announced is never due again; `next_at` is the earliest step not
announced yet, or None when nothing is left (so a breached clock that never escalates leaves the due scan for good).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.notifier.calendar import WorkingCalendar
from services.notifier.deadlines import Deadline, Policy, escalate_at
from shared.events import SlaAlertKind

__all__ = ["AlertState", "Plan", "Step", "plan", "plan_steps", "steps"]

_TICK = timedelta(microseconds=1)  # a breach is "after due_at", never at it


@dataclass(frozen=True, slots=True)
class Step:
    kind: SlaAlertKind
    level: int
    at: datetime  # due once now >= at


@dataclass(frozen=True, slots=True)
class AlertState:
    warned: bool = False
    breached: bool = False
    escalation_level: int = 0
    paused: bool = False
    stopped: bool = False

    def done(self, step: Step) -> bool:
        if step.kind is SlaAlertKind.WARNING:
            return self.warned
        if step.kind is SlaAlertKind.BREACH:
            return self.breached
        return step.level <= self.escalation_level


@dataclass(frozen=True, slots=True)
class Plan:
    due: tuple[Step, ...]
    next_at: datetime | None


def steps(
    deadline: Deadline, policy: Policy, chain_delays: tuple[timedelta, ...], *, calendar: WorkingCalendar | None = None
) -> list[Step]:
    """Every step of the clock in time order. `chain_delays[i]` is escalation level i+1's delay after escalate_at
    (cumulative: each delay counts from the level before)."""
    out: list[Step] = []
    if deadline.warn_at < deadline.due_at:
        out.append(Step(SlaAlertKind.WARNING, 0, deadline.warn_at))
    out.append(Step(SlaAlertKind.BREACH, 0, deadline.due_at + _TICK))
    esc = escalate_at(deadline, policy, calendar=calendar)
    if esc is not None:
        at = esc + _TICK
        for level, delay in enumerate(chain_delays, start=1):
            at = at + delay
            out.append(Step(SlaAlertKind.ESCALATION, level, at))
    return out


def plan(
    deadline: Deadline,
    state: AlertState,
    now: datetime,
    policy: Policy,
    chain_delays: tuple[timedelta, ...],
    *,
    calendar: WorkingCalendar | None = None,
) -> Plan:
    """The steps due at `now` that were not announced yet, and the moment of the first step not announced yet
    (None when none is left)."""
    if state.stopped or state.paused:
        return Plan((), None)
    return plan_steps(steps(deadline, policy, chain_delays, calendar=calendar), state, now)


def plan_steps(all_steps: list[Step], state: AlertState, now: datetime) -> Plan:
    """`plan` over steps computed once (the scan plans a clock before and after announcing its due steps)."""
    if state.stopped or state.paused:
        return Plan((), None)
    pending = [s for s in all_steps if not state.done(s)]
    due = tuple(s for s in pending if s.at <= now)
    # the earliest step not announced yet, even if already due: the scan finds it through next_alert_at
    return Plan(due, min((s.at for s in pending), default=None))
