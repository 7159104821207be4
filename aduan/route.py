"""`aduan route` and `aduan route-eval`: the routing service's decision on the command line.

Both call the very functions the service's consumer calls (services.routing.decide: `decide` and
`triage_reason`, with the service's own settings for the threshold), so what they print is what the
service would do.

    aduan route < complaints.jsonl          # {"id","title","text"[, "channel", "region_code"]} per line
    aduan route-eval FILE [--json OUT]      # CSV (judul, isi, urusan, level) or JSON lines with "expected"
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from services.routing.decide import RoutingInput, decide, triage_reason
from services.routing.settings import RoutingSettings
from shared.events import RoutingDecision

MAX_LINE = 1_000_000  # characters of one input line; longer lines are answered with an error


def _threshold(value: float | None) -> float:
    return value if value is not None else RoutingSettings().triage_threshold


def _input(record: dict[str, Any]) -> RoutingInput:
    title = record.get("title") or ""
    text = record.get("text") or record.get("body") or ""
    if not isinstance(title, str) or not isinstance(text, str):
        raise ValueError("title and text must be strings")
    region = record.get("region_code")
    return RoutingInput(title=title, body=text, region_code=region if isinstance(region, str) else None)


def route_record(record: dict[str, Any], threshold: float) -> dict[str, Any]:
    decision = decide(_input(record))
    why = triage_reason(decision, threshold)
    return {
        "id": record.get("id"),
        "level": decision.level.value,
        "urusan": decision.urusan,
        "region_code": decision.region_code,
        "place": decision.place.model_dump() if decision.place else None,
        "agency_code": decision.agency_code,
        "confidence": decision.confidence,
        "triage": why is not None,
        "reasons": [*decision.reasons, *([f"triage: {why}"] if why else [])],
        "rule_version": decision.rule_version,
    }


def route_stream(lines: Iterable[str], out: TextIO, threshold: float) -> int:
    """One JSON line out per JSON line in; a bad line gets {"id", "error"} and the stream goes on."""
    bad = 0
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        record: object = None
        try:
            if len(line) > MAX_LINE:
                raise ValueError(f"line longer than {MAX_LINE} characters")
            record = json.loads(line)
            if not isinstance(record, dict):
                raise ValueError("each line must be a JSON object")
            answer = route_record(record, threshold)
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            bad += 1
            rid = record.get("id") if isinstance(record, dict) else None
            answer = {"id": rid, "line": n, "error": str(exc)[:200]}
        out.write(json.dumps(answer, ensure_ascii=False) + "\n")
    return bad


# ---------------------------------------------------------------------------------------------
# Evaluation


@dataclass(frozen=True, slots=True)
class Example:
    record: dict[str, Any]
    urusan: str
    level: str
    region_code: str | None
    has_region: bool  # the labels say which region is right (JSON lines do, the LAPOR! CSV does not)


def owner(level: str) -> str:
    """Regional government (kabkota or provinsi) vs pusat vs bumn."""
    return "regional" if level in ("kabkota", "provinsi") else level


def load_examples(path: Path) -> list[Example]:
    if path.suffix.lower() == ".csv":
        with path.open(newline="", encoding="utf-8") as f:
            return [
                Example(
                    {"id": r.get("nid"), "title": r["judul"], "text": r["isi"]}, r["urusan"], r["level"], None, False
                )
                for r in csv.DictReader(f)
            ]
    out: list[Example] = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                exp = r["expected"]
                out.append(Example(r, exp["urusan"], exp["level"], exp.get("region_code"), "region_code" in exp))
    return out


def _share(hits: int, total: int) -> float:
    return round(hits / total, 4) if total else 0.0


def _correct(e: Example, d: RoutingDecision) -> bool:
    """Level, urusan and (when labelled) region all right."""
    return d.level.value == e.level and d.urusan == e.urusan and (not e.has_region or d.region_code == e.region_code)


def evaluate(examples: Sequence[Example], threshold: float) -> dict[str, Any]:
    decisions = [decide(_input(e.record)) for e in examples]
    triaged = [triage_reason(d, threshold) is not None for d in decisions]
    n = len(examples)
    pairs = list(zip(examples, decisions, strict=True))
    routed = [(e, d) for (e, d), t in zip(pairs, triaged, strict=True) if not t]
    regional = [(e, d) for e, d in pairs if e.has_region]
    result: dict[str, Any] = {
        "rows": n,
        "threshold": threshold,
        "urusan_accuracy": _share(sum(d.urusan == e.urusan for e, d in pairs), n),
        "level_accuracy": _share(sum(d.level.value == e.level for e, d in pairs), n),
        "owner_accuracy": _share(sum(owner(d.level.value) == owner(e.level) for e, d in pairs), n),
        "region_accuracy": _share(sum(d.region_code == e.region_code for e, d in regional), len(regional))
        if regional
        else None,
        "all_right": _share(sum(_correct(e, d) for e, d in pairs), n),
        "triage_rate": _share(sum(triaged), n),
        "routed": len(routed),
        "routed_all_right": _share(sum(_correct(e, d) for e, d in routed), len(routed)),
        "level_confusion": [
            {"expected": g, "decided": p, "count": c}
            for (g, p), c in sorted(Counter((e.level, d.level.value) for e, d in pairs).items())
        ],
        "urusan_confusions": [
            {"expected": g, "decided": p, "count": c}
            for (g, p), c in Counter((e.urusan, d.urusan) for e, d in pairs if e.urusan != d.urusan).most_common(15)
        ],
        "wrong": [
            {
                "id": e.record.get("id"),
                "expected": [e.level, e.urusan, e.region_code],
                "decided": [d.level.value, d.urusan, d.region_code],
                "confidence": d.confidence,
                "triage": t,
            }
            for (e, d), t in zip(pairs, triaged, strict=True)
            if not _correct(e, d)
        ]
        if regional
        else [],
    }
    return result


def _pct(x: float | None) -> str:
    return "    –" if x is None else f"{100 * x:5.1f}%"


def report(result: dict[str, Any], path: Path) -> str:
    levels = ("kabkota", "provinsi", "pusat", "bumn")
    cells = {(c["expected"], c["decided"]): c["count"] for c in result["level_confusion"]}
    lines = [
        f"routing evaluation of {path} ({result['rows']} complaints, triage below {result['threshold']:.2f})",
        f"urusan accuracy            {_pct(result['urusan_accuracy'])}",
        f"level accuracy             {_pct(result['level_accuracy'])}",
        f"owner accuracy             {_pct(result['owner_accuracy'])}   regional government vs pusat vs bumn",
        f"region accuracy            {_pct(result['region_accuracy'])}",
        f"level+urusan(+region) all  {_pct(result['all_right'])}",
        f"triage rate                {_pct(result['triage_rate'])}",
        f"right above the threshold  {_pct(result['routed_all_right'])}   of {result['routed']} routed",
        "",
        "level confusion (rows expected, columns decided)",
        "              " + "".join(f"{lv:>10}" for lv in levels),
        *(f"  {g:<12}" + "".join(f"{cells.get((g, p), 0):>10}" for p in levels) for g in levels),
        "",
        "urusan confusions (expected → decided)",
        *(f"  {c['count']:>4}  {c['expected']} → {c['decided']}" for c in result["urusan_confusions"]),
    ]
    return "\n".join(lines)


def _lines(stream: TextIO) -> Iterator[str]:
    yield from stream


def main_route(argv: Sequence[str] | None = None, stdin: TextIO | None = None, stdout: TextIO | None = None) -> int:
    parser = argparse.ArgumentParser(prog="aduan route", description="route JSON lines from stdin")
    parser.add_argument("--threshold", type=float, default=None, help="triage threshold (default: the service's)")
    args = parser.parse_args(argv)
    bad = route_stream(_lines(stdin or sys.stdin), stdout or sys.stdout, _threshold(args.threshold))
    return 1 if bad else 0


def main_eval(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="aduan route-eval", description="routing accuracy on a labelled file")
    parser.add_argument("file", type=Path, help="CSV (judul, isi, urusan, level) or JSON lines with 'expected'")
    parser.add_argument("--threshold", type=float, default=None, help="triage threshold (default: the service's)")
    parser.add_argument("--json", type=Path, default=None, help="also write the result as JSON here")
    parser.add_argument("--show-wrong", action="store_true", help="list the wrong decisions (JSON lines only)")
    args = parser.parse_args(argv)
    if not args.file.is_file():
        print(f"no such file: {args.file}", file=sys.stderr)
        return 2
    result = evaluate(load_examples(args.file), _threshold(args.threshold))
    print(report(result, args.file))
    if args.show_wrong:
        for w in result["wrong"]:
            print(
                f"  {w['id']}: expected {w['expected']} decided {w['decided']} conf {w['confidence']}"
                f"{' (triage)' if w['triage'] else ''}"
            )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0
