"""The routing rule files: validated at start-up, reloaded on SIGHUP, versioned on every decision."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from services.routing import rules
from services.routing.app import reload_rules, rule_paths
from services.routing.decide import RoutingInput, decide
from services.routing.gazetteer import DATA_DIR
from services.routing.settings import RoutingSettings


@pytest.fixture
def rules_dir(tmp_path: Path) -> Iterator[Path]:
    for name in ("places.toml", "taxonomy.toml", "directory.toml", "wilayah_lampung_18.csv"):
        shutil.copy(DATA_DIR / name, tmp_path / name)
    yield tmp_path
    rules.configure(None)  # back to the built-in files for the other tests


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_sighup_reload_changes_the_rules_and_the_version(rules_dir: Path) -> None:
    before = rules.configure(rule_paths(RoutingSettings(rules_dir=rules_dir)))
    d = decide(RoutingInput("Pajak kendaraan", "Samsat di Kotabumi memungut biaya tambahan"))
    assert (d.agency_code, d.rule_version) == ("prov-bapenda", before.version)
    _edit(rules_dir / "taxonomy.toml", 'agency = "prov-bapenda"\npriority = 60', 'agency = "prov-bpkad"\npriority = 60')
    reload_rules()
    after = rules.current()
    assert after.version != before.version
    d = decide(RoutingInput("Pajak kendaraan", "Samsat di Kotabumi memungut biaya tambahan"))
    assert (d.agency_code, d.rule_version) == ("prov-bpkad", after.version)


def test_a_bad_edit_keeps_the_running_rules(rules_dir: Path) -> None:
    running = rules.configure(rule_paths(RoutingSettings(rules_dir=rules_dir)))
    _edit(rules_dir / "taxonomy.toml", 'agency = "prov-bapenda"', 'agency = "prov-no-such-opd"')
    reload_rules()  # logged, not raised
    assert rules.current() is running
    with pytest.raises(ValueError, match="prov-no-such-opd"):
        rules.load(rule_paths(RoutingSettings(rules_dir=rules_dir)))


@pytest.mark.parametrize(
    ("file", "old", "new", "error"),
    [
        (
            "taxonomy.toml",
            'urusan = "pendidikan"\nlevel = "provinsi"',
            'urusan = "sekolah"\nlevel = "provinsi"',
            "unknown urusan 'sekolah'",
        ),
        ("directory.toml", 'pendidikan = "prov-disdikbud"', 'pendidikan = "pusat-polri"', "is pusat, not provinsi"),
        ("places.toml", '"Liwa"', '"Liwa", 7', "valid string"),
    ],
)
def test_every_reference_is_checked_at_start_up(rules_dir: Path, file: str, old: str, new: str, error: str) -> None:
    _edit(rules_dir / file, old, new)
    with pytest.raises(ValueError, match=error):
        rules.load(rule_paths(RoutingSettings(rules_dir=rules_dir)))
