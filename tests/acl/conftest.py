"""A Kafka broker of this session's own with SASL/SCRAM and the StandardAuthorizer, started by
deploy/local/kafka-sasl.sh on free ports (never the shared broker's) and stopped at the end; its
users, topics and ACLs come from shared/kafka_access.py."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "local" / "kafka-sasl.sh"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def sasl_kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = _free_port()
    env = {
        **os.environ,
        "ADUAN_KAFKA_SASL_PORT": str(port),
        "ADUAN_KAFKA_SASL_CONTROLLER_PORT": str(_free_port()),
        "ADUAN_KAFKA_SASL_STATE": str(tmp_path_factory.mktemp("kafka-sasl")),
        "ADUAN_PYTHON": sys.executable,
    }
    started = subprocess.run([str(SCRIPT), "up"], env=env, capture_output=True, text=True, timeout=300)
    try:
        assert started.returncode == 0, started.stderr
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run([str(SCRIPT), "down"], env=env, capture_output=True, text=True, timeout=120)
