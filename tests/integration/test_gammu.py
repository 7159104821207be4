"""`aduan gammu-receive` as Gammu SMSD runs it (a process with the RunOnReceive environment), against
the real broker and a running intake."""

from __future__ import annotations

import asyncio
import os
import socket
import sys

import pytest

from services.intake.app import build
from services.intake.settings import IntakeSettings
from tests.support import read_topic, running
from tests.unit.test_gammu import PARTS, SENDER, gammu_env

pytestmark = pytest.mark.integration


@pytest.fixture
async def intake(service_env):  # type: ignore[no-untyped-def]
    service = build(IntakeSettings(**service_env, duplicate_linking=False))  # the tests resend one SMS
    async with running(service):
        yield service


async def gammu_receive(env: dict[str, str], *ids: str, timeout: float = 60.0) -> tuple[int, str]:
    """Run the command the way SMSD does: a new process, the parts in its environment, the ids as arguments."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SMS_", "DECODED_"))}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "aduan.cli", "gammu-receive", *ids, env={**base, **env},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), timeout)
    assert process.returncode is not None
    return process.returncode, output.decode(errors="replace")


async def test_a_three_part_sms_becomes_one_complaint_with_the_joined_text_even_when_run_twice(intake, infra, topics):  # type: ignore[no-untyped-def]
    env = {**gammu_env(PARTS), "KAFKA_BOOTSTRAP_SERVERS": infra.kafka, "ADUAN_TOPIC_PREFIX": topics.prefix}
    ids = ("IN20260820_101500_00_+6281234567890_00.txt", "IN2", "IN3")
    code, output = await gammu_receive(env, *ids)
    assert code == 0, output
    assert "gammu-receive: published" in output
    assert PARTS[0][20:60] not in output and SENDER not in output  # no text, no phone number in the log
    # SMSD runs the command again for the same message (say, it did not see the exit status)
    assert (await gammu_receive(env, *ids))[0] == 0

    inbound = await read_topic(infra.kafka, topics.inbound, expect=2)
    assert len(inbound) == 2 and inbound[0]["event_id"] == inbound[1]["event_id"]
    accepted = await read_topic(infra.kafka, topics.accepted, expect=1, settle=2.0)
    assert len(accepted) == 1
    complaint = accepted[0]["payload"]
    assert complaint["channel"] == "sms_gammu"
    assert complaint["original_body"] == "".join(PARTS)
    assert "pengendara motor yang jatuh" in complaint["body"] and "sampai sekarang" in complaint["body"]
    assert not complaint["body"].startswith("LAPOR")
    assert complaint["location"]["region_code"] == "18.01"
    assert complaint["reporter"]["phone"] == SENDER


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_kafka_unreachable_exits_non_zero_so_smsd_keeps_the_message(topics):  # type: ignore[no-untyped-def]
    env = {**gammu_env(PARTS), "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{_closed_port()}",
           "ADUAN_TOPIC_PREFIX": topics.prefix, "ADUAN_PUBLISH_TIMEOUT_S": "5"}  # fmt: skip
    started = asyncio.get_running_loop().time()
    code, output = await gammu_receive(env, "IN1", "IN2", "IN3")
    assert code == 1, output
    assert "Kafka did not acknowledge" in output
    assert asyncio.get_running_loop().time() - started < 60  # well within SMSD's two minutes


async def test_a_bad_environment_exits_with_two(infra, topics):  # type: ignore[no-untyped-def]
    env = {"KAFKA_BOOTSTRAP_SERVERS": infra.kafka, "ADUAN_TOPIC_PREFIX": topics.prefix}
    code, output = await gammu_receive(env)
    assert code == 2 and "SMS_MESSAGES is not set" in output
    assert await read_topic(infra.kafka, topics.inbound, expect=1, timeout=2.0) == []


async def test_after_a_failed_run_smsd_runs_again_and_the_message_becomes_one_complaint(intake, infra, topics):  # type: ignore[no-untyped-def]
    """Kafka away on the first run (exit 1, SMSD keeps the message), back on the second: one complaint."""
    ids = ("IN20260820_111500_00_+6281234567890_00.txt", "IN2", "IN3")
    env = {**gammu_env(PARTS), "ADUAN_TOPIC_PREFIX": topics.prefix, "ADUAN_PUBLISH_TIMEOUT_S": "5"}
    failed, _ = await gammu_receive({**env, "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{_closed_port()}"}, *ids)
    assert failed == 1
    ok, output = await gammu_receive({**env, "KAFKA_BOOTSTRAP_SERVERS": infra.kafka}, *ids)
    assert ok == 0, output
    accepted = await read_topic(infra.kafka, topics.accepted, expect=1, settle=2.0)
    assert [a["payload"]["original_body"] for a in accepted] == ["".join(PARTS)]
