"""Each channel's own message format, as it arrives (DESIGN.md §1: web, SMS, WhatsApp, e-mail, Open311),
one module per channel, and the registry of them.

Each module declares its raw model(s) and a `ChannelSpec` (base.py): which `Channel` values it reads,
whether the HTTP caller is told the verdict, how its channel message id is obtained, its signature
checks (auth.py), its endpoints (a handler and its OpenAPI operation each) and its sample payloads
(samples.toml). The HTTP edge's routes (http_edge.py), parsing (`parse_raw`), the OpenAPI description
and the complaints.inbound schema (aduan/schema.py) read `REGISTRY`. Adding a channel: a module here
and its line in `REGISTRY`.

These models only check shape. What a message means as a complaint is normalise.py's job. The HTTP
edge and the Kafka consumer validate with the same models, so a Kafka-speaking channel gets the same
verdict as an HTTP caller: a 422 over HTTP, a `complaints.rejected` event over Kafka.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from services.intake.channels import email, open311, sms, sms_gammu, web, whatsapp
from services.intake.channels.base import ChannelSpec, Endpoint, RawModel
from services.intake.channels.email import EmailAttachment, EmailMessage
from services.intake.channels.open311 import OPEN311_SERVICES, Open311Request
from services.intake.channels.sms import SmsMessage
from services.intake.channels.web import WebAttachment, WebForm, WebLocation, WebReporter
from services.intake.channels.whatsapp import (
    WHATSAPP_MEDIA_TYPES,
    WhatsAppLocation,
    WhatsAppMedia,
    WhatsAppMessage,
    WhatsAppText,
)
from shared.events import Channel

REGISTRY: tuple[ChannelSpec, ...] = (
    web.SPEC,
    sms.SPEC,
    whatsapp.SPEC,
    email.SPEC,
    open311.SPEC,
    sms_gammu.SPEC,
)

RAW_MODEL: dict[Channel, type[RawModel]] = {channel: spec.raw_model for spec in REGISTRY for channel in spec.channels}
SPEC_OF: dict[Channel, ChannelSpec] = {channel: spec for spec in REGISTRY for channel in spec.channels}


def parse_raw(channel: Channel, raw: Any) -> RawModel:
    """Validate a channel message; raises pydantic.ValidationError naming the fields."""
    return RAW_MODEL[channel].model_validate(raw)


__all__ = [
    "OPEN311_SERVICES",
    "RAW_MODEL",
    "REGISTRY",
    "SPEC_OF",
    "WHATSAPP_MEDIA_TYPES",
    "ChannelSpec",
    "EmailAttachment",
    "EmailMessage",
    "Endpoint",
    "Open311Request",
    "RawModel",
    "SmsMessage",
    "ValidationError",
    "WebAttachment",
    "WebForm",
    "WebLocation",
    "WebReporter",
    "WhatsAppLocation",
    "WhatsAppMedia",
    "WhatsAppMessage",
    "WhatsAppText",
    "parse_raw",
]
