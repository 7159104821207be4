"""SLA policy loading and deadline classification.

Behaviour tests use a policy written here, so tuning warn/escalation values in the shipped
policy.toml does not break them; the shipped file is checked only for the limits the law and
LAPOR!'s rules fix (domain/sla-sources.md). Expected dates are worked out by hand from the 2026
calendar (see test_notifier_calendar.py).
"""

from __future__ import annotations

import textwrap
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.notifier.calendar import WorkingCalendar
from services.notifier.deadlines import (
    DEFAULT_POLICY_PATH,
    LIFECYCLE_EVENTS,
    START_EVENTS,
    ClockUnit,
    Deadline,
    Policy,
    classify,
    clocks_started_by,
    clocks_stopped_by,
    escalate_at,
    escalation_due,
    load_policy,
    parse_policy,
)

WIB = ZoneInfo("Asia/Jakarta")


def wib(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0, us: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, us, tzinfo=WIB)


def end_of(d: date) -> datetime:
    return datetime.combine(d, time.max, tzinfo=WIB).astimezone(UTC)


def start_of(d: date) -> datetime:
    return datetime.combine(d, time.min, tzinfo=WIB).astimezone(UTC)


TEST_POLICY = textwrap.dedent(
    """
    version = 1
    timezone = "Asia/Jakarta"
    count_cuti_bersama_as_holiday = true

    [clocks.verification]
    starts_on = "accepted"
    stops_on = ["disposed"]
    unit = "working_days"
    limit = 3
    warn_before = 1
    escalate_after = 1
    source = "LAPOR! FAQ"

    [clocks.follow_up]
    starts_on = "disposed"
    unit = "working_days"
    limit = 5
    warn_before = 1
    escalate_after = 2
    source = "KemenPANRB listing"

    [clocks.auto_close]
    starts_on = "followed_up"
    unit = "working_days"
    limit = 10
    warn_before = 2
    source = "KemenPANRB listing"

    [clocks.completeness_answer]
    starts_on = "accepted"
    stops_on = ["verified"]
    unit = "calendar_days"
    limit = 14
    warn_before = 3
    escalate_after = 0
    source = "UU 25/2009 Pasal 44(3)"

    [clocks.decision]
    starts_on = "verified"
    unit = "calendar_days"
    limit = 60
    warn_before = 3
    escalate_after = 0
    source = "UU 25/2009 Pasal 50(1)"

    [clocks.decision_delivery]
    starts_on = "closed"
    unit = "calendar_days"
    limit = 14
    warn_before = 3
    source = "UU 25/2009 Pasal 50(2)"

    [overrides.kota-metro.follow_up]
    limit = 2
    escalate_after = 0
    source = "SOP Kota Metro (test fixture)"

    [overrides.kab-pesawaran.completeness_answer]
    unit = "working_days"
    limit = 14
    warn_before = 2
    source = "local SOP, 14 hari kerja (test fixture)"
    """
)


@pytest.fixture(scope="module")
def policy() -> Policy:
    return parse_policy(TEST_POLICY)


@pytest.fixture(scope="module")
def cal() -> WorkingCalendar:
    return WorkingCalendar()


def by_clock(deadlines: list[Deadline]) -> dict[str, Deadline]:
    return {d.clock: d for d in deadlines}


# --- the shipped policy -------------------------------------------------------------------------


