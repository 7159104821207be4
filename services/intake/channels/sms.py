"""SMS through a gateway: android-sms-gateway's signed webhook (`POST /v1/channels/sms`) and Twilio-style
form posts (`POST /v1/channels/twilio`). Not interactive: the gateway is answered 202 whatever the
verdict, the consumer answers a bad message on complaints.rejected."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field
from starlette.requests import Request
from starlette.responses import Response

from services.intake import openapi_parts as oa
from services.intake.channels.base import ChannelSpec, Endpoint, RawModel, digest, message_id, samples
from services.intake.channels.edge import ChannelEdge, acknowledged, gateway_answer
from services.intake.http_input import BadInput, form_fields, json_object, read_body
from shared.events import Channel

# android-sms-gateway's webhook events other than a received message (counted, acknowledged)
SMSGATE_EVENTS = frozenset(
    {"sms:sent", "sms:delivered", "sms:failed", "sms:data-received", "mms:received", "system:ping"}
)
TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


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


class SmsGatewayEvent(BaseModel):
    """android-sms-gateway's webhook: signed with X-Signature and X-Timestamp."""

    model_config = ConfigDict(title="SmsGatewayEvent")
    id: str = Field(description="the event's own id (intake's message id)")
    event: str = Field(description="sms:received becomes a complaint; other events are acknowledged")
    payload: SmsMessage | dict[str, Any]


class TwilioForm(BaseModel):
    From: str
    Body: str = ""
    MessageSid: str
    NumMedia: str | None = None
    MediaUrl0: str | None = None


async def sms_webhook(edge: ChannelEdge, request: Request) -> Response:
    """POST /v1/channels/sms: android-sms-gateway's webhook, signed (X-Signature, X-Timestamp)."""
    body = await read_body(request, edge.settings.max_request_bytes)
    await edge.authenticate("sms", request, body)
    event = json_object(body)
    kind = event.get("event")
    if kind != "sms:received":
        return acknowledged("sms", kind if kind in SMSGATE_EVENTS else "other")
    payload = event.get("payload")
    if not isinstance(payload, dict):
        raise BadInput(422, "invalid_format", "payload: expected an object")
    edge.limited("phone", payload.get("phoneNumber"))
    return gateway_answer([await edge.receive(Channel.SMS, payload, smsgate_message_id(event, payload))])


async def twilio_webhook(edge: ChannelEdge, request: Request) -> Response:
    """POST /v1/channels/twilio: a Twilio-style SMS/MMS webhook, signed (X-Twilio-Signature)."""
    body = await read_body(request, edge.settings.max_request_bytes)
    fields = await form_fields(request, body)
    await edge.authenticate("twilio", request, body, fields)
    form = dict(fields)
    sid = form.get("MessageSid") or form.get("SmsSid")
    if not sid:
        raise BadInput(422, "missing_field", "MessageSid is required")
    media = [form[f"MediaUrl{i}"] for i in range(media_count(form.get("NumMedia"))) if f"MediaUrl{i}" in form]
    raw = {"phoneNumber": form.get("From", ""), "message": form.get("Body", ""), "media_urls": media}
    edge.limited("phone", raw["phoneNumber"])
    await edge.receive(Channel.SMS, raw, twilio_message_id(sid))
    return Response(TWIML_EMPTY, media_type="application/xml")


SAMPLES = samples("sms")

SPEC = ChannelSpec(
    channels=(Channel.SMS,),
    raw_model=SmsMessage,
    interactive=False,
    message_id="android-sms-gateway: the event id (else a digest of the payload); Twilio: `twilio:` + MessageSid",
    auth=("sms", "twilio"),
    endpoints=(
        Endpoint(
            "POST",
            "/v1/channels/sms",
            sms_webhook,
            {
                "operationId": "smsGatewayWebhook",
                "summary": "android-sms-gateway webhook",
                "security": [{"smsgateSignature": [], "smsgateTimestamp": []}],
                "requestBody": oa.json_body("SmsGatewayEvent", SAMPLES["smsgate"]),
                "responses": {
                    **oa.ok(202, "GatewayAnswer", "published (or acknowledged)"),
                    **oa.errors(*oa.GATEWAY_ERRORS),
                },
            },
        ),
        Endpoint(
            "POST",
            "/v1/channels/twilio",
            twilio_webhook,
            {
                "operationId": "twilioWebhook",
                "summary": "Twilio-style SMS/MMS webhook",
                "security": [{"twilioSignature": []}],
                "requestBody": oa.json_body("TwilioForm", SAMPLES["twilio"], media="application/x-www-form-urlencoded"),
                "responses": {
                    "200": {"description": "TwiML", "content": {"application/xml": {"schema": {"type": "string"}}}},
                    **oa.errors(*oa.GATEWAY_ERRORS),
                },
            },
        ),
    ),
    samples=SAMPLES,
    schemas=(SmsGatewayEvent, TwilioForm),
    security_schemes={
        "smsgateSignature": {
            "type": "apiKey",
            "in": "header",
            "name": "X-Signature",
            "description": "hex HMAC-SHA256(ADUAN_SMSGATE_SIGNING_KEY, body + X-Timestamp)",
        },
        "smsgateTimestamp": {
            "type": "apiKey",
            "in": "header",
            "name": "X-Timestamp",
            "description": "Unix seconds, within ±5 min",
        },
        "twilioSignature": {
            "type": "apiKey",
            "in": "header",
            "name": "X-Twilio-Signature",
            "description": "Twilio's HMAC-SHA1 of URL + sorted form fields",
        },
    },
)
