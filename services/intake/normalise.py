"""From a channel's message to the normalised Complaint (DESIGN.md §3). Pure: no I/O.

Cleaning keeps the original text and produces a readable one: HTML stripped, whitespace folded,
quoted replies and signatures of e-mails cut. Identity is normalised (phones to E.164 with
`phonenumbers`, e-mails checked) and LAPOR!'s own limits are enforced here, at the door, where the
citizen can still be told: at least a sentence of text, attachments of at most 2 MB in total.
"""

from __future__ import annotations

import html
import re
import tomllib
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from email.utils import parseaddr
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import phonenumbers
from pydantic import BaseModel, ConfigDict, EmailStr, Field, TypeAdapter, ValidationError

from services.intake import dates, keyword_sms, tracking
from services.intake.channels import (
    OPEN311_SERVICES,
    EmailMessage,
    Open311Request,
    RawModel,
    SmsMessage,
    WebForm,
    WhatsAppMessage,
)
from services.intake.names import tidy_name
from shared.events import Attachment, Channel, ChannelHints, Complaint, Location, RejectReason, Reporter

JAKARTA = ZoneInfo("Asia/Jakarta")
MIN_BODY_CHARS = 15
MAX_TITLE_CHARS = 100
LAPOR_MAX_ATTACHMENT_BYTES = 2 * 1024 * 1024
_EMAIL = TypeAdapter(EmailStr)
MARKERS_PATH = Path(__file__).with_name("markers.toml")


class Rejected(Exception):
    def __init__(self, reasons: list[RejectReason]) -> None:
        super().__init__("; ".join(f"{r.field or '-'}: {r.message}" for r in reasons))
        self.reasons = reasons


# ---------------------------------------------------------------------------------------------
# text cleaning


class _TextExtractor(HTMLParser):
    _BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def strip_html(text: str) -> str:
    if "<" not in text:
        return html.unescape(text)
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    return "".join(parser.parts)


_QUOTE_HEADER = re.compile(
    r"^\s*(pada\s.+\s(menulis|wrote)\s*:|on\s.+\swrote\s*:|-{2,}\s*(original message|pesan asli)\s*-{2,})\s*$",
    re.IGNORECASE,
)
_SIGNATURE = re.compile(r"^\s*--\s*$|^\s*(dikirim dari|sent from) .+$", re.IGNORECASE)


def cut_reply_and_signature(text: str) -> str:
    """Keep what the sender wrote now: drop the quoted thread and the signature block below it."""
    kept: list[str] = []
    for line in text.splitlines():
        if _QUOTE_HEADER.match(line) or _SIGNATURE.match(line):
            break
        if line.lstrip().startswith(">"):
            continue
        kept.append(line)
    return "\n".join(kept)


def fold_whitespace(text: str) -> str:
    paragraphs = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text)]
    return "\n\n".join(p for p in paragraphs if p)


def clean_text(text: str, *, email: bool = False) -> str:
    text = strip_html(text)
    if email:
        text = cut_reply_and_signature(text)
    return fold_whitespace(text)


# Abbreviations common in Indonesian addresses and names: their full stop does not end a sentence.
_ABBREVIATIONS = frozenset(
    {
        "jl",
        "jln",
        "gg",
        "no",
        "blok",
        "perum",
        "komp",
        "kav",
        "rt",
        "rw",
        "ds",
        "dsn",
        "kp",
        "kel",
        "kec",
        "kab",
        "prov",
        "jend",
        "mayjen",
        "brigjen",
        "letjen",
        "kol",
        "kapt",
        "dr",
        "drs",
        "dra",
        "ir",
        "prof",
        "h",
        "hj",
        "kh",
        "bpk",
        "sdr",
        "sdri",
        "yth",
        "a.n",
        "tgl",
        "telp",
        "hp",
        "pt",
        "cv",
        "st",
        "sd",
        "smp",
        "sma",
        "smk",
        "rs",
    }
)


