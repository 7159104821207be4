"""Each channel's own message format, as it arrives (DESIGN.md §1: web, SMS, WhatsApp, e-mail, Open311).

These models only check shape. What a message means as a complaint is normalise.py's job. The HTTP
edge and the Kafka consumer validate with the same models, so a Kafka-speaking channel gets the same
verdict as an HTTP caller: a 422 over HTTP, a `complaints.rejected` event over Kafka.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, ValidationError

from shared.events import Channel


class RawModel(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class WebReporter(RawModel):
    name: Annotated[str, Field(max_length=120)] | None = None
    phone: Annotated[str, Field(max_length=40)] | None = None
    email: Annotated[str, Field(max_length=200)] | None = None


class WebLocation(RawModel):
    text: Annotated[str, Field(max_length=300)] | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None


class WebAttachment(RawModel):
    url: Annotated[str, Field(min_length=1, max_length=2000)]
    media_type: str | None = None
    size_bytes: Annotated[int, Field(ge=0)] | None = None


class WebForm(RawModel):
    """The JSON web form (and apps that publish the same shape straight to Kafka)."""

    title: Annotated[str, Field(max_length=150)] | None = None
    body: Annotated[str, Field(min_length=1, max_length=10_000)]
    reporter: WebReporter | None = None
    anonymous: bool = False
    confidential: bool = False
    incident_date: date | None = None
    location: WebLocation | None = None
    attachments: list[WebAttachment] = []
    category: Annotated[str, Field(max_length=100)] | None = None
    target_agency: Annotated[str, Field(max_length=100)] | None = None


class SmsMessage(RawModel):
    """android-sms-gateway's `sms:received` webhook payload."""

    message: Annotated[str, Field(min_length=1, max_length=2_000)]
    phone_number: str = Field(validation_alias=AliasChoices("phoneNumber", "phone_number"))
    received_at: datetime | None = Field(default=None, validation_alias=AliasChoices("receivedAt", "received_at"))
    message_id: str | None = Field(default=None, validation_alias=AliasChoices("messageId", "message_id"))


class WhatsAppText(RawModel):
    body: Annotated[str, Field(min_length=1, max_length=4_096)]


class WhatsAppMessage(RawModel):
    """One message object of a WhatsApp Cloud API webhook, plus the sender's profile name."""

    from_: str = Field(validation_alias=AliasChoices("from", "from_"))
    id: Annotated[str, Field(min_length=1)]
    timestamp: str | None = None
    type: Literal["text"] = "text"
    text: WhatsAppText
    profile_name: str | None = None


class EmailMessage(RawModel):
    """An inbound e-mail as a mail gateway parses it."""

    message_id: Annotated[str, Field(min_length=1)]
    from_: str = Field(validation_alias=AliasChoices("from", "from_"))
    subject: str | None = None
    text: str | None = None
    html: str | None = None


class Open311Request(RawModel):
    """GeoReport v2 `POST requests` fields."""

    service_code: Annotated[str, Field(min_length=1)]
    description: Annotated[str, Field(min_length=1, max_length=4_000)]
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    long: Annotated[float, Field(ge=-180, le=180)] | None = None
    address_string: str | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    phone: str | None = None
    media_url: str | None = None


RAW_MODEL: dict[Channel, type[RawModel]] = {
    Channel.WEB: WebForm,
    Channel.APP: WebForm,
    Channel.SMS: SmsMessage,
    Channel.WHATSAPP: WhatsAppMessage,
    Channel.EMAIL: EmailMessage,
    Channel.OPEN311: Open311Request,
    Channel.SMS_GAMMU: SmsMessage,  # aduan gammu-receive publishes the android-sms-gateway shape
}

OPEN311_SERVICES: dict[str, str] = {
    "jalan": "Jalan dan jembatan rusak",
    "sampah": "Sampah dan kebersihan",
    "penerangan": "Penerangan jalan umum",
    "drainase": "Drainase dan banjir",
    "lainnya": "Pengaduan lainnya",
}


def parse_raw(channel: Channel, raw: dict[str, Any]) -> RawModel:
    """Validate a channel message; raises pydantic.ValidationError naming the fields."""
    return RAW_MODEL[channel].model_validate(raw)


__all__ = ["OPEN311_SERVICES", "RAW_MODEL", "RawModel", "ValidationError", "parse_raw"]
