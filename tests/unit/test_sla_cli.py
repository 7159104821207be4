"""`aduan sla due STAGE START` prints the due moment the notifier itself computes, in ISO 8601 with +07:00."""

from __future__ import annotations

from datetime import datetime

import pytest

from aduan.cli import main
from services.notifier.deadlines import deadline_for, load_policy


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        # disposed Tue 17 March 2026; 18–24 are Nyepi, Idul Fitri and cuti bersama: 5 working days end on 31 March
        (["follow_up", "2026-03-17T10:00"], "2026-03-31T23:59:59.999999+07:00"),
        # without cuti bersama as holidays: 18, 20, 23, 24, 25
        (["follow_up", "2026-03-17T10:00", "--no-cuti-bersama"], "2026-03-25T23:59:59.999999+07:00"),
        # a UTC evening is already the next day in Jakarta
        (["verification", "2026-11-30T20:00:00+00:00"], "2026-12-04T23:59:59.999999+07:00"),
        (["completeness_answer", "2026-01-05"], "2026-01-19T23:59:59.999999+07:00"),
    ],
)
def test_sla_due_prints_the_notifiers_due_time(
    args: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sla", "due", *args]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed == expected
    if "--no-cuti-bersama" not in args:
        start = datetime.fromisoformat(args[1])
        start = start if start.tzinfo else start.replace(tzinfo=load_policy().calendar().tz)
        assert datetime.fromisoformat(printed) == deadline_for(load_policy(), args[0], start).due_at


def test_an_unknown_stage_or_a_bad_start_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sla", "due", "lunch_break", "2026-03-17"]) == 2
    assert "unknown stage" in capsys.readouterr().out
    assert main(["sla", "due", "follow_up", "next tuesday"]) == 2
    assert "ISO 8601" in capsys.readouterr().out
