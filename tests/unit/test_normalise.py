"""Channel messages to normalised Complaints (services/intake/normalise.py, channels/; DESIGN.md §3).

Pure logic: every test builds a channel's raw message, validates it with the channel's own model
(`parse_raw`, as the HTTP edge and the Kafka consumer do) and normalises it. Expected values are
worked out by hand from the inputs, not copied from a run.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from services.intake.channels import OPEN311_SERVICES, parse_raw
from services.intake.normalise import (
    LAPOR_MAX_ATTACHMENT_BYTES,
    MAX_TITLE_CHARS,
    MIN_BODY_CHARS,
    Rejected,
    clean_text,
    cut_reply_and_signature,
    derive_title,
    first_sentence,
    fold_whitespace,
    normalise,
    reasons_from_validation,
    strip_html,
)
from services.intake.tracking import passes_check, tracking_number
from shared.events import Channel, Complaint

# 10:00 WIB on Tuesday 10 March 2026.
RECEIVED = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
PHONE_E164 = "+6281234567890"
# Crockford base 32 (digits and capitals without I, L, O and U), three groups of four.
TRACKING = re.compile(r"^LPG-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")
LONG_ENOUGH = "Jalan di depan pasar berlubang besar sekali."


def run(
    channel: Channel,
    raw: dict[str, Any],
    *,
    complaint_id: uuid.UUID | None = None,
    received_at: datetime = RECEIVED,
    message_id: str = "msg-1",
    prefix: str = "LPG",
) -> Complaint:
    message = parse_raw(channel, raw)
    return normalise(
        channel,
        message,
        complaint_id=complaint_id or uuid.uuid4(),
        channel_message_id=message_id,
        received_at=received_at,
        tracking_prefix=prefix,
    )


def rejection(channel: Channel, raw: dict[str, Any], **kwargs: Any) -> dict[str, str | None]:
    """The reasons of a rejected message, code → field."""
    with pytest.raises(Rejected) as caught:
        run(channel, raw, **kwargs)
    return {r.code: r.field for r in caught.value.reasons}


# ---------------------------------------------------------------------------------------------
# every channel


def test_web_form_maps_every_field() -> None:
    cid = uuid.uuid4()
    raw = {
        "title": "  Lampu <b>jalan</b> mati ",
        "body": "<p>Lampu jalan di Jl. Teuku Umar mati&nbsp;sejak   seminggu.</p><p>Mohon diperbaiki.</p>",
        "reporter": {"name": "Budi Santoso", "phone": "0812-3456-7890", "email": "budi.santoso@gmail.com"},
        "anonymous": True,
        "confidential": True,
        "incident_date": "2026-03-08",
        "location": {"text": "Jl. Teuku Umar, Kedaton", "lat": -5.38, "lon": 105.26},
        "attachments": [{"url": "https://cdn.example/a.jpg", "media_type": "image/jpeg", "size_bytes": 1000}],
        "category": "penerangan",
        "target_agency": "kota-bandar-lampung",
    }
    c = run(Channel.WEB, raw, complaint_id=cid, message_id="web-42")

    assert c.complaint_id == cid
    assert c.channel is Channel.WEB
    assert c.channel_message_id == "web-42"
    assert c.received_at == RECEIVED
    assert c.title == "Lampu jalan mati"
    assert c.original_title == "Lampu <b>jalan</b> mati"  # the channel model strips outer whitespace only
    assert c.body == "Lampu jalan di Jl. Teuku Umar mati sejak seminggu.\n\nMohon diperbaiki."
    assert c.original_body == raw["body"]
    assert c.reporter is not None
    assert (c.reporter.name, c.reporter.phone, c.reporter.email) == (
        "Budi Santoso",
        PHONE_E164,
        "budi.santoso@gmail.com",
    )
    assert c.anonymous is True and c.confidential is True
    assert c.incident_date == date(2026, 3, 8)
    assert (c.location.text, c.location.lat, c.location.lon) == ("Jl. Teuku Umar, Kedaton", -5.38, 105.26)
    assert len(c.attachments) == 1
    a = c.attachments[0]
    assert (a.url, a.media_type, a.size_bytes) == ("https://cdn.example/a.jpg", "image/jpeg", 1000)
    assert (c.hints.category, c.hints.target_agency) == ("penerangan", "kota-bandar-lampung")
    assert c.language == "id"
    assert c.tracking_number == tracking_number(cid, prefix="LPG")


def test_web_form_minimal_has_no_reporter_and_derives_title() -> None:
    c = run(Channel.WEB, {"body": "Sampah menumpuk di Pasar Tugu. Baunya menyengat."})
    assert c.reporter is None
    assert c.anonymous is False and c.confidential is False
    assert c.title == "Sampah menumpuk di Pasar Tugu."
    assert c.original_title is None
    assert c.attachments == ()
    assert c.location.text is None and c.location.lat is None


def test_web_reporter_with_only_blank_fields_is_no_reporter() -> None:
    c = run(Channel.WEB, {"body": LONG_ENOUGH, "reporter": {"name": " ", "phone": "", "email": ""}})
    assert c.reporter is None


def test_app_channel_uses_the_web_form_shape() -> None:
    c = run(Channel.APP, {"body": LONG_ENOUGH, "reporter": {"phone": "+62 812-3456-7890"}})
    assert c.channel is Channel.APP
    assert c.reporter is not None and c.reporter.phone == PHONE_E164
    assert c.title == LONG_ENOUGH


def test_sms_message() -> None:
    raw = {
        "message": "Jalan rusak di Jl. Pagar Alam.   Tolong  segera diperbaiki",
        "phoneNumber": "081234567890",
        "receivedAt": "2026-03-10T02:59:00Z",
        "messageId": "sms-1",
    }
    c = run(Channel.SMS, raw)
    assert c.channel is Channel.SMS
    assert c.body == "Jalan rusak di Jl. Pagar Alam. Tolong segera diperbaiki"
    assert c.original_body == raw["message"]
    assert c.title == "Jalan rusak di Jl. Pagar Alam."
    assert c.original_title is None
    assert c.reporter is not None
    assert (c.reporter.name, c.reporter.phone, c.reporter.email) == (None, PHONE_E164, None)


def test_sms_accepts_the_snake_case_alias() -> None:
    c = run(Channel.SMS, {"message": LONG_ENOUGH, "phone_number": "0812-3456-7890"})
    assert c.reporter is not None and c.reporter.phone == PHONE_E164


def test_whatsapp_message() -> None:
    # WhatsApp Cloud API sends `from` as digits without the plus.
    raw = {
        "from": "6281234567890",
        "id": "wamid.ABC",
        "timestamp": "1773111600",
        "text": {"body": "Sampah menumpuk di pasar!  Bau sekali."},
        "profile_name": "Siti Aminah",
    }
    c = run(Channel.WHATSAPP, raw)
    assert c.channel is Channel.WHATSAPP
    assert c.title == "Sampah menumpuk di pasar!"
    assert c.body == "Sampah menumpuk di pasar! Bau sekali."
    assert c.reporter is not None
    assert (c.reporter.name, c.reporter.phone) == ("Siti Aminah", PHONE_E164)


def test_whatsapp_with_leading_plus_is_not_doubled() -> None:
    c = run(Channel.WHATSAPP, {"from": "+6281234567890", "id": "w1", "text": {"body": LONG_ENOUGH}})
    assert c.reporter is not None and c.reporter.phone == PHONE_E164


EMAIL_TEXT = """Selamat pagi,

