"""Deploy checks run by `make test`: the tools come from the project's test extra (pyproject.toml)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    """A command-line tool installed by the test extra (next to this Python), else on PATH."""
    found = BIN / name
    if found.exists():
        return str(found)
    on_path = shutil.which(name)
    if on_path is None:
        pytest.fail(f"{name} is missing: `make setup` installs it from the test extra")
    return on_path
