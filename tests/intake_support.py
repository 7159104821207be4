"""Intake with every channel on (the demo secrets), and gateways that sign as the real ones do."""

from __future__ import annotations

from typing import Any

import httpx

from services.intake.settings import IntakeSettings
from simulators.gateways import DEMO_SECRETS, Gateways, GatewaySecrets

SECRETS = GatewaySecrets.from_env(DEMO_SECRETS)
VERIFY_TOKEN = DEMO_SECRETS["ADUAN_WHATSAPP_VERIFY_TOKEN"]
# For stacks whose tests share one database and send alike texts (the same sample at the same place in
# several tests): near-duplicate and same-reporter linking would join them, as it should in production.
NO_LINKING = {"ADUAN_DUPLICATE_LINKING": "false"}


def intake_settings(service_env: dict[str, Any], **overrides: Any) -> IntakeSettings:
    """Near-duplicate linking is off unless a test turns it on: the session shares one database, and the
    tests send the same sample texts again and again."""
    secrets = {name.removeprefix("ADUAN_").lower(): value for name, value in DEMO_SECRETS.items()}
    return IntakeSettings(**{**service_env, **secrets, "duplicate_linking": False, **overrides})


def gateways(client: httpx.AsyncClient) -> Gateways:
    return Gateways(client, SECRETS)