Lampu jalan di Jl. Teuku Umar   mati sejak seminggu.
Mohon segera diperbaiki.

-- 
Budi Santoso
0812-3456-7890

On Mon, 9 Mar 2026 at 10:00, Dinas <dinas@lampung.go.id> wrote:
> Terima kasih atas laporan Anda.
"""  # noqa: W291 - the signature separator is "-- " with its trailing space


def test_email_message_cuts_signature_and_quoted_thread_and_keeps_original() -> None:
    raw = {
        "message_id": "<abc@mail.gmail.com>",
        "from": "Budi Santoso <budi.santoso@gmail.com>",
        "subject": "Lampu jalan mati",
        "text": EMAIL_TEXT,
    }
    c = run(Channel.EMAIL, raw)
    assert c.channel is Channel.EMAIL
    assert c.title == "Lampu jalan mati"
    assert c.original_title == "Lampu jalan mati"
    assert c.body == "Selamat pagi,\n\nLampu jalan di Jl. Teuku Umar mati sejak seminggu. Mohon segera diperbaiki."
    assert "Budi Santoso" not in c.body and "0812" not in c.body and "Terima kasih" not in c.body
    assert c.original_body.strip() == EMAIL_TEXT.strip()
    assert c.reporter is not None
    assert (c.reporter.name, c.reporter.email, c.reporter.phone) == ("Budi Santoso", "budi.santoso@gmail.com", None)


def test_email_indonesian_reply_header_cuts_the_rest() -> None:
    text = (
        "Jalan berlubang di depan SDN 2 belum juga diperbaiki.\n\n"
        "Pada Sen, 9 Mar 2026 pukul 10.00, Dinas PU <pu@lampung.go.id> menulis:\n"
        "Laporan Anda sedang kami proses.\n"
    )
    c = run(Channel.EMAIL, {"message_id": "m1", "from": "warga@gmail.com", "text": text})
    assert c.body == "Jalan berlubang di depan SDN 2 belum juga diperbaiki."
    assert c.title == "Jalan berlubang di depan SDN 2 belum juga diperbaiki."  # no subject: derived


def test_email_quoted_lines_are_dropped_but_own_text_after_them_kept() -> None:
    text = "Menanggapi balasan Anda:\n> Sudah kami perbaiki.\n> Salam, Dinas\nJalan masih rusak sampai hari ini."
    c = run(Channel.EMAIL, {"message_id": "m1", "from": "warga@gmail.com", "subject": "Jalan", "text": text})
    assert "Sudah kami perbaiki" not in c.body and "Salam, Dinas" not in c.body
    assert "Menanggapi balasan Anda:" in c.body
    assert "Jalan masih rusak sampai hari ini." in c.body


@pytest.mark.parametrize(
    "footer", ["Sent from my iPhone", "Dikirim dari Yahoo Mail di Android", "-----Original Message-----", "--"]
)
def test_email_footers_cut(footer: str) -> None:
    text = f"Air PDAM tidak mengalir tiga hari.\n{footer}\nbaris yang tidak boleh ikut"
    c = run(Channel.EMAIL, {"message_id": "m1", "from": "warga@gmail.com", "subject": "Air", "text": text})
    assert c.body == "Air PDAM tidak mengalir tiga hari."


def test_email_html_only_is_stripped_and_reply_cut() -> None:
    html_body = (
        '<div dir="ltr">Jalan &amp; trotoar rusak parah di Kec. Kedaton.<br>Sudah sebulan.</div>'
        "<div><br></div><div>On Mon, 9 Mar 2026, Budi wrote:</div>"
        "<blockquote>pesan lama yang dikutip</blockquote>"
    )
    c = run(Channel.EMAIL, {"message_id": "m1", "from": "budi@gmail.com", "html": html_body})
    assert c.body == "Jalan & trotoar rusak parah di Kec. Kedaton. Sudah sebulan."
    assert c.title == "Jalan & trotoar rusak parah di Kec. Kedaton."
    assert c.original_body == html_body


def test_email_with_unusable_sender_address_is_not_rejected() -> None:
    c = run(Channel.EMAIL, {"message_id": "m1", "from": "bukan alamat", "subject": "Jalan", "text": LONG_ENOUGH})
    assert c.reporter is None or c.reporter.email is None


def test_open311_request() -> None:
    raw = {
        "service_code": "jalan",
        "description": "Lubang besar di depan SD Negeri 1, membahayakan pengendara.",
        "lat": -5.42,
        "long": 105.25,
        "address_string": "Jl. Pagar Alam, Kedaton",
        "email": "warga@gmail.com",
        "first_name": "Rina",
        "last_name": "Wati",
        "phone": "0812 3456 7890",
        "media_url": "https://cdn.example/lubang.jpg",
    }
    c = run(Channel.OPEN311, raw)
    assert c.channel is Channel.OPEN311
    assert c.title == OPEN311_SERVICES["jalan"] == "Jalan dan jembatan rusak"
    assert c.body == raw["description"]
    assert c.reporter is not None
    assert (c.reporter.name, c.reporter.phone, c.reporter.email) == ("Rina Wati", PHONE_E164, "warga@gmail.com")
    assert (c.location.text, c.location.lat, c.location.lon) == ("Jl. Pagar Alam, Kedaton", -5.42, 105.25)
    assert [a.url for a in c.attachments] == ["https://cdn.example/lubang.jpg"]
    assert c.hints.category == "jalan"


def test_open311_unknown_service_derives_title_and_single_name() -> None:
    c = run(
        Channel.OPEN311,
        {"service_code": "xyz", "description": "Pohon tumbang menutup jalan. Mohon dibantu.", "last_name": "Wati"},
    )
    assert c.title == "Pohon tumbang menutup jalan."
    assert c.reporter is not None and c.reporter.name == "Wati"
    assert c.attachments == ()


# ---------------------------------------------------------------------------------------------
# cleaning


def test_strip_html_removes_tags_scripts_and_unescapes_entities() -> None:
    out = strip_html(
        "<p>Jalan&nbsp;rusak &amp; berlubang</p><script>alert('x')</script><style>p{}</style>"
        "<p>di &lt;depan&gt; pasar</p>"
    )
    assert "<" not in out.replace("<depan>", "")
    assert "alert" not in out and "p{}" not in out
    assert "&amp;" not in out and "&nbsp;" not in out
    assert "Jalan\xa0rusak & berlubang" in out
    assert "di <depan> pasar" in out


def test_strip_html_unescapes_plain_text_too() -> None:
    assert strip_html("Air &amp; listrik mati") == "Air & listrik mati"


def test_block_elements_do_not_glue_words() -> None:
    assert clean_text("<p>satu</p><p>dua</p><div>tiga</div>tujuh<br>delapan").split() == [
        "satu",
        "dua",
        "tiga",
        "tujuh",
        "delapan",
    ]


def test_fold_whitespace_keeps_paragraphs() -> None:
    assert fold_whitespace("  a   b\n c\t d \n\n\n  e\u00a0 f  \n \n") == "a b c d\n\ne f"


def test_clean_text_only_cuts_replies_for_email() -> None:
    text = "Isi laporan.\n> kutipan\n--\ntanda tangan"
    assert clean_text(text) == "Isi laporan. > kutipan -- tanda tangan"
    assert clean_text(text, email=True) == "Isi laporan."


def test_cut_reply_keeps_everything_without_reply() -> None:
    text = "baris satu\nbaris dua - dengan tanda hubung\n"
    assert cut_reply_and_signature(text) == "baris satu\nbaris dua - dengan tanda hubung"


def test_body_too_short_after_cleaning_is_rejected() -> None:
    # 30+ raw characters, but "Tolong !" once the markup and blanks are gone.
    reasons = rejection(Channel.WEB, {"body": "<p>Tolong</p>   <br><br>   <b>!</b>      "})
    assert reasons == {"too_short": "body"}


def test_minimum_length_boundary() -> None:
    ok = "a" * MIN_BODY_CHARS
    assert run(Channel.WEB, {"body": ok}).body == ok
    assert rejection(Channel.WEB, {"body": "a" * (MIN_BODY_CHARS - 1)}) == {"too_short": "body"}


# ---------------------------------------------------------------------------------------------
# titles


@pytest.mark.parametrize(
    ("body", "title"),
    [
        ("Jl. Sudirman No. 5 rusak parah. Tolong diperbaiki.", "Jl. Sudirman No. 5 rusak parah."),
        ("Banjir di Kec. Kedaton setinggi lutut! Mohon bantuan.", "Banjir di Kec. Kedaton setinggi lutut!"),
        ("Kapan jalan di Kel. Sukarame diaspal? Sudah lama rusak.", "Kapan jalan di Kel. Sukarame diaspal?"),
        ("Jln. Ahmad Yani Gg. Mawar RT. 03 gelap. Lampu mati.", "Jln. Ahmad Yani Gg. Mawar RT. 03 gelap."),
        ("Puskesmas di Kab. Pesawaran tutup. Warga kesulitan.", "Puskesmas di Kab. Pesawaran tutup."),
        ("Jl. Jend. Sudirman macet total. Lampu lalu lintas mati.", "Jl. Jend. Sudirman macet total."),
        ("Rumah Bpk. H. Ahmad kebanjiran. Tolong.", "Rumah Bpk. H. Ahmad kebanjiran."),
        ("Tanpa tanda baca sama sekali", "Tanpa tanda baca sama sekali"),
        ("Paragraf pertama tanpa titik\n\nParagraf kedua.", "Paragraf pertama tanpa titik"),
    ],
)
def test_title_is_first_sentence_not_cut_at_abbreviations(body: str, title: str) -> None:
    assert derive_title(body) == title


def test_first_sentence_ignores_decimal_points() -> None:
    assert first_sentence("Banjir sejak pukul 10.00 pagi tadi. Air naik.") == "Banjir sejak pukul 10.00 pagi tadi."


def test_long_sentence_is_cut_at_a_word_with_ellipsis() -> None:
    words = [f"kata{i}" for i in range(60)]  # ~400 characters, no full stop
    body = " ".join(words)
    title = derive_title(body)
    assert title.endswith("…")
    kept = title[:-1]
    assert len(kept) <= MAX_TITLE_CHARS
    assert body.startswith(kept)
    assert body[len(kept)] == " "  # cut between words, never inside one
    assert kept.split() == words[: len(kept.split())]
    assert len(kept) > MAX_TITLE_CHARS - len("kata59 ")  # and not shorter than it needs to be


def test_derived_title_in_a_complaint_from_sms() -> None:
    body = "Lampu jalan " + " ".join(["mati"] * 40) + ". Kalimat kedua."
    c = run(Channel.SMS, {"message": body, "phoneNumber": "081234567890"})
    assert c.title.endswith("…") and len(c.title) <= MAX_TITLE_CHARS + 1
    assert c.title.startswith("Lampu jalan mati mati")
    assert "Kalimat kedua" not in c.title


def test_given_title_is_kept_not_derived() -> None:
    c = run(Channel.WEB, {"title": "Judul dari warga", "body": "Kalimat pertama. Kalimat kedua yang panjang."})
    assert c.title == "Judul dari warga"


# ---------------------------------------------------------------------------------------------
# identity


@pytest.mark.parametrize(
    "phone",
    ["0812-3456-7890", "081234567890", "+6281234567890", "6281234567890", "+62 812-3456-7890", "(0812) 3456 7890"],
)
@pytest.mark.parametrize("channel", [Channel.WEB, Channel.SMS])
def test_phone_numbers_to_e164(channel: Channel, phone: str) -> None:
    raw = (
        {"body": LONG_ENOUGH, "reporter": {"phone": phone}}
        if channel is Channel.WEB
        else {"message": LONG_ENOUGH, "phoneNumber": phone}
    )
    c = run(channel, raw)
    assert c.reporter is not None and c.reporter.phone == PHONE_E164


def test_landline_and_foreign_numbers_to_e164() -> None:
    c = run(Channel.WEB, {"body": LONG_ENOUGH, "reporter": {"phone": "(0721) 481234"}})
    assert c.reporter is not None and c.reporter.phone == "+62721481234"
    c = run(Channel.WEB, {"body": LONG_ENOUGH, "reporter": {"phone": "+1 650 253 0000"}})
    assert c.reporter is not None and c.reporter.phone == "+16502530000"


@pytest.mark.parametrize("phone", ["12345", "0812", "nomor saya", "+62 12"])
def test_invalid_phone_rejected_on_web(phone: str) -> None:
    reasons = rejection(Channel.WEB, {"body": LONG_ENOUGH, "reporter": {"name": "Budi", "phone": phone}})
    assert reasons == {"invalid_phone": "reporter.phone"}


def test_invalid_phone_rejected_on_open311() -> None:
    reasons = rejection(Channel.OPEN311, {"service_code": "jalan", "description": LONG_ENOUGH, "phone": "999"})
    assert reasons == {"invalid_phone": "phone"}


@pytest.mark.parametrize("phone", ["12345", "TELKOMSEL", "0812"])
def test_invalid_phone_on_sms_is_dropped_not_rejected(phone: str) -> None:
    c = run(Channel.SMS, {"message": LONG_ENOUGH, "phoneNumber": phone})
    assert c.reporter is None or c.reporter.phone is None
    assert c.body == LONG_ENOUGH


def test_invalid_phone_on_whatsapp_keeps_the_name() -> None:
    c = run(Channel.WHATSAPP, {"from": "123", "id": "w1", "text": {"body": LONG_ENOUGH}, "profile_name": "Siti"})
    assert c.reporter is not None
    assert (c.reporter.name, c.reporter.phone) == ("Siti", None)


def test_emails_checked_on_web() -> None:
    c = run(Channel.WEB, {"body": LONG_ENOUGH, "reporter": {"email": "warga.lampung@gmail.com"}})
    assert c.reporter is not None and c.reporter.email == "warga.lampung@gmail.com"
    assert rejection(Channel.WEB, {"body": LONG_ENOUGH, "reporter": {"email": "warga@"}}) == {
        "invalid_email": "reporter.email"
    }


def test_email_with_display_name_on_open311() -> None:
    c = run(Channel.OPEN311, {"service_code": "sampah", "description": LONG_ENOUGH, "email": "Rina <rina@gmail.com>"})
    assert c.reporter is not None and c.reporter.email == "rina@gmail.com"
    assert rejection(
        Channel.OPEN311, {"service_code": "sampah", "description": LONG_ENOUGH, "email": "rina at gmail"}
    ) == {"invalid_email": "email"}


# ---------------------------------------------------------------------------------------------
# rejections


def test_every_reason_is_collected_at_once() -> None:
    raw = {
        "body": "pendek",
        "incident_date": "2026-03-11",  # tomorrow in Jakarta
        "attachments": [
            {"url": "https://x/a.jpg", "size_bytes": LAPOR_MAX_ATTACHMENT_BYTES},
            {"url": "https://x/b.jpg", "size_bytes": 1},
        ],
        "reporter": {"phone": "12", "email": "bukan-email"},
    }
    with pytest.raises(Rejected) as caught:
        run(Channel.WEB, raw)
    reasons = {r.code: r.field for r in caught.value.reasons}
    assert reasons == {
        "too_short": "body",
        "invalid_date": "incident_date",
        "attachments_too_large": "attachments",
        "invalid_phone": "reporter.phone",
        "invalid_email": "reporter.email",
    }
    assert all(r.message for r in caught.value.reasons)
    assert "reporter.phone" in str(caught.value)


def test_attachments_exactly_two_megabytes_accepted() -> None:
    half = LAPOR_MAX_ATTACHMENT_BYTES // 2
    c = run(
        Channel.WEB,
        {
            "body": LONG_ENOUGH,
            "attachments": [{"url": "a", "size_bytes": half}, {"url": "b", "size_bytes": half}, {"url": "c"}],
        },
    )
    assert sum(a.size_bytes or 0 for a in c.attachments) == 2 * 1024 * 1024


def test_attachments_one_byte_over_rejected() -> None:
    raw = {"body": LONG_ENOUGH, "attachments": [{"url": "a", "size_bytes": 2 * 1024 * 1024 + 1}]}
    assert rejection(Channel.WEB, raw) == {"attachments_too_large": "attachments"}


def test_incident_date_compared_with_the_jakarta_date() -> None:
    # 20:00 UTC on 29 November is 03:00 on 30 November in Jakarta.
    late = datetime(2026, 11, 29, 20, 0, tzinfo=UTC)
    c = run(Channel.WEB, {"body": LONG_ENOUGH, "incident_date": "2026-11-30"}, received_at=late)
    assert c.incident_date == date(2026, 11, 30)
    assert rejection(Channel.WEB, {"body": LONG_ENOUGH, "incident_date": "2026-12-01"}, received_at=late) == {
        "invalid_date": "incident_date"
    }


def test_missing_incident_date_defaults_to_the_jakarta_date_of_receipt() -> None:
    late = datetime(2026, 11, 29, 20, 0, tzinfo=UTC)
    assert run(Channel.WEB, {"body": LONG_ENOUGH}, received_at=late).incident_date == date(2026, 11, 30)
    assert run(Channel.SMS, {"message": LONG_ENOUGH, "phoneNumber": "0812"}, received_at=late).incident_date == date(
        2026, 11, 30
    )


def test_past_incident_date_accepted() -> None:
    c = run(Channel.WEB, {"body": LONG_ENOUGH, "incident_date": "2025-12-31"})
    assert c.incident_date == date(2025, 12, 31)


# ---------------------------------------------------------------------------------------------
# tracking number


def test_tracking_number_does_not_depend_on_the_day_of_receipt() -> None:
    # A retry after Jakarta midnight (17:00 UTC) is the same complaint, so the same number.
    cid = uuid.uuid4()
    raw = {"message": LONG_ENOUGH, "phoneNumber": "081234567890"}
    before = run(Channel.SMS, raw, complaint_id=cid, received_at=datetime(2026, 11, 29, 16, 59, 59, tzinfo=UTC))
    after = run(Channel.SMS, raw, complaint_id=cid, received_at=datetime(2026, 11, 29, 17, 0, 1, tzinfo=UTC))
    assert before.tracking_number == after.tracking_number
    assert TRACKING.match(before.tracking_number)


def test_tracking_number_is_deterministic_per_complaint_id() -> None:
    cid = uuid.UUID("3f2b9c1e-8d7a-4b6c-9e5f-1a2b3c4d5e6f")
    first = tracking_number(cid, prefix="LPG")
    assert TRACKING.match(first)
    assert tracking_number(uuid.UUID(str(cid)), prefix="LPG") == first
    assert passes_check(first.replace("LPG-", "").replace("-", ""))


def test_tracking_numbers_differ_across_ids() -> None:
    ids = [uuid.uuid5(uuid.NAMESPACE_URL, f"complaint-{i}") for i in range(500)]
    codes = {tracking_number(i, prefix="LPG") for i in ids}
    assert len(codes) == len(ids)


def test_tracking_prefix() -> None:
    c = run(Channel.WEB, {"body": LONG_ENOUGH}, prefix="TST")
    assert re.fullmatch(r"TST(-[0-9A-HJKMNP-TV-Z]{4}){3}", c.tracking_number)


def test_normalise_is_deterministic_for_a_redelivered_message() -> None:
    cid = uuid.uuid4()
    raw = {"message": LONG_ENOUGH, "phoneNumber": "081234567890"}
    assert run(Channel.SMS, raw, complaint_id=cid) == run(Channel.SMS, raw, complaint_id=cid)


@given(st.uuids())
def test_tracking_number_always_matches_the_format(cid: uuid.UUID) -> None:
    number = tracking_number(cid, prefix="LPG")
    assert TRACKING.match(number), number
    assert not set(number[len("LPG-") :]) & set("ILOU")


# ---------------------------------------------------------------------------------------------
# validation errors


def test_reasons_from_validation_name_nested_fields() -> None:
    raw = {"reporter": {"phone": "9" * 41, "email": 5}, "attachments": [{"size_bytes": -1}], "anonymous": "kadang"}
    with pytest.raises(ValidationError) as caught:
        parse_raw(Channel.WEB, raw)
    reasons = reasons_from_validation(caught.value)
    by_field = {r.field: r.code for r in reasons}
    assert by_field["body"] == "missing_field"
    assert by_field["reporter.phone"] == "too_long"
    assert by_field["reporter.email"] == "invalid_field"
    assert by_field["attachments.0.url"] == "missing_field"
    assert by_field["attachments.0.size_bytes"] == "invalid_field"
    assert by_field["anonymous"] == "invalid_field"
    assert all(r.message for r in reasons)


def test_reasons_from_validation_for_nested_channel_shapes() -> None:
    with pytest.raises(ValidationError) as caught:
        parse_raw(Channel.WHATSAPP, {"from": "62812", "id": "w1", "text": {"body": ""}})
    assert [(r.code, r.field) for r in reasons_from_validation(caught.value)] == [("too_short", "text.body")]
    with pytest.raises(ValidationError) as caught:
        parse_raw(Channel.SMS, {"message": "halo"})
    assert [(r.code, r.field) for r in reasons_from_validation(caught.value)] == [("missing_field", "phoneNumber")]


# ---------------------------------------------------------------------------------------------
# properties

_web_text = st.text(max_size=400) | st.text(alphabet="<>/&;#!?. \n\tabpdivscriptJl-0123456789+@", max_size=400)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(body=_web_text, title=st.none() | st.text(max_size=150))
def test_normalise_only_ever_raises_rejected_on_web(body: str, title: str | None) -> None:
    try:
        message = parse_raw(Channel.WEB, {"body": body, "title": title})
    except ValidationError:
        reject()  # not normalise's input: the channel model refused it
    try:
        c = normalise(Channel.WEB, message, complaint_id=uuid.uuid4(), channel_message_id="p", received_at=RECEIVED)
    except Rejected as exc:
        assert exc.reasons
        assert {r.code for r in exc.reasons} <= {"too_short"}
        return
    assert len(c.body) >= MIN_BODY_CHARS
    assert c.title
    if not title:
        assert len(c.title) <= MAX_TITLE_CHARS + 1
    assert c.original_body == message.body
    assert TRACKING.match(c.tracking_number)


# ---------------------------------------------------------------------------------------------
# anonim / rahasia asked for in the text of channels without a form field (services/intake/markers.toml)


@pytest.mark.parametrize(
    ("text", "anonymous", "confidential", "rest"),
    [
        ("ANONIM Jalan rusak di Natar", True, False, "Jalan rusak di Natar"),
        ("#rahasia [anonim] Pungli di kelurahan", True, True, "Pungli di kelurahan"),
        ("Rahasia: ada pungli", False, True, "ada pungli"),
        ("anonimnya tidak jelas", False, False, "anonimnya tidak jelas"),
        ("Jalan rusak, mohon anonim", False, False, "Jalan rusak, mohon anonim"),
    ],
)
def test_privacy_markers(text: str, anonymous: bool, confidential: bool, rest: str) -> None:
    from services.intake.normalise import privacy_markers

    assert privacy_markers(text) == (anonymous, confidential, rest)


def test_an_sms_starting_with_anonim_is_anonymous_and_loses_the_marker() -> None:
    raw = {"message": "ANONIM Sampah menumpuk di pasar Gisting sudah dua minggu", "phoneNumber": "081200005678"}
    complaint = normalise(
        Channel.SMS,
        parse_raw(Channel.SMS, raw),
        complaint_id=uuid.uuid4(),
        channel_message_id="s-1",
        received_at=datetime(2026, 11, 20, tzinfo=UTC),
    )
    assert complaint.anonymous and not complaint.confidential
    assert complaint.body == "Sampah menumpuk di pasar Gisting sudah dua minggu"
