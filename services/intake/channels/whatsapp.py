"""WhatsApp Cloud API: the signed webhook (`POST /v1/channels/whatsapp`) and Meta's subscription check
(`GET`). Not interactive: every message of a webhook is published, answered by the consumer."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, Field
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from services.intake import openapi_parts as oa
from services.intake.channels.base import ChannelSpec, Endpoint, RawModel, digest, message_id, samples
from services.intake.channels.edge import GATEWAY_EVENTS, ChannelEdge, gateway_answer
from services.intake.http_input import BadInput, json_object, read_body
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


class WhatsAppWebhook(BaseModel):
    """A WhatsApp Cloud API webhook: entry[].changes[].value.messages[] (see Meta's reference)."""

    object: str = "whatsapp_business_account"
    entry: list[dict[str, Any]]


async def whatsapp_verify(edge: ChannelEdge, request: Request) -> Response:
    """GET /v1/channels/whatsapp: Meta's subscription check; echoes hub.challenge."""
    fields = list(request.query_params.multi_items())
    await edge.authenticate("whatsapp-verify", request, b"", fields)
    challenge = request.query_params.get("hub.challenge", "")
    if not challenge or len(challenge) > 200:
        raise BadInput(400, "invalid_field", "hub.challenge must be 1–200 characters")
    return PlainTextResponse(challenge)


async def whatsapp_webhook(edge: ChannelEdge, request: Request) -> Response:
    """POST /v1/channels/whatsapp: a WhatsApp Cloud API webhook, signed (X-Hub-Signature-256)."""
    body = await read_body(request, edge.settings.max_request_bytes)
    await edge.authenticate("whatsapp", request, body)
    messages, others = whatsapp_messages(json_object(body))
    if others:
        GATEWAY_EVENTS.labels("whatsapp", "status").inc(others)
    for raw in messages:
        edge.limited("phone", raw.get("from"))
    return gateway_answer([await edge.receive(Channel.WHATSAPP, raw, whatsapp_message_id(raw)) for raw in messages])


SAMPLES = samples("whatsapp")
HUB_PARAMETERS = [
    {"name": "hub.mode", "in": "query", "required": True, "schema": {"type": "string", "enum": ["subscribe"]}},
    {
        "name": "hub.challenge",
        "in": "query",
        "required": True,
        "schema": {"type": "string", "maxLength": 200},
        "example": "1158201444",
    },
]

SPEC = ChannelSpec(
    channels=(Channel.WHATSAPP,),
    raw_model=WhatsAppMessage,
    interactive=False,
    message_id="the message's wamid (else a digest of the message)",
    auth=("whatsapp", "whatsapp-verify"),
    endpoints=(
        Endpoint(
            "GET",
            "/v1/channels/whatsapp",
            whatsapp_verify,
            {
                "operationId": "whatsappVerify",
                "summary": "Meta's subscription check: echoes hub.challenge",
                "security": [{"whatsappVerifyToken": []}],
                "parameters": HUB_PARAMETERS,
                "responses": {
                    "200": {"description": "the challenge", "content": {"text/plain": {"schema": {"type": "string"}}}},
                    **oa.errors(400, 401, 403),
                },
            },
        ),
        Endpoint(
            "POST",
            "/v1/channels/whatsapp",
            whatsapp_webhook,
            {
                "operationId": "whatsappWebhook",
                "summary": "WhatsApp Cloud API webhook",
                "security": [{"whatsappSignature": []}],
                "requestBody": oa.json_body("WhatsAppWebhook", SAMPLES["webhook"]),
                "responses": {**oa.ok(202, "GatewayAnswer", "published"), **oa.errors(*oa.GATEWAY_ERRORS)},
            },
        ),
    ),
    samples=SAMPLES,
    schemas=(WhatsAppWebhook, WhatsAppMessage),
    security_schemes={
        "whatsappSignature": {
            "type": "apiKey",
            "in": "header",
            "name": "X-Hub-Signature-256",
            "description": "sha256=HMAC-SHA256(ADUAN_WHATSAPP_APP_SECRET, body)",
        },
        "whatsappVerifyToken": {"type": "apiKey", "in": "query", "name": "hub.verify_token"},
    },
)
