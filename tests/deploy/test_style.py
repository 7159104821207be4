"""Code style as CI checks it: `ruff check` and `ruff format --check` on the whole repository."""

from __future__ import annotations

import subprocess

from tests.deploy.conftest import ROOT, tool


def test_ruff_check_passes() -> None:
    result = subprocess.run([tool("ruff"), "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_check_passes() -> None:
    result = subprocess.run([tool("ruff"), "format", "--check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
