"""Regression floors for routing on the labelled LAPOR! 2017 complaints (read at run time, never copied).

Floors sit about five points below what the current taxonomy achieves (urusan 80.9%, level with
kabkota+provinsi merged 83.5%, strict level 44.6%), so a vocabulary change that costs accuracy fails here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from aduan.evaluate_routing import default_data_path, evaluate, main

DATA = default_data_path()
needs_data = pytest.mark.skipif(
    not DATA.is_file(),
    reason=f"routing evaluation data not found at {DATA} (set ADUAN_EVAL_DATA to the lapor-2017 eval_dev.csv)",
)


@pytest.fixture(scope="module")
def result() -> dict:
    return evaluate(DATA)


@needs_data
def test_accuracy_floors(result: dict) -> None:
    assert result["rows"] > 700
    assert result["urusan_accuracy"] >= 0.76
    assert result["level_accuracy_regional"] >= 0.78
    assert result["level_accuracy"] >= 0.40
    assert result["joint_accuracy_regional"] >= 0.67
    assert result["by_label_source"]["name"]["urusan_accuracy"] >= 0.76
    assert result["by_label_source"]["content"]["urusan_accuracy"] >= 0.72


@needs_data
def test_confidence_separates_good_from_bad(result: dict) -> None:
    confidence = result["confidence"]
    assert confidence["above"]["urusan_accuracy"] > confidence["below"]["urusan_accuracy"] + 0.1
    assert confidence["above"]["urusan_accuracy"] >= 0.85


@needs_data
def test_top_urusan_recall(result: dict) -> None:
    recall = {u["urusan"]: u["recall"] for u in result["per_urusan"]}
    for urusan in ("jaminan_sosial", "pekerjaan_umum", "perhubungan", "pendidikan", "sosial", "adminduk"):
        assert recall[urusan] >= 0.8, urusan


@needs_data
def test_main_writes_the_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "routing.json"
    assert main(["--data", str(DATA), "--out", str(out)]) == 0
    written = json.loads(out.read_text(encoding="utf-8"))
    assert written["rows"] > 700 and "worst_confusions" in written
    assert "urusan accuracy" in capsys.readouterr().out


def test_missing_data_is_not_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "routing.json"
    assert main(["--data", str(tmp_path / "absent.csv"), "--out", str(out)]) == 0
    assert "not found" in capsys.readouterr().out
    assert not out.exists()


def test_data_path_override(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ADUAN_EVAL_DATA", str(tmp_path / "x.csv"))
    assert default_data_path() == tmp_path / "x.csv"
