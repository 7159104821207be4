"""E-mail: a mail gateway's signed webhook (`POST /v1/channels/email`: JSON, Mailgun's route form, or
the raw RFC 822 message in `body-mime`), or raw e-mail on complaints.inbound. Not interactive."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, Field
from starlette.requests import Request
from starlette.responses import Response

from services.intake import openapi_parts as oa
from services.intake.channels.base import ChannelSpec, Endpoint, RawModel, digest, message_id, samples
from services.intake.channels.edge import ChannelEdge, gateway_answer
from services.intake.http_input import form_fields, is_json, json_object, read_body
from shared.events import Channel

SIGNATURE_FIELDS = ("timestamp", "token", "signature")


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


def email_message_id(raw: dict[str, Any]) -> str:
    return message_id(raw.get("message_id") or raw.get("Message-Id") or digest(raw.get("from"), raw.get("subject")))


class MailgunSignature(BaseModel):
    timestamp: str = Field(description="Unix seconds; within ±5 min of intake's clock")
    token: str = Field(description="random, used once")
    signature: str = Field(description="hex HMAC-SHA256(ADUAN_EMAIL_WEBHOOK_SECRET, timestamp + token)")


class MailgunForm(MailgunSignature, EmailMessage):
    pass


class MailgunRawForm(MailgunSignature):
    """Mailgun's raw-MIME forward (a route whose URL ends in `mime`): the e-mail exactly as it was sent."""

    body_mime: str = Field(alias="body-mime", description="the whole RFC 822 message, attachments included")
    recipient: str | None = None
    sender: str | None = None


async def email_webhook(edge: ChannelEdge, request: Request) -> Response:
    """POST /v1/channels/email: an inbound e-mail (Mailgun route form or JSON, parsed fields or the raw
    MIME), signed with timestamp, token and signature; each token is used once. A reply to one of our
    acknowledgements is published too; the consumer joins it to the complaint it answers."""
    limit = edge.settings.max_email_bytes  # a raw e-mail carries its attachments
    body = await read_body(request, limit)
    if is_json(request):
        data = json_object(body)
        fields = [(k, v) for k, v in data.items() if isinstance(v, str)]
    else:
        fields = await form_fields(request, body, max_part_size=limit)
        data = dict(fields)
    await edge.authenticate("email", request, body, fields)
    token = str(data.get("token"))
    raw = {k: v for k, v in data.items() if k not in SIGNATURE_FIELDS}
    edge.limited("phone", raw.get("from") or raw.get("sender"))
    try:
        raw = await edge.read_raw_email(raw)
        verdict = await edge.receive(Channel.EMAIL, raw, email_message_id(raw))
        original = await edge.reply_to(raw) if verdict.complaint else None
    except BaseException:
        await edge.release_token("email", token)  # the gateway's retry must pass
        raise
    if original is not None:
        return gateway_answer([], follow_ups=[original])
    return gateway_answer([verdict])


SAMPLES = samples("email")

SPEC = ChannelSpec(
    channels=(Channel.EMAIL,),
    raw_model=EmailMessage,
    interactive=False,
    message_id="the Message-ID (else a digest of sender and subject)",
    auth=("email",),
    endpoints=(
        Endpoint(
            "POST",
            "/v1/channels/email",
            email_webhook,
            {
                "operationId": "emailWebhook",
                "summary": "inbound e-mail (Mailgun route: parsed fields, or the raw MIME in `body-mime`), signed "
                "with timestamp, token and signature fields",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": oa.ref("MailgunForm"),
                            "example": SAMPLES["mailgun"],
                        },
                        "multipart/form-data": {"schema": oa.ref("MailgunRawForm"), "example": SAMPLES["mailgun_raw"]},
                    },
                },
                "responses": {**oa.ok(202, "GatewayAnswer", "published"), **oa.errors(*oa.GATEWAY_ERRORS)},
            },
        ),
    ),
    samples=SAMPLES,
    schemas=(MailgunForm, MailgunRawForm),
)
