"""The notifier's pure rules: the alert plan, pauses and restarts, overrides per urusan, regional holidays,
working hours, the recipients file, quiet hours, webhook signatures and the message texts."""

from __future__ import annotations

import textwrap
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.notifier.alerts import AlertState, plan
from services.notifier.deadlines import (
    deadline_for,
    load_policy,
    parse_policy,
    restart,
    shift_for_pause,
)
from services.notifier.delivery import backoff, parse_quiet_hours, quiet_until, sign, verify
from services.notifier.messages import load_messages
from services.notifier.recipients import load_recipients, parse_recipients
from shared.events import CitizenMessageKind, SlaAlertKind

WIB = ZoneInfo("Asia/Jakarta")


def wib(*a: int) -> datetime:
    return datetime(*a, tzinfo=WIB)  # type: ignore[misc]


def end_of(d: date, at: time = time.max) -> datetime:
    return datetime.combine(d, at, tzinfo=WIB).astimezone(UTC)


@pytest.fixture(scope="module")
def policy():  # type: ignore[no-untyped-def]
    return load_policy()


CHAIN = (timedelta(0), timedelta(hours=48))


# --- the alert plan ---------------------------------------------------------------------------


def test_a_breached_clock_that_never_escalates_leaves_the_scan(policy) -> None:  # type: ignore[no-untyped-def]
    d = deadline_for(policy, "auto_close", wib(2026, 7, 1, 9))
    now = d.due_at + timedelta(days=30)
    first = plan(d, AlertState(), now, policy, CHAIN)
    assert [s.kind for s in first.due] == [SlaAlertKind.WARNING, SlaAlertKind.BREACH]
    after = plan(d, AlertState(warned=True, breached=True), now, policy, CHAIN)
    assert after.due == () and after.next_at is None  # auto_close has no escalate_after


def test_steps_come_one_after_another_and_each_only_once(policy) -> None:  # type: ignore[no-untyped-def]
    d = deadline_for(policy, "follow_up", wib(2026, 7, 1, 9))
    fresh = plan(d, AlertState(), d.warn_at - timedelta(hours=1), policy, CHAIN)
    assert fresh.due == () and fresh.next_at == d.warn_at
    at_warn = plan(d, AlertState(), d.warn_at, policy, CHAIN)
    assert [s.kind for s in at_warn.due] == [SlaAlertKind.WARNING]
    warned = plan(d, AlertState(warned=True), d.due_at, policy, CHAIN)
    assert warned.due == () and warned.next_at == d.due_at + timedelta(microseconds=1)
    breached = AlertState(warned=True, breached=True)
    p = plan(d, breached, d.due_at + timedelta(hours=1), policy, CHAIN)
    # escalate_after = 2 working days: level 1 not yet
    assert p.due == () and p.next_at is not None and p.next_at > d.due_at + timedelta(days=1)
    level1 = plan(d, breached, p.next_at, policy, CHAIN)
    assert [(s.kind, s.level) for s in level1.due] == [(SlaAlertKind.ESCALATION, 1)]
    done1 = AlertState(warned=True, breached=True, escalation_level=1)
    level2_at = plan(d, done1, p.next_at, policy, CHAIN).next_at
    assert level2_at == p.next_at + timedelta(hours=48)
    assert plan(d, AlertState(warned=True, breached=True, escalation_level=2), level2_at, policy, CHAIN).next_at is None


def test_a_paused_or_stopped_clock_has_nothing_due(policy) -> None:  # type: ignore[no-untyped-def]
    d = deadline_for(policy, "decision", wib(2026, 1, 5, 9))
    late = d.due_at + timedelta(days=10)
    assert plan(d, AlertState(paused=True), late, policy, CHAIN) == plan(
        d, AlertState(stopped=True), late, policy, CHAIN
    )
    assert plan(d, AlertState(paused=True), late, policy, CHAIN).next_at is None


# --- pause, resume, restart -------------------------------------------------------------------


def test_a_pause_moves_the_deadline_by_the_days_it_lasted(policy) -> None:  # type: ignore[no-untyped-def]
    d = deadline_for(policy, "decision", wib(2026, 1, 5, 11))  # 60 calendar days: 6 March
    assert d.due_at == end_of(date(2026, 3, 6))
    shifted = shift_for_pause(policy, d, wib(2026, 1, 20, 10), wib(2026, 1, 30, 15))  # 10 days waiting
    assert shifted.due_at == end_of(date(2026, 3, 16))
    assert shifted.warn_at == end_of(date(2026, 3, 13))


