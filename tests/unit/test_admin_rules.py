"""The rules an experienced LAPOR! Admin Koordinator applies in Lampung, one test each.

The object decides the level: what the complaint is about (an SMA, a kabupaten road, an AKDP bus, a
city RSUD, a park) says who is responsible, the place only says which kab/kota. Every complaint here is
invented for the test.
"""

from __future__ import annotations

import pytest

from services.routing.decide import UNKNOWN_KABKOTA, RoutingInput, decide
from shared.events import Level, RoutingDecision


def route(title: str, body: str = "", **kw: object) -> RoutingDecision:
    return decide(RoutingInput(title=title, body=body, **kw))  # type: ignore[arg-type]


def outcome(d: RoutingDecision) -> tuple[str, str, str | None, str]:
    return d.level.value, d.urusan, d.region_code, d.agency_code


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "bus akdp jurusan bandar lampung - kotabumi ugal ugalan dan ngetem sembarangan",
            ("provinsi", "perhubungan", "18", "prov-dishub"),
        ),
        (
            "Tarif bus antar kota dalam provinsi dari Metro ke Bandar Lampung dinaikkan sepihak",
            ("provinsi", "perhubungan", "18", "prov-dishub"),
        ),
        (
            "bus akap tujuan jakarta sering menurunkan penumpang di luar terminal rajabasa",
            ("pusat", "perhubungan", None, "pusat-kemenhub"),
        ),
        (
            "angkot di kec tanjung karang pusat ngetem sembarangan bikin macet",
            ("kabkota", "perhubungan", "18.71", "kota-bandar-lampung"),
        ),
    ],
)
def test_bus_routes_by_who_licenses_them(body: str, expected: tuple) -> None:
    assert outcome(route("angkutan umum", body)) == expected


@pytest.mark.parametrize(
    ("body", "region"),
    [
        ("Pelayanan di RSUD Bob Bazar lambat, pasien menunggu berjam-jam", "18.01"),
        ("antrian rsud dadi tjokrodipo panjang sekali", "18.71"),
        ("dokter di rsud ahmad yani jarang datang", "18.72"),
        ("RSUD Demang Sepulau Raya menolak pasien BPJS kelas 3", "18.02"),
        ("ambulans rsud ryacudu tidak ada sopir", "18.03"),
        ("rsud alimuddin umar kekurangan obat", "18.04"),
        ("RSUD Zainal Abidin Pagar Alam kotor", "18.08"),
        ("rsud batin mangunang kehabisan darah", "18.06"),
    ],
)
def test_city_and_kabupaten_rsud_by_name_are_their_kabkota(body: str, region: str) -> None:
    d = route("rumah sakit", body)
    assert (d.level, d.region_code) == (Level.KABKOTA, region)
    assert any("facility belongs" in r for r in d.reasons)


def test_the_provinces_own_hospitals_stay_provincial_wherever_the_reporter_lives() -> None:
    d = route("RSUD Abdul Moeloek", "Saya warga Kalianda dirujuk ke RSUD Abdul Moeloek, antrean kamar penuh")
    assert outcome(d) == ("provinsi", "kesehatan", "18", "prov-rsud-abdul-moeloek")


@pytest.mark.parametrize(
    ("body", "level", "agency"),
    [
        ("gedung olahraga milik pemprov di kec way halim rusak tidak terawat", "provinsi", "prov-dispora"),
        ("Lapangan di PKOR Way Halim becek dan lampunya mati", "provinsi", "prov-dispora"),
        ("aset pemkab berupa pasar di kec gedong tataan terbengkalai", "kabkota", "kab-pesawaran"),
    ],
)
def test_owner_words_decide_the_level(body: str, level: str, agency: str) -> None:
    d = route("fasilitas", body)
    assert (d.level.value, d.agency_code) == (level, agency)
    assert any(r.startswith("owner:") for r in d.reasons)


def test_kabupaten_bkpsdm_vs_bkn() -> None:
    local = route("mutasi pns", "mutasi pns di bkpsdm lampung tengah tidak transparan")
    national = route("seleksi cpns", "Akun SSCASN saya error waktu daftar seleksi CPNS, mohon bantuan BKN")
    assert outcome(local) == ("kabkota", "kepegawaian", "18.02", "kab-lampung-tengah")
    assert outcome(national) == ("pusat", "kepegawaian", None, "pusat-bkn")


