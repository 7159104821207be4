"""A raw RFC 822 e-mail, as it was sent, read as a complaint's parts. Pure: bytes in, a value out.

Parsed with the standard library's `email` package (`policy.default`). The subject is the title (reply
prefixes such as "Re:" and "Balas:" taken off); the text is the text/plain body when there is one,
else the HTML body stripped of its tags; what the sender quoted (lines after "Pada … menulis:", "On …
wrote:", an Outlook "From:/Sent:" block, "-----Original Message-----", lines starting with ">") and
the signature ("-- ", "Dikirim dari …", "Sent from …") are cut. Attachments are listed with name,
type and size, their content left to the caller. For threading: the Message-ID, In-Reply-To and
References, and every tracking number the subject names ("Re: [LPG-7K3M-9QX2-HTAB] …"), so a reply
to our acknowledgement can join its complaint.

The reply and signature markers live in email_markers.toml next to this module.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass
from datetime import datetime
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from services.intake import tracking
from services.intake.normalise import strip_html

MARKERS_PATH = Path(__file__).with_name("email_markers.toml")
_BLOCK_LOOKAHEAD = 3
_MSG_ID = re.compile(r"<[^<>\s]+>")


class Markers(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1]
    quote_headers: list[str]
    wrapped_header_start: str
    block_first: str
    block_next: str
    signature_starts: list[str]
    quoted_line: str
    reply_prefixes: list[str]

    @field_validator("quote_headers", "signature_starts")
    @classmethod
    def _compile_all(cls, patterns: list[str]) -> list[str]:
        for p in patterns:
            _compile(p)
        return patterns

    @field_validator("wrapped_header_start", "block_first", "block_next", "quoted_line")
    @classmethod
    def _compile_one(cls, pattern: str) -> str:
        _compile(pattern)
        return pattern


def _compile(pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as exc:
        raise ValueError(f"not a regular expression: {pattern!r}: {exc}") from exc


def load_markers(path: Path = MARKERS_PATH) -> Markers:
    try:
        return Markers.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise ValueError(f"{path}: not valid e-mail markers: {exc}") from exc


class _Trimmer:
    def __init__(self, m: Markers) -> None:
        self.quote_headers = [_compile(p) for p in m.quote_headers]
        self.wrapped_start = _compile(m.wrapped_header_start)
        self.block_first = _compile(m.block_first)
        self.block_next = _compile(m.block_next)
        self.signatures = [_compile(p) for p in m.signature_starts]
        self.quoted = _compile(m.quoted_line)
        prefixes = "|".join(re.escape(p) for p in sorted(m.reply_prefixes, key=len, reverse=True))
        self.reply_prefix = re.compile(rf"^\s*(?:(?:{prefixes})\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE)

    def _quote_starts(self, lines: list[str], i: int) -> bool:
        line = lines[i]
        if any(p.match(line) for p in self.quote_headers):
            return True
        if self.wrapped_start.match(line) and i + 1 < len(lines):
            two = f"{line} {lines[i + 1]}"
            if any(p.match(two) for p in self.quote_headers):
                return True
        if self.block_first.match(line):
            return any(self.block_next.match(n) for n in lines[i + 1 : i + 1 + _BLOCK_LOOKAHEAD])
        return False

    def trim(self, text: str) -> str:
        lines = text.splitlines()
        for i, line in enumerate(lines):
            if self._quote_starts(lines, i) or any(p.match(line) for p in self.signatures):
                lines = lines[:i]
                break
        kept = [line.rstrip() for line in lines if not self.quoted.match(line)]
        return "\n".join(kept).strip()

    def title(self, subject: str) -> str:
        return self.reply_prefix.sub("", subject).strip()


_TRIMMER = _Trimmer(load_markers())


def trim_reply(text: str) -> str:
    """What the sender wrote now: the quoted message and the signature cut, quoted lines dropped."""
    return _TRIMMER.trim(text)


def title_of(subject: str) -> str:
    """The subject without reply and forward prefixes ("Re: Balas: Fwd: …")."""
    return _TRIMMER.title(subject)


@dataclass(frozen=True)
class AttachmentInfo:
    filename: str | None
    media_type: str
    size_bytes: int
    content_id: str | None = None


@dataclass(frozen=True)
class ParsedEmail:
    message_id: str | None
    from_name: str | None
    from_address: str | None
    subject: str | None
    title: str | None
    text: str  # what the sender wrote now
    original_text: str  # the chosen body as text, before cutting quotes and signature
    html: bool  # the text came from an HTML body
    attachments: tuple[AttachmentInfo, ...]
    in_reply_to: str | None
    references: tuple[str, ...]
    tracking_numbers: tuple[str, ...]  # named in the subject, each passing its check
    sent_at: datetime | None

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """The Message-IDs this one answers, nearest first (In-Reply-To, then References newest first)."""
        ids = ([self.in_reply_to] if self.in_reply_to else []) + list(reversed(self.references))
        return tuple(dict.fromkeys(ids))

    def as_raw(self) -> dict[str, Any]:
        """The fields of the e-mail channel's raw model (channels.EmailMessage), plus what threading needs."""
        sender = (
            f"{self.from_name} <{self.from_address}>"
            if self.from_name and self.from_address
            else (self.from_address or "")
        )
        return {
            "message_id": self.message_id,
            "from": sender,
            "subject": self.subject,
            "text": self.text,
            "attachments": [asdict(a) for a in self.attachments],
            "in_reply_to": self.in_reply_to,
            "references": list(self.references),
            "tracking_numbers": list(self.tracking_numbers),
        }


