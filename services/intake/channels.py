"""Each channel's own message format, as it arrives (DESIGN.md §1: web, SMS, WhatsApp, e-mail, Open311).

These models only check shape. What a message means as a complaint is normalise.py's job. The HTTP
edge and the Kafka consumer validate with the same models, so a Kafka-speaking channel gets the same
verdict as an HTTP caller: a 422 over HTTP, a `complaints.rejected` event over Kafka.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

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
    phone_number: Annotated[str, Field(max_length=40)] = Field(
        validation_alias=AliasChoices("phoneNumber", "phone_number")
    )
    received_at: datetime | None = Field(default=None, validation_alias=AliasChoices("receivedAt", "received_at"))
    message_id: str | None = Field(default=None, validation_alias=AliasChoices("messageId", "message_id"))
    # MMS media (Twilio's MediaUrl<n>), as URLs the gateway serves
    media_urls: Annotated[list[Annotated[str, Field(max_length=2000)]], Field(max_length=10)] = []


class WhatsAppText(RawModel):
    body: Annotated[str, Field(min_length=1, max_length=4_096)]


class WhatsAppMedia(RawModel):
    """An image, audio, video, document or sticker: Cloud API gives a media id to fetch with the Graph API."""

    id: Annotated[str, Field(min_length=1, max_length=200)]
    mime_type: Annotated[str, Field(max_length=100)] | None = None
    caption: Annotated[str, Field(max_length=4_096)] | None = None
    filename: Annotated[str, Field(max_length=300)] | None = None


class WhatsAppLocation(RawModel):
    latitude: Annotated[float, Field(ge=-90, le=90)]
    longitude: Annotated[float, Field(ge=-180, le=180)]
    name: Annotated[str, Field(max_length=300)] | None = None
    address: Annotated[str, Field(max_length=500)] | None = None


WHATSAPP_MEDIA_TYPES = ("image", "audio", "video", "document", "sticker")


class WhatsAppMessage(RawModel):
    """One message object of a WhatsApp Cloud API webhook, plus the sender's profile name."""

    from_: str = Field(validation_alias=AliasChoices("from", "from_"))
    id: Annotated[str, Field(min_length=1, max_length=500)]
    timestamp: str | None = None
    type: Annotated[str, Field(max_length=40)] = "text"
    text: WhatsAppText | None = None
    image: WhatsAppMedia | None = None
    audio: WhatsAppMedia | None = None
    video: WhatsAppMedia | None = None
    document: WhatsAppMedia | None = None
    sticker: WhatsAppMedia | None = None
    location: WhatsAppLocation | None = None
    profile_name: Annotated[str, Field(max_length=200)] | None = None

    def media(self) -> WhatsAppMedia | None:
        return getattr(self, self.type, None) if self.type in WHATSAPP_MEDIA_TYPES else None


class EmailAttachment(RawModel):
    """A file of an e-mail: kept by intake (`attachment_id`) or only listed."""

    filename: Annotated[str, Field(max_length=300)] | None = None
    media_type: Annotated[str, Field(max_length=200)] = "application/octet-stream"
    size_bytes: Annotated[int, Field(ge=0)] = 0
    attachment_id: str | None = None
    content_id: Annotated[str, Field(max_length=500)] | None = None


class EmailMessage(RawModel):
    """An inbound e-mail as a mail gateway parses it (JSON, or Mailgun's route form fields), or as intake
    reads a raw RFC 822 message (services/intake/email_raw.py): then with threading and attachments."""

    message_id: Annotated[str, Field(min_length=1, max_length=500)] = Field(
        validation_alias=AliasChoices("message_id", "Message-Id")
    )
    from_: Annotated[str, Field(max_length=500)] = Field(validation_alias=AliasChoices("from", "from_", "sender"))
    subject: Annotated[str, Field(max_length=1_000)] | None = None
    # the subject without "Re:"/"Balas:" and quoted tracking numbers (raw e-mails)
    title: Annotated[str, Field(max_length=1_000)] | None = None
    text: Annotated[str, Field(max_length=100_000)] | None = Field(
        default=None, validation_alias=AliasChoices("text", "body-plain")
    )
    html: Annotated[str, Field(max_length=200_000)] | None = Field(
        default=None, validation_alias=AliasChoices("html", "body-html")
    )
    attachments: Annotated[list[EmailAttachment], Field(max_length=50)] = []
    in_reply_to: Annotated[str, Field(max_length=1_000)] | None = None
    references: Annotated[list[Annotated[str, Field(max_length=1_000)]], Field(max_length=100)] = []
    tracking_numbers: Annotated[list[Annotated[str, Field(max_length=64)]], Field(max_length=20)] = []

    def thread_ids(self) -> list[str]:
        """The Message-IDs this one answers, nearest first."""
        return list(dict.fromkeys(([self.in_reply_to] if self.in_reply_to else []) + self.references[::-1]))


class Open311Request(RawModel):
    """GeoReport v2 `POST requests` fields."""

    service_code: Annotated[str, Field(min_length=1, max_length=100)]
    description: Annotated[str, Field(min_length=1, max_length=4_000)]
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    long: Annotated[float, Field(ge=-180, le=180)] | None = None
    address_string: Annotated[str, Field(max_length=500)] | None = None
    email: Annotated[str, Field(max_length=200)] | None = None
    first_name: Annotated[str, Field(max_length=100)] | None = None
    last_name: Annotated[str, Field(max_length=100)] | None = None
    phone: Annotated[str, Field(max_length=40)] | None = None
    media_url: Annotated[str, Field(max_length=2000)] | None = None
    # GeoReport's attribute[] fields: the anonim / rahasia choices of the client's form
    anonymous: bool = Field(default=False, validation_alias=AliasChoices("attribute[anonymous]", "anonymous"))
    confidential: bool = Field(default=False, validation_alias=AliasChoices("attribute[confidential]", "confidential"))


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


def parse_raw(channel: Channel, raw: Any) -> RawModel:
    """Validate a channel message; raises pydantic.ValidationError naming the fields."""
    return RAW_MODEL[channel].model_validate(raw)


__all__ = ["OPEN311_SERVICES", "RAW_MODEL", "RawModel", "ValidationError", "parse_raw"]