@pytest.mark.parametrize(
    ("body", "level", "agency"),
    [
        ("jln provinsi di kec gedong tataan rusak parah", "provinsi", "prov-bmbk"),
        ("jl prov arah liwa amblas", "provinsi", "prov-bmbk"),
        ("jln lintas sumatera di way kanan berlubang besar", "pusat", "pusat-pupr"),
        ("jalinsum km 30 natar banyak lubang", "pusat", "pusat-pupr"),
        ("jln desa di pekon sukamaju kec ulu belu rusak", "kabkota", "kab-tanggamus"),
        ("jalan kabupaten di Mesuji berlubang", "kabkota", "kab-mesuji"),
    ],
)
def test_roads_by_status_in_sms_spelling(body: str, level: str, agency: str) -> None:
    d = route("jalan rusak", body)
    assert (d.urusan, d.level.value, d.agency_code) == ("pekerjaan_umum", level, agency)


@pytest.mark.parametrize(
    "body",
    [
        "Kawanan gajah liar dari Way Kambas merusak kebun jagung dan sawah petani di Braja Selebah",
        "harimau masuk kebun kopi warga di pekon dekat TNBBS, petani takut ke ladang",
        "BKSDA belum menangani konflik gajah dengan petani sawit di Way Kanan",
    ],
)
def test_conservation_beats_farming_words(body: str) -> None:
    d = route("satwa liar", body)
    assert outcome(d)[:2] == ("pusat", "kehutanan") and d.agency_code == "pusat-kemenhut"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("pungli di SMAN 1 Kalianda saat daftar ulang", ("provinsi", "pengawasan", "18", "prov-inspektorat")),
        (
            "petugas kelurahan di kec kedaton minta uang pelicin utk surat domisili",
            ("kabkota", "pengawasan", "18.71", "kota-bandar-lampung"),
        ),
        ("pungli pembuatan KTP di disdukcapil pesawaran", ("kabkota", "pengawasan", "18.09", "kab-pesawaran")),
    ],
)
def test_extortion_by_an_official_is_pengawasan_of_the_officials_employer(body: str, expected: tuple) -> None:
    assert outcome(route("pungli", body)) == expected


def test_a_landmark_place_is_not_where_it_happened() -> None:
    d = route(
        "jalan rusak",
        "Jalan di desa kami di kecamatan Sekampung rusak, lebih dekat ke Kota Metro tapi masuk Lampung Timur",
    )
    assert (d.level, d.region_code) == (Level.KABKOTA, "18.07")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("SMK negeri di Pringsewu memungut biaya praktik", ("provinsi", "pendidikan", "18", "prov-disdikbud")),
        ("SLB di Metro kekurangan guru", ("provinsi", "pendidikan", "18", "prov-disdikbud")),
        ("sd negeri di kec natar atapnya bocor", ("kabkota", "pendidikan", "18.01", "kab-lampung-selatan")),
        ("PAUD di desa Hajimena belum dapat insentif", ("kabkota", "pendidikan", "18.01", "kab-lampung-selatan")),
        ("Pajak motor di Samsat Kotabumi dipersulit", ("provinsi", "keuangan_daerah", "18", "prov-bapenda")),
        ("SPPT PBB rumah saya di Pesawaran salah", ("kabkota", "keuangan_daerah", "18.09", "kab-pesawaran")),
        ("air pdam di kec kedaton mati 3 hari", ("kabkota", "pekerjaan_umum", "18.71", "kota-bandar-lampung")),
        ("listrik pln di kec natar padam tiap malam", ("bumn", "esdm", None, "bumn-pln")),
        ("polsek tidak menindaklanjuti laporan pencurian motor saya", ("pusat", "keamanan", None, "pusat-polri")),
        (
            "kartu bpjs kesehatan saya nonaktif padahal iuran lancar",
            ("pusat", "jaminan_sosial", None, "pusat-bpjs-kesehatan"),
        ),
        ("sertifikat tanah ptsl di bpn lampung selatan belum jadi", ("pusat", "pertanahan", None, "pusat-bpn")),
        ("penghulu kua minta biaya nikah lebih dari tarif resmi", ("pusat", "agama", None, "pusat-kemenag")),
        ("antrian paspor di kantor imigrasi bandar lampung", ("pusat", "yustisi", None, "pusat-imigrasi")),
    ],
)
def test_levels_from_urusan_md_and_lampung_md(body: str, expected: tuple) -> None:
    assert outcome(route("keluhan", body)) == expected