def test_a_working_day_pause_counts_working_days(policy) -> None:  # type: ignore[no-untyped-def]
    d = deadline_for(policy, "follow_up", wib(2026, 7, 6, 9))  # Mon; 5 wd -> Mon 13 July
    assert d.due_at == end_of(date(2026, 7, 13))
    # paused Fri 10, resumed Mon 13: one working day (Mon) passed
    assert shift_for_pause(policy, d, wib(2026, 7, 10, 9), wib(2026, 7, 13, 9)).due_at == end_of(date(2026, 7, 14))


def test_a_restart_runs_the_clock_from_the_reopen(policy) -> None:  # type: ignore[no-untyped-def]
    d = deadline_for(policy, "follow_up", wib(2026, 7, 6, 9), agency_code="kota-metro")
    again = restart(policy, d, wib(2026, 8, 3, 9))  # Monday 3 August
    assert again.started_at == wib(2026, 8, 3, 9)
    assert again.due_at == end_of(date(2026, 8, 10))
    assert again.agency_code == "kota-metro"


# --- overrides, holidays, working hours -------------------------------------------------------

BASE = textwrap.dedent("""
    version = 1
    [clocks.follow_up]
    starts_on = "disposed"
    stops_on = ["followed_up"]
    unit = "working_days"
    limit = 5
    warn_before = 1
    escalate_after = 1
    source = "test"
""")


def test_an_urusan_override_applies_to_due_warn_and_escalation_and_the_agency_wins() -> None:
    p = parse_policy(
        BASE
        + textwrap.dedent("""
        [urusan_overrides.kesehatan.follow_up]
        limit = 2
        escalate_after = 0
        source = "test SOP kesehatan"
        [overrides.kota-metro.follow_up]
        limit = 3
        source = "test SOP Metro"
    """)
    )
    at = wib(2026, 7, 6, 9)  # Monday
    health = deadline_for(p, "follow_up", at, urusan="kesehatan")
    assert health.due_at == end_of(date(2026, 7, 8)) and health.warn_at == end_of(date(2026, 7, 7))
    assert p.clock("follow_up", urusan="kesehatan").escalate_after == 0
    metro = deadline_for(p, "follow_up", at, agency_code="kota-metro", urusan="kesehatan")
    assert metro.due_at == end_of(date(2026, 7, 9))
    assert p.clock("follow_up", "kota-metro", "kesehatan").escalate_after == 0  # urusan's, not overridden by Metro


def test_regional_extra_holidays_apply_to_their_region_only() -> None:
    p = parse_policy(
        BASE
        + textwrap.dedent("""
        [[extra_holidays]]
        day = 2026-07-08
        name = "HUT test"
        regions = ["18.71"]
        source = "test decree"
    """)
    )
    at = wib(2026, 7, 6, 9)
    assert deadline_for(p, "follow_up", at, agency_code="kota-bandar-lampung").due_at == end_of(date(2026, 7, 14))
    assert deadline_for(p, "follow_up", at, agency_code="kota-metro").due_at == end_of(date(2026, 7, 13))


def test_an_unknown_region_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown region"):
        parse_policy(BASE + '[[extra_holidays]]\nday = 2026-07-08\nname = "x"\nregions = ["19.01"]\nsource = "s"\n')


def test_working_hours_end_the_day_early_and_late_arrivals_count_from_tomorrow() -> None:
    p = parse_policy(BASE + "[working_hours]\nstart = 07:30:00\nend = 16:00:00\n")
    early = deadline_for(p, "follow_up", wib(2026, 7, 6, 9))
    assert early.due_at == end_of(date(2026, 7, 13), time(16))
    late = deadline_for(p, "follow_up", wib(2026, 7, 6, 17))  # after closing: as if Tuesday
    assert late.due_at == end_of(date(2026, 7, 14), time(16))


# --- recipients -------------------------------------------------------------------------------


def test_the_shipped_recipients_file_loads_with_a_two_level_chain() -> None:
    r = load_recipients()
    assert [s.to for s in r.escalation] == [("agency_head",), ("admin_koordinator", "inspektorat")]
    assert r.chain_delays == (timedelta(0), timedelta(hours=48))


RECIPIENTS = textwrap.dedent("""
    [[escalation]]
    level = 1
    to = ["agency_head"]
    after_hours = 0
    [agencies.kota-metro.admin]
    email = "admin@metro.example"
    phone = "0812-3456-7890"
    [agencies.kota-metro.head]
    email = "admin@metro.example"
    webhook = { url = "http://127.0.0.1:9/hook", secret_env = "ADUAN_WEBHOOK_SECRET_METRO" }
    [regions."18.72".inspektorat]
    email = "inspektorat@metro.example"
    [province.inspektorat]
    email = "inspektorat@lampung.example"
""")


