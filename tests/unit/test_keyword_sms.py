"""Keyword SMS `LAPOR#<kab/kota>#<isi>` / `LAPOR <kab/kota> <isi>` (services/intake/keyword_sms.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.intake.channels import parse_raw
from services.intake.keyword_sms import REGIONS_PATH, load_region_names, parse, region_name
from services.intake.normalise import Rejected, normalise
from shared.agencies import KABKOTA
from shared.events import Channel, Complaint


@pytest.mark.parametrize(
    ("sms", "code", "body"),
    [
        ("LAPOR#Lamsel#jalan rusak di Natar", "18.01", "jalan rusak di Natar"),
        ("lapor#lamsel#jalan rusak di Natar", "18.01", "jalan rusak di Natar"),
        ("Lapor#LAMSEL#Jalan rusak", "18.01", "Jalan rusak"),
        ("LAPOR # Lam-Sel # jalan rusak", "18.01", "jalan rusak"),
        ("LAPOR#Lampung Selatan#jalan rusak", "18.01", "jalan rusak"),
        ("LAPOR#Kab. Lampung Selatan#jalan rusak", "18.01", "jalan rusak"),
        ("LAPOR#Lamteng#irigasi jebol", "18.02", "irigasi jebol"),
        ("LAPOR#Lampura#pasar kotor", "18.03", "pasar kotor"),
        ("LAPOR#Lambar#longsor di Liwa", "18.04", "longsor di Liwa"),
        ("LAPOR#Tuba#banjir", "18.05", "banjir"),
        ("LAPOR#Tanggamus#sampah", "18.06", "sampah"),
        ("LAPOR#Lamtim#gajah masuk kebun", "18.07", "gajah masuk kebun"),
        ("LAPOR#Waykanan#jembatan putus", "18.08", "jembatan putus"),
        ("LAPOR#Way Kanan#jembatan putus", "18.08", "jembatan putus"),
        ("LAPOR#Pesawaran#air bersih", "18.09", "air bersih"),
        ("LAPOR#Pringsewu#lampu mati", "18.10", "lampu mati"),
        ("LAPOR#Mesuji#konflik lahan", "18.11", "konflik lahan"),
        ("LAPOR#Tubaba#jalan berlubang", "18.12", "jalan berlubang"),
        ("LAPOR#Pesibar#abrasi pantai", "18.13", "abrasi pantai"),
        ("LAPOR#Balam#macet", "18.71", "macet"),
        ("LAPOR#Bandar Lampung#macet", "18.71", "macet"),
        ("LAPOR#Kota Bandar Lampung#macet", "18.71", "macet"),
        ("LAPOR#Metro#sampah", "18.72", "sampah"),
        ("LAPOR#Kota Metro#sampah", "18.72", "sampah"),
        # a # in the text stays in it
        ("LAPOR#Lamsel#jalan #rusak", "18.01", "jalan #rusak"),
        # the space form
        ("LAPOR Lamsel jalan rusak di Natar", "18.01", "jalan rusak di Natar"),
        ("lapor balam lampu jalan mati", "18.71", "lampu jalan mati"),
        ("Lapor Kab. Lampung Selatan jalan rusak", "18.01", "jalan rusak"),
        ("LAPOR Tulang Bawang Barat jembatan putus", "18.12", "jembatan putus"),  # not Tulang Bawang
        ("LAPOR Tulang Bawang jembatan putus", "18.05", "jembatan putus"),
        ("LAPOR Kota Metro sampah menumpuk", "18.72", "sampah menumpuk"),
        ("LAPOR: Pesibar, ombak merusak jalan", "18.13", "ombak merusak jalan"),
        ("LAPOR kotabumi pasar becek", "18.03", "pasar becek"),
        ("LAPOR Kota Agung banjir rob", "18.06", "banjir rob"),
        # a missing second #
        ("LAPOR#Tubaba jalan berlubang", "18.12", "jalan berlubang"),
        ("LAPOR Lamsel\njalan rusak\nsudah lama", "18.01", "jalan rusak\nsudah lama"),
    ],
)
def test_keyword_sms_gives_region_and_text(sms: str, code: str, body: str) -> None:
    parsed = parse(sms)
    assert parsed is not None
    assert (parsed.region_code, parsed.body, parsed.region_text) == (code, body, None)


@pytest.mark.parametrize(
    "sms",
    [
        "Jalan rusak di Natar sudah lama",
        "Lapor pak, jalan rusak di depan rumah",  # "lapor" as a word, no region after it
        "Laporan saya belum ditanggapi",
        "LAPOR jalan rusak",
        "LAPOR Metro Kibang jalan rusak",  # a kecamatan of Lampung Timur, not Kota Metro
        "Saya mau LAPOR#Lamsel#jalan",  # the keyword leads the message or it is none
        "",
    ],
)
def test_free_text_is_no_keyword_sms(sms: str) -> None:
    assert parse(sms) is None


def test_an_unknown_region_in_the_hash_form_is_kept_as_the_place_written() -> None:
    parsed = parse("LAPOR#Kalimantan#jalan rusak")
    assert parsed is not None
    assert (parsed.region_code, parsed.region_text, parsed.body) == (None, "Kalimantan", "jalan rusak")
    parsed = parse("LAPOR##jalan rusak")
    assert parsed is not None and (parsed.region_code, parsed.region_text, parsed.body) == (None, None, "jalan rusak")
    parsed = parse("LAPOR#jalan rusak parah")  # no region and no second #: all of it is the text
    assert parsed is not None and (parsed.region_code, parsed.body) == (None, "jalan rusak parah")


def test_every_lampung_kabkota_has_names_and_each_name_finds_its_own_region() -> None:
    names = load_region_names()
    assert set(names.regions) == {a.region_code for a in KABKOTA}
    for code, region in names.regions.items():
        assert region_name(code) == region.name
        for name in (region.name, *region.aliases):
            parsed = parse(f"LAPOR#{name}#jalan rusak")
            assert parsed is not None and parsed.region_code == code, name


def test_a_name_of_two_regions_or_an_unknown_code_is_refused(tmp_path: Path) -> None:
    good = REGIONS_PATH.read_text(encoding="utf-8")
    broken = tmp_path / "regions.toml"
    broken.write_text(good.replace('aliases = ["tubaba", "panaragan"]', 'aliases = ["tuba"]'), encoding="utf-8")
    with pytest.raises(ValueError, match=r"names both 18\.05 and 18\.12"):
        load_region_names(broken)
    broken.write_text(good.replace('[regions."18.72"]', '[regions."31.71"]'), encoding="utf-8")
    with pytest.raises(ValueError, match="not Lampung kab/kota codes"):
        load_region_names(broken)


RECEIVED = datetime(2026, 8, 20, 3, 0, tzinfo=UTC)


def _sms(message: str) -> Complaint:
    raw = {"message": message, "phoneNumber": "081234567890"}
    return normalise(
        Channel.SMS,
        parse_raw(Channel.SMS, raw),
        complaint_id=uuid.uuid4(),
        channel_message_id="s",
        received_at=RECEIVED,
    )


def test_a_keyword_sms_is_normalised_with_its_region_and_without_the_keyword() -> None:
    c = _sms("LAPOR#Lamsel#Jalan rusak parah di Desa Hajimena, Natar. Mohon diperbaiki.")
    assert c.location.region_code == "18.01"
    assert c.body == "Jalan rusak parah di Desa Hajimena, Natar. Mohon diperbaiki."
    assert c.title == "Jalan rusak parah di Desa Hajimena, Natar."
    assert c.original_body.startswith("LAPOR#Lamsel#")


def test_free_text_sms_is_normalised_as_before() -> None:
    c = _sms("Lapor pak, jalan rusak parah di Desa Hajimena Natar")
    assert c.location.region_code is None and c.location.text is None
    assert c.body == "Lapor pak, jalan rusak parah di Desa Hajimena Natar"


def test_a_keyword_sms_without_text_is_rejected_as_too_short() -> None:
    with pytest.raises(Rejected) as caught:
        _sms("LAPOR#Lamsel#")
    assert [r.code for r in caught.value.reasons] == ["too_short"]


@pytest.mark.parametrize(
    "sms",
    [
        "LAPOR#Lamsel#RAHASIA Pungli di kantor desa Hajimena Natar",
        "RAHASIA LAPOR#Lamsel#Pungli di kantor desa Hajimena Natar",
    ],
)
def test_privacy_markers_before_the_keyword_or_inside_the_text_both_count(sms: str) -> None:
    c = _sms(sms)
    assert c.confidential is True
    assert c.location.region_code == "18.01"
    assert c.body.startswith("Pungli di kantor desa")