def test_a_regional_affair_with_no_place_waits_for_a_human_not_the_province() -> None:
    d = route("jalan rusak", "jalan di depan rumah saya rusak parah sudah setahun")
    assert (d.level, d.region_code, d.agency_code) == (Level.KABKOTA, None, UNKNOWN_KABKOTA)
    d = route("jalan rusak", "jalan di depan rumah saya rusak parah sudah setahun", region_code="18.13")
    assert outcome(d) == ("kabkota", "pekerjaan_umum", "18.13", "kab-pesisir-barat")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Tolong pak guru SMPN 3 Metro sering tidak masuk", ("kabkota", "pendidikan", "18.72", "kota-metro")),
        ("sampah di blkg pasar metro gak diangkut2 udh 5 hari", ("kabkota", "lingkungan_hidup", "18.72", "kota-metro")),
    ],
)
def test_a_facility_names_its_place(body: str, expected: tuple) -> None:
    assert outcome(route("", body)) == expected


def test_sms_spellings_are_read_as_words() -> None:
    d = route("", "jln rusak di b. lampung kec. sukarame, tlg diperbaiki")
    assert outcome(d) == ("kabkota", "pekerjaan_umum", "18.71", "kota-bandar-lampung")


def test_a_road_and_its_damage_outweigh_a_passing_word() -> None:
    d = route("", "jln di kampung bujung tenuk kec menggala rusak parah, truk sawit lewat terus")
    assert (d.urusan, d.region_code) == ("pekerjaan_umum", "18.05")


def test_a_named_provincial_dinas_is_the_owner() -> None:
    d = route("", "Mohon dinas perhubungan provinsi menertibkan travel gelap antar kabupaten")
    assert outcome(d) == ("provinsi", "perhubungan", "18", "prov-dishub")


def test_a_consequence_after_rawan_is_not_the_topic() -> None:
    d = route("", "Lapor, lampu jalan di Jl. Ahmad Yani Kotabumi mati sdh 2 minggu. Gelap bgt malam, rawan begal.")
    assert outcome(d) == ("kabkota", "perumahan", "18.03", "kab-lampung-utara")


def test_street_children_and_beggars_are_dinas_sosial() -> None:
    d = route("", "banyak pengemis dan anak jalanan di lampu merah tugu adipura, kota bandar lampung")
    assert outcome(d) == ("kabkota", "sosial", "18.71", "kota-bandar-lampung")


# ---------------------------------------------------------------------------------------------
# Who can act on it: the road authority beside a station, the kab/kota's permits, national databases,
# national allowances and bodies, the bank behind a card, and whose asset it is.


@pytest.mark.parametrize(
    "body",
    [
        "Tiap sore macet panjang di depan Stasiun Tanjung Karang, penumpang kereta menyeberang sembarangan, "
        "mohon dibuatkan jembatan penyeberangan",
        "Kendaraan yang mau naik kapal feri sering lawan arus di jalan raya Bakauheni, "
        "rambu dan marka jalan tidak jelas",
    ],
)
def test_road_traffic_beside_a_station_or_port_is_dishub_not_the_company(body: str) -> None:
    d = route("lalu lintas", body)
    assert (d.level, d.urusan) == (Level.KABKOTA, "perhubungan")
    assert d.region_code in ("18.71", "18.01")


def test_the_train_and_the_ferry_themselves_stay_with_the_company() -> None:
    d = route("kereta", "Kereta api Rajabasa dari stasiun Tanjung Karang ke Kotabumi terlambat tiga jam")
    assert (d.level, d.agency_code) == (Level.BUMN, "bumn-kai")
    d = route("tiket kapal", "Tiket kapal feri Bakauheni habis padahal kapal masih kosong")
    assert (d.level, d.agency_code) == (Level.BUMN, "bumn-asdp")