def _header(msg: Message, name: str) -> str | None:
    try:
        value = msg.get(name)
        text = str(value).strip() if value is not None else ""
    except Exception:  # a header the policy cannot parse is as good as absent
        return None
    return text or None


def _text_of(part: Message) -> str:
    try:
        content = part.get_content()  # type: ignore[attr-defined]
        if isinstance(content, str):
            return content
    except (LookupError, UnicodeError, KeyError, ValueError, AssertionError):
        pass
    payload = part.get_payload(decode=True)
    return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""


def _body_part(msg: EmailMessage) -> Message | None:
    try:
        return msg.get_body(preferencelist=("plain", "html"))
    except Exception:
        return None


def _attachment_parts(msg: EmailMessage, body: Message | None) -> list[tuple[AttachmentInfo, bytes]]:
    found: list[tuple[AttachmentInfo, bytes]] = []
    for part in msg.walk():
        if part is body or part.is_multipart():
            continue
        filename = part.get_filename()
        disposition = part.get_content_disposition()
        media_type = part.get_content_type()
        alternative_text = media_type in ("text/plain", "text/html") and disposition != "attachment" and not filename
        if alternative_text or part.get_content_maintype() == "message":
            continue  # the other rendering of the body (or a nested message's own parts, walked anyway)
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        content_id = _header(part, "Content-ID")
        info = AttachmentInfo(
            filename=filename,
            media_type=media_type,
            size_bytes=len(data),
            content_id=content_id.strip("<>") if content_id else None,
        )
        found.append((info, data))
    return found


def _attachments(msg: EmailMessage, body: Message | None) -> tuple[AttachmentInfo, ...]:
    return tuple(info for info, _ in _attachment_parts(msg, body))


def attachment_contents(raw: bytes) -> list[tuple[AttachmentInfo, bytes]]:
    """Each attachment of a raw e-mail with its decoded content, in the order `parse_email` lists them."""
    msg = cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(raw))
    return _attachment_parts(msg, _body_part(msg))


def _sender(msg: Message) -> tuple[str | None, str | None]:
    try:
        header = msg.get("From")
        addresses: tuple[Address, ...] = tuple(getattr(header, "addresses", ()))
    except Exception:
        return None, None
    if addresses:
        return addresses[0].display_name or None, addresses[0].addr_spec.lower() or None
    pairs = getaddresses([str(header or "")])
    if pairs and pairs[0][1]:
        return pairs[0][0] or None, pairs[0][1].lower()
    return None, None


def _title(subject: str, prefix: str) -> str:
    """The subject without reply prefixes and without the tracking numbers it quotes ("[LPG-…]")."""
    bare = tracking.strip_numbers(title_of(subject), prefix=prefix)
    return " ".join(re.sub(r"[\[(]\s*[\])]", " ", bare).split())


def _sent_at(msg: Message) -> datetime | None:
    raw = _header(msg, "Date")
    if raw is None:
        return None
    try:
        return parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None


def parse_email(raw: bytes, *, tracking_prefix: str = "LPG") -> ParsedEmail:
    """Read a raw e-mail. Never raises for a malformed one: what cannot be read is absent."""
    msg = cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(raw))
    body = _body_part(msg)
    original = _text_of(body) if body is not None else ""
    is_html = body is not None and body.get_content_type() == "text/html"
    text = strip_html(original) if is_html else original
    subject = _header(msg, "Subject")
    references = tuple(_MSG_ID.findall(_header(msg, "References") or ""))
    in_reply_to = _MSG_ID.search(_header(msg, "In-Reply-To") or "")
    name, address = _sender(msg)
    return ParsedEmail(
        message_id=(m.group() if (m := _MSG_ID.search(_header(msg, "Message-ID") or "")) else None),
        from_name=name,
        from_address=address,
        subject=subject,
        title=_title(subject, tracking_prefix) or None if subject else None,
        text=trim_reply(text),
        original_text=original,
        html=is_html,
        attachments=_attachments(msg, body),
        in_reply_to=in_reply_to.group() if in_reply_to else None,
        references=references,
        tracking_numbers=tracking.find_numbers(subject or "", prefix=tracking_prefix),
        sent_at=_sent_at(msg),
    )