def test_shipped_policy_loads_with_the_sourced_limits() -> None:
    p = load_policy()
    assert p.timezone == "Asia/Jakarta"
    assert p.count_cuti_bersama_as_holiday is True
    expected = {
        # name: (starts_on, unit, limit) per the table in sla-sources.md
        "verification": ("accepted", ClockUnit.WORKING_DAYS, 3),
        "follow_up": ("disposed", ClockUnit.WORKING_DAYS, 5),
        "auto_close": ("followed_up", ClockUnit.WORKING_DAYS, 10),
        "completeness_answer": ("accepted", ClockUnit.CALENDAR_DAYS, 14),
        "decision": ("disposed", ClockUnit.CALENDAR_DAYS, 60),
        "decision_delivery": ("followed_up", ClockUnit.CALENDAR_DAYS, 14),
    }
    for name, (starts_on, unit, limit) in expected.items():
        clock = p.clocks[name]
        assert (clock.name, clock.starts_on, clock.unit, clock.limit) == (name, starts_on, unit, limit)
        assert clock.source.strip()
    assert "44(3)" in p.clocks["completeness_answer"].source
    assert "50(1)" in p.clocks["decision"].source
    assert "50(2)" in p.clocks["decision_delivery"].source
    assert load_policy(DEFAULT_POLICY_PATH) == p


def test_every_clock_of_the_shipped_policy_starts_and_stops_on_events_that_exist() -> None:
    p = load_policy()
    assert START_EVENTS == LIFECYCLE_EVENTS
    for clock in p.clocks.values():
        assert clock.starts_on in LIFECYCLE_EVENTS
        assert clock.stops_on and set(clock.stops_on) <= LIFECYCLE_EVENTS
    # the reporter's response reopens a report: the agency's follow-up clock runs again
    assert "reopened" in p.clocks["follow_up"].restarts_on


@pytest.mark.parametrize("field", ["starts_on", "stops_on", "pauses_on", "restarts_on"])
def test_an_event_nobody_emits_is_refused_at_load(field: str) -> None:
    head = '[clocks.follow_up]\nstarts_on = "disposed"'
    if field == "starts_on":
        new = '[clocks.follow_up]\nstarts_on = "file_complete"'
    elif field == "pauses_on":
        new = head + '\npauses_on = ["file_complete"]\nresumes_on = ["reopened"]'
    else:
        new = head + f'\n{field} = ["file_complete"]'
    text = TEST_POLICY.replace(head, new)
    assert text != TEST_POLICY
    with pytest.raises(ValueError, match="file_complete"):
        parse_policy(text)


def test_a_pause_without_a_resume_is_refused() -> None:
    head = '[clocks.follow_up]\nstarts_on = "disposed"'
    text = TEST_POLICY.replace(head, head + '\npauses_on = ["followed_up"]')
    assert text != TEST_POLICY
    with pytest.raises(ValueError, match="pauses_on and resumes_on go together"):
        parse_policy(text)


def test_shipped_overrides_reference_real_agencies() -> None:
    from shared.agencies import AGENCIES

    assert set(load_policy().overrides) <= set(AGENCIES)


# --- clocks_started_by --------------------------------------------------------------------------


def test_acceptance_opens_verification_and_completeness_answer(policy: Policy, cal: WorkingCalendar) -> None:
    at = wib(2026, 7, 10, 15)  # Friday afternoon
    opened = by_clock(clocks_started_by(policy, "accepted", at, calendar=cal))
    assert set(opened) == {"verification", "completeness_answer"}

    v = opened["verification"]
    assert v.started_at == at and v.started_at.tzinfo is UTC
    assert v.due_at == end_of(date(2026, 7, 15))  # Mon, Tue, Wed
    assert v.warn_at == end_of(date(2026, 7, 14))  # one working day earlier
    assert v.agency_code is None

    c = opened["completeness_answer"]
    assert c.due_at == end_of(date(2026, 7, 24))  # 10 July + 14 days
    assert c.warn_at == end_of(date(2026, 7, 21))  # 3 calendar days earlier


@pytest.mark.parametrize(
    ("event", "clocks"),
    [
        ("disposed", {"follow_up"}),
        ("followed_up", {"auto_close"}),
        ("verified", {"decision"}),
        ("closed", {"decision_delivery"}),
        ("reopened", set()),
        ("not_our_authority", set()),
    ],
)
def test_each_event_opens_its_clocks(policy: Policy, event: str, clocks: set[str]) -> None:
    assert {d.clock for d in clocks_started_by(policy, event, wib(2026, 7, 10, 9))} == clocks


