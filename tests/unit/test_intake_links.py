"""Raw e-mail reading, attachment URLs and content keys (services/intake/email_raw.py, attachments.py,
linking.py): the pure parts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from services.intake import email_raw, linking, mime
from services.intake.attachments import INTERNAL_SCHEME, Signer, attachment_id
from services.intake.channels import parse_raw
from services.intake.duplicates import DuplicatePolicy
from services.intake.normalise import normalise
from services.intake.settings import IntakeSettings
from shared.events import Attachment, Channel
from tests.factories import complaint

FIXTURES = Path(__file__).parent.parent / "fixtures" / "email"
AT = datetime(2026, 8, 20, 3, 0, tzinfo=UTC)
KEY = "test-digest-key"


def test_attachment_contents_are_the_decoded_files_in_the_listed_order() -> None:
    raw = (FIXTURES / "attachments.eml").read_bytes()
    contents = mime.attachment_contents(raw)
    assert [info for info, _ in contents] == list(mime.parse_email(raw).attachments)
    photo = next(data for info, data in contents if info.media_type == "image/jpeg")
    assert photo[:3] == b"\xff\xd8\xff" and len(photo) == 2061  # a JPEG, base64 undone


def test_a_raw_email_is_found_in_either_field_and_keyed_by_its_message_id() -> None:
    assert email_raw.mime_of({"body-mime": "From: a@b\r\n\r\nx"}) == b"From: a@b\r\n\r\nx"
    assert email_raw.mime_of({"mime": "x"}) == b"x"
    assert email_raw.mime_of({"text": "x"}) is None
    raw = (FIXTURES / "alternative.eml").read_bytes()
    assert email_raw.message_id_of(mime.parse_email(raw), raw) == "<CAK7f3xQ2w9nYp1Jm@mail.gmail.com>"
    bare = b"From: warga@example.com\r\nSubject: x\r\n\r\nJalan rusak"
    key = email_raw.message_id_of(mime.parse_email(bare), bare)
    assert key.startswith("sha256:") and key == email_raw.message_id_of(mime.parse_email(bare), bare)


def test_kept_files_become_internal_references_on_the_complaint() -> None:
    mail = mime.parse_email((FIXTURES / "attachments.eml").read_bytes())
    kept = str(uuid.uuid4())
    raw = {
        **mail.as_raw(),
        "title": mail.title,
        "attachments": [
            {"filename": "a.jpg", "media_type": "image/jpeg", "size_bytes": 10, "attachment_id": kept},
            {"filename": "listed-only.pdf", "media_type": "application/pdf", "size_bytes": 5},
        ],
    }
    c = normalise(
        Channel.EMAIL, parse_raw(Channel.EMAIL, raw), complaint_id=uuid.uuid4(), channel_message_id="m", received_at=AT
    )
    assert c.attachments == (
        Attachment(url=f"{INTERNAL_SCHEME}{kept}", media_type="image/jpeg", size_bytes=10, name="a.jpg"),
    )
    assert c.title == "Jalan berlubang di Natar (foto terlampir)"


def test_a_signed_url_is_refused_when_tampered_or_expired() -> None:
    signer = Signer(key="k", base_url="https://aduan.example/", ttl=timedelta(days=1))
    file = uuid.uuid4()
    url = signer.url(file, AT)
    assert url.startswith(f"https://aduan.example/v1/attachments/{file}?expires=")
    expires = str(int((AT + timedelta(days=1)).timestamp()))
    good = signer.signature(file, int(expires))
    assert signer.check(str(file), expires, good, now=AT.timestamp()) is None
    tampered = good[:-1] + ("1" if good[-1] == "0" else "0")
    assert signer.check(str(file), expires, tampered, now=AT.timestamp()) == "bad signature"
    assert signer.check(str(uuid.uuid4()), expires, good, now=AT.timestamp()) == "bad signature"
    assert signer.check(str(file), str(int(expires) + 1), good, now=AT.timestamp()) == "bad signature"
    assert signer.check(str(file), expires, good, now=AT.timestamp() + 2 * 86400) == "expired"
    assert signer.check(str(file), None, good, now=0) is not None
    assert Signer(key="other", base_url="", ttl=timedelta(days=1)).signature(file, 1) != signer.signature(file, 1)
    # only intake's own references are signed; other URLs (a WhatsApp media id) are kept
    signed = signer.sign((Attachment(url=f"{INTERNAL_SCHEME}{file}"), Attachment(url="whatsapp-media:1")), AT)
    assert signed[0].url == url and signed[1].url == "whatsapp-media:1"
    assert attachment_id(file, "m", 0) == attachment_id(file, "m", 0) != attachment_id(file, "m", 1)


def test_a_post_without_a_key_is_keyed_by_reporter_text_and_window() -> None:
    policy = DuplicatePolicy(repeat_window=timedelta(hours=24))
    first = complaint(received_at=AT)
    key = linking.message_key(channel=Channel.WEB, complaint=first, client="ip-a", policy=policy, key=KEY)
    same = complaint(received_at=AT + timedelta(minutes=5))  # same reporter and text, another id
    assert linking.message_key(channel=Channel.WEB, complaint=same, client="ip-b", policy=policy, key=KEY) == key
    other_text = complaint("Lampu jalan di Kedaton mati semua sejak minggu lalu, mohon diperbaiki.", received_at=AT)
    assert linking.message_key(channel=Channel.WEB, complaint=other_text, client="ip-a", policy=policy, key=KEY) != key
    next_day = complaint(received_at=AT + timedelta(days=1))
    assert linking.message_key(channel=Channel.WEB, complaint=next_day, client="ip-a", policy=policy, key=KEY) != key
    # reporters who gave no contact are told apart by where they posted from
    a, b = complaint(reporter=None, received_at=AT), complaint(reporter=None, received_at=AT)
    ka = linking.message_key(channel=Channel.WEB, complaint=a, client="ip-a", policy=policy, key=KEY)
    assert ka != linking.message_key(channel=Channel.WEB, complaint=b, client="ip-b", policy=policy, key=KEY)
    assert ka == linking.message_key(channel=Channel.WEB, complaint=b, client="ip-a", policy=policy, key=KEY)
    # the reporter's digest is keyed: without the key, trying every phone number finds nothing
    assert linking.reporter_key(first, KEY) != linking.reporter_key(first, "another key")
    assert (
        first.reporter
        and first.reporter.phone
        and first.reporter.phone[1:] not in (linking.reporter_key(first, KEY) or "")
    )


def test_the_duplicate_reply_names_the_first_number_and_the_policy_comes_from_settings() -> None:
    text = linking.duplicate_text(first="LPG-AAAA-BBBB-CCCC", own="LPG-DDDD-EEEE-FFFF", language="id")
    assert "LPG-AAAA-BBBB-CCCC" in text
    assert linking.duplicate_text(first="X1", own="Y", language="xx") == linking.duplicate_text(
        first="X1", own="Y", language="id"
    )
    settings = IntakeSettings(duplicate_similar_text=91, duplicate_window_s=3600, follow_up_similar_text=70)
    policy = settings.duplicate_policy()
    assert (policy.similar_text, policy.duplicate_window, policy.follow_up_text) == (91, timedelta(hours=1), 70)
