"""`aduan route` / `aduan route-eval`, and the routing floors on both labelled sets.

The team's Lampung set (tests/data/lampung_routing.jsonl, written for it) must stay at region ≥ 95 %,
level ≥ 95 %, urusan ≥ 90 %, and ≥ 95 % right among the decisions above the triage threshold. On the
LAPOR! 2017 texts (../shared/data, read at run time only) the issue asks urusan ≥ 84 % (reached: 84.4 %)
and owner ≥ 90 % (reached: 90.0 %, with no row to spare; docs/BENCHMARKS.md).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from aduan.cli import main as cli
from aduan.evaluate_routing import default_data_path
from aduan.route import evaluate, load_examples, route_stream
from services.routing.settings import RoutingSettings

LAMPUNG_SET = Path(__file__).resolve().parents[1] / "data" / "lampung_routing.jsonl"
LAPOR = default_data_path()
THRESHOLD = RoutingSettings().triage_threshold


def test_route_reads_json_lines_and_answers_one_line_each() -> None:
    lines = [
        json.dumps({"id": "a", "title": "jalan rusak", "text": "jln di kec kedondong rusak parah"}),
        "",
        "not json",
        json.dumps({"id": "b", "title": "sampah", "text": "sampah numpuk di depan rumah", "region_code": "18.72"}),
        json.dumps({"id": "c", "title": "jalan rusak", "text": "jalan di depan rumah rusak"}),
    ]
    out = io.StringIO()
    bad = route_stream(lines, out, THRESHOLD)
    answers = [json.loads(x) for x in out.getvalue().splitlines()]
    assert bad == 1 and len(answers) == 4
    a, err, b, c = answers
    assert {"id", "level", "urusan", "region_code", "place", "agency_code", "confidence", "triage", "reasons"} <= set(a)
    assert (a["level"], a["urusan"], a["region_code"], a["agency_code"]) == (
        "kabkota",
        "pekerjaan_umum",
        "18.09",
        "kab-pesawaran",
    )
    assert a["place"]["kecamatan"] == "18.09.07" and a["triage"] is False
    assert err["line"] == 3 and "error" in err
    assert (b["region_code"], b["agency_code"]) == ("18.72", "kota-metro")  # the channel knows the region
    assert (c["level"], c["region_code"], c["triage"]) == ("kabkota", None, True)


def test_route_subcommand_on_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    stdin = io.StringIO(json.dumps({"id": 7, "title": "BPJS", "text": "kartu bpjs kesehatan saya nonaktif"}) + "\n")
    monkeypatch.setattr("sys.stdin", stdin)
    assert cli(["route"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert (answer["id"], answer["level"], answer["region_code"]) == (7, "pusat", None)


@pytest.fixture(scope="module")
def lampung() -> dict:
    return evaluate(load_examples(LAMPUNG_SET), THRESHOLD)


def test_the_lampung_set_is_big_and_covers_every_kabkota() -> None:
    examples = load_examples(LAMPUNG_SET)
    assert len(examples) >= 200
    regions = {e.region_code for e in examples}
    assert {f"18.{n:02d}" for n in range(1, 14)} | {"18.71", "18.72", "18", None} <= regions
    assert {e.level for e in examples} == {"kabkota", "provinsi", "pusat", "bumn"}
    assert sum(e.record.get("channel") == "email" for e in examples) >= 4
    assert sum(e.record.get("channel") == "whatsapp" for e in examples) >= 8


def test_lampung_set_floors(lampung: dict) -> None:
    assert lampung["region_accuracy"] >= 0.95
    assert lampung["level_accuracy"] >= 0.95
    assert lampung["urusan_accuracy"] >= 0.90


def test_confidence_means_something_on_the_lampung_set(lampung: dict) -> None:
    assert lampung["routed_all_right"] >= 0.95  # level, urusan and region together, above the threshold
    assert lampung["triage_rate"] <= 0.2
    assert lampung["routed_all_right"] > lampung["all_right"]  # what triage holds back is the doubtful part


def test_route_eval_prints_accuracy_and_a_confusion_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "eval.json"
    assert cli(["route-eval", str(LAMPUNG_SET), "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "region accuracy" in printed and "level confusion" in printed and "triage rate" in printed
    assert json.loads(out.read_text(encoding="utf-8"))["rows"] >= 200


def test_route_eval_reads_a_labelled_csv(tmp_path: Path) -> None:
    path = tmp_path / "labelled.csv"
    path.write_text(
        "judul,isi,urusan,level\nBPJS,kartu bpjs saya nonaktif,jaminan_sosial,pusat\n"
        "Sampah,sampah tidak diangkut,lingkungan_hidup,kabkota\n",
        encoding="utf-8",
    )
    result = evaluate(load_examples(path), THRESHOLD)
    assert (result["rows"], result["urusan_accuracy"], result["owner_accuracy"]) == (2, 1.0, 1.0)
    assert result["region_accuracy"] is None


@pytest.mark.skipif(
    not LAPOR.is_file(),
    reason=f"LAPOR! 2017 evaluation data not found at {LAPOR} (set ADUAN_EVAL_DATA to the lapor-2017 eval_dev.csv)",
)
def test_lapor_2017_floors() -> None:
    result = evaluate(load_examples(LAPOR), THRESHOLD)
    assert result["rows"] > 700
    assert result["urusan_accuracy"] >= 0.84  # the floor
    assert result["owner_accuracy"] >= 0.90  # the floor (docs/BENCHMARKS.md)
