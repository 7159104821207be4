"""`aduan sla due STAGE START`: the due time of one SLA clock, computed by the notifier's own code."""

from __future__ import annotations

import argparse
from datetime import datetime
from zoneinfo import ZoneInfo

from services.notifier.calendar import WorkingCalendar
from services.notifier.deadlines import deadline_for, load_policy


def due(args: argparse.Namespace) -> int:
    policy = load_policy(args.policy)
    if args.stage not in policy.clocks:
        print(f"aduan sla due: unknown stage {args.stage!r}; known: {', '.join(policy.clocks)}")
        return 2
    tz = ZoneInfo(policy.timezone)
    try:
        start = datetime.fromisoformat(args.start)
    except ValueError:
        print(f"aduan sla due: START must be ISO 8601 (2026-03-17 or 2026-03-17T10:00+07:00), got {args.start!r}")
        return 2
    if start.tzinfo is None:
        start = start.replace(tzinfo=tz)  # a bare date or time is local (WIB)
    calendar = None
    if args.no_cuti_bersama:
        base = policy.calendar_for_agency(args.agency)
        calendar = WorkingCalendar(
            policy.timezone,
            count_cuti_bersama=False,
            extra_holidays=base.extra_holidays,
            working_hours=base.working_hours,
        )
    d = deadline_for(policy, args.stage, start, agency_code=args.agency, urusan=args.urusan, calendar=calendar)
    print(d.due_at.astimezone(tz).isoformat())
    if args.verbose:
        clock = policy.clock(args.stage, args.agency, args.urusan)
        print(f"warn at {d.warn_at.astimezone(tz).isoformat()}; {clock.limit} {clock.unit.value}; {clock.source}")
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sla", help="SLA deadlines as the notifier computes them")
    sla_sub = p.add_subparsers(dest="sla_command", required=True)
    d = sla_sub.add_parser("due", help="print when a clock started at START is due (ISO 8601, local offset)")
    d.add_argument("stage", help="a clock of the policy: verification, follow_up, auto_close, …")
    d.add_argument("start", help="when the clock started, ISO 8601; without an offset it is local time (WIB)")
    d.add_argument("--no-cuti-bersama", action="store_true", help="count cuti bersama as working days")
    d.add_argument("--agency", default=None, help="agency code whose overrides and regional holidays apply")
    d.add_argument("--urusan", default=None, help="urusan whose overrides apply")
    d.add_argument("--policy", default=None, help="policy file (default: the notifier's policy.toml)")
    d.add_argument("-v", "--verbose", action="store_true", help="also print the warning time and the source")
    d.set_defaults(func=due)
