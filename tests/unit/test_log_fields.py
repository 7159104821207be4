"""Every log call of the services declares the fields it passes (shared/log_fields.toml): an undeclared
field is dropped from the line by name only (shared/logging.py `allow_listed`), so the operator would
never see it. Read from the source, so a new log call with a new field fails here, not in production."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from shared.logging import PERSONAL_KEYS, log_fields

ROOT = Path(__file__).resolve().parents[2]
LEVELS = {"debug", "info", "warning", "error", "exception", "critical"}


def _log_calls() -> list[tuple[str, str, frozenset[str]]]:
    """(where, event, keyword fields) of each `log.<level>("literal", field=…)` under services/ and shared/."""
    calls = []
    for path in sorted([*ROOT.glob("services/**/*.py"), *ROOT.glob("shared/**/*.py")]):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in LEVELS
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "log"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                fields = frozenset(k.arg for k in node.keywords if k.arg is not None)
                calls.append((f"{path.relative_to(ROOT)}:{node.lineno}", node.args[0].value, fields))
    return calls


CALLS = _log_calls()


def test_the_services_log_calls_are_found() -> None:
    assert len(CALLS) > 50 and any(event == "complaint accepted" for _, event, _ in CALLS)


@pytest.mark.parametrize(("where", "event", "fields"), CALLS, ids=[where for where, _, _ in CALLS])
def test_every_field_of_a_log_call_is_declared_for_its_event(where: str, event: str, fields: frozenset[str]) -> None:
    declared = log_fields()
    allowed = declared.common | declared.events.get(event, frozenset()) | PERSONAL_KEYS
    assert fields <= allowed, f"{where}: declare {sorted(fields - allowed)} for {event!r} in shared/log_fields.toml"
