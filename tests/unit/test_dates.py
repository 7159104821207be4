"""Incident dates stated in Indonesian complaint text (services/intake/dates.py).

The phrasings are written the way citizens write SMS, WhatsApp and web complaints (abbreviations,
no capitals, dates in day/month order); every expected date is worked out by hand from the day of
receipt: Thursday 20 August 2026, 10:00 WIB, unless a case says otherwise.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.intake.channels import parse_raw
from services.intake.dates import JAKARTA, VOCABULARY_PATH, incident_date, load_vocabulary, mentions
from services.intake.normalise import normalise
from shared.events import Channel

THURSDAY_10_WIB = datetime(2026, 8, 20, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # absolute, month names and their abbreviations
        ("Jalan amblas pada 12 Agustus 2026 di Jl. Soekarno-Hatta", date(2026, 8, 12)),
        ("Kejadian tgl 12 Agt 2026 sekitar jam 9 pagi", date(2026, 8, 12)),
        ("lampu mati sejak tanggal 1 agustus", date(2026, 8, 1)),
        ("Pada hari Selasa, 28 Juli 2026 terjadi pungli di kantor desa", date(2026, 7, 28)),
        ("tgl 5 desember petugas tidak datang", date(2025, 12, 5)),  # December is still to come: last year's
        ("Laporan saya tgl 16 Nop 2025 jam 17.44 belum ditanggapi", date(2025, 11, 16)),
        ("sekarang sudah tanggal 4 des 25 tunjangan belum cair", date(2025, 12, 4)),
        ("Banjir 3 Pebruari 2026 merendam rumah warga", date(2026, 2, 3)),
        ("1 Sept 2025 pipa PDAM bocor", date(2025, 9, 1)),
        ("12-Agu-2026 terjadi kecelakaan", date(2026, 8, 12)),
        # numeric, day first
        ("tgl 3/8 jembatan putus", date(2026, 8, 3)),
        ("tgl 3/9 jembatan putus", date(2025, 9, 3)),  # 3 September is to come: last year's
        ("tanggal 3-8-2026 saluran air tersumbat", date(2026, 8, 3)),
        ("Tgl. 03.08.2026 ada penebangan liar", date(2026, 8, 3)),
        ("kejadian 17/08/2026 malam", date(2026, 8, 17)),
        ("tanggal 2026-08-15 sekolah ditutup", date(2026, 8, 15)),
        ("tgl 14/8/26 ada pemadaman", date(2026, 8, 14)),
        ("pada tanggal 12 pak RT menarik iuran", date(2026, 8, 12)),
        ("tgl 25 bulan ini ada pungutan", date(2026, 7, 25)),  # the 25th has not come yet this month
        # relative days
        ("kemarin jalan di depan SD banjir", date(2026, 8, 19)),
        ("Kemarin sore ada pohon tumbang", date(2026, 8, 19)),
        ("kmrn malam listrik padam", date(2026, 8, 19)),
        ("kemarin lusa sampah tidak diangkut", date(2026, 8, 18)),
        ("tadi pagi ada kecelakaan di perlintasan KA", date(2026, 8, 20)),
        ("hari ini puskesmas tutup", date(2026, 8, 20)),
        ("tadi malam terjadi pencurian", date(2026, 8, 19)),  # said in the morning: last night
        ("semalam hujan deras, drainase meluap", date(2026, 8, 19)),
        # counted
        ("3 hari yang lalu saya ke kantor camat", date(2026, 8, 17)),
        ("sudah 3 hari yg lalu dilaporkan", date(2026, 8, 17)),
        ("dua hari lalu pipa bocor", date(2026, 8, 18)),
        ("seminggu yang lalu lampu jalan mati", date(2026, 8, 13)),
        ("2 minggu lalu jalan digali", date(2026, 8, 6)),
        ("sebulan yang lalu sudah diajukan", date(2026, 7, 20)),
        ("sekitar 4 bulan yang lalu saya berhenti kerja", date(2026, 4, 20)),
        ("beberapa hari yang lalu terjadi genangan", date(2026, 8, 17)),
        ("2 jam yang lalu ada tawuran", date(2026, 8, 20)),
        ("sudah 2 minggu sampah menumpuk", date(2026, 8, 6)),
        ("sejak seminggu lampu mati", date(2026, 8, 13)),
        ("jalan ini rusak sudah tiga bulan tidak diperbaiki", date(2026, 5, 20)),
        # last week / month / year
        ("minggu lalu ada razia", date(2026, 8, 13)),
        ("pekan lalu air PDAM tidak mengalir", date(2026, 8, 13)),
        ("bulan lalu saya mengurus KTP", date(2026, 7, 20)),
        ("BPJS saya dinonaktifkan bulan kemaren", date(2026, 7, 20)),
        ("tahun lalu dijanjikan perbaikan", date(2025, 8, 20)),
        # weekdays
        ("hari senin kemarin petugas tidak datang", date(2026, 8, 17)),
        ("senin kemarin petugas tidak datang", date(2026, 8, 17)),
        ("Selasa lalu saya antre dari pagi", date(2026, 8, 18)),
        ("hari kamis kemarin", date(2026, 8, 13)),  # today is Thursday: "kemarin" means last week's
        ("hari kamis ini", date(2026, 8, 20)),
        ("pada hari Jumat sekitar jam 2 siang", date(2026, 8, 14)),
        ("hari minggu ada pesta sampai larut", date(2026, 8, 16)),
        ("ahad pagi jalan ditutup", date(2026, 8, 16)),
        ("di depan SD kemarin ada tawuran pelajar", date(2026, 8, 19)),  # SD, the school, ends no period
    ],
)
def test_stated_dates(text: str, expected: date) -> None:
    assert incident_date(text, received_at=THURSDAY_10_WIB) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Jalan di depan pasar berlubang besar sekali",
        "Lampu jalan di RT 03/05 Kel. Way Halim mati",  # RT/RW, not a day/month
        "hubungi saya di 0812-3456-7890",
        "Nama: Budi, Tgl Lahir : 18-09-1998, alamat Kedaton",  # a birth date
        "paspor saya berlaku sampai 22 Mei 2030",  # future
        "rapat senin depan",  # a day to come
        "minggu ini saya sibuk",  # "minggu" without "hari" is a week, and "this week" is no date
        "antrean 2 jam",  # a duration without "sudah"/"sejak" or "lalu" is no date
        "kami butuh 12 tong sampah",
        "dijadwalkan tanggal 28 Agustus 2026",  # future
    ],
)
def test_no_date_stated(text: str) -> None:
    assert incident_date(text, received_at=THURSDAY_10_WIB) is None


def test_the_first_mention_that_means_a_date_wins() -> None:
    text = "Sejak tanggal 7 Agustus 2026 dan sampai hari ini 20 Agustus 2026 barang belum sampai"
    assert incident_date(text, received_at=THURSDAY_10_WIB) == date(2026, 8, 7)
    # "sampai hari ini" ends the period; the start comes after it
    text = "Sampai hari ini belum diperbaiki, padahal rusak sejak 3 bulan lalu"
    assert incident_date(text, received_at=THURSDAY_10_WIB) == date(2026, 5, 20)
    # a future date is passed over for the next
    text = "Jadwal ulang tanggal 28 Agustus 2026, padahal sudah datang kemarin"
    assert incident_date(text, received_at=THURSDAY_10_WIB) == date(2026, 8, 19)


def test_days_count_in_jakarta_not_utc() -> None:
    # 23:30 UTC on 19 August is 06:30 WIB on 20 August: "kemarin" is the 19th
    early = datetime(2026, 8, 19, 23, 30, tzinfo=UTC)
    assert incident_date("kemarin banjir", received_at=early) == date(2026, 8, 19)
    assert incident_date("hari ini banjir", received_at=early) == date(2026, 8, 20)
    # 16:59 UTC on the 20th is 23:59 WIB: still the 20th
    late = datetime(2026, 8, 20, 16, 59, tzinfo=UTC)
    assert incident_date("hari ini banjir", received_at=late) == date(2026, 8, 20)


def test_tonight_and_last_night_depend_on_the_hour() -> None:
    morning = datetime(2026, 8, 20, 1, 0, tzinfo=UTC)  # 08:00 WIB
    night = datetime(2026, 8, 20, 15, 0, tzinfo=UTC)  # 22:00 WIB
    assert incident_date("tadi malam ada begal", received_at=morning) == date(2026, 8, 19)
    assert incident_date("tadi malam ada begal", received_at=night) == date(2026, 8, 20)


def test_months_back_clamp_to_the_end_of_a_shorter_month() -> None:
    march_31 = datetime(2026, 3, 31, 3, 0, tzinfo=UTC)
    assert incident_date("bulan lalu", received_at=march_31) == date(2026, 2, 28)
    assert incident_date("sebulan yang lalu", received_at=datetime(2028, 3, 31, 3, tzinfo=UTC)) == date(2028, 2, 29)


def test_an_impossible_date_is_no_date() -> None:
    assert incident_date("tgl 31/2", received_at=THURSDAY_10_WIB) is None
    assert incident_date("30 Februari 2026", received_at=THURSDAY_10_WIB) is None


def test_mentions_name_every_phrase_in_order() -> None:
    found = mentions("kemarin sore, bukan 3 hari yang lalu", received_at=THURSDAY_10_WIB)
    dated = [(m.kind, m.date) for m in found if m.date]
    assert dated[0] == ("relative", date(2026, 8, 19))
    assert ("ago", date(2026, 8, 17)) in dated
    assert [m.start for m in found] == sorted(m.start for m in found)


def test_a_malformed_vocabulary_stops_with_a_value_error(tmp_path: Path) -> None:
    good = VOCABULARY_PATH.read_text(encoding="utf-8")
    broken = tmp_path / "dates.toml"
    broken.write_text(good.replace("januari = 1", "januari = 13"), encoding="utf-8")
    with pytest.raises(ValueError, match=r"months\.januari"):
        load_vocabulary(broken)
    broken.write_text(good.replace('needs_hari = ["minggu"]', 'needs_hari = ["mingu"]'), encoding="utf-8")
    with pytest.raises(ValueError, match="needs_hari"):
        load_vocabulary(broken)
    broken.write_text(good + "\n[oops\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not a valid date vocabulary"):
        load_vocabulary(broken)
    assert load_vocabulary().months["agt"] == 8


def _normalised(channel: Channel, raw: dict[str, object], received_at: datetime = THURSDAY_10_WIB) -> date | None:
    complaint = normalise(
        channel, parse_raw(channel, raw), complaint_id=uuid.uuid4(), channel_message_id="m", received_at=received_at
    )
    return complaint.incident_date


def test_normalise_sets_the_incident_date_the_text_states() -> None:
    sms = {"message": "Kemarin sore pohon tumbang menutup jalan di Natar", "phoneNumber": "081234567890"}
    assert _normalised(Channel.SMS, sms) == date(2026, 8, 19)
    wa = {
        "from": "6281234567890",
        "id": "wamid.1",
        "text": {"body": "3 hari yang lalu jembatan di Pekon Way Nipah putus"},
    }
    assert _normalised(Channel.WHATSAPP, wa) == date(2026, 8, 17)
    email = {
        "message_id": "m1",
        "from": "warga@gmail.com",
        "subject": "Banjir tgl 15/8",
        "text": "Rumah kami terendam banjir setinggi lutut.",
    }
    assert _normalised(Channel.EMAIL, email) == date(2026, 8, 15)


def test_a_date_given_by_the_channel_wins_and_no_date_means_the_day_of_receipt() -> None:
    form = {"body": "Kemarin sore pohon tumbang menutup jalan di Natar", "incident_date": "2026-08-10"}
    assert _normalised(Channel.WEB, form) == date(2026, 8, 10)
    assert _normalised(Channel.WEB, {"body": "Pohon tumbang menutup jalan di Natar"}) == date(2026, 8, 20)


WORDS = [
    "tgl",
    "tanggal",
    "3/9",
    "12",
    "Agustus",
    "agt",
    "2026",
    "kemarin",
    "sore",
    "tadi",
    "malam",
    "hari",
    "senin",
    "minggu",
    "lalu",
    "yang",
    "3",
    "bulan",
    "sejak",
    "sudah",
    "lahir",
    "sampai",
    "31/2",
    "depan",
    "se",
    "-",
    ".",
]


@given(
    st.lists(st.sampled_from(WORDS) | st.text(max_size=8), max_size=30),
    st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2098, 12, 31), timezones=st.just(UTC)),
)
def test_any_text_reads_without_error_and_never_into_the_future(words: list[str], at: datetime) -> None:
    found = incident_date(" ".join(words), received_at=at)
    assert found is None or found <= at.astimezone(JAKARTA).date()
