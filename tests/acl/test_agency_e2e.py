"""The pipeline on the SASL broker with every service on its own credentials, and an agency using
`aduan agency listen` and `aduan agency answer` with its own: the complaint reaches the agency's
topic, the agency's answer reaches intake (the citizen's stage) and the notifier (its clocks), and
one correlation id runs through all of it. Another agency can neither see nor answer it."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid

import asyncpg
import pytest

from aduan.kafka_acl import local_auth, local_password
from services.forwarder.app import build as build_forwarder
from services.forwarder.settings import ForwarderSettings
from services.intake.app import build as build_intake
from services.intake.settings import IntakeSettings
from services.notifier.app import build as build_notifier
from services.notifier.settings import NotifierSettings
from services.routing.app import build as build_routing
from services.routing.settings import RoutingSettings
from shared.events import Channel, EventType, InboundMessage, new_envelope, utcnow
from shared.kafka import Publisher
from shared.kafka_access import SERVICES
from simulators.lapor.server import SimulatorServer
from tests.acl.conftest import ROOT
from tests.support import eventually, running

pytestmark = pytest.mark.integration

AGENCY, OTHER = "kab-lampung-selatan", "kota-metro"


def _credentials(service: str) -> dict[str, str]:
    user = SERVICES[service].name
    return {
        "kafka_security_protocol": "SASL_PLAINTEXT",
        "kafka_sasl_username": user,
        "kafka_sasl_password": local_password(user),
    }


def _agency_cli(bootstrap: str, code: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "ADUAN_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
        "ADUAN_KAFKA_SASL_PASSWORD": local_password(f"agency-{code}"),
        "ADUAN_TOPIC_PREFIX": "",
    }
    env.pop("ADUAN_KAFKA_SASL_USERNAME", None)  # the client defaults to agency-<code>
    return subprocess.run(
        [sys.executable, "-m", "aduan.cli", "agency", *args, "--agency", code],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


async def test_an_agency_listens_and_answers_with_its_own_credentials(sasl_kafka: str, database_url: str) -> None:
    common = {"kafka_bootstrap_servers": sasl_kafka, "database_url": database_url, "topic_prefix": ""}
    correlation = f"corr-{uuid.uuid4()}"
    body = (
        "Jalan desa di Kecamatan Natar rusak parah, banyak lubang dan membahayakan pengendara motor "
        f"setiap hari ({uuid.uuid4().hex[:6]})."
    )
    message = InboundMessage(
        channel=Channel.APP, channel_message_id=f"app-{uuid.uuid4().hex}", received_at=utcnow(), raw={"body": body}
    )
    inbound = new_envelope(EventType.RECEIVED, message, producer="test-app", correlation_id=correlation)
    with SimulatorServer(api_key="test-key", seed=5) as sim:
        services = [
            build_intake(IntakeSettings(**common, **_credentials("intake"))),
            build_routing(RoutingSettings(**common, **_credentials("routing"), triage_threshold=0)),
            build_forwarder(
                ForwarderSettings(
                    **common, **_credentials("forwarder"), lapor_base_url=sim.base_url, lapor_api_key="test-key"
                )
            ),
            build_notifier(NotifierSettings(**common, **_credentials("notifier"), scan_interval_s=0.5)),
        ]
        async with running(services[0]), running(services[1]), running(services[2]), running(services[3]):
            # as intake's HTTP edge would: with intake's own credentials
            async with Publisher(sasl_kafka, "test-edge", auth=local_auth(SERVICES["intake"].name)) as publisher:
                await publisher.publish("complaints.inbound", inbound, key=message.channel_message_id)

            listened = await asyncio.to_thread(
                _agency_cli,
                sasl_kafka,
                AGENCY,
                "listen",
                "--idle-timeout",
                "40",
                "--group",
                f"e2e-{uuid.uuid4().hex[:6]}",
            )
            assert listened.returncode == 0, listened.stderr
            ours = [c for c in map(json.loads, listened.stdout.splitlines()) if c["body"] == body]
            assert len(ours) == 1, listened.stdout
            complaint = ours[0]
            assert complaint["correlation_id"] == correlation

            # another agency cannot see it, nor answer it
            other = await asyncio.to_thread(
                _agency_cli,
                sasl_kafka,
                OTHER,
                "answer",
                "--tracking-number",
                complaint["tracking_number"],
                "--kind",
                "tindak-lanjut",
                "--note",
                "x",
            )
            assert other.returncode == 1 and "was not routed to" in other.stderr

            answered = await asyncio.to_thread(
                _agency_cli,
                sasl_kafka,
                AGENCY,
                "answer",
                "--tracking-number",
                complaint["tracking_number"],
                "--kind",
                "tindak-lanjut",
                "--note",
                "Jalan sudah ditambal oleh Dinas PU.",
            )
            assert answered.returncode == 0, answered.stderr
            assert json.loads(answered.stdout)["status"] == "followed_up"

            pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
            try:

                async def citizen_sees_follow_up() -> bool:
                    stage = await pool.fetchval(
                        "SELECT stage FROM intake.complaints WHERE tracking_number = $1", complaint["tracking_number"]
                    )
                    return stage == "followed_up"

                async def auto_close_clock_opened() -> asyncpg.Record | None:
                    return await pool.fetchrow(
                        "SELECT correlation_id FROM notifier.deadlines WHERE tracking_number = $1"
                        " AND clock = 'auto_close'",
                        complaint["tracking_number"],
                    )

                assert await eventually(citizen_sees_follow_up, timeout=30), "intake never saw the answer"
                clock = await eventually(auto_close_clock_opened, timeout=30)
                assert clock, "the notifier never saw the answer"
                assert clock["correlation_id"] == correlation
                forwarded = await pool.fetchval(
                    "SELECT state FROM forwarder.reports WHERE tracking_number = $1", complaint["tracking_number"]
                )
                assert forwarded == "created"  # the forwarder did its job on its own credentials
            finally:
                await pool.close()