def test_a_landmark_word_glued_to_di_is_still_a_landmark() -> None:
    d = route("ojek", "Banyak ojek pangkalan ngetem didepan stasiun Kotabumi menutup jalan")
    assert outcome(d) == ("kabkota", "perhubungan", "18.03", "kab-lampung-utara")


@pytest.mark.parametrize(
    ("body", "region"),
    [
        ("Pembangunan tower BTS di kel. Sukamenanti kec. Kedaton tanpa izin dan tanpa persetujuan warga", "18.71"),
        ("Pemasangan tiang IndiHome di bahu jalan desa Hajimena kec Natar tanpa izin, menghalangi jalan", "18.01"),
    ],
)
def test_towers_and_poles_without_a_permit_are_the_kabkotas(body: str, region: str) -> None:
    d = route("tower", body)
    assert (d.level, d.urusan, d.region_code) == (Level.KABKOTA, "kominfo", region)


@pytest.mark.parametrize(
    "body",
    [
        "Saya warga Metro, e-KTP saya tertulis berlaku sampai 2017, apakah sekarang berlaku seumur hidup atau "
        "harus diperpanjang?",
        "Saya ber-KTP Pringsewu tapi bekerja di Jakarta, bisakah rekam e-KTP di luar domisili?",
    ],
)
def test_national_adminduk_rules_are_the_ditjen_dukcapils(body: str) -> None:
    assert outcome(route("e-KTP", body)) == ("pusat", "adminduk", None, "pusat-kemendagri")


def test_an_ektp_not_yet_printed_stays_with_the_kabkota() -> None:
    d = route("KTP belum jadi", "e-KTP saya belum dicetak di Disdukcapil Lampung Selatan, katanya blanko habis")
    assert outcome(d) == ("kabkota", "adminduk", "18.01", "kab-lampung-selatan")


def test_tukin_is_national_tpp_is_the_kabkotas() -> None:
    d = route("tukin", "Apakah tunjangan kinerja PNS tahun depan naik? Saya PNS di kantor vertikal di Bandar Lampung")
    assert outcome(d) == ("pusat", "kepegawaian", None, "pusat-bkn")
    d = route("TPP", "TPP atau tunjangan kinerja daerah ASN Pemkab Tanggamus belum cair 2 bulan")
    assert outcome(d) == ("kabkota", "kepegawaian", "18.06", "kab-tanggamus")


def test_a_file_waiting_for_bkns_approval_is_bkns() -> None:
    d = route(
        "kenaikan pangkat",
        "Usulan kenaikan pangkat ASN Pemkab Lampung Timur periode April belum ada persetujuan teknis dari Kanreg BKN",
    )
    assert outcome(d) == ("pusat", "kepegawaian", None, "pusat-bkn")


def test_election_bodies_are_national() -> None:
    d = route("KPU", "Kantor KPU Kabupaten Way Kanan tidak melayani permohonan salinan daftar pemilih")
    assert (d.level, d.urusan) == (Level.PUSAT, "pemerintahan_umum")


def test_a_body_named_in_a_comparison_is_not_the_object() -> None:
    body = "Pokja ULP di Pemkab Lampung Tengah mengatur pemenang lelang proyek, tidak independen seperti KPU"
    d = route("lelang", body)
    assert outcome(d) == ("kabkota", "pengawasan", "18.02", "kab-lampung-tengah")


def test_national_teacher_allowances_are_the_ministrys() -> None:
    d = route(
        "tunjangan guru",
        "Guru SMA negeri di Pulau Pisang, Pesisir Barat, daerah terpencil, tunjangan khusus guru tidak cair tahun ini",
    )
    assert outcome(d) == ("pusat", "pendidikan", None, "pusat-kemendikdasmen")


def test_a_bansos_atm_card_is_the_banks_service() -> None:
    d = route("kartu bansos", "Mohon info pergantian kartu ATM bansos PKH yang tertelan mesin di Kotabumi")
    assert outcome(d) == ("bumn", "sosial", None, "bumn-bank")


