"""Finding Lampung places in free text, down to the village, with the traps an admin knows.

Every sentence here is invented for the test; the regions come from the official list in
services/routing/data/.
"""

from __future__ import annotations

import csv

import pytest

from services.routing import rules
from services.routing.gazetteer import (
    REGIONS_CSV,
    Gazetteer,
    PlaceKind,
    RegionEvidence,
    glue,
    read_regions,
    tokenize,
)

GZ: Gazetteer = rules.current().gazetteer
REGIONS = read_regions()


def scan(text: str, *, vouched: bool = False) -> RegionEvidence:
    return GZ.scan([tokenize(text)], vouched=[vouched])


def region_of(text: str, *, vouched: bool = False) -> str | None:
    return scan(text, vouched=vouched).region_code


def test_the_official_list_is_complete() -> None:
    kinds = [r.kind for r in REGIONS]
    assert kinds.count(PlaceKind.KABKOTA) == 15
    assert kinds.count(PlaceKind.KECAMATAN) == 229
    assert kinds.count(PlaceKind.KELURAHAN) == 205
    assert kinds.count(PlaceKind.DESA) == 2446
    with REGIONS_CSV.open(encoding="utf-8") as f:
        assert sum(1 for _ in csv.DictReader(f)) == 2896


@pytest.mark.parametrize("region", sorted(GZ.kabkota_names))
def test_every_kabkota_name(region: str) -> None:
    name = GZ.kabkota_names[region]
    prefix = "Kota " if region in ("18.71", "18.72") else "Kabupaten "
    ev = scan(f"Mohon perhatian pemerintah {prefix}{name} atas masalah ini.")
    assert ev.region_code == region


@pytest.mark.parametrize("kec", [r for r in REGIONS if r.kind is PlaceKind.KECAMATAN], ids=lambda r: r.code)
def test_every_kecamatan_after_a_cue_in_lower_case(kec) -> None:
    ev = scan(f"jalan rusak di kec {kec.name.lower()} sudah lama")
    if ev.region_code is None:  # a name used by two kecamatan: reported with both candidates
        assert ev.unresolved and kec.kabkota in ev.unresolved[0].region_codes
    else:
        assert ev.region_code == kec.kabkota
        assert ev.place.kecamatan == kec.code


def test_every_unique_village_after_a_village_cue() -> None:
    counts: dict[str, int] = {}
    for r in REGIONS:
        counts[glue(r.name)] = counts.get(glue(r.name), 0) + 1
    villages = [r for r in REGIONS if r.kind in (PlaceKind.DESA, PlaceKind.KELURAHAN) and counts[glue(r.name)] == 1]
    assert len(villages) > 1500
    wrong = []
    for v in villages:
        word = "kelurahan" if v.kind is PlaceKind.KELURAHAN else "desa"
        ev = scan(f"warga {word} {v.name.lower()} mengeluh")
        if (ev.region_code, ev.place.desa) != (v.kabkota, v.code):
            wrong.append(v.code)
    assert not wrong, wrong[:10]


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("jalan rusak di kec kedondong", "18.09"),
        ("lampu jalan mati di kec panjang", "18.71"),  # an everyday word, made a place by the cue
        ("banjir di kecamatan tanjung raya", "18.11"),
        ("warga kec rajabasa mengeluh", None),  # Rajabasa: a kecamatan in Lampung Selatan and in Bandar Lampung
        ("warga kec rajabasa bandar lampung mengeluh", "18.71"),
        ("sampah di kec labuhan ratu kota bandar lampung", "18.71"),
        ("kec pagar dewa tubaba jalan putus", "18.12"),
    ],
)
def test_kecamatan_cue_makes_a_name_count_in_any_case(text: str, region: str | None) -> None:
    assert region_of(text) == region


@pytest.mark.parametrize(
    ("text", "region", "desa"),
    [
        ("Banjir di desa Hajimena, Natar", "18.01", "18.01.04.2001"),
        ("jalan di ds hajimena rusak", "18.01", "18.01.04.2001"),
        ("warga kel. sukarame baru bandar lampung", "18.71", "18.71.02.1006"),
    ],
)
def test_village_cues(text: str, region: str, desa: str) -> None:
    ev = scan(text)
    assert (ev.region_code, ev.place.desa) == (region, desa)
    assert ev.place.kecamatan == desa.rsplit(".", 1)[0]


def test_repeated_village_resolved_by_the_kecamatan_named_nearby() -> None:
    alone = scan("jalan di desa bumi agung rusak")
    assert alone.region_code is None
    assert alone.unresolved and len(alone.unresolved[0].region_codes) > 2
    ev = scan("jalan di desa bumi agung kec kalianda rusak")
    assert ev.region_code == "18.01"
    assert ev.place.desa is not None and ev.place.desa.startswith("18.01.06.")


