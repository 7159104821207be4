"""Settings: the environment configures every service, and misconfiguration is refused at start-up."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from services.forwarder.settings import ForwarderSettings
from services.intake.settings import IntakeSettings
from services.routing.settings import RoutingSettings
from shared.service import Service


def test_conventional_connection_variables_configure_every_service(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "broker-a:9092,broker-b:9092")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db:5432/aduan")
    monkeypatch.setenv("ADUAN_TOPIC_PREFIX", "staging.")
    settings = IntakeSettings()
    assert settings.kafka_bootstrap_servers == "broker-a:9092,broker-b:9092"
    assert settings.database_url == "postgresql://u:p@db:5432/aduan"
    assert settings.topics.accepted == "staging.complaints.accepted"
    assert settings.consumer_group("inbound") == "staging.aduan-intake.inbound"


def test_the_producer_of_a_service_gathers_records_for_as_long_as_its_setting_says(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("ADUAN_KAFKA_LINGER_MS", "7")
    service = Service.create("routing", RoutingSettings(), tmp_path)
    assert service.publisher._config["linger_ms"] == 7
    assert Service.create("routing", RoutingSettings(kafka_linger_ms=0), tmp_path).publisher._config["linger_ms"] == 0


def test_forwarder_retry_delays_come_from_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADUAN_RETRY_DELAYS_S", "[0.5, 1, 2]")
    assert ForwarderSettings().retry_delays_s == (0.5, 1.0, 2.0)


@pytest.mark.parametrize(
    ("factory", "field", "value"),
    [
        (RoutingSettings, "triage_threshold", 1.5),
        (ForwarderSettings, "retry_delays_s", (1.0, 2.0, 3.0, 4.0)),
        (ForwarderSettings, "lapor_timeout_s", 0),
        (IntakeSettings, "database_url", "mysql://nope"),
        (IntakeSettings, "topic_prefix", "bad prefix/"),
        (RoutingSettings, "kafka_linger_ms", -1),
    ],
)
def test_bad_values_are_refused_naming_the_setting(factory, field, value) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationError) as refused:
        factory(**{field: value})
    assert field in str(refused.value)


def test_a_misconfigured_service_exits_before_starting_with_a_clear_message() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "services.routing"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"ADUAN_TRIAGE_THRESHOLD": "7", "PATH": ""},
    )
    assert result.returncode == 2
    assert "invalid configuration" in result.stderr and "triage_threshold" in result.stderr