def first_sentence(text: str) -> str:
    for match in re.finditer(r"[.!?](?=\s)|\n", text):
        if match.group() == ".":
            word = text[: match.start()].rsplit(None, 1)[-1].lower() if text[: match.start()].split() else ""
            if word in _ABBREVIATIONS or len(word) == 1:
                continue
        return text[: match.end()].strip()
    return text.strip()


def derive_title(body: str) -> str:
    """A title for channels that have none (SMS, WhatsApp): the first sentence, cut at a word."""
    first = first_sentence(body)
    if len(first) <= MAX_TITLE_CHARS:
        return first
    cut = first[:MAX_TITLE_CHARS].rsplit(" ", 1)[0]
    return f"{cut}…"


# ---------------------------------------------------------------------------------------------
# identity


def e164(phone: str | None, field: str, reasons: list[RejectReason], *, strict: bool) -> str | None:
    """E.164 for an Indonesian (or international) number; strict channels reject a bad one."""
    if not phone:
        return None
    try:
        parsed = phonenumbers.parse(phone, "ID")
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    except phonenumbers.NumberParseException:
        pass
    if strict:
        reasons.append(RejectReason(code="invalid_phone", field=field, message="not a valid phone number"))
    return None


def email_address(value: str | None, field: str, reasons: list[RejectReason], *, strict: bool) -> str | None:
    if not value:
        return None
    address = parseaddr(value)[1] or value
    try:
        return _EMAIL.validate_python(address).lower()
    except ValidationError:
        pass
    if strict:
        reasons.append(RejectReason(code="invalid_email", field=field, message="not a valid e-mail address"))
    return None


# ---------------------------------------------------------------------------------------------
# anonim / rahasia asked for in the text


