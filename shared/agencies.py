"""The bodies a complaint can be routed to, and the Kafka topic each Lampung body subscribes to.

Codes are slugs (`kab-…`, `kota-…`, `prov-…`, `pusat-…`, `bumn-…`) because they become topic names.
Only Lampung bodies (kabkota and provinsi) get a topic: pusat/bumn complaints go to LAPOR!, which
routes them nationally, and never land on a Lampung agency's topic (domain/urusan.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.events import Level

PROVINCE_CODE = "18"
# National bodies and state companies sit outside Lampung's regional codes; the decision carries
# the region where the complaint happened instead.
NO_REGION = ""

PROVINCIAL_FALLBACK = "prov-setda"
NATIONAL_FALLBACK = "pusat-generic"
BUMN_FALLBACK = "bumn-generic"


@dataclass(frozen=True, slots=True)
class Agency:
    code: str
    name: str
    level: Level
    region_code: str
    urusan: tuple[str, ...] = ()


def _kabkota(code: str, region: str, name: str) -> Agency:
    # A kabupaten/kota government receives every regional urusan and dispatches internally.
    return Agency(code=code, name=name, level=Level.KABKOTA, region_code=region)


def _prov(slug: str, name: str, *urusan: str) -> Agency:
    return Agency(f"prov-{slug}", name, Level.PROVINSI, PROVINCE_CODE, urusan)


def _pusat(slug: str, name: str, *urusan: str) -> Agency:
    return Agency(f"pusat-{slug}", name, Level.PUSAT, NO_REGION, urusan)


def _bumn(slug: str, name: str, *urusan: str) -> Agency:
    return Agency(f"bumn-{slug}", name, Level.BUMN, NO_REGION, urusan)


# Kemendagri codes per Kepmendagri 300.2.2-2138/2025 (domain/lampung.md §3.1).
KABKOTA: tuple[Agency, ...] = (
    _kabkota("kab-lampung-selatan", "18.01", "Pemerintah Kabupaten Lampung Selatan"),
    _kabkota("kab-lampung-tengah", "18.02", "Pemerintah Kabupaten Lampung Tengah"),
    _kabkota("kab-lampung-utara", "18.03", "Pemerintah Kabupaten Lampung Utara"),
    _kabkota("kab-lampung-barat", "18.04", "Pemerintah Kabupaten Lampung Barat"),
    _kabkota("kab-tulang-bawang", "18.05", "Pemerintah Kabupaten Tulang Bawang"),
    _kabkota("kab-tanggamus", "18.06", "Pemerintah Kabupaten Tanggamus"),
    _kabkota("kab-lampung-timur", "18.07", "Pemerintah Kabupaten Lampung Timur"),
    _kabkota("kab-way-kanan", "18.08", "Pemerintah Kabupaten Way Kanan"),
    _kabkota("kab-pesawaran", "18.09", "Pemerintah Kabupaten Pesawaran"),
    _kabkota("kab-pringsewu", "18.10", "Pemerintah Kabupaten Pringsewu"),
    _kabkota("kab-mesuji", "18.11", "Pemerintah Kabupaten Mesuji"),
    _kabkota("kab-tulang-bawang-barat", "18.12", "Pemerintah Kabupaten Tulang Bawang Barat"),
    _kabkota("kab-pesisir-barat", "18.13", "Pemerintah Kabupaten Pesisir Barat"),
    _kabkota("kota-bandar-lampung", "18.71", "Pemerintah Kota Bandar Lampung"),
    _kabkota("kota-metro", "18.72", "Pemerintah Kota Metro"),
)

# Perangkat daerah of Pemprov Lampung (domain/lampung.md §3.4). No sourced tugas-fungsi text exists,
# so the urusan of each OPD is read from its name. The three Asisten and the Staf Ahli are left out:
# they coordinate and never own a complaint.
PROVINSI: tuple[Agency, ...] = (
    Agency(PROVINCIAL_FALLBACK, "Sekretariat Daerah Provinsi Lampung", Level.PROVINSI, PROVINCE_CODE,
           ("pemerintahan_umum",)),
    _prov("biro-pemotda", "Biro Pemerintahan dan Otonomi Daerah", "pemerintahan_umum", "pertanahan"),
    _prov("biro-hukum", "Biro Hukum", "pemerintahan_umum"),
    _prov("biro-kesra", "Biro Kesejahteraan Rakyat", "agama"),
    _prov("biro-perekonomian", "Biro Perekonomian", "perdagangan", "pangan"),
    _prov("biro-adpem", "Biro Administrasi Pembangunan", "pemerintahan_umum"),
    _prov("biro-pbj", "Biro Pengadaan Barang dan Jasa", "pemerintahan_umum"),
    _prov("biro-organisasi", "Biro Organisasi", "pemerintahan_umum", "kepegawaian"),
    _prov("biro-umum", "Biro Umum", "pemerintahan_umum"),
    _prov("biro-adpim", "Biro Administrasi Pimpinan", "pemerintahan_umum", "kominfo"),
    _prov("setwan", "Sekretariat DPRD Provinsi Lampung", "pemerintahan_umum"),
    _prov("inspektorat", "Inspektorat Provinsi Lampung", "pengawasan"),
    _prov("bappeda", "Badan Perencanaan Pembangunan Daerah", "pemerintahan_umum"),
    _prov("bpkad", "Badan Pengelola Keuangan dan Aset Daerah", "keuangan_daerah"),
    _prov("bapenda", "Badan Pendapatan Daerah", "keuangan_daerah"),
    _prov("bkd", "Badan Kepegawaian Daerah", "kepegawaian"),
    _prov("bpsdm", "Badan Pengembangan Sumber Daya Manusia", "kepegawaian"),
    _prov("balitbangda", "Badan Penelitian dan Pengembangan Daerah", "pemerintahan_umum"),
    _prov("bpbd", "Badan Penanggulangan Bencana Daerah", "trantibum"),
    _prov("kesbangpol", "Badan Kesatuan Bangsa dan Politik", "pemerintahan_umum"),
    _prov("badan-penghubung", "Badan Penghubung Provinsi Lampung di Jakarta", "pemerintahan_umum"),
    _prov("disdikbud", "Dinas Pendidikan dan Kebudayaan", "pendidikan", "kebudayaan"),
    _prov("dinkes", "Dinas Kesehatan", "kesehatan"),
    _prov("bmbk", "Dinas Bina Marga dan Bina Konstruksi", "pekerjaan_umum"),
    _prov("perkim", "Dinas Perumahan, Kawasan Permukiman dan Cipta Karya", "perumahan", "pekerjaan_umum"),
    _prov("psda", "Dinas Pengelolaan Sumber Daya Air", "pekerjaan_umum"),
    _prov("dinsos", "Dinas Sosial", "sosial"),
    _prov("disnakertrans", "Dinas Tenaga Kerja", "tenaga_kerja"),
    _prov("dpppa", "Dinas Pemberdayaan Perempuan dan Perlindungan Anak", "pppa", "kb"),
    _prov("dkpthp", "Dinas Ketahanan Pangan, Tanaman Pangan dan Hortikultura", "pangan", "pertanian"),
    _prov("dlh", "Dinas Lingkungan Hidup", "lingkungan_hidup"),
    _prov("disdukcapil", "Dinas Kependudukan dan Pencatatan Sipil", "adminduk"),
    _prov("dpmdt", "Dinas Pemberdayaan Masyarakat, Desa dan Transmigrasi", "pmd", "transmigrasi"),
    _prov("dishub", "Dinas Perhubungan", "perhubungan"),
    _prov("diskominfotik", "Dinas Komunikasi, Informatika dan Statistik", "kominfo"),
    _prov("diskopukm", "Dinas Koperasi dan UKM", "koperasi_ukm"),
    _prov("dpmptsp", "Dinas Penanaman Modal dan PTSP", "penanaman_modal"),
    _prov("dispora", "Dinas Pemuda dan Olahraga", "pemuda_olahraga"),
    _prov("dispusip", "Dinas Perpustakaan dan Kearsipan", "perpustakaan_kearsipan"),
    _prov("dkp", "Dinas Kelautan dan Perikanan", "kelautan_perikanan"),
    _prov("disparekraf", "Dinas Pariwisata dan Ekonomi Kreatif", "pariwisata"),
    _prov("disbun", "Dinas Perkebunan", "pertanian"),
    _prov("dishut", "Dinas Kehutanan", "kehutanan"),
    _prov("desdm", "Dinas Energi dan Sumber Daya Mineral", "esdm"),
    _prov("disperindag", "Dinas Perindustrian dan Perdagangan", "perindustrian", "perdagangan"),
    _prov("disnakkeswan", "Dinas Peternakan dan Kesehatan Hewan", "pertanian"),
    _prov("satpolpp", "Satuan Polisi Pamong Praja", "trantibum"),
    _prov("rsud-abdul-moeloek", "RSUD dr. H. Abdul Moeloek", "kesehatan"),
    _prov("rsj", "Rumah Sakit Jiwa Daerah", "kesehatan"),
    _prov("rsud-bandar-negara-husada", "RSUD Bandar Negara Husada", "kesehatan"),
)

# Ministries and vertical agencies a Lampung complaint commonly targets; LAPOR! routes them onward.
PUSAT: tuple[Agency, ...] = (
    _pusat("bpjs-kesehatan", "BPJS Kesehatan", "jaminan_sosial"),
    _pusat("bpjs-ketenagakerjaan", "BPJS Ketenagakerjaan", "jaminan_sosial"),
    _pusat("polri", "Kepolisian Negara Republik Indonesia", "keamanan"),
    _pusat("imigrasi", "Direktorat Jenderal Imigrasi", "yustisi"),
    _pusat("kemenkum", "Kementerian Hukum (peradilan, pemasyarakatan, bantuan hukum)", "yustisi"),
    _pusat("bpn", "Kementerian ATR/BPN", "pertanahan"),
    _pusat("kemenag", "Kementerian Agama", "agama"),
    _pusat("djp", "Direktorat Jenderal Pajak", "keuangan_negara"),
    _pusat("bea-cukai", "Direktorat Jenderal Bea dan Cukai", "keuangan_negara"),
    _pusat("ojk", "Otoritas Jasa Keuangan", "keuangan_negara"),
    _pusat("kemendikti", "Kementerian Pendidikan Tinggi (perguruan tinggi)", "pendidikan"),
    _pusat("kemendikdasmen", "Kementerian Pendidikan Dasar dan Menengah (program nasional)", "pendidikan"),
    _pusat("kemenkes", "Kementerian Kesehatan", "kesehatan"),
    _pusat("bpom", "Badan Pengawas Obat dan Makanan", "kesehatan"),
    _pusat("kemenhub", "Kementerian Perhubungan", "perhubungan"),
    _pusat("pupr", "Kementerian Pekerjaan Umum (jalan nasional, jalan tol, sungai)", "pekerjaan_umum"),
    _pusat("kemensos", "Kementerian Sosial", "sosial"),
    _pusat("kemnaker", "Kementerian Ketenagakerjaan", "tenaga_kerja"),
    _pusat("bp2mi", "Badan Pelindungan Pekerja Migran Indonesia", "tenaga_kerja"),
    _pusat("bkn", "Badan Kepegawaian Negara", "kepegawaian"),
    _pusat("kemendagri", "Kementerian Dalam Negeri (Ditjen Dukcapil)", "adminduk", "pemerintahan_umum"),
    _pusat("komdigi", "Kementerian Komunikasi dan Digital", "kominfo"),
    _pusat("kemenesdm", "Kementerian Energi dan Sumber Daya Mineral", "esdm"),
    _pusat("kemenhut", "Kementerian Kehutanan", "kehutanan"),
    _pusat("kemendes", "Kementerian Desa dan PDT", "pmd", "transmigrasi"),
    _pusat("bkkbn", "BKKBN", "kb"),
    _pusat("ombudsman", "Ombudsman Republik Indonesia", "pengawasan"),
    _pusat("kpk", "Komisi Pemberantasan Korupsi", "pengawasan"),
    _pusat("generic", "Instansi pusat (disposisi LAPOR!)"),
)

# State companies: reports go to LAPOR!, which passes them to the company.
BUMN: tuple[Agency, ...] = (
    _bumn("pln", "PT PLN (Persero)", "esdm"),
    _bumn("pertamina", "PT Pertamina (Persero)", "esdm"),
    _bumn("pos", "PT Pos Indonesia (Persero)", "kominfo"),
    _bumn("kai", "PT Kereta Api Indonesia (Persero)", "perhubungan"),
    _bumn("asdp", "PT ASDP Indonesia Ferry (Persero)", "perhubungan"),
    _bumn("telkom", "PT Telkom Indonesia (Persero)", "kominfo"),
    _bumn("bank", "Bank BUMN (BRI, BNI, Mandiri, BTN)", "keuangan_negara"),
    _bumn("bulog", "Perum Bulog", "pangan"),
    _bumn("pupuk", "PT Pupuk Indonesia (Persero)", "pertanian"),
    _bumn("taspen", "PT Taspen (Persero)", "kepegawaian"),
    _bumn("generic", "BUMN (disposisi LAPOR!)"),
)

AGENCIES: dict[str, Agency] = {a.code: a for a in (*KABKOTA, *PROVINSI, *PUSAT, *BUMN)}
KABKOTA_BY_REGION: dict[str, Agency] = {a.region_code: a for a in KABKOTA}

# The OPD that owns each urusan at the province. Urusan the province has no OPD for (national
# sectors) fall back to the Setda, which disposes them.
_PROVINCIAL_OWNER: dict[str, str] = {
    "pendidikan": "prov-disdikbud",
    "kebudayaan": "prov-disdikbud",
    "kesehatan": "prov-dinkes",
    "pekerjaan_umum": "prov-bmbk",
    "perumahan": "prov-perkim",
    "trantibum": "prov-satpolpp",
    "sosial": "prov-dinsos",
    "tenaga_kerja": "prov-disnakertrans",
    "pppa": "prov-dpppa",
    "kb": "prov-dpppa",
    "pangan": "prov-dkpthp",
    "pertanian": "prov-dkpthp",
    "pertanahan": "prov-biro-pemotda",
    "lingkungan_hidup": "prov-dlh",
    "adminduk": "prov-disdukcapil",
    "pmd": "prov-dpmdt",
    "transmigrasi": "prov-dpmdt",
    "perhubungan": "prov-dishub",
    "kominfo": "prov-diskominfotik",
    "koperasi_ukm": "prov-diskopukm",
    "penanaman_modal": "prov-dpmptsp",
    "pemuda_olahraga": "prov-dispora",
    "perpustakaan_kearsipan": "prov-dispusip",
    "kelautan_perikanan": "prov-dkp",
    "pariwisata": "prov-disparekraf",
    "kehutanan": "prov-dishut",
    "esdm": "prov-desdm",
    "perdagangan": "prov-disperindag",
    "perindustrian": "prov-disperindag",
    "keuangan_daerah": "prov-bapenda",
    "kepegawaian": "prov-bkd",
    "pengawasan": "prov-inspektorat",
    "pemerintahan_umum": "prov-biro-pemotda",
    "agama": "prov-biro-kesra",
}

# The usual national body (or state company) per urusan when no specific rule named one.
_NATIONAL_OWNER: dict[str, str] = {
    "jaminan_sosial": "pusat-bpjs-kesehatan",
    "keamanan": "pusat-polri",
    "yustisi": "pusat-kemenkum",
    "pertanahan": "pusat-bpn",
    "agama": "pusat-kemenag",
    "keuangan_negara": "pusat-djp",
    "pendidikan": "pusat-kemendikdasmen",
    "kesehatan": "pusat-kemenkes",
    "perhubungan": "pusat-kemenhub",
    "pekerjaan_umum": "pusat-pupr",
    "sosial": "pusat-kemensos",
    "tenaga_kerja": "pusat-kemnaker",
    "kepegawaian": "pusat-bkn",
    "adminduk": "pusat-kemendagri",
    "pemerintahan_umum": "pusat-kemendagri",
    "kominfo": "pusat-komdigi",
    "esdm": "pusat-kemenesdm",
    "kehutanan": "pusat-kemenhut",
    "pmd": "pusat-kemendes",
    "transmigrasi": "pusat-kemendes",
    "kb": "pusat-bkkbn",
    "pengawasan": "pusat-ombudsman",
}

_BUMN_OWNER: dict[str, str] = {
    "esdm": "bumn-pln",
    "kominfo": "bumn-telkom",
    "perhubungan": "bumn-kai",
    "keuangan_negara": "bumn-bank",
    "pangan": "bumn-bulog",
    "pertanian": "bumn-pupuk",
    "kepegawaian": "bumn-taspen",
}


def provincial_agency_for(urusan: str) -> Agency:
    """The provincial OPD owning `urusan`; the Setda when no OPD does."""
    return AGENCIES[_PROVINCIAL_OWNER.get(urusan, PROVINCIAL_FALLBACK)]


def national_agency_for(urusan: str, level: Level = Level.PUSAT) -> Agency:
    """The usual national body (level pusat) or state company (level bumn) for `urusan`."""
    if level is Level.BUMN:
        return AGENCIES[_BUMN_OWNER.get(urusan, BUMN_FALLBACK)]
    if level is Level.PUSAT:
        return AGENCIES[_NATIONAL_OWNER.get(urusan, NATIONAL_FALLBACK)]
    raise ValueError(f"national_agency_for takes pusat or bumn, not {level}")


def kabkota_agency_for(region_code: str) -> Agency:
    """The kabupaten/kota government of a Kemendagri code such as 18.71 (KeyError when not Lampung's)."""
    return KABKOTA_BY_REGION[region_code]


def agency_topic(agency_code: str) -> str:
    return f"agency.{agency_code}.complaints"