def test_recipients_resolve_by_role_channel_and_region() -> None:
    r = parse_recipients(RECIPIENTS)
    admin = r.deliveries(("agency_admin",), "kota-metro")
    assert {(d.channel, d.address) for d in admin} == {("email", "admin@metro.example"), ("sms", "+6281234567890")}
    both = r.deliveries(("agency_admin", "agency_head"), "kota-metro")
    assert sorted(d.key for d in both) == [
        "email:admin@metro.example",
        "sms:+6281234567890",
        "webhook:http://127.0.0.1:9/hook",
    ]  # a shared address once
    assert [d.address for d in r.deliveries(("inspektorat",), "kota-metro")] == ["inspektorat@metro.example"]
    assert [d.address for d in r.deliveries(("inspektorat",), "prov-bmbk")] == ["inspektorat@lampung.example"]
    assert r.deliveries(("agency_admin",), "kab-mesuji") == []


def test_webhook_secrets_must_be_in_the_environment() -> None:
    r = parse_recipients(RECIPIENTS)
    with pytest.raises(ValueError, match="ADUAN_WEBHOOK_SECRET_METRO"):
        r.check_secrets({})
    r.check_secrets({"ADUAN_WEBHOOK_SECRET_METRO": "s3cret"})


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('[agencies.kab-atlantis.admin]\nemail = "a@b.example"\n', "unknown agency"),
        ('[agencies.kota-metro.admin]\nphone = "12"\n', "phone"),
        ('[agencies.kota-metro.admin]\nname = "nobody"\n', "needs an email"),
        (
            '[agencies.kota-metro.head]\nwebhook = { url = "http://x.example/h", secret_env = "hunter2" }\n',
            "secret_env",
        ),
        ('[[escalation]]\nlevel = 2\nto = ["agency_head"]\nafter_hours = 0\n', "levels must be 1"),
        ('[regions."18.99".inspektorat]\nemail = "a@b.example"\n', "kab/kota"),
    ],
)
def test_a_bad_recipients_file_is_refused(text: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        parse_recipients(text)


# --- delivery helpers -------------------------------------------------------------------------


def test_quiet_hours_wrap_past_midnight() -> None:
    quiet = parse_quiet_hours("21:00-07:00")
    assert quiet_until(wib(2026, 7, 6, 20, 59), quiet, WIB) is None
    assert quiet_until(wib(2026, 7, 6, 21, 0), quiet, WIB) == wib(2026, 7, 7, 7, 0)
    assert quiet_until(wib(2026, 7, 7, 3, 0), quiet, WIB) == wib(2026, 7, 7, 7, 0)
    assert quiet_until(wib(2026, 7, 7, 7, 0), quiet, WIB) is None
    assert quiet_until(wib(2026, 7, 7, 3, 0), parse_quiet_hours(""), WIB) is None
    with pytest.raises(ValueError):
        parse_quiet_hours("9pm-7am")


def test_a_webhook_signature_verifies_and_a_changed_body_or_old_timestamp_does_not() -> None:
    body = b'{"kind":"breach"}'
    sig = sign("s3cret", "1767225600", body)
    assert sig.startswith("v1=") and len(sig) == 3 + 64
    assert verify("s3cret", "1767225600", body, sig, now=1767225700)
    assert not verify("s3cret", "1767225600", body + b" ", sig, now=1767225700)
    assert not verify("other", "1767225600", body, sig, now=1767225700)
    assert not verify("s3cret", "1767225600", body, sig, now=1767225600 + 3600)


def test_backoff_grows_and_is_capped() -> None:
    import random

    rng = random.Random(1)
    delays = [backoff(n, 5, 60, rng).total_seconds() for n in (1, 2, 3, 4, 10)]
    assert 4 <= delays[0] <= 6 and 8 <= delays[1] <= 12 and 16 <= delays[2] <= 24 and delays[4] <= 72


def test_messages_cover_every_kind_and_clock(policy) -> None:  # type: ignore[no-untyped-def]
    m = load_messages()
    m.check_clocks(set(policy.clocks))
    text = m.citizen_text(CitizenMessageKind.OMBUDSMAN, tracking_number="LPG-1", agency_name="Pemerintah Kota Metro")
    assert "Ombudsman RI Perwakilan Lampung" in text and "LPG-1" in text
    with pytest.raises(ValueError, match="no label"):
        m.check_clocks({"mystery"})


def test_a_complaint_not_routed_yet_falls_to_the_provinces_admin_koordinator() -> None:
    r = parse_recipients(RECIPIENTS + '[province.admin_koordinator]\nemail = "koordinator@lampung.example"\n')
    assert [d.address for d in r.deliveries(("agency_admin", "agency_head"), None)] == ["koordinator@lampung.example"]
