"""The logs of the whole pipeline, every service its own process: each line is JSON naming its
service, and every line about a complaint carries that complaint's one correlation id — the same
id its events carry on every topic — from intake to the notifier."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest

from aduan import stack
from tests.e2e.test_pipeline import _free_port
from tests.intake_support import NO_LINKING
from tests.support import eventually, read_topic

pytestmark = pytest.mark.e2e

SERVICES = ("intake", "routing", "forwarder", "notifier")


async def test_every_log_line_is_json_and_one_correlation_id_follows_a_complaint(infra, database_url, topics):  # type: ignore[no-untyped-def]
    ports = {name: _free_port() for name in stack.DEFAULT_PORTS}
    local = stack.Stack(
        stack.Infra(infra.kafka, database_url),
        topic_prefix=topics.prefix,
        ports=ports,
        extra_env={"ADUAN_TRIAGE_THRESHOLD": "0", **NO_LINKING, "ADUAN_LOG_LEVEL": "DEBUG"},
    )
    logs = {name: stack.VAR / "log" / f"{name}.log" for name in SERVICES}
    offsets = {name: path.stat().st_size if path.exists() else 0 for name, path in logs.items()}
    local.start(timeout=90)
    try:
        async with httpx.AsyncClient(base_url=local.url("intake"), timeout=30) as http:
            form = {
                "body": "Lampu penerangan jalan di Metro Pusat mati semua sejak minggu lalu, rawan kejahatan "
                f"malam hari ({uuid.uuid4().hex[:6]}).",
                "location": {"text": "Kota Metro"},
            }
            answer = await http.post("/v1/complaints", json=form, headers={"Idempotency-Key": uuid.uuid4().hex})
            assert answer.status_code == 202, answer.text
        forwarded = await read_topic(infra.kafka, topics.forwarded, expect=1, timeout=60)
        assert forwarded, "the complaint never reached LAPOR!"
        complaint_id, correlation = forwarded[0]["complaint_id"], forwarded[0]["correlation_id"]

        def lines_about_it() -> dict[str, list[dict]]:  # type: ignore[type-arg]
            found: dict[str, list[dict]] = {}  # type: ignore[type-arg]
            for name, path in logs.items():
                with path.open("rb") as f:
                    f.seek(offsets[name])
                    for raw in f.read().decode().splitlines():
                        line = json.loads(raw)  # every line is JSON (a plain-text line fails here)
                        assert line.get("service") == name, raw
                        if line.get("complaint_id") == complaint_id:
                            found.setdefault(name, []).append(line)
            return found

        def read_since_start() -> str:
            """What each log holds since the start, for a failure's message: its lines and last events."""
            seen = []
            for name, path in logs.items():
                with path.open("rb") as f:
                    f.seek(offsets[name])
                    lines = f.read().decode(errors="replace").splitlines()
                last = [json.loads(line).get("event") for line in lines[-3:]]
                seen.append(f"{name}: {len(lines)} lines since offset {offsets[name]}, last {last}")
            return "; ".join(seen) + f"; complaint {complaint_id}"

        async def every_service_logged_it() -> dict[str, list[dict]] | None:  # type: ignore[type-arg]
            found = lines_about_it()
            return found if {"intake", "routing", "forwarder", "notifier"} <= set(found) else None

        found = await eventually(every_service_logged_it, timeout=30)
    finally:
        local.stop()
    assert found, f"not every service logged the complaint: {sorted(lines_about_it())}; {read_since_start()}"
    for name, lines in found.items():
        assert {line.get("correlation_id") for line in lines} == {correlation}, name