@pytest.mark.parametrize(
    ("body", "region"),
    [
        ("Tanah bengkok desa Hajimena kec Natar dibuatkan sertifikat atas nama pribadi oleh mantan kades", "18.01"),
        ("Aset tanah Pemkot Bandar Lampung di kec. Kedaton diserobot warga dan dibuatkan sertifikat", "18.71"),
    ],
)
def test_village_and_regional_land_assets_are_the_regions(body: str, region: str) -> None:
    d = route("tanah", body)
    assert (d.level, d.region_code) == (Level.KABKOTA, region)
    assert any(r.startswith("owner:") for r in d.reasons)


def test_a_parcel_held_in_customs_is_bea_cukais() -> None:
    body = "Paket kiriman dari luar negeri ke Bandar Lampung statusnya customs inspection sudah dua minggu"
    assert outcome(route("paket", body)) == ("pusat", "keuangan_negara", None, "pusat-bea-cukai")


@pytest.mark.parametrize(
    "body",
    [
        "e-KTP saya di Lampung Timur belum dicetak, kata petugas blanko masih menunggu dari pusat",
        "NIK saya tidak ada di database, padahal sudah rekam e-KTP di Pringsewu tahun lalu",
    ],
)
def test_blanko_from_the_centre_and_the_central_database_are_the_ditjen_dukcapils(body: str) -> None:
    assert outcome(route("e-KTP", body)) == ("pusat", "adminduk", None, "pusat-kemendagri")


def test_a_work_of_the_ministry_of_public_works_is_the_ministrys() -> None:
    d = route("tanggul", "Kementerian PUPR belum memperbaiki tanggul sungai yang jebol di Way Sekampung")
    assert outcome(d) == ("pusat", "pekerjaan_umum", None, "pusat-pupr")
    d = route("lelang", "Pokja lelang proyek Kementerian PUPR di Lampung mengatur pemenang tender")
    assert (d.level, d.urusan, d.agency_code) == (Level.PUSAT, "pengawasan", "pusat-pupr")


def test_asking_for_a_legal_basis_is_not_a_court_matter() -> None:
    d = route("", "Mohon informasi dasar hukum kebijakan baru Pemkot Metro")
    assert outcome(d) == ("kabkota", "pemerintahan_umum", "18.72", "kota-metro")


def test_a_scholarship_the_pemkab_pays_is_the_pemkabs() -> None:
    d = route("beasiswa", "Beasiswa Pemkab Lampung Utara untuk mahasiswa berprestasi belum cair sejak pengumuman")
    assert (d.level, d.region_code) == (Level.KABKOTA, "18.03")


def test_the_ends_of_a_road_stretch_are_landmarks() -> None:
    d = route("jalan", "tolong diperbaiki jalan antara pln dan kantor camat sukadana, membahayakan pengendara")
    assert d.level is Level.KABKOTA and d.urusan != "esdm"


def test_plain_clothes_police_are_not_thugs() -> None:
    d = route(
        "",
        "Banyak pengendara motor lawan arus di jalan Teuku Umar kec Kedaton, "
        "mohon polisi berpakaian preman menangkap pelaku pelanggaran",
    )
    assert outcome(d) == ("kabkota", "perhubungan", "18.71", "kota-bandar-lampung")


def test_a_road_under_a_toll_road_is_not_the_toll_road() -> None:
    d = route("jalan", "Jalan di terowongan tol dekat Natar berlubang dan tergenang saat hujan")
    assert outcome(d) == ("kabkota", "pekerjaan_umum", "18.01", "kab-lampung-selatan")
    d = route("jalan tol", "Jalan tol trans sumatera dekat Terbanggi Besar banyak lubang")
    assert outcome(d) == ("pusat", "pekerjaan_umum", None, "pusat-pupr")


def test_taxis_are_licensed_by_the_region_even_at_an_airport() -> None:
    d = route("taksi", "Sopir taksi di bandara Radin Inten menolak pakai argo dan minta tarif semaunya")
    assert (d.level, d.urusan, d.region_code) == (Level.KABKOTA, "perhubungan", "18.01")
