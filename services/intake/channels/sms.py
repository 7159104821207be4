"""SMS through a gateway: android-sms-gateway's signed webhook (`POST /v1/channels/sms`) and Twilio-style
form posts (`POST /v1/channels/twilio`). Not interactive: the gateway is answered 202 whatever the
verdict, the consumer answers a bad message on complaints.rejected."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AliasChoices, Field

from services.intake.channels.base import ChannelSpec, Endpoint, RawModel, digest, message_id, samples
from shared.events import Channel


class SmsMessage(RawModel):
    """android-sms-gateway's `sms:received` webhook payload."""

    message: Annotated[str, Field(min_length=1, max_length=2_000)]
    phone_number: Annotated[str, Field(max_length=40)] = Field(
        validation_alias=AliasChoices("phoneNumber", "phone_number")
    )
    received_at: datetime | None = Field(default=None, validation_alias=AliasChoices("receivedAt", "received_at"))
    message_id: str | None = Field(default=None, validation_alias=AliasChoices("messageId", "message_id"))
    # MMS media (Twilio's MediaUrl<n>), as URLs the gateway serves
    media_urls: Annotated[list[Annotated[str, Field(max_length=2000)]], Field(max_length=10)] = []


def smsgate_message_id(event: dict[str, Any], payload: dict[str, Any]) -> str:
    """The event's own id: messageId is content-derived (the gateway's docs), two equal texts share it."""
    return message_id(event.get("id") or digest(payload))


def twilio_message_id(sid: str) -> str:
    return message_id(f"twilio:{sid}")


def media_count(value: str | None) -> int:
    """Twilio's NumMedia, bounded: how many MediaUrl<n> fields to read."""
    return min(int(value), 10) if value and value.isdigit() and len(value) < 4 else 0


SPEC = ChannelSpec(
    channels=(Channel.SMS,),
    raw_model=SmsMessage,
    interactive=False,
    message_id="android-sms-gateway: the event id (else a digest of the payload); Twilio: `twilio:` + MessageSid",
    auth=("sms", "twilio"),
    endpoints=(
        Endpoint("POST", "/v1/channels/sms", "sms_webhook"),
        Endpoint("POST", "/v1/channels/twilio", "twilio_webhook"),
    ),
    samples=samples("sms"),
)