def test_working_day_clock_over_lebaran_2026(policy: Policy, cal: WorkingCalendar) -> None:
    # Disposed Tue 2026-03-17; 18-24 are all off (Nyepi, Idul Fitri, cuti bersama, weekend).
    # 25 (1), 26 (2), 27 (3), 30 (4), 31 (5); warning at the end of day 4.
    [d] = clocks_started_by(policy, "disposed", wib(2026, 3, 17, 10), calendar=cal)
    assert d.due_at == end_of(date(2026, 3, 31))
    assert d.warn_at == end_of(date(2026, 3, 30))


def test_policy_without_cuti_bersama_counts_those_days() -> None:
    p = parse_policy(TEST_POLICY.replace("as_holiday = true", "as_holiday = false"))
    # Default calendar follows the policy: 18 (1), 20 (2), 23 (3), 24 (4), 25 (5).
    [d] = clocks_started_by(p, "disposed", wib(2026, 3, 17, 10))
    assert d.due_at == end_of(date(2026, 3, 25))


def test_calendar_day_clocks_ignore_holidays(policy: Policy) -> None:
    # 60 days from 2026-01-05: 26 in January + 28 in February + 6 in March -> 6 March.
    [d] = clocks_started_by(policy, "verified", wib(2026, 1, 5, 11))
    assert d.due_at == end_of(date(2026, 3, 6))
    # Decision on Tue 2026-03-17: 14 days later is 31 March despite Lebaran.
    [d] = clocks_started_by(policy, "closed", wib(2026, 3, 17, 11))
    assert d.due_at == end_of(date(2026, 3, 31))


def test_events_are_dated_in_jakarta(policy: Policy) -> None:
    # 2026-11-30 20:00 UTC is Tuesday 1 December in Jakarta: Wed 2 (1), Thu 3 (2), Fri 4 (3).
    [d] = clocks_started_by(policy, "accepted", datetime(2026, 11, 30, 20, tzinfo=UTC))[:1]
    assert d.clock == "verification"
    assert d.due_at == end_of(date(2026, 12, 4))


def test_agency_override_applies_only_to_that_agency(policy: Policy) -> None:
    at = wib(2026, 7, 10, 15)
    [metro] = clocks_started_by(policy, "disposed", at, "kota-metro")
    [other] = clocks_started_by(policy, "disposed", at, "kota-bandar-lampung")
    [base] = clocks_started_by(policy, "disposed", at)
    assert metro.due_at == end_of(date(2026, 7, 14))  # 2 working days: Mon, Tue
    assert metro.warn_at == end_of(date(2026, 7, 13))  # warn_before inherited (1)
    assert metro.agency_code == "kota-metro"
    assert other.due_at == base.due_at == end_of(date(2026, 7, 17))  # 5 working days
    assert policy.clock("follow_up", "kota-metro").source.startswith("SOP Kota Metro")
    assert policy.clock("follow_up", "kota-metro").starts_on == "disposed"


def test_override_may_change_the_unit(policy: Policy) -> None:
    # 14 working days from Fri 2026-07-10: 13-17, 20-24, 27-30 July -> Thu 30 July.
    opened = by_clock(clocks_started_by(policy, "accepted", wib(2026, 7, 10, 15), "kab-pesawaran"))
    assert opened["completeness_answer"].due_at == end_of(date(2026, 7, 30))
    assert opened["completeness_answer"].warn_at == end_of(date(2026, 7, 28))
    assert opened["verification"].due_at == end_of(date(2026, 7, 15))  # not overridden


def test_clocks_stopped_by(policy: Policy) -> None:
    assert clocks_stopped_by(policy, "disposed") == ["verification"]
    assert clocks_stopped_by(policy, "verified") == ["completeness_answer"]
    assert clocks_stopped_by(policy, "nothing") == []


def test_naive_event_time_is_rejected(policy: Policy) -> None:
    with pytest.raises(ValueError, match="aware"):
        clocks_started_by(policy, "accepted", datetime(2026, 7, 10, 15))


