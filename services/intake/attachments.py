"""Attachments: their content kept by intake, never inside a Kafka record; complaints carry a signed,
expiring URL to `GET /v1/attachments/{id}` instead, so the forwarder can pass the file or the link on.

A URL is `…/v1/attachments/<id>?expires=<unix seconds>&signature=<hex HMAC-SHA256 of "<id>.<expires>">`;
its expiry is counted from the complaint's receipt (so a redelivered message makes the same URL). A bad
or expired signature is 403, an unknown attachment 404. What a complaint may keep is capped
(ADUAN_ATTACHMENTS_MAX_BYTES, ADUAN_ATTACHMENTS_MAX_COUNT): files past the cap are not kept and not
listed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast
from urllib.parse import quote

import asyncpg
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from services.intake.settings import IntakeSettings
from shared.db import Connection
from shared.events import Attachment, derived_id
from shared.logging import get_logger
from shared.pii import keyed_digest

log = get_logger(__name__)
PATH = "/v1/attachments"
INTERNAL_SCHEME = "aduan-attachment:"  # how a channel's raw message names a file intake keeps
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._ -]+")


@dataclass(frozen=True)
class Content:
    """One file as it arrived, before it is kept."""

    filename: str | None
    media_type: str
    data: bytes


def attachment_id(owner: uuid.UUID, message_key: str, index: int) -> uuid.UUID:
    """The same file of the same message always has the same id (redeliveries keep one copy)."""
    return derived_id("attachment", owner, message_key, index)


def internal_url(attachment: uuid.UUID) -> str:
    return f"{INTERNAL_SCHEME}{attachment}"


class Signer:
    def __init__(self, *, key: str, base_url: str, ttl: timedelta) -> None:
        self.key = key.encode()
        self.base_url = base_url.rstrip("/")
        self.ttl = ttl

    def signature(self, attachment: uuid.UUID, expires: int) -> str:
        return hmac.new(self.key, f"{attachment}.{expires}".encode(), hashlib.sha256).hexdigest()

    def url(self, attachment: uuid.UUID, received_at: datetime) -> str:
        expires = int((received_at + self.ttl).timestamp())
        return f"{self.base_url}{PATH}/{attachment}?expires={expires}&signature={self.signature(attachment, expires)}"

    def check(self, attachment: str, expires: str | None, signature: str | None, *, now: float) -> str | None:
        """Why the URL is refused, or None when it is good."""
        if not expires or not signature or not expires.isdigit() or len(expires) > 12:
            return "missing or malformed expires/signature"
        if not hmac.compare_digest(self.signature(uuid.UUID(attachment), int(expires)), signature[:128]):
            return "bad signature"
        if int(expires) < now:
            return "expired"
        return None

    def sign(self, attachments: Sequence[Attachment], received_at: datetime) -> tuple[Attachment, ...]:
        """Internal references (aduan-attachment:<id>) replaced by signed URLs; other URLs kept."""
        return tuple(
            a.model_copy(update={"url": self.url(uuid.UUID(a.url.removeprefix(INTERNAL_SCHEME)), received_at)})
            if a.url.startswith(INTERNAL_SCHEME)
            else a
            for a in attachments
        )


def signer_for(settings: IntakeSettings, *, fallback_key: str) -> Signer:
    """ADUAN_ATTACHMENT_URL_KEY, else a key derived from `fallback_key` (ADUAN_PII_HASH_KEY or the
    process's random one: then URLs die with the process)."""
    key = settings.attachment_url_key.get_secret_value() if settings.attachment_url_key else None
    return Signer(
        key=key or keyed_digest(fallback_key, "attachment-url", "v1"),
        base_url=settings.public_base_url or f"http://{settings.http_host}:{settings.http_port}",
        ttl=timedelta(seconds=settings.attachment_url_ttl_s),
    )


async def keep(
    conn: asyncpg.Pool | Connection,
    *,
    owner: uuid.UUID,
    message_key: str,
    files: Sequence[Content],
    max_bytes: int,
    max_count: int,
) -> list[tuple[uuid.UUID, Content]]:
    """Store the files of one message for complaint `owner`, within the complaint's cap; return the kept
    ones with their ids. Idempotent: a redelivered message keeps nothing twice."""
    ids = [attachment_id(owner, message_key, i) for i in range(len(files))]
    row = await conn.fetchrow(
        """SELECT count(*) AS n, COALESCE(sum(size_bytes), 0) AS bytes FROM intake.attachments
           WHERE complaint_id = $1 AND NOT (attachment_id = ANY($2))""",
        owner,
        ids,
    )
    row = cast(asyncpg.Record, row)  # an aggregate without GROUP BY: always one row
    count, total = int(row["n"]), int(row["bytes"])
    kept: list[tuple[uuid.UUID, Content]] = []
    for attachment, file in zip(ids, files, strict=True):
        if count + 1 > max_count or total + len(file.data) > max_bytes:
            continue
        await conn.execute(
            """INSERT INTO intake.attachments (attachment_id, complaint_id, filename, media_type, size_bytes, content)
               VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (attachment_id) DO NOTHING""",
            attachment,
            owner,
            file.filename[:300] if file.filename else None,
            file.media_type[:200],
            len(file.data),
            file.data,
        )
        count, total = count + 1, total + len(file.data)
        kept.append((attachment, file))
    if len(kept) < len(files):
        log.info("attachments over the cap not kept", kept=len(kept), dropped=len(files) - len(kept))
    return kept


async def serve(request: Request, *, pool: asyncpg.Pool, signer: Signer) -> Response:
    """GET /v1/attachments/{attachment_id}?expires=…&signature=…"""
    raw_id = request.path_params["attachment_id"]
    try:
        attachment = str(uuid.UUID(raw_id))
    except ValueError:
        return _problem(404, "No such attachment")
    q = request.query_params
    refused = signer.check(attachment, q.get("expires"), q.get("signature"), now=time.time())
    if refused is not None:
        return _problem(403, f"The link is not valid: {refused}")
    row = await pool.fetchrow(
        "SELECT filename, media_type, content FROM intake.attachments WHERE attachment_id = $1",
        uuid.UUID(attachment),
    )
    if row is None:
        return _problem(404, "No such attachment")
    name = _SAFE_NAME.sub("_", row["filename"] or "lampiran")[:200] or "lampiran"
    disposition = f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(row['filename'] or name)}"
    return Response(
        bytes(row["content"]),
        media_type=row["media_type"],
        headers={
            "Content-Disposition": disposition,
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=300",
        },
    )


def _problem(status: int, title: str) -> Response:
    return JSONResponse(
        {"type": "urn:aduan:problem:attachment", "title": title, "status": status, "detail": title, "errors": []},
        status_code=status,
        media_type="application/problem+json",
    )
