"""Raw RFC 822 e-mails as sent (services/intake/mime.py). Fixtures in tests/fixtures/email/ are written
the way Gmail, Yahoo Mail and Outlook send them (headers, encodings, boundaries); their texts are made up."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.intake.channels import parse_raw
from services.intake.mime import MARKERS_PATH, load_markers, parse_email, title_of, trim_reply
from services.intake.tracking import read
from shared.events import Channel

FIXTURES = Path(__file__).parent.parent / "fixtures" / "email"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_multipart_alternative_prefers_text_plain_and_decodes_the_headers() -> None:
    mail = parse_email(fixture("alternative.eml"))
    assert mail.subject == mail.title == "Lampu jalan mati di Jl. Pagar Alam – Kedaton"  # RFC 2047 decoded
    assert (mail.from_name, mail.from_address) == ("Rina Wulandari", "rina.wulandari@gmail.com")
    assert mail.message_id == "<CAK7f3xQ2w9nYp1Jm@mail.gmail.com>"
    assert mail.html is False
    # quoted-printable soft line breaks joined; the plain part, not the HTML one (no <b>)
    assert "sudah mati sejak 3 hari yang lalu." in mail.text
    assert "<" not in mail.text and mail.text.endswith("Rina")
    assert mail.attachments == ()
    assert (mail.in_reply_to, mail.references, mail.tracking_numbers) == (None, (), ())
    assert mail.sent_at is not None and mail.sent_at.astimezone(UTC) == datetime(2026, 8, 20, 3, 0, tzinfo=UTC)


def test_a_quoted_indonesian_reply_is_cut_and_threads_to_its_complaint() -> None:
    mail = parse_email(fixture("reply_indonesian.eml"))
    assert mail.text == (
        "Sampai hari ini lampu masih mati, tadi malam ada warga yang jatuh dari motor.\nTolong ditindaklanjuti."
    )
    assert "Pengaduan Anda telah kami terima" in mail.original_text  # the quote is only cut from `text`
    assert mail.in_reply_to == "<ack.LPG-314F-EA1F-MET5@aduan.lampungprov.go.id>"
    assert mail.references == ("<CAK7f3xQ2w9nYp1Jm@mail.gmail.com>", "<ack.LPG-314F-EA1F-MET5@aduan.lampungprov.go.id>")
    assert mail.thread_ids == ("<ack.LPG-314F-EA1F-MET5@aduan.lampungprov.go.id>", "<CAK7f3xQ2w9nYp1Jm@mail.gmail.com>")
    assert mail.tracking_numbers == ("LPG-314F-EA1F-MET5",)
    assert read(mail.tracking_numbers[0], prefix="LPG").number == "LPG-314F-EA1F-MET5"
    assert mail.title == "Pengaduan Anda kami terima"  # "Balas: Re: [LPG-…]" taken off


def test_the_signature_and_the_mail_clients_footer_are_cut() -> None:
    mail = parse_email(fixture("signature.eml"))
    assert mail.text.endswith("Mohon bantuan Bapak/Ibu.")
    for gone in ("Budi Santoso", "0812-7777-8888", "Dikirim dari", "kutipan"):
        assert gone not in mail.text
    assert "hari senin kemarin" in mail.text


def test_attachments_are_listed_with_name_type_and_size() -> None:
    mail = parse_email(fixture("attachments.eml"))
    assert mail.text == (
        "Jalan poros Desa Hajimena, Natar, berlubang besar di depan SDN 1.\n"
        "Foto dan surat pengantar dari kepala desa terlampir."
    )
    listed = {(a.filename, a.media_type, a.size_bytes) for a in mail.attachments}
    assert listed == {
        ("lubang jalan – Hajimena.jpg", "image/jpeg", 2061),  # RFC 2231 name decoded, base64 size
        ("surat_pengantar.pdf", "application/pdf", 69),
        (None, "image/png", 69),  # the inline image the HTML shows
    }
    inline = next(a for a in mail.attachments if a.media_type == "image/png")
    assert inline.content_id == "logo-desa@hajimena"


def test_html_only_outlook_mail_is_stripped_and_the_quoted_block_cut() -> None:
    mail = parse_email(fixture("html_outlook.eml"))
    assert mail.html is True
    assert mail.title == "Sampah Pasar Tugu"
    words = mail.text.split()
    assert words[:4] == ["Sampah", "di", "Pasar", "Tugu"]
    assert mail.text.rstrip().endswith("segera bertindak.")
    for gone in ("<p>", "p {margin", "Sent from Outlook", "From:", "Terima kasih atas pengaduan"):
        assert gone not in mail.text


def test_the_parsed_mail_fits_the_email_channels_raw_model() -> None:
    mail = parse_email(fixture("reply_indonesian.eml"))
    raw = mail.as_raw()
    message = parse_raw(Channel.EMAIL, raw)
    assert message.model_dump()["from_"] == "Rina Wulandari <rina.wulandari@gmail.com>"
    assert raw["tracking_numbers"] == ["LPG-314F-EA1F-MET5"]
    assert raw["in_reply_to"] == mail.in_reply_to


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        # Gmail, English, the header wrapped over two lines
        (
            "Masih rusak.\n\nOn Mon, 17 Aug 2026 at 09:00, Aduan Pemprov Lampung <\naduan@lampungprov.go.id> wrote:\n"
            "> Terima kasih",
            "Masih rusak.",
        ),
        (
            "Masih rusak.\nOn Mon, Aug 17, 2026 at 9:00 AM Dinas PU <pu@lampungprov.go.id> wrote:\n> lama",
            "Masih rusak.",
        ),
        # Gmail, Indonesian
        (
            "Belum ada perbaikan.\nPada tanggal Sen, 17 Agu 2026 09.00, Dinas PU <pu@lampungprov.go.id> menulis:\n"
            "> lama",
            "Belum ada perbaikan.",
        ),
        # Outlook, English and Indonesian header blocks
        (
            "Sudah seminggu.\n\nFrom: Dinas PU\nSent: Monday, 17 August 2026 09:00\nTo: Budi\nSubject: Re: Jalan",
            "Sudah seminggu.",
        ),
        (
            "Sudah seminggu.\n\nDari: Dinas PU <pu@lampungprov.go.id>\nDikirim: Senin, 17 Agustus 2026 09.00\n"
            "Kepada: Budi",
            "Sudah seminggu.",
        ),
        ("Tolong dicek.\n-----Original Message-----\nFrom: x", "Tolong dicek."),
        ("Tolong dicek.\n---------- Forwarded message ---------\nFrom: x", "Tolong dicek."),
        ("Tolong dicek.\n-----Pesan Asli-----\nDari: x", "Tolong dicek."),
        # signatures and footers
        ("Tolong dicek.\n-- \nBudi\n0812", "Tolong dicek."),
        ("Tolong dicek.\n\nSent from my iPhone", "Tolong dicek."),
        ("Tolong dicek.\n\nDikirim dari iPhone saya", "Tolong dicek."),
        ("Tolong dicek.\nGet Outlook for Android", "Tolong dicek."),
        # quoted lines anywhere
        ("> kutipan\nIsi baru.\n>> kutipan lagi", "Isi baru."),
        # not a quote: a "Dari:" line of the citizen's own with no header after it
        ("Dari: warga RT 05 Kedaton\nJalan rusak parah.", "Dari: warga RT 05 Kedaton\nJalan rusak parah."),
        ("Pada hari Senin jalan ditutup.\nTolong dibuka.", "Pada hari Senin jalan ditutup.\nTolong dibuka."),
    ],
)
def test_reply_markers(text: str, kept: str) -> None:
    assert trim_reply(text) == kept


@pytest.mark.parametrize(
    ("subject", "title"),
    [
        ("Re: Jalan rusak", "Jalan rusak"),
        ("RE: Fwd: Jalan rusak", "Jalan rusak"),
        ("Balas: Bls: Jalan rusak", "Jalan rusak"),
        ("Re[2]: Jalan rusak", "Jalan rusak"),
        ("Rekomendasi perbaikan jalan", "Rekomendasi perbaikan jalan"),  # "Re" as part of a word stays
    ],
)
def test_reply_prefixes_are_taken_off_the_title(subject: str, title: str) -> None:
    assert title_of(subject) == title


def test_a_tracking_number_in_the_subject_is_read_forgivingly_and_a_wrong_one_ignored() -> None:
    head = b"From: a@b.id\nMessage-ID: <x@y>\nContent-Type: text/plain\n"
    mail = parse_email(head + b"Subject: Re: pengaduan lpg 314f ea1f met5\n\nMasih mati lampunya.\n")
    assert mail.tracking_numbers == ("LPG-314F-EA1F-MET5",)
    mail = parse_email(head + b"Subject: Re: pengaduan LPG-314F-EA1F-MET6\n\nMasih mati lampunya.\n")
    assert mail.tracking_numbers == ()  # fails its check: not a number of ours


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\xff\xfe\x00garbage without headers",
        b"Subject: =?x-unknown?B?SGFsbw==?=\nContent-Type: text/plain; charset=x-unknown\n\nJalan rusak di Natar",
        b"From: <<<>>>\nContent-Type: multipart/mixed; boundary=none\n\nno parts at all",
        b"Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n!!!not base64!!!",
    ],
)
def test_a_malformed_mail_never_raises(raw: bytes) -> None:
    mail = parse_email(raw)
    assert isinstance(mail.text, str)
    assert all(a.size_bytes >= 0 for a in mail.attachments)


def test_an_unknown_charset_is_read_as_utf8_with_replacements() -> None:
    raw = b"Content-Type: text/plain; charset=x-unknown\n\nJalan rusak di Natar"
    assert parse_email(raw).text == "Jalan rusak di Natar"


def test_markers_that_do_not_compile_are_refused(tmp_path: Path) -> None:
    broken = tmp_path / "email_markers.toml"
    broken.write_text(
        MARKERS_PATH.read_text(encoding="utf-8").replace("quoted_line = '^\\s*>'", "quoted_line = '('"),
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="not a regular expression"):
        load_markers(broken)
