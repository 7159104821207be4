"""The bodies a complaint can be routed to (codes, names, levels), and the Kafka topic of each Lampung body.

Which body owns which urusan is routing policy: services/routing/data/directory.toml. Codes are slugs
(`kab-…`, `kota-…`, `prov-…`, `pusat-…`, `bumn-…`) because they become topic names.
Only Lampung bodies (kabkota and provinsi) get a topic: pusat/bumn complaints go to LAPOR!, which
routes them nationally, and never land on a Lampung agency's topic (domain/urusan.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.events import Level

PROVINCE_CODE = "18"
# National bodies and state companies sit outside Lampung's regional codes.
NO_REGION = ""


@dataclass(frozen=True, slots=True)
class Agency:
    code: str
    name: str
    level: Level
    region_code: str


def _kabkota(code: str, region: str, name: str) -> Agency:
    # A kabupaten/kota government receives every regional urusan and dispatches internally.
    return Agency(code=code, name=name, level=Level.KABKOTA, region_code=region)


def _prov(slug: str, name: str) -> Agency:
    return Agency(f"prov-{slug}", name, Level.PROVINSI, PROVINCE_CODE)


def _pusat(slug: str, name: str) -> Agency:
    return Agency(f"pusat-{slug}", name, Level.PUSAT, NO_REGION)


def _bumn(slug: str, name: str) -> Agency:
    return Agency(f"bumn-{slug}", name, Level.BUMN, NO_REGION)


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

# Perangkat daerah of Pemprov Lampung (domain/lampung.md §3.4). The three Asisten and the Staf Ahli are left out:
# they coordinate and never own a complaint.
PROVINSI: tuple[Agency, ...] = (
    _prov("setda", "Sekretariat Daerah Provinsi Lampung"),
    _prov("biro-pemotda", "Biro Pemerintahan dan Otonomi Daerah"),
    _prov("biro-hukum", "Biro Hukum"),
    _prov("biro-kesra", "Biro Kesejahteraan Rakyat"),
    _prov("biro-perekonomian", "Biro Perekonomian"),
    _prov("biro-adpem", "Biro Administrasi Pembangunan"),
    _prov("biro-pbj", "Biro Pengadaan Barang dan Jasa"),
    _prov("biro-organisasi", "Biro Organisasi"),
    _prov("biro-umum", "Biro Umum"),
    _prov("biro-adpim", "Biro Administrasi Pimpinan"),
    _prov("setwan", "Sekretariat DPRD Provinsi Lampung"),
    _prov("inspektorat", "Inspektorat Provinsi Lampung"),
    _prov("bappeda", "Badan Perencanaan Pembangunan Daerah"),
    _prov("bpkad", "Badan Pengelola Keuangan dan Aset Daerah"),
    _prov("bapenda", "Badan Pendapatan Daerah"),
    _prov("bkd", "Badan Kepegawaian Daerah"),
    _prov("bpsdm", "Badan Pengembangan Sumber Daya Manusia"),
    _prov("balitbangda", "Badan Penelitian dan Pengembangan Daerah"),
    _prov("bpbd", "Badan Penanggulangan Bencana Daerah"),
    _prov("kesbangpol", "Badan Kesatuan Bangsa dan Politik"),
    _prov("badan-penghubung", "Badan Penghubung Provinsi Lampung di Jakarta"),
    _prov("disdikbud", "Dinas Pendidikan dan Kebudayaan"),
    _prov("dinkes", "Dinas Kesehatan"),
    _prov("bmbk", "Dinas Bina Marga dan Bina Konstruksi"),
    _prov("perkim", "Dinas Perumahan, Kawasan Permukiman dan Cipta Karya"),
    _prov("psda", "Dinas Pengelolaan Sumber Daya Air"),
    _prov("dinsos", "Dinas Sosial"),
    _prov("disnakertrans", "Dinas Tenaga Kerja"),
    _prov("dpppa", "Dinas Pemberdayaan Perempuan dan Perlindungan Anak"),
    _prov("dkpthp", "Dinas Ketahanan Pangan, Tanaman Pangan dan Hortikultura"),
    _prov("dlh", "Dinas Lingkungan Hidup"),
    _prov("disdukcapil", "Dinas Kependudukan dan Pencatatan Sipil"),
    _prov("dpmdt", "Dinas Pemberdayaan Masyarakat, Desa dan Transmigrasi"),
    _prov("dishub", "Dinas Perhubungan"),
    _prov("diskominfotik", "Dinas Komunikasi, Informatika dan Statistik"),
    _prov("diskopukm", "Dinas Koperasi dan UKM"),
    _prov("dpmptsp", "Dinas Penanaman Modal dan PTSP"),
    _prov("dispora", "Dinas Pemuda dan Olahraga"),
    _prov("dispusip", "Dinas Perpustakaan dan Kearsipan"),
    _prov("dkp", "Dinas Kelautan dan Perikanan"),
    _prov("disparekraf", "Dinas Pariwisata dan Ekonomi Kreatif"),
    _prov("disbun", "Dinas Perkebunan"),
    _prov("dishut", "Dinas Kehutanan"),
    _prov("desdm", "Dinas Energi dan Sumber Daya Mineral"),
    _prov("disperindag", "Dinas Perindustrian dan Perdagangan"),
    _prov("disnakkeswan", "Dinas Peternakan dan Kesehatan Hewan"),
    _prov("satpolpp", "Satuan Polisi Pamong Praja"),
    _prov("rsud-abdul-moeloek", "RSUD dr. H. Abdul Moeloek"),
    _prov("rsj", "Rumah Sakit Jiwa Daerah"),
    _prov("rsud-bandar-negara-husada", "RSUD Bandar Negara Husada"),
)

# Ministries and vertical agencies a Lampung complaint commonly targets; LAPOR! routes them onward.
PUSAT: tuple[Agency, ...] = (
    _pusat("bpjs-kesehatan", "BPJS Kesehatan"),
    _pusat("bpjs-ketenagakerjaan", "BPJS Ketenagakerjaan"),
    _pusat("polri", "Kepolisian Negara Republik Indonesia"),
    _pusat("imigrasi", "Direktorat Jenderal Imigrasi"),
    _pusat("kemenkum", "Kementerian Hukum (peradilan, pemasyarakatan, bantuan hukum)"),
    _pusat("bpn", "Kementerian ATR/BPN"),
    _pusat("kemenag", "Kementerian Agama"),
    _pusat("djp", "Direktorat Jenderal Pajak"),
    _pusat("bea-cukai", "Direktorat Jenderal Bea dan Cukai"),
    _pusat("ojk", "Otoritas Jasa Keuangan"),
    _pusat("kemendikti", "Kementerian Pendidikan Tinggi (perguruan tinggi)"),
    _pusat("kemendikdasmen", "Kementerian Pendidikan Dasar dan Menengah (program nasional)"),
    _pusat("kemenkes", "Kementerian Kesehatan"),
    _pusat("bpom", "Badan Pengawas Obat dan Makanan"),
    _pusat("kemenhub", "Kementerian Perhubungan"),
    _pusat("pupr", "Kementerian Pekerjaan Umum (jalan nasional, jalan tol, sungai)"),
    _pusat("kemensos", "Kementerian Sosial"),
    _pusat("kemnaker", "Kementerian Ketenagakerjaan"),
    _pusat("bp2mi", "Badan Pelindungan Pekerja Migran Indonesia"),
    _pusat("bkn", "Badan Kepegawaian Negara"),
    _pusat("kemendagri", "Kementerian Dalam Negeri (Ditjen Dukcapil)"),
    _pusat("komdigi", "Kementerian Komunikasi dan Digital"),
    _pusat("kemenesdm", "Kementerian Energi dan Sumber Daya Mineral"),
    _pusat("kemenhut", "Kementerian Kehutanan"),
    _pusat("kemendes", "Kementerian Desa dan PDT"),
    _pusat("bkkbn", "BKKBN"),
    _pusat("ombudsman", "Ombudsman Republik Indonesia"),
    _pusat("kpk", "Komisi Pemberantasan Korupsi"),
    _pusat("generic", "Instansi pusat (disposisi LAPOR!)"),
)

# State companies: reports go to LAPOR!, which passes them to the company.
BUMN: tuple[Agency, ...] = (
    _bumn("pln", "PT PLN (Persero)"),
    _bumn("pertamina", "PT Pertamina (Persero)"),
    _bumn("pos", "PT Pos Indonesia (Persero)"),
    _bumn("kai", "PT Kereta Api Indonesia (Persero)"),
    _bumn("asdp", "PT ASDP Indonesia Ferry (Persero)"),
    _bumn("telkom", "PT Telkom Indonesia (Persero)"),
    _bumn("bank", "Bank BUMN (BRI, BNI, Mandiri, BTN)"),
    _bumn("bulog", "Perum Bulog"),
    _bumn("pupuk", "PT Pupuk Indonesia (Persero)"),
    _bumn("taspen", "PT Taspen (Persero)"),
    _bumn("generic", "BUMN (disposisi LAPOR!)"),
)

AGENCIES: dict[str, Agency] = {a.code: a for a in (*KABKOTA, *PROVINSI, *PUSAT, *BUMN)}
KABKOTA_BY_REGION: dict[str, Agency] = {a.region_code: a for a in KABKOTA}


def kabkota_agency_for(region_code: str) -> Agency:
    """The kabupaten/kota government of a Kemendagri code such as 18.71 (KeyError when not Lampung's)."""
    return KABKOTA_BY_REGION[region_code]


def agency_topic(agency_code: str) -> str:
    return f"agency.{agency_code}.complaints"
