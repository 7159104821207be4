"""Code style as CI checks it: `ruff check` and `ruff format --check` on the whole repository, and the type
hints of the packages with mypy (what it checks and how: [tool.mypy] in pyproject.toml)."""

from __future__ import annotations

import subprocess
import sys

from tests.deploy.conftest import ROOT, tool


def test_ruff_check_passes() -> None:
    result = subprocess.run([tool("ruff"), "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_check_passes() -> None:
    result = subprocess.run([tool("ruff"), "format", "--check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_passes() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
