"""Finding Lampung places in free text, including the pitfalls listed in domain/lampung.md."""

from __future__ import annotations

import pytest

from services.routing.gazetteer import (
    KABKOTA_NAMES,
    KECAMATAN,
    PlaceKind,
    find_places,
    resolve_region,
    tokenize,
)


def region_of(text: str, **kw: bool) -> str | None:
    return resolve_region(find_places(text, **kw)).region_code


@pytest.mark.parametrize(("region", "name"), [(r, n) for r, names in KABKOTA_NAMES.items() for n in names])
def test_every_kabkota_name_and_abbreviation(region: str, name: str) -> None:
    matches = find_places(f"Mohon perhatian pemerintah {name} atas masalah ini.")
    assert [(m.kind, m.region_codes) for m in matches] == [(PlaceKind.KABKOTA, (region,))]


@pytest.mark.parametrize(
    ("region", "suffix", "name"), [(r, s, n) for r, kecs in KECAMATAN.items() for s, n in kecs])
def test_every_kecamatan_maps_to_its_kabkota(region: str, suffix: str, name: str) -> None:
    matches = find_places(f"Warga kecamatan {name} mengeluh", lampung_context=True)
    assert len(matches) == 1, matches
    assert region in matches[0].region_codes
    if not matches[0].ambiguous and matches[0].kind is PlaceKind.KECAMATAN:
        assert matches[0].kecamatan_code == f"{region}.{suffix}"


def test_kecamatan_counts_match_the_domain_file() -> None:
    assert sum(len(v) for v in KECAMATAN.values()) == 229
    assert len(KECAMATAN) == 15


@pytest.mark.parametrize("text", [
    "Banjir di Bandar Lampung", "banjir di bandarlampung", "Banjir di BANDAR-LAMPUNG", "banjir di Balam",
])
def test_spellings_of_bandar_lampung(text: str) -> None:
    assert region_of(text) == "18.71"


@pytest.mark.parametrize(("text", "region"), [
    ("Jalan di Tanjung Karang Pusat rusak", "18.71"),
    ("Jalan di Tanjungkarang Pusat rusak", "18.71"),
    ("Pasar Liwa becek", "18.04"),
    ("Pantai di Krui kotor", "18.13"),
    ("Kantor bupati di Menggala", "18.05"),
    ("Terminal Kotabumi semrawut", "18.03"),
    ("RSUD di Gunung Sugih penuh", "18.02"),
    ("Jalan Blambangan Umpu rusak", "18.08"),
    ("Pasar Gedong Tataan kumuh", "18.09"),
    ("Pelabuhan Kota Agung", "18.06"),
    ("Macet di Kalianda", "18.01"),
    ("Kantor pemkab di Panaragan", "18.12"),
    ("Gajah liar di Way Kambas", "18.07"),
    ("Lamtim: listrik padam", "18.07"),
    ("KALIANDA banjir", "18.01"),
])
def test_capitals_towns_and_case(text: str, region: str) -> None:
    assert region_of(text) == region


def test_metro_kibang_is_lampung_timur_not_kota_metro() -> None:
    matches = find_places("Jalan desa di Metro Kibang rusak parah")
    assert [(m.text, m.region_codes) for m in matches] == [("Metro Kibang", ("18.07",))]
    evidence = resolve_region(find_places("Jalan desa di Metro Kibang, Lampung Timur"))
    assert (evidence.region_code, evidence.conflicting) == ("18.07", ())


def test_bare_metro() -> None:
    assert region_of("Tinggal di Kota Metro sejak 2010") == "18.72"
    assert region_of("Parkir liar di Metro Pusat") == "18.72"
    assert find_places("Saya naik metro mini tiap pagi") == []
    assert find_places("Laporan ke Polda Metro Jaya tidak ditanggapi") == []
    assert find_places("Berita di Metro TV semalam") == []
    assert find_places("Di Metro banyak jalan rusak") == []  # bare "Metro" needs Lampung context
    assert region_of("Di Metro, Lampung, banyak jalan rusak") == "18.72"
    assert find_places("metropolitan", lampung_context=True) == []


def test_lampung_alone_is_the_province() -> None:
    matches = find_places("Pemerintah Provinsi Lampung harus turun tangan")
    assert [m.kind for m in matches] == [PlaceKind.PROVINSI]
    evidence = resolve_region(matches)
    assert evidence.region_code is None and evidence.province_named