# --- classify / escalation ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def verification(policy: Policy) -> Deadline:
    # Friday 2026-07-10 15:00: warn from the end of Tue 14, due at the end of Wed 15.
    return clocks_started_by(policy, "accepted", wib(2026, 7, 10, 15))[0]


@pytest.mark.parametrize(
    ("now", "state"),
    [
        (wib(2026, 7, 10, 15, 1), "ok"),
        (wib(2026, 7, 14, 12), "ok"),
        (wib(2026, 7, 14, 23, 59, 59, 999999), "warning"),  # warn_at itself
        (wib(2026, 7, 15, 8), "warning"),
        (wib(2026, 7, 15, 23, 59, 59, 999999), "warning"),  # due_at itself is still in time
        (wib(2026, 7, 16, 0), "breach"),
        (wib(2026, 8, 1), "breach"),
    ],
)
def test_classify(verification: Deadline, now: datetime, state: str) -> None:
    assert classify(verification, now) == state


def test_classify_compares_instants_not_wall_clocks(verification: Deadline) -> None:
    # 2026-07-15 17:30 UTC is already Thursday 00:30 in Jakarta.
    assert classify(verification, datetime(2026, 7, 15, 17, 30, tzinfo=UTC)) == "breach"
    assert classify(verification, datetime(2026, 7, 15, 16, 30, tzinfo=UTC)) == "warning"


def test_zero_warn_before_means_no_warning_phase(cal: WorkingCalendar) -> None:
    p = parse_policy(TEST_POLICY.replace("limit = 3\nwarn_before = 1", "limit = 3\nwarn_before = 0"))
    d = clocks_started_by(p, "accepted", wib(2026, 7, 10, 15), calendar=cal)[0]
    assert d.warn_at == d.due_at
    assert classify(d, d.due_at) == "ok"
    assert classify(d, d.due_at + timedelta(microseconds=1)) == "breach"


def test_escalation_after_working_days(policy: Policy, verification: Deadline) -> None:
    # escalate_after = 1 working day past due (Wed 15): escalate after the end of Thu 16.
    assert escalate_at(verification, policy) == end_of(date(2026, 7, 16))
    assert not escalation_due(verification, wib(2026, 7, 16, 0), policy)  # breached, not yet escalated
    assert not escalation_due(verification, wib(2026, 7, 16, 23, 59), policy)
    assert escalation_due(verification, wib(2026, 7, 17, 0), policy)


def test_escalation_skips_holidays(policy: Policy) -> None:
    # follow_up disposed Wed 2026-08-12: 13, 14, 18 (17 is Kemerdekaan), 19, 20 -> due Thu 20 Aug.
    # escalate_after = 2 working days: Fri 21 (1), Mon 24 (2).
    [d] = clocks_started_by(policy, "disposed", wib(2026, 8, 12, 9))
    assert d.due_at == end_of(date(2026, 8, 20))
    assert not escalation_due(d, wib(2026, 8, 24, 12), policy)
    assert escalation_due(d, start_of(date(2026, 8, 25)), policy)


def test_escalate_after_zero_escalates_at_breach(policy: Policy) -> None:
    [d] = clocks_started_by(policy, "verified", wib(2026, 1, 5, 11))
    assert not escalation_due(d, d.due_at, policy)
    assert escalation_due(d, d.due_at + timedelta(microseconds=1), policy)


def test_escalation_follows_agency_override(policy: Policy) -> None:
    [metro] = clocks_started_by(policy, "disposed", wib(2026, 7, 10, 15), "kota-metro")
    assert escalation_due(metro, metro.due_at + timedelta(microseconds=1), policy)  # override: 0


def test_clock_without_escalate_after_never_escalates(policy: Policy) -> None:
    [d] = clocks_started_by(policy, "followed_up", wib(2026, 7, 10, 15))
    assert escalate_at(d, policy) is None
    assert classify(d, wib(2027, 1, 1)) == "breach"
    assert not escalation_due(d, wib(2027, 1, 1), policy)


