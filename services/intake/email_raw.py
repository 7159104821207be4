"""A raw RFC 822 e-mail turned into the e-mail channel's message (channels.EmailMessage), its files kept.

Two ways in, one reading (services/intake/mime.py):
- Mailgun's raw-MIME forward on `POST /v1/channels/email`: multipart/form-data with `body-mime` and the
  signature fields; the HTTP edge keeps the files and publishes the parsed message, never the MIME
  (attachment content stays out of Kafka records);
- an inbound message of the e-mail channel on `complaints.inbound` whose raw is `{"body-mime": "<the
  message>"}` (or `"mime"`): the consumer reads it the same way before judging it.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import asyncpg

from services.intake import attachments, mime
from shared.db import Connection
from shared.events import Channel, complaint_id_for

MIME_FIELDS = ("body-mime", "mime")


def mime_of(raw: dict[str, Any]) -> bytes | None:
    """The raw e-mail an inbound message carries, if it carries one."""
    for name in MIME_FIELDS:
        value = raw.get(name)
        if isinstance(value, str) and value:
            return value.encode("utf-8", "surrogateescape")
    return None


def message_id_of(parsed: mime.ParsedEmail, raw: bytes) -> str:
    """The e-mail's Message-ID (a digest of one too long to key on), or a digest of a message without."""
    if parsed.message_id and len(parsed.message_id) <= 200 and parsed.message_id.isprintable():
        return parsed.message_id
    return f"sha256:{hashlib.sha256(parsed.message_id.encode() if parsed.message_id else raw).hexdigest()}"


async def read(
    conn: asyncpg.Pool | Connection,
    raw: bytes,
    *,
    channel_message_id: str | None = None,
    tracking_prefix: str,
    max_bytes: int,
    max_count: int,
) -> dict[str, Any]:
    """The channel message of a raw e-mail; its files kept in intake.attachments (within the cap) and
    named by id. Idempotent: the same e-mail keeps the same files once."""
    parsed = mime.parse_email(raw, tracking_prefix=tracking_prefix)
    message_id = channel_message_id or message_id_of(parsed, raw)
    owner = complaint_id_for(Channel.EMAIL.value, message_id)
    files = [
        attachments.Content(filename=info.filename, media_type=info.media_type, data=data)
        for info, data in mime.attachment_contents(raw)
    ]
    kept = await attachments.keep(
        conn, owner=owner, message_key=message_id, files=files, max_bytes=max_bytes, max_count=max_count
    )
    message = parsed.as_raw()
    message["message_id"] = message_id
    message["title"] = parsed.title
    message["attachments"] = [_listed(attachment_id, file) for attachment_id, file in kept]
    return message


def _listed(attachment_id: uuid.UUID, file: attachments.Content) -> dict[str, Any]:
    return {
        "filename": file.filename,
        "media_type": file.media_type,
        "size_bytes": len(file.data),
        "attachment_id": str(attachment_id),
    }
