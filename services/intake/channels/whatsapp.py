"""WhatsApp Cloud API: the signed webhook (`POST /v1/channels/whatsapp`) and Meta's subscription check
(`GET`). Not interactive: every message of a webhook is published, answered by the consumer."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AliasChoices, Field

from services.intake.channels.base import ChannelSpec, Endpoint, RawModel, digest, message_id, samples
from shared.events import Channel


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


def whatsapp_message_id(raw: dict[str, Any]) -> str:
    return message_id(raw.get("id") or digest(raw))


def objects(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def whatsapp_messages(body: dict[str, Any]) -> tuple[list[dict[str, Any]], int]:
    """Every message of a Cloud API webhook (text or not), each with its sender's profile name, and how
    many other notifications (delivery statuses) it carried. Anything not shaped as Meta documents
    is skipped over, never trusted."""
    if "entry" not in body:
        return [body], 0
    found: list[dict[str, Any]] = []
    others = 0
    for entry in objects(body.get("entry")):
        for change in objects(entry.get("changes")):
            value = change.get("value")
            if not isinstance(value, dict):
                continue
            names = {
                c["wa_id"]: c["profile"].get("name")
                for c in objects(value.get("contacts"))
                if isinstance(c.get("wa_id"), str) and isinstance(c.get("profile"), dict)
            }
            others += len(objects(value.get("statuses")))
            for message in objects(value.get("messages")):
                sender = message.get("from")
                found.append({**message, "profile_name": names.get(sender) if isinstance(sender, str) else None})
    return found, others


SPEC = ChannelSpec(
    channels=(Channel.WHATSAPP,),
    raw_model=WhatsAppMessage,
    interactive=False,
    message_id="the message's wamid (else a digest of the message)",
    auth=("whatsapp", "whatsapp-verify"),
    endpoints=(
        Endpoint("GET", "/v1/channels/whatsapp", "whatsapp_verify"),
        Endpoint("POST", "/v1/channels/whatsapp", "whatsapp_webhook"),
    ),
    samples=samples("whatsapp"),
)
