"""Every folder of Python code the project installs or tests is a regular package (has __init__.py), so
`import shared` never resolves to some other folder named `shared` on the path (a namespace package)."""

from __future__ import annotations

import importlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOP_LEVEL = ("aduan", "services", "shared", "simulators", "tests")


def _code_dirs() -> list[Path]:
    dirs = set()
    for top in TOP_LEVEL:
        for py in (ROOT / top).rglob("*.py"):
            if "__pycache__" not in py.parts:
                dirs.add(py.parent)
    return sorted(dirs)


def test_every_code_folder_is_a_regular_package() -> None:
    missing = [str(d.relative_to(ROOT)) for d in _code_dirs() if not (d / "__init__.py").is_file()]
    assert missing == []


def test_top_level_packages_import_from_this_checkout() -> None:
    for top in TOP_LEVEL:
        module = importlib.import_module(top)
        assert module.__file__ is not None, f"{top} is a namespace package"
        assert Path(module.__file__).resolve() == ROOT / top / "__init__.py"
