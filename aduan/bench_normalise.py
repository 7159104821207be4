"""What intake's text readers cost per message: normalise() on the sample complaints, with and without them.

    .venv/bin/python -m aduan.bench_normalise [--rounds 30]

The baseline is the same normalise() in the same run with the readers switched off (the incident
date from the text, keyword SMS, name tidying): the difference is what they add to each complaint.
Passes with the readers off and on alternate and the medians are compared (the machine is shared).
Prints both rates and writes var/bench/normalise-<UTC time>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from typing import Any
from unittest import mock

from pydantic import ValidationError

from aduan import stack
from services.intake import normalise as normalise_module
from services.intake.channels import parse_raw
from shared.events import Channel

RECEIVED = datetime(2026, 8, 20, 3, 0, tzinfo=UTC)


def _messages() -> list[tuple[Channel, Any]]:
    """The sample complaints that pass their channel's model (the rest are meant to be refused)."""
    found: list[tuple[Channel, Any]] = []
    for line in (stack.ROOT / "samples" / "complaints.jsonl").read_text().splitlines():
        sample = json.loads(line)
        channel, raw = Channel(sample["channel"]), sample["raw"]
        raw = raw.get("payload", raw) if channel is Channel.SMS else raw  # the webhook's envelope
        with suppress(ValidationError):
            found.append((channel, parse_raw(channel, raw)))
    return found


@contextmanager
def _readers_off() -> Iterator[None]:
    with (
        mock.patch.object(normalise_module.dates, "incident_date", lambda text, received_at: None),
        mock.patch.object(normalise_module.keyword_sms, "parse", lambda message: None),
        mock.patch.object(normalise_module, "tidy_name", lambda name: name),
    ):
        yield


def _pass(messages: list[tuple[Channel, Any]]) -> float:
    """Seconds for one pass over the messages."""
    started = time.perf_counter()
    for channel, message in messages:
        with suppress(normalise_module.Rejected):
            normalise_module.normalise(
                channel, message, complaint_id=uuid.uuid4(), channel_message_id="b", received_at=RECEIVED
            )
    return time.perf_counter() - started


def run(rounds: int) -> dict[str, Any]:
    """Passes with the readers off and on alternate, so that a noisy neighbour slows both alike; the
    median pass of each is compared."""
    messages = _messages()
    _pass(messages)  # warm up (regexes compiled, caches filled)
    off: list[float] = []
    on: list[float] = []
    for _ in range(rounds):
        with _readers_off():
            off.append(_pass(messages))
        on.append(_pass(messages))
    per_off = statistics.median(off) / len(messages)
    per_on = statistics.median(on) / len(messages)
    return {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "messages_per_pass": len(messages),
        "passes": rounds,
        "baseline_per_s": round(1 / per_off, 1),
        "with_readers_per_s": round(1 / per_on, 1),
        "added_us_per_message": round((per_on - per_off) * 1e6, 1),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "load_average": os.getloadavg()[0],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench_normalise", description=__doc__)
    parser.add_argument("--rounds", type=int, default=30)
    result = run(parser.parse_args(argv).rounds)
    out = stack.VAR / "bench" / f"normalise-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"normalise, readers off (baseline): {result['baseline_per_s']:>9.1f} messages/s")
    print(f"normalise, readers on:             {result['with_readers_per_s']:>9.1f} messages/s")
    print(f"added per message:                 {result['added_us_per_message']:>9.1f} µs   ({out})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
