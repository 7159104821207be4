"""Evaluate the routing decision against labelled LAPOR! complaints (shared/data/lapor-2017).

The data set is read at run time from `../shared/data/lapor-2017/eval_dev.csv` next to the repository
(or `ADUAN_EVAL_DATA`, or `--data`); nothing of it is stored in the repository. Most rows come from
outside Lampung and most `provinsi` labels are DKI Jakarta agencies doing kab/kota work, so level is
also scored with kabkota and provinsi merged as "regional" (see the data set's README).

    python -m aduan.evaluate_routing [--data PATH] [--out var/eval/routing.json]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from services.routing.decide import RoutingInput, decide
from shared.events import RoutingDecision

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "lapor-2017" / "eval_dev.csv"
DEFAULT_OUT = Path("var/eval/routing.json")
LOW_CONFIDENCE = 0.5
TOP_URUSAN = 12


def default_data_path() -> Path:
    override = os.environ.get("ADUAN_EVAL_DATA")
    return Path(override) if override else DEFAULT_DATA


@dataclass(frozen=True, slots=True)
class _Row:
    title: str
    body: str
    urusan: str
    level: str
    label_source: str


def _regional(level: str) -> str:
    return "regional" if level in ("kabkota", "provinsi") else level


def _load(csv_path: Path) -> list[_Row]:
    with csv_path.open(newline="", encoding="utf-8") as f:
        return [_Row(r["judul"], r["isi"], r["urusan"], r["level"], r["label_source"]) for r in csv.DictReader(f)]


def _share(hits: int, total: int) -> float:
    return round(hits / total, 4) if total else 0.0


def _rate(rows: Sequence[_Row], min_seconds: float = 0.5) -> float:
    """Decisions per second on one core, over whole passes until `min_seconds` have elapsed."""
    done = 0
    start = time.perf_counter()
    while True:
        for row in rows:
            decide(RoutingInput(title=row.title, body=row.body))
        done += len(rows)
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return round(done / elapsed, 1)


def evaluate(csv_path: Path) -> dict:
    rows = _load(csv_path)
    decisions: list[RoutingDecision] = [decide(RoutingInput(title=r.title, body=r.body)) for r in rows]
    n = len(rows)

    def scores(idx: Sequence[int]) -> dict:
        return {
            "rows": len(idx),
            "urusan_accuracy": _share(sum(decisions[i].urusan == rows[i].urusan for i in idx), len(idx)),
            "level_accuracy": _share(sum(decisions[i].level.value == rows[i].level for i in idx), len(idx)),
            "level_accuracy_regional": _share(
                sum(_regional(decisions[i].level.value) == _regional(rows[i].level) for i in idx), len(idx)
            ),
            "joint_accuracy_regional": _share(
                sum(
                    decisions[i].urusan == rows[i].urusan
                    and _regional(decisions[i].level.value) == _regional(rows[i].level)
                    for i in idx
                ),
                len(idx),
            ),
        }

    everything = scores(range(n))
    by_source = {
        src: scores([i for i in range(n) if rows[i].label_source == src])
        for src in sorted({r.label_source for r in rows})
    }

    gold = Counter(r.urusan for r in rows)
    predicted = Counter(d.urusan for d in decisions)
    correct = Counter(r.urusan for r, d in zip(rows, decisions, strict=True) if r.urusan == d.urusan)
    per_urusan = [
        {
            "urusan": u,
            "support": gold[u],
            "predicted": predicted[u],
            "precision": _share(correct[u], predicted[u]),
            "recall": _share(correct[u], gold[u]),
        }
        for u, _ in gold.most_common(TOP_URUSAN)
    ]

    low = [i for i in range(n) if decisions[i].confidence < LOW_CONFIDENCE]
    high = [i for i in range(n) if decisions[i].confidence >= LOW_CONFIDENCE]
    confidence = {
        "threshold": LOW_CONFIDENCE,
        "share_below": _share(len(low), n),
        "below": scores(low),
        "above": scores(high),
    }

    confusions = Counter((r.urusan, d.urusan) for r, d in zip(rows, decisions, strict=True) if r.urusan != d.urusan)
    level_confusions = Counter(
        (r.level, d.level.value)
        for r, d in zip(rows, decisions, strict=True)
        if _regional(r.level) != _regional(d.level.value)
    )

    return {
        "data": str(csv_path),
        **everything,
        "by_label_source": by_source,
        "per_urusan": per_urusan,
        "confidence": confidence,
        "worst_confusions": [{"gold": g, "predicted": p, "count": c} for (g, p), c in confusions.most_common(12)],
        "level_confusions": [{"gold": g, "predicted": p, "count": c} for (g, p), c in level_confusions.most_common(8)],
        "decisions_per_second": _rate(rows),
    }


def _pct(x: float) -> str:
    return f"{100 * x:5.1f}%"


def report(result: dict) -> str:
    lines = [
        f"routing evaluation on {result['data']}",
        f"rows                        {result['rows']}",
        f"urusan accuracy             {_pct(result['urusan_accuracy'])}",
        f"level accuracy              {_pct(result['level_accuracy'])}",
        f"level accuracy (regional)   {_pct(result['level_accuracy_regional'])}   kabkota+provinsi merged",
        f"urusan+level (regional)     {_pct(result['joint_accuracy_regional'])}",
        "",
        "by label_source             rows  urusan  level(regional)",
    ]
    for src, s in result["by_label_source"].items():
        lines.append(f"  {src:<25} {s['rows']:>5}  {_pct(s['urusan_accuracy'])}  {_pct(s['level_accuracy_regional'])}")
    lines += ["", "per urusan (top by support)  support  predicted  precision  recall"]
    for u in result["per_urusan"]:
        lines.append(
            f"  {u['urusan']:<26} {u['support']:>7}  {u['predicted']:>9}     {_pct(u['precision'])}  "
            f"{_pct(u['recall'])}"
        )
    c = result["confidence"]
    lines += [
        "",
        f"confidence < {c['threshold']}: {_pct(c['share_below'])} of decisions",
        f"  below: urusan {_pct(c['below']['urusan_accuracy'])}, level(regional) "
        f"{_pct(c['below']['level_accuracy_regional'])}, both {_pct(c['below']['joint_accuracy_regional'])}",
        f"  above: urusan {_pct(c['above']['urusan_accuracy'])}, level(regional) "
        f"{_pct(c['above']['level_accuracy_regional'])}, both {_pct(c['above']['joint_accuracy_regional'])}",
        "",
        "worst urusan confusions (gold → predicted)",
        *(f"  {x['count']:>4}  {x['gold']} → {x['predicted']}" for x in result["worst_confusions"]),
        "level confusions (gold → predicted, regional merged)",
        *(f"  {x['count']:>4}  {x['gold']} → {x['predicted']}" for x in result["level_confusions"]),
        "",
        f"decisions per second        {result['decisions_per_second']:,.0f}",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="aduan.evaluate_routing", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data", type=Path, default=None, help=f"labelled CSV (default: $ADUAN_EVAL_DATA or {DEFAULT_DATA})"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON result (default: %(default)s)")
    args = parser.parse_args(argv)
    data = args.data or default_data_path()
    if not data.is_file():
        print(
            f"evaluation data not found at {data}: nothing to evaluate "
            "(set --data or ADUAN_EVAL_DATA to the lapor-2017 eval_dev.csv)"
        )
        return 0
    result = evaluate(data)
    print(report(result))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