START_TIMES = st.builds(
    lambda naive: naive.replace(tzinfo=WIB),
    st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)),
)


@settings(deadline=None, max_examples=100)
@given(
    at=START_TIMES,
    event=st.sampled_from(sorted(START_EVENTS)),
    agency=st.sampled_from([None, "kota-metro", "kab-pesawaran"]),
    probe=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=120)),
)
def test_states_progress_in_order(
    policy: Policy, at: datetime, event: str, agency: str | None, probe: timedelta
) -> None:
    order = {"ok": 0, "warning": 1, "breach": 2}
    for d in clocks_started_by(policy, event, at, agency):
        assert d.started_at < d.warn_at <= d.due_at
        now = at + probe
        later = now + timedelta(hours=13)
        assert order[classify(d, now)] <= order[classify(d, later)]
        if escalation_due(d, now, policy):
            assert classify(d, now) == "breach"


# --- malformed policies -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('unit = "working_days"\nlimit = 3', 'unit = "business_days"\nlimit = 3', "unit"),
        ("limit = 3\n", "limit = 0\n", "limit"),
        ("limit = 3\n", 'limit = "3"\n', "limit"),
        ("limit = 3\n", "limit = 3.5\n", "limit"),
        ("limit = 3\nwarn_before = 1", "limit = 3\nwarn_before = 3", "warn_before"),
        ("limit = 3\nwarn_before = 1", "limit = 3\nwarn_before = -1", "warn_before"),
        ('starts_on = "accepted"\nstops', 'starts_on = "acepted"\nstops', "starts_on"),
        ('source = "LAPOR! FAQ"', 'source = "   "', "source"),
        ('source = "LAPOR! FAQ"\n', "", "source"),
        ("escalate_after = 1\n", "escalate_after = -1\n", "escalate_after"),
        ("limit = 3\n", "limit = 3\nlimt = 4\n", "limt"),
        ('timezone = "Asia/Jakarta"', 'timezone = "Asia/Bandar_Lampung"', "timezone"),
        ("as_holiday = true", 'as_holiday = "yes"', "count_cuti_bersama"),
        ("version = 1", "version = 2", "version"),
        ("kota-metro.follow_up]", "kota-metro.folow_up]", "folow_up"),
        ("follow_up]\nlimit = 2", "follow_up]\nlimit = 1", "warn_before"),  # merged: warn 1 >= limit 1
        ("follow_up]\nlimit = 2", 'follow_up]\nstarts_on = "accepted"\nlimit = 2', "starts_on"),
        ("[overrides.kota-metro.", "[overrides.Kota_Metro.", "Kota_Metro"),
        ("[clocks.verification]", "[clocks.Verification]", "name"),
    ],
)
def test_malformed_policy_is_rejected(old: str, new: str, message: str) -> None:
    assert old in TEST_POLICY
    with pytest.raises(ValueError, match=message):
        parse_policy(TEST_POLICY.replace(old, new, 1))


def test_invalid_toml_and_empty_policy_are_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "policy.toml"
    bad.write_text("[clocks.verification\nlimit = 3\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"not valid TOML"):
        load_policy(bad)
    bad.write_text('timezone = "Asia/Jakarta"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="clocks"):
        load_policy(bad)
    bad.write_text('timezone = "Asia/Jakarta"\n[clocks]\n', encoding="utf-8")
    with pytest.raises(ValueError, match="no clocks"):
        load_policy(bad)


def test_error_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "sla.toml"
    bad.write_text(TEST_POLICY.replace("limit = 60", "limit = -60"), encoding="utf-8")
    with pytest.raises(ValueError, match=r"sla\.toml") as info:
        load_policy(bad)
    assert "clocks.decision.limit" in str(info.value)


def test_load_policy_reads_a_given_path(tmp_path: Path) -> None:
    good = tmp_path / "policy.toml"
    good.write_text(TEST_POLICY, encoding="utf-8")
    assert load_policy(good) == parse_policy(TEST_POLICY)
