"""The channel registry (services/intake/channels/): every channel is declared once, its signature
checks exist in auth.py, its endpoints on the HTTP edge, and its sample payloads read as the channel's
own model."""

from __future__ import annotations

import inspect
from typing import Any

from services.intake import auth
from services.intake.channels import REGISTRY, SPEC_OF, parse_raw
from services.intake.channels.whatsapp import whatsapp_messages
from services.intake.handlers import IntakeHandlers
from services.intake.settings import IntakeSettings
from shared.events import Channel

SIGNATURE_FIELDS = ("timestamp", "token", "signature", "api_key")


def test_every_channel_is_declared_once() -> None:
    declared = [channel for spec in REGISTRY for channel in spec.channels]
    assert sorted(declared) == sorted(Channel)
    assert set(SPEC_OF) == set(Channel)


def test_each_channel_s_checks_and_endpoints_exist() -> None:
    for spec in REGISTRY:
        assert spec.message_id, spec.channel
        for scheme in spec.auth:
            assert scheme in auth.REGISTRY, (spec.channel, scheme)
        for endpoint in spec.endpoints:
            assert inspect.iscoroutinefunction(endpoint.handler), (spec.channel, endpoint)
            assert endpoint.operation["operationId"], (spec.channel, endpoint)
            for scheme in (name for req in endpoint.operation.get("security", []) for name in req):
                assert scheme in spec.security_schemes, (spec.channel, scheme)  # declared by the channel
        # a channel reached over HTTP is signed; one that only publishes to Kafka has its own ACL instead
        assert bool(spec.auth) == bool(spec.endpoints) or spec.channel is Channel.WEB, spec.channel


def test_every_declared_endpoint_is_served() -> None:
    handlers = IntakeHandlers(publisher=None, db=None, settings=IntakeSettings())  # type: ignore[arg-type]
    served = {(route.path, method) for route in handlers.routes() for method in route.methods or ()}
    for spec in REGISTRY:
        for endpoint in spec.endpoints:
            assert (endpoint.path, endpoint.method) in served


def _raw(channel: Channel, name: str, sample: dict[str, Any]) -> list[dict[str, Any]]:
    """A sample as the channel's model reads it: the message inside a gateway's envelope."""
    if channel is Channel.WHATSAPP:
        return whatsapp_messages(sample)[0]
    if channel is Channel.SMS and name == "smsgate":
        return [sample["payload"]]
    if channel is Channel.SMS and name == "twilio":
        return [{"phoneNumber": sample["From"], "message": sample["Body"]}]
    if channel is Channel.EMAIL and "body-mime" in sample:
        return []  # read by email_raw.py, not by the model
    return [{k: v for k, v in sample.items() if k not in SIGNATURE_FIELDS}]


def test_every_sample_reads_as_its_channel_s_model() -> None:
    for spec in REGISTRY:
        assert spec.samples, spec.channel
        for name, sample in spec.samples.items():
            for raw in _raw(spec.channel, name, sample):
                parse_raw(spec.channel, raw)
