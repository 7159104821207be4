"""E-mail: a mail gateway's signed webhook (`POST /v1/channels/email`: JSON, Mailgun's route form, or
the raw RFC 822 message in `body-mime`), or raw e-mail on complaints.inbound. Not interactive."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AliasChoices, Field

from services.intake.channels.base import ChannelSpec, Endpoint, RawModel, digest, message_id, samples
from shared.events import Channel


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


SPEC = ChannelSpec(
    channels=(Channel.EMAIL,),
    raw_model=EmailMessage,
    interactive=False,
    message_id="the Message-ID (else a digest of sender and subject)",
    auth=("email",),
    endpoints=(Endpoint("POST", "/v1/channels/email", "email_webhook"),),
    samples=samples("email"),
)