@pytest.mark.parametrize(("text", "region"), [
    ("Jalan di Pagar Dewa, Tulang Bawang Barat, putus", "18.12"),
    ("Jalan di Pagar Dewa, Lampung Barat, putus", "18.04"),
    ("Sekolah di Bumi Agung Way Kanan rusak", "18.08"),
    ("Sekolah di Bumi Agung, Lampung Timur rusak", "18.07"),
    ("Banjir di Labuhan Ratu, Bandar Lampung", "18.71"),
    ("Gajah dari Way Kambas masuk kebun warga Labuhan Ratu", "18.07"),
    ("Warga Bumi Agung dan Labuhan Ratu, Lampung, kekurangan air", "18.07"),  # only 18.07 has both
])
def test_ambiguous_kecamatan_resolved_by_another_clue(text: str, region: str) -> None:
    assert region_of(text) == region


@pytest.mark.parametrize("name", ["Pagar Dewa", "Bumi Agung", "Labuhan Ratu"])
def test_ambiguous_kecamatan_alone_stays_unresolved(name: str) -> None:
    matches = find_places(f"Jalan di {name} Lampung rusak")
    evidence = resolve_region(matches)
    assert evidence.region_code is None
    assert [m.name for m in evidence.unresolved] == [name]
    assert len(evidence.unresolved[0].region_codes) == 2


@pytest.mark.parametrize("text", [
    "Warga Sukoharjo, Jawa Tengah, belum menerima bantuan",
    "Jalan di Sukoharjo rusak",
    "Antrean di Kabupaten Banyumas panjang, saya asli Lampung",
    "Banjir di Wonosobo",
    "Kota Sukabumi macet, padahal saya orang Lampung",
    "Pabrik di Pekalongan mencemari sungai",
])
def test_java_twins_need_lampung_context(text: str) -> None:
    assert resolve_region(find_places(text)).region_code is None


@pytest.mark.parametrize(("text", "region"), [
    ("Warga Sukoharjo, Pringsewu, belum menerima bantuan", "18.10"),
    ("Banyumas Kabupaten Pringsewu kekurangan guru", "18.10"),
    ("Jalan Wonosobo Tanggamus longsor", "18.06"),
    ("Banjir di Sukabumi, Bandar Lampung", "18.71"),
])
def test_java_twins_with_lampung_context(text: str, region: str) -> None:
    assert region_of(text) == region


def test_location_field_vouches_for_its_names() -> None:
    assert region_of("Sukoharjo", lampung_context=True) == "18.10"
    assert region_of("Sukoharjo, Jawa Tengah", lampung_context=True) is None


def test_common_words_are_not_places() -> None:
    assert find_places("Antrean panjang sekali dan tidak ada kedamaian") == []
    assert find_places("antrean di puskesmas panjang, saya orang Lampung")[0].kind is PlaceKind.PROVINSI
    assert region_of("Pasar di Panjang, Bandar Lampung, becek") == "18.71"
    assert region_of("Pasar Panjang becek", lampung_context=True) == "18.71"


def test_word_boundaries() -> None:
    assert find_places("Nataran dan Kaliandari bukan nama tempat", lampung_context=True) == []


def test_span_points_at_the_matched_text() -> None:
    text = "Saya warga Way Halim, Bandar Lampung."
    for m in find_places(text):
        assert text[m.span[0]:m.span[1]] == m.text
    assert [m.text for m in find_places(text)] == ["Way Halim", "Bandar Lampung"]


def test_conflicting_kabkota_lower_strength() -> None:
    single = resolve_region(find_places("Jalan di Pringsewu rusak"))
    both = resolve_region(find_places("Jalan dari Pringsewu ke Pesawaran rusak"))
    assert single.region_code == "18.10" and both.region_code == "18.10"
    assert both.conflicting == ("18.09",)
    assert both.strength < single.strength


def test_kabkota_name_is_stronger_than_a_gated_kecamatan() -> None:
    named = resolve_region(find_places("Jalan di Lampung Selatan rusak"))
    gated = resolve_region(find_places("Jalan di Sidomulyo, Lampung rusak"))
    assert gated.region_code == "18.01"
    assert named.strength > gated.strength


def test_tokenize_keeps_spans_lazy_and_lowercases() -> None:
    tokens = tokenize("Jalan RUSAK di Kalianda")
    assert tokens.words == ["jalan", "rusak", "di", "kalianda"]
    assert tokens.span(3, 4) == (15, 23)