class PrivacyMarkers(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    anonymous: tuple[str, ...] = Field(min_length=1)
    confidential: tuple[str, ...] = Field(min_length=1)


@cache
def _marker_regex() -> re.Pattern[str]:
    markers = PrivacyMarkers.model_validate(tomllib.loads(MARKERS_PATH.read_text()))
    words = "|".join(re.escape(w) for w in sorted({*markers.anonymous, *markers.confidential}, key=len, reverse=True))
    return re.compile(rf"(?i)^\s*[#\[]?({words})[\]:]?(?:\s+|$)")


@cache
def _confidential_words() -> frozenset[str]:
    return frozenset(
        w.lower() for w in PrivacyMarkers.model_validate(tomllib.loads(MARKERS_PATH.read_text())).confidential
    )


def privacy_markers(text: str) -> tuple[bool, bool, str]:
    """(anonymous, confidential, the text without its leading markers)."""
    anonymous = confidential = False
    for _ in range(3):
        match = _marker_regex().match(text)
        if match is None:
            break
        if match.group(1).lower() in _confidential_words():
            confidential = True
        else:
            anonymous = True
        text = text[match.end() :]
    return anonymous, confidential, text


def reporter_or_none(name: str | None, phone: str | None, email: str | None) -> Reporter | None:
    name = tidy_name(name)  # "BUDI SANTOSO (0812…)" → "Budi Santoso"
    if not (name or phone or email):
        return None
    return Reporter(name=name or None, phone=phone, email=email)


# ---------------------------------------------------------------------------------------------
# per channel


@dataclass(frozen=True)
class Draft:
    """What a channel message says, before the checks every complaint must pass."""

    title: str | None
    body: str
    original_title: str | None
    original_body: str
    reporter: Reporter | None
    anonymous: bool = False
    confidential: bool = False
    incident_date: date | None = None
    location: Location = field(default_factory=Location)
    attachments: tuple[Attachment, ...] = ()
    hints: ChannelHints = field(default_factory=ChannelHints)


def _from_web(m: WebForm, reasons: list[RejectReason]) -> Draft:
    r = m.reporter
    reporter = reporter_or_none(
        r.name if r else None,
        e164(r.phone if r else None, "reporter.phone", reasons, strict=True),
        email_address(r.email if r else None, "reporter.email", reasons, strict=True),
    )
    loc = m.location
    return Draft(
        title=clean_text(m.title) if m.title else None,
        body=clean_text(m.body),
        original_title=m.title,
        original_body=m.body,
        reporter=reporter,
        anonymous=m.anonymous,
        confidential=m.confidential,
        incident_date=m.incident_date,
        location=Location(text=loc.text, lat=loc.lat, lon=loc.lon) if loc else Location(),
        attachments=tuple(
            Attachment(url=a.url, media_type=a.media_type, size_bytes=a.size_bytes) for a in m.attachments
        ),
        hints=ChannelHints(category=m.category, target_agency=m.target_agency),
    )


def _from_sms(m: SmsMessage, reasons: list[RejectReason]) -> Draft:
    anonymous, confidential, text = privacy_markers(m.message)
    keyword = keyword_sms.parse(text)  # LAPOR#<kab/kota>#<isi>: the region is the location hint
    if keyword is not None:  # "LAPOR#Lamsel#RAHASIA …": the markers may lead the isi too
        anonymous_too, confidential_too, text = privacy_markers(keyword.body)
        anonymous, confidential = anonymous or anonymous_too, confidential or confidential_too
    return Draft(
        title=None,
        body=clean_text(text),
        original_title=None,
        original_body=m.message,
        anonymous=anonymous,
        confidential=confidential,
        reporter=reporter_or_none(None, e164(m.phone_number, "phoneNumber", reasons, strict=False), None),
        attachments=tuple(Attachment(url=url) for url in m.media_urls),
        location=Location(text=keyword.region_text, region_code=keyword.region_code) if keyword else Location(),
    )


def _from_whatsapp(m: WhatsAppMessage, reasons: list[RejectReason]) -> Draft:
    """Text, media (image, audio, video, document, sticker: an attachment, its caption the text) or a
    shared location. Any other type is answered with a reason, never dropped."""
    media = m.media()
    location = Location()
    if m.type == "text" and m.text is not None:
        text = m.text.body
    elif media is not None:
        text = media.caption or ""
        if not text:
            reasons.append(
                RejectReason(
                    code="media_without_text",
                    field=m.type,
                    message=f"a {m.type} needs a written description of the complaint",
                )
            )
    elif m.type == "location" and m.location is not None:
        loc = m.location
        text = " ".join(p for p in (loc.name, loc.address) if p)
        location = Location(text=text or None, lat=loc.latitude, lon=loc.longitude)
    else:
        text = ""
        reasons.append(
            RejectReason(
                code="unsupported_type",
                field="type",
                message="only text, media with a caption and locations become complaints",
            )
        )
    anonymous, confidential, marked = privacy_markers(text)
    return Draft(
        title=None,
        body=clean_text(marked),
        original_title=None,
        original_body=text,
        anonymous=anonymous,
        confidential=confidential,
        reporter=reporter_or_none(m.profile_name, e164("+" + m.from_.lstrip("+"), "from", reasons, strict=False), None),
        location=location,
        attachments=(Attachment(url=f"whatsapp-media:{media.id}", media_type=media.mime_type),) if media else (),
    )


def _from_email(m: EmailMessage, reasons: list[RejectReason]) -> Draft:
    original = m.text or m.html or ""
    name, _ = parseaddr(m.from_)
    anonymous, confidential, subject = privacy_markers(m.title or m.subject or "")
    body_anonymous, body_confidential, text = privacy_markers(original)
    return Draft(
        title=clean_text(subject) if subject.strip() else None,
        body=clean_text(text, email=True),
        anonymous=anonymous or body_anonymous,
        confidential=confidential or body_confidential,
        original_title=m.subject,
        original_body=original,
        reporter=reporter_or_none(name or None, None, email_address(m.from_, "from", reasons, strict=False)),
        attachments=tuple(  # files intake keeps; the consumer turns the reference into a signed URL
            Attachment(
                url=f"aduan-attachment:{a.attachment_id}",
                media_type=a.media_type,
                size_bytes=a.size_bytes,
                name=a.filename,
            )
            for a in m.attachments
            if a.attachment_id
        ),
    )


def _from_open311(m: Open311Request, reasons: list[RejectReason]) -> Draft:
    name = " ".join(p for p in (m.first_name, m.last_name) if p) or None
    anonymous, confidential, text = privacy_markers(m.description)
    return Draft(
        title=OPEN311_SERVICES.get(m.service_code),
        body=clean_text(text),
        anonymous=anonymous or m.anonymous,
        confidential=confidential or m.confidential,
        original_title=None,
        original_body=m.description,
        reporter=reporter_or_none(
            name,
            e164(m.phone, "phone", reasons, strict=True),
            email_address(m.email, "email", reasons, strict=True),
        ),
        location=Location(text=m.address_string, lat=m.lat, lon=m.long),
        attachments=(Attachment(url=m.media_url),) if m.media_url else (),
        hints=ChannelHints(category=m.service_code),
    )


_DRAFTERS = {
    WebForm: _from_web,
    SmsMessage: _from_sms,
    WhatsAppMessage: _from_whatsapp,
    EmailMessage: _from_email,
    Open311Request: _from_open311,
}


def normalise(
    channel: Channel,
    message: RawModel,
    *,
    complaint_id: uuid.UUID,
    channel_message_id: str,
    received_at: datetime,
    tracking_prefix: str = "LPG",
) -> Complaint:
    """The normalised complaint, or `Rejected` with every reason found (not just the first)."""
    reasons: list[RejectReason] = []
    draft = _DRAFTERS[type(message)](message, reasons)  # type: ignore[operator]

    if len(draft.body) < MIN_BODY_CHARS:
        reasons.append(
            RejectReason(
                code="too_short",
                field="body",
                message=f"the complaint needs at least {MIN_BODY_CHARS} characters of text",
            )
        )
    local_today = received_at.astimezone(JAKARTA).date()
    if draft.incident_date and draft.incident_date > local_today:
        reasons.append(
            RejectReason(code="invalid_date", field="incident_date", message="the incident date lies in the future")
        )
    total = sum(a.size_bytes or 0 for a in draft.attachments)
    if total > LAPOR_MAX_ATTACHMENT_BYTES:
        reasons.append(
            RejectReason(
                code="attachments_too_large",
                field="attachments",
                message=f"attachments total {total} bytes; LAPOR! accepts at most 2 MB",
            )
        )
    if reasons:
        raise Rejected(reasons)

    return Complaint(
        complaint_id=complaint_id,
        tracking_number=tracking.tracking_number(complaint_id, prefix=tracking_prefix),
        channel=channel,
        channel_message_id=channel_message_id,
        received_at=received_at,
        title=draft.title or derive_title(draft.body),
        body=draft.body,
        original_title=draft.original_title,
        original_body=draft.original_body,
        reporter=draft.reporter,
        anonymous=draft.anonymous,
        confidential=draft.confidential,
        # the date the channel gave, else the one the text states ("kemarin", "tgl 3/9"), else the day of receipt
        incident_date=draft.incident_date or _stated_date(draft, received_at) or local_today,
        location=draft.location,
        attachments=draft.attachments,
        hints=draft.hints,
    )


def _stated_date(draft: Draft, received_at: datetime) -> date | None:
    return dates.incident_date(draft.title or "", received_at=received_at) or dates.incident_date(
        draft.body, received_at=received_at
    )


def reasons_from_validation(exc: ValidationError) -> list[RejectReason]:
    """Pydantic's errors as reject reasons naming the field (`reporter.phone`, `body`, ...)."""
    codes = {"missing": "missing_field", "string_too_short": "too_short", "string_too_long": "too_long"}
    return [
        RejectReason(
            code=codes.get(e["type"], "invalid_field"),
            field=".".join(str(p) for p in e["loc"]) or None,
            message=e["msg"],
        )
        for e in exc.errors(include_url=False)
    ]