def test_local_village_words_point_at_their_kabkota() -> None:
    # "tiyuh" is Tulang Bawang Barat's word for a village: a name used in two kab/kota follows it.
    ev = scan("sy warga tiyuh mulyo asri, jalan rusak")
    assert ev.region_code == "18.12"


def test_typos_after_a_cue_are_matched_above_a_floor() -> None:
    ev = scan("kec kedondog jalan rusak")
    assert ev.region_code == "18.09" and ev.support[0].fuzzy
    assert region_of("banjir lampung selatn parah") == "18.01"
    assert region_of("kec xyzabc jalan rusak") is None  # nothing close enough


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("Jalan di Banyumas rusak", "18.10"),  # a Lampung kecamatan unless the text says Java
        ("Jalan di Banyumas, Jawa Tengah rusak", None),
        ("Kota Sukabumi macet", None),
        ("banjir di kec sukabumi bandar lampung", "18.71"),
        ("Pabrik di Pekalongan Lampung Timur mencemari sungai", "18.07"),
        ("Warga Sukoharjo, Pringsewu, belum menerima bantuan", "18.10"),
        ("Warga Sukoharjo, Jawa Tengah, belum menerima bantuan", None),
    ],
)
def test_java_veto_only_when_the_text_places_it_in_java(text: str, region: str | None) -> None:
    assert region_of(text) == region


def test_landmark_or_comparison_weighs_less_than_where_it_happened() -> None:
    ev = scan("Kami di Sekampung, lebih dekat ke Kota Metro daripada ke Sukadana, jalannya rusak")
    assert ev.region_code == "18.07"
    metro = [m for m in GZ.scan([tokenize("lebih dekat ke Kota Metro")]).support]
    assert metro and metro[0].background


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("Banjir di Bandar Lampung", "18.71"),
        ("banjir di bandarlampung", "18.71"),
        ("banjir di Balam", "18.71"),
        ("Jalan di Tanjung Karang Pusat rusak", "18.71"),
        ("Pasar Liwa becek", "18.04"),
        ("Pantai di Krui kotor", "18.13"),
        ("Kantor bupati di Menggala", "18.05"),
        ("Terminal Kotabumi semrawut", "18.03"),
        ("Jembatan di Metro Kibang putus", "18.07"),
        ("Parkir liar di Metro Pusat", "18.72"),
        ("Lamtim: listrik padam", "18.07"),
        ("KALIANDA banjir", "18.01"),
    ],
)
def test_capitals_towns_spellings_and_case(text: str, region: str) -> None:
    assert region_of(text) == region


def test_things_that_look_like_places() -> None:
    assert region_of("Saya naik metro mini tiap pagi") is None
    assert region_of("Laporan ke Polda Metro Jaya tidak ditanggapi") is None
    assert region_of("Antrean panjang sekali dan tidak ada kedamaian") is None
    assert region_of("Nataran dan Kaliandari bukan nama tempat") is None


def test_common_word_without_cue_needs_capital_and_lampung_context() -> None:
    assert region_of("Pasar di Panjang, Bandar Lampung, becek") == "18.71"
    assert region_of("antrean di puskesmas panjang, saya orang Lampung") is None


def test_uncued_village_counts_only_when_unique_capitalised_and_anchored() -> None:
    assert region_of("Jalan di Hajimena rusak, Lampung") == "18.01"
    assert region_of("jalan di hajimena rusak, lampung") is None


def test_conflicting_kabkota_lower_strength() -> None:
    single = scan("Jalan di Pringsewu rusak")
    both = scan("Jalan dari Pringsewu ke Pesawaran rusak")
    assert single.region_code == "18.10" and both.region_code == "18.10"
    assert both.conflicting == ("18.09",)
    assert both.strength < single.strength


def test_location_field_vouches_for_its_names() -> None:
    assert region_of("Rajabasa Raya", vouched=True) == "18.71"
    assert region_of("Rajabasa Raya") is None


def test_a_bad_places_file_is_refused(tmp_path) -> None:
    from services.routing.gazetteer import PLACES_TOML

    text = PLACES_TOML.read_text(encoding="utf-8").replace('"Banyumas", ', '"Nowhereville", ', 1)
    bad = tmp_path / "places.toml"
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="Nowhereville"):
        Gazetteer.load(bad)


def test_a_java_twin_backed_by_its_kabkota_counts_even_when_java_is_named() -> None:
    text = "saya perantau dari Jawa Tengah, sekarang tinggal di Banyumas Pringsewu, jalan rusak"
    ev = scan(text)
    assert ev.region_code == "18.10" and ev.java
    assert any(m.name == "Banyumas" for m in ev.support)


def test_an_uncued_name_follows_its_village_when_the_kabkota_named_says_so() -> None:
    # Tanjung Raya is a kecamatan of Mesuji and a desa in Lampung Barat.
    assert region_of("jalan di tanjung raya rusak parah, lampung barat") == "18.04"
    assert region_of("jalan di Tanjung Raya rusak parah, Lampung") == "18.11"
