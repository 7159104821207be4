"""The agency registry: codes usable as topic names, every level reachable, lookups per urusan."""

from __future__ import annotations

import re

import pytest

from services.routing import rules
from shared.agencies import (
    AGENCIES,
    BUMN,
    KABKOTA,
    KABKOTA_BY_REGION,
    PROVINCE_CODE,
    PROVINSI,
    PUSAT,
    Agency,
    agency_topic,
    kabkota_agency_for,
)
from shared.events import Level
from shared.topics import ALL_TOPICS

DIRECTORY = rules.current().directory
KNOWN_URUSAN = rules.current().taxonomy.known_urusan
provincial_agency_for = DIRECTORY.provincial
national_agency_for = DIRECTORY.national

# domain/urusan.md
URUSAN_CODES = frozenset(
    {
        "pendidikan",
        "kesehatan",
        "pekerjaan_umum",
        "perumahan",
        "trantibum",
        "sosial",
        "tenaga_kerja",
        "pppa",
        "pangan",
        "pertanahan",
        "lingkungan_hidup",
        "adminduk",
        "pmd",
        "kb",
        "perhubungan",
        "kominfo",
        "koperasi_ukm",
        "penanaman_modal",
        "pemuda_olahraga",
        "kebudayaan",
        "perpustakaan_kearsipan",
        "kelautan_perikanan",
        "pariwisata",
        "pertanian",
        "kehutanan",
        "esdm",
        "perdagangan",
        "perindustrian",
        "transmigrasi",
        "keuangan_daerah",
        "kepegawaian",
        "pengawasan",
        "pemerintahan_umum",
        "jaminan_sosial",
        "keamanan",
        "yustisi",
        "agama",
        "keuangan_negara",
    }
)

_PREFIX = {
    Level.KABKOTA: ("kab-", "kota-"),
    Level.PROVINSI: ("prov-",),
    Level.PUSAT: ("pusat-",),
    Level.BUMN: ("bumn-",),
}


def test_codes_are_topic_safe_and_unique() -> None:
    every = (*KABKOTA, *PROVINSI, *PUSAT, *BUMN)
    assert len(every) == len(AGENCIES), "duplicate agency code"
    for agency in every:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", agency.code), agency.code
        assert agency.code.startswith(_PREFIX[agency.level]), agency.code
        assert re.fullmatch(r"[a-zA-Z0-9._-]+", agency_topic(agency.code))


def test_the_fifteen_kabkota_with_kemendagri_codes() -> None:
    assert sorted(KABKOTA_BY_REGION) == [f"18.{n:02d}" for n in range(1, 14)] + ["18.71", "18.72"]
    assert kabkota_agency_for("18.71").code == "kota-bandar-lampung"
    assert kabkota_agency_for("18.72").code == "kota-metro"
    with pytest.raises(KeyError):
        kabkota_agency_for("33.72")


def test_provincial_opds_cover_the_lampung_list() -> None:
    codes = {a.code for a in PROVINSI}
    assert 45 <= len(PROVINSI) <= 55  # "about 48" Setda units, Badan, Dinas and hospitals
    for required in (
        "prov-setda",
        "prov-inspektorat",
        "prov-disdikbud",
        "prov-dinkes",
        "prov-bmbk",
        "prov-bapenda",
        "prov-bpbd",
        "prov-satpolpp",
        "prov-rsud-abdul-moeloek",
        "prov-rsj",
        "prov-rsud-bandar-negara-husada",
        "prov-biro-hukum",
        "prov-setwan",
        "prov-psda",
    ):
        assert required in codes
    assert all(a.region_code == PROVINCE_CODE for a in PROVINSI)
    assert not any("pkk" in c for c in codes)


def test_national_bodies_and_state_companies_exist() -> None:
    for code in (
        "pusat-bpjs-kesehatan",
        "pusat-bpjs-ketenagakerjaan",
        "pusat-polri",
        "pusat-imigrasi",
        "pusat-bpn",
        "pusat-kemenag",
        "pusat-djp",
        "pusat-kemendikti",
        "pusat-kemenhub",
        "pusat-pupr",
        "pusat-ojk",
        "pusat-kemensos",
        "pusat-kemnaker",
        "pusat-generic",
        "bumn-pln",
        "bumn-pertamina",
        "bumn-pos",
        "bumn-kai",
        "bumn-bank",
        "bumn-telkom",
        "bumn-generic",
    ):
        assert code in AGENCIES


def test_agency_urusan_are_known_codes() -> None:
    assert KNOWN_URUSAN == URUSAN_CODES
    for agency in AGENCIES.values():
        assert DIRECTORY.handles(agency.code) <= URUSAN_CODES, agency.code


def test_only_lampung_bodies_get_a_topic() -> None:
    names = {t.name for t in ALL_TOPICS}
    for agency in AGENCIES.values():
        has_topic = agency_topic(agency.code) in names
        assert has_topic == (agency.level in (Level.KABKOTA, Level.PROVINSI)), agency.code


@pytest.mark.parametrize("urusan", sorted(URUSAN_CODES))
def test_every_urusan_has_a_provincial_owner(urusan: str) -> None:
    agency = provincial_agency_for(urusan)
    assert agency.level is Level.PROVINSI
    assert agency.code == "prov-setda" or urusan in DIRECTORY.handles(agency.code)


def test_provincial_lookup_examples_and_fallback() -> None:
    assert provincial_agency_for("pendidikan").code == "prov-disdikbud"
    assert provincial_agency_for("pekerjaan_umum").code == "prov-bmbk"
    assert provincial_agency_for("pengawasan").code == "prov-inspektorat"
    assert provincial_agency_for("keamanan").code == "prov-setda"  # national sector: the Setda disposes
    assert provincial_agency_for("no-such-urusan").code == "prov-setda"


def test_national_lookup() -> None:
    assert national_agency_for("jaminan_sosial").code == "pusat-bpjs-kesehatan"
    assert national_agency_for("keamanan", Level.PUSAT).code == "pusat-polri"
    assert national_agency_for("esdm", Level.BUMN).code == "bumn-pln"
    assert national_agency_for("kebudayaan", Level.PUSAT).code == "pusat-generic"
    assert national_agency_for("kebudayaan", Level.BUMN).code == "bumn-generic"
    for urusan in URUSAN_CODES:
        assert national_agency_for(urusan, Level.PUSAT).level is Level.PUSAT
        assert national_agency_for(urusan, Level.BUMN).level is Level.BUMN
    with pytest.raises(ValueError):
        national_agency_for("pendidikan", Level.KABKOTA)


def test_agency_is_frozen() -> None:
    agency: Agency = AGENCIES["prov-setda"]
    with pytest.raises(AttributeError):
        agency.code = "x"  # type: ignore[misc]
