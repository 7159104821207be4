"""Routing decisions per second on one core, with the village layer, against a baseline in the same run.

Rates are per CPU second of the benchmark process (time.process_time), so other load on a shared machine
does not lower them; the baseline in the same run shows whether the interpreter itself ran slower.

The baseline is the least any decision must do: tokenise the title and body. The figure that matters is
`decide` (gazetteer to the village, taxonomy, authority rules, confidence) on complaint texts of two
kinds: the team's Lampung set (tests/data) and, when present, the labelled LAPOR! texts in ../shared/data
(read at run time only).

    python -m aduan.bench_routing [--seconds 5] [--out var/bench/routing.json]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from aduan.evaluate_routing import default_data_path
from aduan.route import load_examples
from services.routing import rules
from services.routing.decide import RoutingInput, decide
from services.routing.gazetteer import tokenize

LAMPUNG_SET = Path(__file__).resolve().parents[1] / "tests" / "data" / "lampung_routing.jsonl"


def _rate(inputs: Sequence[RoutingInput], work: Callable[[RoutingInput], object], seconds: float) -> float:
    for inp in inputs[:50]:  # warm caches
        work(inp)
    # CPU seconds of this process, not wall-clock time: the rate one core gives when the machine is shared.
    done, start = 0, time.process_time()
    while True:
        for inp in inputs:
            work(inp)
        done += len(inputs)
        elapsed = time.process_time() - start
        if elapsed >= seconds:
            return round(done / elapsed, 1)


def _tokenize_only(inp: RoutingInput) -> object:
    return tokenize(inp.title).words, tokenize(inp.body).words


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="aduan.bench_routing", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement (default: %(default)s)")
    parser.add_argument("--out", type=Path, default=Path("var/bench/routing.json"))
    args = parser.parse_args(argv)

    sets: dict[str, Path] = {"lampung_set": LAMPUNG_SET}
    if default_data_path().is_file():
        sets["lapor_2017_eval_dev"] = default_data_path()
    else:
        print(f"(no {default_data_path()}: measuring the Lampung set only)")
    start = time.perf_counter()
    rules.current()
    load_s = time.perf_counter() - start
    per_set: dict[str, object] = {}
    result: dict[str, object] = {
        "python": platform.python_version(),
        "rules": rules.current().version,
        "rule_load_seconds": round(load_s, 3),
        "sets": per_set,
    }
    for name, path in sets.items():
        inputs = [
            RoutingInput(title=e.record.get("title") or "", body=e.record.get("text") or "")
            for e in load_examples(path)
        ]
        chars = sum(len(i.title) + len(i.body) for i in inputs) / len(inputs)
        baseline = _rate(inputs, _tokenize_only, args.seconds)
        rate = _rate(inputs, decide, args.seconds)
        per_set[name] = {
            "complaints": len(inputs),
            "mean_chars": round(chars),
            "baseline_tokenize_per_s": baseline,
            "decisions_per_s": rate,
            "decide_vs_tokenize": round(rate / baseline, 3),
        }
        print(
            f"{name:<22} {len(inputs):>4} complaints, {chars:>5.0f} chars avg: "
            f"decide {rate:>9,.0f}/s   baseline tokenise {baseline:>9,.0f}/s"
        )
    print(f"rule set {result['rules']} loaded in {load_s:.2f} s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
