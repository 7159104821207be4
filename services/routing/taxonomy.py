"""Urusan classification of Indonesian complaint text, and the UU 23/2014 authority rules.

Each urusan (domain/urusan.md) has weighted phrases written from the affair's description and
everyday Indonesian complaint vocabulary (including common SMS spellings). A phrase matched in the
title counts more than in the body; each phrase counts once per field; the enclitic "-nya" is
dropped ("macetnya"); a word right after "Jl."/"Gg." is a street name and does not count; a phrase
after "depan"/"dekat"/… is a landmark and counts little. The urusan with the highest score wins.

Authority rules attach to phrases that settle *who* is responsible for an urusan, because the same
topic sits at different levels: SMA/SMK/SLB at the province, SD/SMP/PAUD at the kab/kota,
universities at the centre; national, provincial and local roads; RSUD Abdul Moeloek vs puskesmas;
BPJS, Polri, Imigrasi, BPN, DJP, Kemenag and OJK at the centre; PLN, Pertamina, Pos, KAI, Telkom and
state banks as BUMN; Samsat at the province. Among the rules matched for the winning urusan the
highest priority applies; without one, the urusan's default scope does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from services.routing.gazetteer import PhraseIndex, Tokens, tokenize
from shared.events import Level


class Scope(StrEnum):
    """Where an urusan sits when no authority rule says otherwise."""

    REGIONAL = "regional"  # the kab/kota where it happened; the province when no kab/kota is known
    PROVINSI = "provinsi"
    PUSAT = "pusat"


@dataclass(frozen=True, slots=True)
class Authority:
    key: str
    urusan: str
    level: Level | None  # None: regional (kab/kota when known, else the province)
    agency: str | None  # the body the rule names; None: the usual body of the level for the urusan
    priority: int
    reason: str
    provincial_agency: str | None = None  # the OPD when a regional rule lands at the province


@dataclass(frozen=True, slots=True)
class Classification:
    urusan: str
    confidence: float  # how sure the urusan is, 0..1
    score: float
    runner_up: tuple[str, float] | None
    terms: tuple[str, ...]  # matched phrases supporting the winner, as written
    authority: Authority | None
    matched: bool  # False when no phrase matched at all (urusan is then the fallback)


FALLBACK_URUSAN = "pemerintahan_umum"
TITLE_FACTOR = 1.5
_STREET = frozenset({"jl", "jln", "gg"})
_LANDMARK = frozenset({"depan", "dpn", "dekat", "dkt", "samping", "sebelah", "sblh", "belakang", "seberang",
                       "sebrang", "menuju", "sekitar", "seputaran", "sekitaran", "arah"})
_LANDMARK_FACTOR = 0.3

# ---------------------------------------------------------------------------------------------
# Default scope per urusan (UU 23/2014): concurrent affairs are regional; forests and mining are
# provincial; national sectors are central.

DEFAULT_SCOPE: dict[str, Scope] = {
    "kehutanan": Scope.PROVINSI,
    "esdm": Scope.PROVINSI,
    "jaminan_sosial": Scope.PUSAT,
    "keamanan": Scope.PUSAT,
    "yustisi": Scope.PUSAT,
    "agama": Scope.PUSAT,
    "keuangan_negara": Scope.PUSAT,
    "pertanahan": Scope.PUSAT,
}


def default_scope(urusan: str) -> Scope:
    return DEFAULT_SCOPE.get(urusan, Scope.REGIONAL)


# ---------------------------------------------------------------------------------------------
# Vocabulary: urusan → weight → comma-separated phrases. Phrases match whole tokens.

_TERMS: dict[str, dict[float, str]] = {
    "pendidikan": {
        3.0: "ppdb, penerimaan peserta didik baru, zonasi sekolah, guru honorer, sekolah negeri",
        2.0: "sekolah, guru, murid, siswa, siswi, kepala sekolah, pendidikan, rapor, raport, ijazah, "
             "beasiswa, dana bos, uang komite, komite sekolah, seragam sekolah, buku pelajaran, lks, "
             "ujian sekolah, pelajaran, kurikulum, dinas pendidikan, disdik, disdikbud, sekolahan, "
             "wali murid, sklh, gedung sekolah, ruang kelas, uang pangkal, spp, study tour, perpisahan sekolah",
        1.0: "kelas, belajar, pendaftaran sekolah, les, pungutan sekolah, anak sekolah, mengajar, bimbel",
    },
    "kesehatan": {
        3.0: "puskesmas, pukesmas, rumah sakit, rsud, dinas kesehatan, dinkes, posyandu, imunisasi, pustu, "
             "rawat inap, igd, unit gawat darurat, poliklinik, bidan, apotek, "
             "demam berdarah, dbd, fogging, pengasapan nyamuk, gizi buruk, stunting",
        2.0: "rs, pasien, obat, berobat, rujukan, ambulans, ambulance, rawat jalan, klinik, persalinan, "
             "melahirkan, vaksin, vaksinasi, jamkesda, pengobatan, dirawat, kesehatan, dokter, perawat, "
             "tenaga kesehatan, nakes, poli, ugd, kamar inap, icu, nicu, diare, tbc, malaria, "
             "puskesmas keliling, antrian pasien",
        1.0: "penyakit, medis, dokter gigi, laboratorium, cek darah, kamar, ruang perawatan, sakit, operasi, "
             "nyamuk",
    },
    "pekerjaan_umum": {
        3.0: "jalan rusak, jalan berlubang, jalan berlobang, lubang jalan, jalan hancur, jalan ambles, "
             "perbaikan jalan, pengaspalan, aspal, drainase, gorong gorong, jembatan, pdam, air pdam, "
             "irigasi, saluran irigasi, normalisasi sungai, tanggul, jalan rusak parah, betonisasi, "
             "air ledeng, air bersih, pipa air, pipa pdam, saluran air, box culvert, dinas pu, dinas pupr, "
             "pekerjaan umum, bina marga, jalan longsor, jalan licin berlumpur, tambal sulam, hotmix, "
             "pekerjaan jalan, "
             "pengecoran jalan, galian pipa, galian kabel, bekas galian, rumah pompa, pompa banjir, "
             "jalan tidak layak",
        0.5: "jalan",
        2.0: "jalanan, selokan, got, banjir, genangan, genangan air, tergenang, sungai, "
             "bendungan, embung, trotoar, aspal rusak, berlubang, berlobang, lubang, rusak parah, "
             "air mati, air tidak mengalir, air keruh, air kotor, meteran air, tagihan air, gorong, "
             "saluran, pengerukan, sedimentasi, drainase tersumbat, tata ruang, rusak berat, tambal, "
             "jalan poros, jalan utama, jalan raya, jalan penghubung, bahu jalan, galian, pengecoran, "
             "pompa air, pompa, pendangkalan, terisolir, terisolasi, akses jalan, jalan layang, flyover, underpass",
        1.0: "rusak, perbaikan, diperbaiki, pembangunan, proyek, kontraktor, becek, lumpur, berdebu, "
             "kendaraan, dibangun, pengerjaan, infrastruktur, mampet, tersumbat, meluap, hujan",
    },
    "perumahan": {
        3.0: "pju, lampu jalan, lampu penerangan jalan, penerangan jalan, penerangan jalan umum, rtlh, "
             "rumah tidak layak huni, bedah rumah, rusunawa, rusun, pemakaman umum, tpu, perumahan, "
             "dinas perkim, perkim, kawasan kumuh, permukiman kumuh",
        2.0: "lampu penerangan, lampu mati, penerangan, makam, kuburan, pemakaman, developer, pengembang "
             "perumahan, pengembang, fasum, fasos, fasilitas umum, kumuh, kpr, rumah subsidi",
        0.5: "perum",
        1.0: "gelap, lampu",
    },
    "trantibum": {
        3.0: "satpol pp, satpol, pol pp, pkl, pedagang kaki lima, damkar, pemadam kebakaran, kebakaran, "
             "bpbd, tanah longsor, longsor, puting beliung, angin puting beliung, bencana alam, "
             "korban bencana, gempa, gempa bumi, tsunami, banjir bandang, pengungsi, penertiban pkl",
        2.0: "penertiban, ditertibkan, tertibkan, menertibkan, mentertibkan, alih fungsi trotoar, "
             "pedagang liar, lapak, gerobak, bangunan liar, "
             "bangli, reklame liar, tempat hiburan malam, karaoke, miras, minuman keras, "
             "tuak, alkohol, minuman beralkohol, prostitusi, pelacuran, warung remang remang, kafe remang, "
             "bencana, korban banjir, "
             "hunian liar, tambang ilegal, tempat hiburan, hiburan malam, menggunakan trotoar, berjualan, "
             "pedagang, kebisingan malam, mengganggu ketertiban, ketertiban umum, bantuan korban",
        1.5: "spanduk, baliho",
        1.0: "ketertiban, mengganggu, meresahkan, resah, liar, ilegal, api, terbakar",
    },
    "sosial": {
        3.0: "pkh, program keluarga harapan, bpnt, bantuan pangan non tunai, kks, kartu keluarga sejahtera, "
             "kartu sembako, rastra, raskin, beras sejahtera, beras miskin, dtks, bansos, bantuan sosial, "
             "dinas sosial, dinsos, e warong, ewarong, kps, kartu perlindungan sosial, blt, "
             "bantuan langsung tunai, panti asuhan, panti jompo, panti sosial, gelandangan, pengemis, "
             "gepeng, anak jalanan, anjal, odgj, orang dengan gangguan jiwa, orang gila, pendamping pkh",
        2.0: "penerima bantuan, keluarga miskin, warga miskin, orang miskin, tidak mampu, "
             "kurang mampu, fakir miskin, janda, lansia, lanjut usia, disabilitas, difabel, "
             "penyandang disabilitas, yatim, yatim piatu, terlantar, pengamen, rehabilitasi sosial, "
             "kesejahteraan sosial, pendamping, tkpk, bantuan beras, beras, penyaluran bantuan, "
             "data penerima, tepat sasaran, tidak tepat sasaran, salah sasaran, pencairan bantuan, "
             "e-warong, agen bank, dana bantuan",
        1.5: "bantuan",
        1.0: "miskin, sembako, pencairan, cair, penerima, manfaat, saldo, cacat",
    },
    "tenaga_kerja": {
        3.0: "phk, pemutusan hubungan kerja, pesangon, umr, ump, umk, upah minimum, disnaker, disnakertrans, "
             "dinas tenaga kerja, tenaga kerja, ketenagakerjaan, tki, tkw, pekerja migran, buruh migran, "
             "lowongan kerja, loker, pencari kerja, kartu kuning, ak1, blk, balai latihan kerja, outsourcing, "
             "alih daya, pkwt, perjanjian kerja, hak normatif, tunjangan hari raya, thr, uang lembur, "
             "upah lembur, kemnaker, kemenaker, depnaker",
        2.0: "karyawan, buruh, pekerja, upah, gaji karyawan, lembur, jam kerja, kontrak kerja, "
             "pelatihan kerja, magang, dipecat, diberhentikan, mandor, hrd, "
             "perekrutan, penipuan lowongan, pengangguran, bekerja di, tenaga kerja asing, tka",
        1.5: "rekrutmen",
        1.0: "kerja, pekerjaan, gaji, tunjangan, perusahaan, pabrik",
    },
    "pppa": {
        3.0: "kdrt, kekerasan dalam rumah tangga, kekerasan terhadap anak, kekerasan anak, kekerasan seksual, "
             "pelecehan seksual, pencabulan, pemerkosaan, perkosaan, perdagangan orang, trafficking, tppo, "
             "perlindungan anak, p2tp2a, uptd ppa, dp3a, perkawinan anak, pernikahan dini, "
             "pernikahan anak, eksploitasi anak, pekerja anak, kekerasan perempuan, pemberdayaan perempuan",
        2.0: "kekerasan, pelecehan, ibu dan anak, hak anak, anak di bawah umur, bullying, "
             "perundungan, penelantaran anak, kdrt",
        1.0: "perempuan",
    },
    "pangan": {
        3.0: "ketahanan pangan, cadangan pangan, stok beras, harga beras, beras oplosan, keamanan pangan, "
             "dinas ketahanan pangan, rawan pangan, kerawanan pangan, bulog",
        2.0: "pangan, harga pangan, bahan pangan, makanan kadaluarsa, makanan basi, keracunan makanan, "
             "operasi pasar, distribusi beras",
        1.0: "makanan",
    },
    "pertanahan": {
        3.0: "sertifikat tanah, sertipikat tanah, sertifikat, sertipikat, bpn, badan pertanahan, pertanahan, "
             "prona, ptsl, sengketa tanah, sengketa lahan, mafia tanah, pengukuran tanah, balik nama "
             "sertifikat, pemecahan sertifikat, akta jual beli, ajb, ppat, hak guna usaha, hgu, hak milik, "
             "shm, atr bpn, agraria, girik, tanah ulayat, surat tanah",
        1.5: "tanah, lahan",
        2.0: "ganti rugi, ganti rugi lahan, pembebasan lahan, pembebasan tanah, patok, "
             "batas tanah, penyerobotan tanah, klaim tanah, hak atas tanah, kavling",
        1.0: "warisan, kepemilikan",
    },
    "lingkungan_hidup": {
        3.0: "sampah, tps, tpa, tpst, tempat pembuangan sampah, pengangkutan sampah, truk sampah, "
             "petugas kebersihan, bank sampah, limbah, pencemaran, tercemar, polusi, pembakaran sampah, "
             "membakar sampah, dinas lingkungan hidup, dlh, dinas kebersihan, amdal, bau busuk, "
             "ruang terbuka hijau, rth, taman kota, limbah pabrik, limbah b3, pencemaran udara, "
             "pencemaran sungai, retribusi sampah, iuran sampah",
        2.0: "kebersihan, kotor, bau, bau menyengat, asap, debu, bising, kebisingan, suara bising, suara musik, "
             "musik keras, suara keras, speaker, sound system, pengeras suara, "
             "penebangan pohon, pohon tumbang, lingkungan hidup, buang sampah, "
             "tumpukan sampah, menumpuk, berserakan, kumuh dan kotor, sampah menumpuk, ranting",
        1.5: "taman",
        1.0: "lingkungan, pencemar, jorok, lalat, pohon",
    },
    "adminduk": {
        3.0: "ktp, e ktp, ektp, ktp el, ktp elektronik, kartu tanda penduduk, kartu keluarga, akta kelahiran, "
             "akte kelahiran, akta kematian, akte kematian, akta perkawinan, akta perceraian, dukcapil, "
             "disdukcapil, capil, catatan sipil, pencatatan sipil, kependudukan, "
             "nomor induk kependudukan, surat pindah, skpwni, kia, kartu identitas anak, suket, "
             "surat keterangan pengganti, perekaman, rekam ktp, perekaman ktp, blanko, blangko, "
             "administrasi kependudukan, adminduk, data kependudukan, biodata, pindah domisili, "
             "pindah datang, kartu keluarga baru",
        2.0: "akta, akte, domisili, cetak ktp, pencetakan, ganti kk, pecah kk, kk baru, status perkawinan, "
             "kewarganegaraan, nama di ktp, data ganda, nik ganda, nik, kk",
        1.0: "penduduk, warga baru, identitas, tercatat, pencatatan",
    },
    "pmd": {
        3.0: "dana desa, alokasi dana desa, add, apbdes, kepala desa, kades, perangkat desa, aparat desa, "
             "sekretaris desa, sekdes, bumdes, badan usaha milik desa, pilkades, pemilihan kepala desa, "
             "musyawarah desa, musdes, badan permusyawaratan desa, pemberdayaan masyarakat desa, "
             "dpmd, kantor desa, balai desa, pemerintah desa, pemdes, dana kelurahan, pendamping desa",
        2.0: "kepala dusun, kadus, peratin, kepala pekon, lurah desa, rehab balai desa, "
             "gotong royong, musrenbang, siltap",
        1.0: "warga desa, pekon",
        0.7: "desa",
        0.3: "dusun, kampung",
    },
    "kb": {
        3.0: "keluarga berencana, kb, alat kontrasepsi, kontrasepsi, iud, spiral, implan, susuk kb, "
             "vasektomi, tubektomi, bkkbn, pengendalian penduduk, penyuluh kb, kampung kb",
        2.0: "akseptor, pil kb, suntik kb",
    },
    "perhubungan": {
        3.0: "dishub, dinas perhubungan, angkot, angkutan kota, angkutan umum, angkutan umum massal, bus, "
             "brt, terminal, halte, parkir, juru parkir, jukir, parkir liar, tarif parkir, "
             "retribusi parkir, lampu merah, traffic light, lampu lalu lintas, apill, rambu, rambu lalu lintas, "
             "marka jalan, kemacetan, macet, uji kir, kir, trayek, ojek online, ojol, taksi online, "
             "jembatan penyeberangan, jembatan penyebrangan, jpo, zebra cross, penyeberangan orang, bangjo, "
             "kereta, kereta api, krl, commuter, "
             "stasiun, rel, perlintasan, palang pintu, kapal, pelabuhan, dermaga, penyeberangan, feri, ferry, "
             "bandara, bandar udara, pesawat, maskapai, penerbangan, tiket pesawat, tiket kapal, "
             "truk over dimensi, odol, overload, muatan berlebih, jembatan timbang, damri, travel gelap, ngetem, "
             "lawan arus, melawan arus, taksi, pak ogah, parkir sembarangan",
        2.0: "lalu lintas, lalin, kendaraan umum, sopir, supir, pengemudi, penumpang, ongkos, angkutan, trans, "
             "truk, truck, kendaraan berat, rute, jalan satu arah, putar balik, u turn, "
             "speed bump, polisi tidur, ojek, becak, bentor, "
             "penyeberang, jadwal keberangkatan, keberangkatan, kedatangan, transportasi",
        1.5: "tarif, pejalan kaki",
        1.0: "kendaraan, mobil, motor, sepeda motor, jalur, tiket, loket, sepeda, pengendara",
    },
    "kominfo": {
        # Words for the channel itself (e-mail, login, a website) describe how a citizen reached
        # some other service, so they weigh little; telecoms and public information weigh more.
        3.0: "diskominfo, kominfo, situs resmi pemerintah, registrasi kartu, "
             "registrasi ulang kartu, registrasi sim card, kartu prabayar, kartu perdana, sim card, simcard, "
             "sinyal, jaringan internet, wifi, indihome, telkom, telkomsel, speedy, telepon rumah, "
             "provider, operator seluler, bts, menara telekomunikasi, hoaks, hoax, kantor pos, pos indonesia, "
             "paket pos, wesel, jasa pengiriman, informasi publik, ppid, tv kabel, internet lemot, "
             "gangguan internet, gangguan jaringan, tidak ada sinyal, nomor seluler, kartu seluler, prabayar, "
             "pascabayar, registrasi nomor, registrasi prabayar",
        2.0: "internet, pulsa, kuota, paket data, operator, indosat, xl, smartfren, axis, "
             "televisi, siaran, konten, media sosial, medsos, statistik, telepon rumah mati",
        1.0: "tv, radio, kurir, pengiriman, kiriman pos, jaringan, tri, pos, seluler, registrasi ulang",
        0.5: "website, situs, web, server, aplikasi, nomor hp, nomor telepon, telepon, telpon, hp, ponsel, sms, "
             "resi, tidak bisa diakses, error",
        0.3: "akun, login, password, registrasi, email, e mail, akses, link, paket, online, data, down",
    },
    "koperasi_ukm": {
        3.0: "koperasi, ukm, umkm, usaha mikro, usaha kecil, simpan pinjam, ksp, dinas koperasi",
        2.0: "pelaku usaha kecil, modal usaha, pinjaman modal, bantuan modal, usaha rumahan, kredit usaha",
    },
    "penanaman_modal": {
        3.0: "izin usaha, perizinan, siup, tdp, nib, oss, ptsp, dpmptsp, imb, izin mendirikan bangunan, pbg, "
             "persetujuan bangunan gedung, investasi, investor, penanaman modal, izin lokasi, izin gangguan, "
             "izin operasional, izin prinsip, pelayanan perizinan",
        2.0: "izin, ijin, perijinan, mengurus izin, tanpa izin, pengurusan izin",
    },
    "pemuda_olahraga": {
        3.0: "stadion, gor, gedung olahraga, gelanggang olahraga, lapangan olahraga, lapangan sepak bola, "
             "lapangan bola, sepak bola, sepakbola, olahraga, atlet, atlit, kepemudaan, karang taruna, "
             "dispora, porprov, pon, kejuaraan, turnamen",
        2.0: "pemuda, lapangan, futsal, voli, bulu tangkis, kolam renang, jogging track, senam, liga",
    },
    "kebudayaan": {
        3.0: "cagar budaya, kebudayaan, museum, kesenian, seni budaya, situs sejarah, bangunan "
             "bersejarah, tari tradisional, adat istiadat, sanggar seni, festival budaya",
        2.0: "adat, tradisi, seniman, sejarah, warisan budaya, pentas seni",
        1.5: "budaya",
    },
    "perpustakaan_kearsipan": {
        3.0: "perpustakaan, perpusda, kearsipan, arsip, taman bacaan, pustakawan, perpustakaan daerah, "
             "perpustakaan keliling",
        2.0: "buku bacaan, koleksi buku, peminjaman buku, minat baca",
    },
    "kelautan_perikanan": {
        3.0: "nelayan, perikanan, tambak, budidaya ikan, tempat pelelangan ikan, tpi, pelelangan ikan, "
             "kapal nelayan, bom ikan, pukat, trawl, cantrang, terumbu karang, kelautan, pembudidaya ikan, "
             "benih ikan, pakan ikan, rumput laut, udang",
        2.0: "ikan, laut, melaut, pantai, abrasi, pesisir pantai, perahu, jaring",
    },
    "pariwisata": {
        3.0: "pariwisata, wisata, objek wisata, obyek wisata, tempat wisata, destinasi wisata, "
             "destinasi, wisatawan, turis, dinas pariwisata, disparbud, disparekraf, homestay, pokdarwis",
        2.0: "pengunjung, tiket masuk, liburan, berlibur, pantai wisata, air terjun, pulau wisata, "
             "ekonomi kreatif, hotel, penginapan",
    },
    "pertanian": {
        3.0: "petani, pupuk, pupuk subsidi, pupuk bersubsidi, kartu tani, sawah, padi, gagal panen, panen, "
             "hama, bibit, benih, penyuluh pertanian, ppl, alsintan, traktor, gapoktan, kelompok tani, "
             "poktan, dinas pertanian, pertanian, perkebunan, petani sawit, sawit, kelapa sawit, karet, "
             "lada, kakao, singkong, ubi kayu, peternak, peternakan, ternak, sapi, kambing, "
             "kerbau, ayam, unggas, penyakit hewan, kesehatan hewan, rabies, flu burung, antraks, "
             "penyakit mulut dan kuku, pmk, dokter hewan, puskeswan, inseminasi buatan, hortikultura",
        2.0: "kopi, jagung, kebun, ladang, tanaman, harga gabah, gabah, irigasi sawah, tebu, cabai, cabe, bawang, "
             "pestisida, obat hama, hewan, daging, rph, rumah potong hewan",
    },
    "kehutanan": {
        3.0: "hutan, kehutanan, kebakaran hutan, karhutla, pembalakan liar, illegal logging, perambahan hutan, "
             "perambah, hutan lindung, hutan produksi, taman nasional, tahura, taman hutan raya, "
             "hutan kemasyarakatan, hkm, kph, dinas kehutanan, satwa liar, satwa dilindungi, gajah liar, "
             "harimau, bksda, konservasi, kawasan hutan, reboisasi, penebangan hutan, mangrove",
        2.0: "kayu, penebangan liar, gajah, satwa, hewan liar, deforestasi",
    },
    "esdm": {
        3.0: "pln, listrik, token listrik, meteran listrik, kwh meter, kwh, pemadaman listrik, pemadaman, "
             "mati lampu, listrik padam, padam, tiang listrik, kabel listrik, tagihan listrik, gardu, "
             "trafo, travo, pasang baru listrik, sambungan listrik, daya listrik, subsidi listrik, "
             "pertamina, spbu, bbm, bahan bakar, solar, premium, pertalite, pertamax, bensin, minyak tanah, "
             "lpg, elpiji, gas melon, gas 3 kg, gas 3kg, tabung gas, pangkalan gas, gas lpg, agen gas, "
             "tambang, pertambangan, galian c, tambang pasir, tambang batu, batubara, batu bara, "
             "air tanah, sumur bor, listrik desa, desa belum teraliri listrik",
        2.0: "gas, voltase, korsleting, penerangan listrik, pom bensin, antrian bbm, tegangan, energi",
        1.0: "lampu padam, meteran, daya, kabel, tiang, kelangkaan, langka, minyak",
    },
    "perdagangan": {
        3.0: "pasar tradisional, pedagang pasar, los pasar, kios pasar, revitalisasi pasar, "
             "harga sembako, kenaikan harga, harga naik, harga mahal, timbangan, metrologi, tera ulang, "
             "penimbunan, perlindungan konsumen, barang kadaluarsa, barang kedaluwarsa, minimarket, "
             "toko modern, indomaret, alfamart, retribusi pasar, dinas perdagangan, disperindag, "
             "minyak goreng, harga gula",
        2.0: "pasar, dagangan, konsumen, jual beli, kadaluarsa, kedaluwarsa, "
             "penjual, pembeli, belanja, mall, swalayan, supermarket",
        1.5: "toko",
        1.0: "harga, mahal, produk",
        0.5: "barang",
    },
    "perindustrian": {
        3.0: "perindustrian, industri, kawasan industri, izin industri, industri kecil, ikm, sentra industri",
        2.0: "pabrik, pengolahan, produksi",
    },
    "transmigrasi": {
        3.0: "transmigrasi, transmigran, lahan transmigrasi, upt transmigrasi, kawasan transmigrasi",
    },
    "keuangan_daerah": {
        3.0: "pbb, pajak bumi dan bangunan, sppt, sppt pbb, bphtb, pajak daerah, retribusi daerah, "
             "bapenda, dispenda, bpkad, bpprd, pajak restoran, pajak hotel, pajak reklame, "
             "pajak air tanah, apbd, anggaran daerah, pendapatan asli daerah, samsat, pajak kendaraan, "
             "pajak kendaraan bermotor, pkb, bbnkb, bea balik nama, pajak motor, pajak mobil, "
             "samsat keliling, pemutihan pajak, denda pajak kendaraan",
        1.0: "anggaran",
        2.0: "retribusi, pungutan retribusi, dana hibah, hibah, belanja daerah, tagihan pbb",
    },
    "kepegawaian": {
        3.0: "cpns, pppk, p3k, honorer, tenaga honorer, pegawai honorer, kenaikan pangkat, "
             "naik pangkat, mutasi pegawai, pensiun, pensiunan, taspen, tunjangan kinerja, tukin, tpp, "
             "bkd, bkpsdm, bkn, nip, sk pns, sk cpns, formasi, seleksi cpns, sscn, sscasn, skd, skb, "
             "cat bkn, pegawai negeri, pegawai negeri sipil, aparatur sipil negara, kepegawaian, "
             "gaji pns, gaji ke 13, gaji ketiga belas, kgb, kenaikan gaji berkala, jabatan fungsional, "
             "angka kredit, tenaga kontrak, tkk, thl, pegawai kontrak, cuti pns, karpeg, "
             "ujian dinas, penyesuaian ijazah, pppk guru",
        2.0: "pns, asn, jabatan, pangkat, golongan, mutasi, promosi, rekrutmen pegawai, seleksi, diklat, "
             "kelulusan, pengumuman kelulusan, lulus seleksi, pengangkatan, diangkat, absensi pegawai, "
             "disiplin pegawai, kinerja pegawai, tunjangan, insentif, pemberhentian",
        1.5: "pegawai, honor, sertifikasi",
        1.0: "tes, sk, pejabat",
    },
    "pengawasan": {
        3.0: "pungli, pungutan liar, korupsi, suap, menyuap, disuap, gratifikasi, penyalahgunaan wewenang, "
             "penyelewengan, penyelewengan dana, mark up, markup, kkn, inspektorat, maladministrasi, "
             "pemerasan, uang pelicin, uang rokok, sogok, sogokan, nepotisme, kolusi, ombudsman, kpk, "
             "pemotongan dana, potongan dana, penggelapan dana, mangkir, oknum pegawai, "
             "oknum pejabat, percaloan",
        2.0: "calo, dipotong, pungutan, biaya tambahan, uang tambahan, dimintai uang, diminta uang, meminta uang, "
             "tanpa kwitansi, tidak transparan, transparansi, penyimpangan, penipuan oleh oknum, "
             "jarang masuk kantor, bolos, tidak disiplin",
        1.5: "oknum",
        1.0: "dipungut, pelayanan buruk, pelayanan lambat, tidak profesional, tidak ramah, kurang ramah, "
             "judes, arogan",
    },
    "pemerintahan_umum": {
        3.0: "kantor camat, kantor kecamatan, kantor lurah, kantor kelurahan, ketua rt, ketua rw, pak rt, pak rw, "
             "surat keterangan, surat pengantar, sktm, surat keterangan tidak mampu, surat keterangan usaha, "
             "pelayanan kecamatan, pelayanan kelurahan, pemilu, pilkada, kpu, bawaslu, panwas, panwaslu, "
             "pemilihan umum, pilgub, pilbup, pilwakot, daftar pemilih, dpt, kesbangpol, ormas, "
             "sekda, sekretariat daerah",
        2.0: "camat, lurah, dprd, anggota dewan, pelayanan publik, kantor pemerintah, "
             "pejabat daerah, kepala daerah, perda, peraturan daerah",
        1.0: "pelayanan, pemerintah, pemprov, pemkot, pemkab, pemda, pemerintah daerah, satgas, dewan",
        0.5: "kecamatan, kelurahan, bupati, walikota, wali kota, gubernur",
        0.3: "rt, rw",
    },
    "jaminan_sosial": {
        3.0: "bpjs, bpjs kesehatan, jkn, jkn kis, kis, kartu indonesia sehat, faskes, fktp, fkrtl, "
             "faskes pertama, pindah faskes, peserta bpjs, iuran bpjs, tunggakan bpjs, denda bpjs, "
             "kepesertaan, pbi, penerima bantuan iuran, mandiri bpjs, kartu bpjs, kelas rawat, "
             "bpjs ketenagakerjaan, bpjs ketenaga kerjaan, bpjstk, bpjs tk, jamsostek, bp jamsostek, "
             "bpjamsostek, jht, "
             "jaminan hari tua, jaminan pensiun, jkk, jaminan kecelakaan kerja, jaminan kematian, "
             "jkm, klaim jht, pencairan jht, saldo jht, jaminan kesehatan, jaminan sosial, "
             "jaminan kesehatan nasional, mobile jkn, denda pelayanan, pbpu, peserta mandiri, ppu, "
             "penerima upah, bukan penerima upah, penjaminan, hak kelas rawat",
        2.0: "premi, tunggakan, kartu peserta, tanggungan, anggota keluarga, naik kelas, turun kelas, "
             "virtual account, autodebet, "
             "non aktif, nonaktif, tidak aktif, status kepesertaan, aktivasi kartu, cetak kartu, "
             "pencairan saldo, kartu jkn, rujukan online",
        1.5: "iuran, klaim, rujukan, nomor kartu",
        1.0: "peserta, faskes tingkat, pendaftaran peserta, claim",
        0.5: "kartu",
    },
    "keamanan": {
        3.0: "polisi, polri, polda, polres, polresta, polsek, polrestabes, kapolres, kapolsek, kapolda, "
             "kepolisian, satlantas, tilang, ditilang, razia, sim, surat izin mengemudi, stnk, bpkb, "
             "pencurian, maling, begal, pembegalan, perampokan, rampok, jambret, copet, curanmor, "
             "pencurian motor, narkoba, narkotika, sabu, ganja, bandar narkoba, judi, perjudian, togel, "
             "sabung ayam, pembunuhan, penganiayaan, pengeroyokan, tawuran, preman, premanisme, "
             "balap liar, geng motor, kriminal, kriminalitas, tindak pidana, laporan polisi, reskrim, "
             "penyidik, penyidikan, bhabinkamtibmas, kamtibmas, pos polisi, brimob, senjata tajam, "
             "penculikan, teror, penipuan online, skck, pelat nomor, tnkb, "
             "pungli polisi, tilang elektronik, etle, sidang tilang",
        2.0: "penipuan, ditipu, tertipu, dicuri, hilang dicuri, pelaku, keamanan, ancaman, pemalsuan, "
             "rawan kejahatan, kejahatan, laporan ke polisi, melapor ke polisi, ugal ugalan, "
             "kecelakaan, tabrak lari, mengancam, diancam",
        1.0: "aman, tidak aman, rawan, pelanggaran, korban, kehilangan, aparat, pengamanan",
    },
    "yustisi": {
        3.0: "paspor, passport, pasport, imigrasi, kantor imigrasi, visa, kitas, kitap, deportasi, "
             "lapas, lembaga pemasyarakatan, rutan, rumah tahanan, narapidana, napi, warga binaan, remisi, "
             "pembebasan bersyarat, pengadilan, pengadilan negeri, pengadilan agama, hakim, putusan pengadilan, "
             "kejaksaan, kejari, kejati, jaksa, bantuan hukum, lbh, posbakum, notaris, fidusia, "
             "ahu, badan hukum, kemenkumham, kumham, hak cipta, merek dagang, paten, haki, "
             "antrian paspor, paspor online, pewarganegaraan",
        2.0: "hukum, perkara, gugatan, tahanan, ditahan, pengacara, advokat, sengketa, eksekusi, "
             "tersangka, terdakwa, vonis, banding, kasasi, pidana, perdata, sidang",
    },
    "agama": {
        3.0: "kua, kantor urusan agama, haji, ibadah haji, umrah, umroh, kemenag, kementerian agama, "
             "penghulu, buku nikah, pencatatan nikah, nikah, rujuk, talak, "
             "sertifikasi halal, label halal, bpjph, "
             "penyuluh agama, zakat, baznas, wakaf, tanah wakaf, rumah ibadah, "
             "vihara, kerukunan umat beragama, fkub, aliran sesat, "
             "penistaan agama, jemaah haji, calon jemaah, kuota haji, porsi haji, biro umroh, travel umroh",
        2.0: "agama, keagamaan, ibadah, ustadz, ulama, pengajian, takmir, marbot, menikah, pernikahan, masjid, "
             "musala, mushola, gereja",
    },
    "keuangan_negara": {
        3.0: "npwp, pajak penghasilan, pph, ppn, spt, spt tahunan, efin, e fin, djp, kantor pajak, kpp, "
             "e faktur, efaktur, e billing, ebilling, restitusi, bea cukai, cukai, bea masuk, barang impor, "
             "ekspor, kepabeanan, ojk, otoritas jasa keuangan, leasing, pinjol, pinjaman online, "
             "fintech, asuransi, debt collector, penagih utang, bi checking, slik, kredit macet, "
             "perbankan, nasabah, kartu kredit, kur, kredit usaha rakyat, "
             "bri, bni, btn, bank mandiri, bsi, bank syariah, deposito, "
             "kemenkeu, kementerian keuangan, pegadaian, investasi bodong, robot trading, "
             "pajak online, lapor pajak, wajib pajak, kanwil djp",
        2.0: "bank, rekening, atm, kredit, tabungan, impor, pajak, cicilan, angsuran, pinjaman, utang, hutang, "
             "tagihan kartu, saldo rekening, "
             "mutasi rekening, penarikan tunai, setor tunai, uang hilang, paket tertahan, kiriman luar negeri, "
             "barang kiriman, dana nasabah",
        1.5: "transfer",
        1.0: "bunga",
    },
}

# ---------------------------------------------------------------------------------------------
# Authority rules (UU 23/2014 Lampiran and the national/BUMN sectors). Each rule's phrases also
# score for its urusan with the given weight.

_UU = "UU 23/2014 Lampiran"
_RULES: tuple[tuple[str, float, Authority], ...] = (
    # Education: SMA/SMK/SLB provincial, SD/SMP/PAUD local, universities central, madrasah Kemenag.
    ("sma, smk, slb, sman, smkn, smun, sma negeri, smk negeri, smu, sekolah menengah atas, "
     "sekolah menengah kejuruan, sekolah luar biasa, pendidikan khusus, smalb, sekolah kejuruan, stm",
     3.0, Authority("sma-smk-slb", "pendidikan", Level.PROVINSI, "prov-disdikbud", 50,
                    f"SMA/SMK/SLB: pendidikan menengah dan khusus is provincial ({_UU} I.A)")),
    ("sd, sdn, smp, smpn, sltp, sekolah dasar, sekolah menengah pertama, paud, tk negeri, guru tk, sekolah tk, "
     "taman kanak kanak, "
     "kelompok bermain, pkbm, paket a, paket b, paket c, kejar paket, sd negeri, smp negeri",
     3.0, Authority("sd-smp-paud", "pendidikan", Level.KABKOTA, None, 40,
                    f"SD/SMP/PAUD and nonformal education are kab/kota affairs ({_UU} I.A)",
                    "prov-disdikbud")),
    ("universitas, kampus, perguruan tinggi, ptn, pts, mahasiswa, mahasiswi, dosen, kuliah, perkuliahan, "
     "rektor, rektorat, fakultas, skripsi, wisuda, politeknik, sekolah tinggi, institut, akademi, "
     "bidikmisi, kip kuliah, snmptn, sbmptn, snbp, snbt, ukt, uang kuliah tunggal, dikti, pddikti, "
     "lldikti, kopertis, prodi, program studi, akreditasi prodi, praktikum, beasiswa kuliah, "
     "lpdp, ijazah kuliah, mata kuliah",
     3.0, Authority("universitas", "pendidikan", Level.PUSAT, "pusat-kemendikti", 60,
                    f"higher education is a central affair ({_UU} I.A)")),
    ("pip, program indonesia pintar, kip, kartu indonesia pintar, nuptk, dapodik, nisn, ukg, ppg, "
     "unbk, ujian nasional, un, sertifikasi guru, tunjangan profesi guru, tunjangan profesi, tpg, "
     "info gtk, simpatika, kemendikbud, kemdikbud, kemendikdasmen, gtk, inpassing",
     3.0, Authority("program-pendidikan-nasional", "pendidikan", Level.PUSAT, "pusat-kemendikdasmen", 55,
                    "national education programme or data system (PIP/KIP, Dapodik, NUPTK, "
                    "teacher certification) is run by the ministry")),
    ("madrasah, madrasah aliyah, madrasah tsanawiyah, madrasah ibtidaiyah, mts, mtsn, pesantren, "
     "pondok pesantren, ponpes, raudhatul athfal, guru madrasah",
     2.0, Authority("madrasah", "pendidikan", Level.PUSAT, "pusat-kemenag", 58,
                    "madrasah and pesantren are run by Kementerian Agama (a central affair)")),
    # Health: the province's own hospitals vs puskesmas and kabupaten hospitals.
    ("abdul moeloek, abdoel moeloek, rsud abdul moeloek, rsudam, rsud dr h abdul moeloek, rsam",
     4.0, Authority("rsud-abdul-moeloek", "kesehatan", Level.PROVINSI, "prov-rsud-abdul-moeloek", 90,
                    "RSUD dr. H. Abdul Moeloek is the province's hospital")),
    ("rumah sakit jiwa, rs jiwa, rsj, rsjd",
     3.0, Authority("rs-jiwa", "kesehatan", Level.PROVINSI, "prov-rsj", 85,
                    "the Rumah Sakit Jiwa Daerah is the province's hospital")),
    ("bandar negara husada, rsud bandar negara husada, rsud bnh, rs bnh",
     4.0, Authority("rsud-bandar-negara-husada", "kesehatan", Level.PROVINSI, "prov-rsud-bandar-negara-husada",
                    90, "RSUD Bandar Negara Husada is the province's hospital")),
    ("puskesmas, pukesmas, pustu, puskesmas pembantu, posyandu, poskesdes, polindes, bidan desa, rsud kabupaten, "
     "rsud kota, rumah sakit daerah, rsud",
     3.0, Authority("puskesmas-rsud-kab", "kesehatan", Level.KABKOTA, None, 40,
                    f"puskesmas and kab/kota hospitals are kab/kota affairs ({_UU} I.B)", "prov-dinkes")),
    ("bpom, badan pom, obat ilegal, kosmetik ilegal, obat palsu, izin edar",
     2.0, Authority("bpom", "kesehatan", Level.PUSAT, "pusat-bpom", 55,
                    "drug and food control (BPOM) is a central body")),
    ("kemenkes, kementerian kesehatan, str, surat tanda registrasi, sip dokter",
     2.0, Authority("kemenkes", "kesehatan", Level.PUSAT, "pusat-kemenkes", 50,
                    "health-worker registration and national programmes are run by Kemenkes")),
    # Roads and water by status.
    ("jalan nasional, jalinsum, jalan lintas sumatera, jalan lintas sumatra, jalan lintas timur, "
     "jalan lintas barat, jalan lintas tengah, jalintim, jalinbar, jalinteng, bbpjn, bpjn, "
     "balai besar pelaksanaan jalan nasional, pjn",
     3.0, Authority("jalan-nasional", "pekerjaan_umum", Level.PUSAT, "pusat-pupr", 60,
                    f"national roads (incl. the Lintas Sumatera corridors) are a central affair ({_UU} I.C)")),
    ("jalan tol, tol, gerbang tol, rest area, jalan tol trans sumatera, jtts, bpjt",
     3.0, Authority("jalan-tol", "pekerjaan_umum", Level.PUSAT, "pusat-pupr", 62,
                    "toll roads are regulated by the central government (BPJT)")),
    ("jalan provinsi, ruas provinsi, ruas jalan provinsi, jalan milik provinsi, status jalan provinsi",
     3.0, Authority("jalan-provinsi", "pekerjaan_umum", Level.PROVINSI, "prov-bmbk", 55,
                    f"provincial roads are a provincial affair ({_UU} I.C)")),
    ("jalan kabupaten, jalan kota, jalan desa, jalan lingkungan, jalan dusun, jalan gang, "
     "jalan kampung, jalan poros desa, jalan usaha tani, ruas kabupaten, jalan milik kabupaten",
     2.0, Authority("jalan-lokal", "pekerjaan_umum", Level.KABKOTA, None, 50,
                    f"kabupaten/kota and village roads are kab/kota affairs ({_UU} I.C)", "prov-bmbk")),
    ("bbws, balai besar wilayah sungai, bws, balai wilayah sungai, bendungan, waduk",
     2.0, Authority("sungai-nasional", "pekerjaan_umum", Level.PUSAT, "pusat-pupr", 45,
                    "river basins and dams under a Balai (Besar) Wilayah Sungai are central")),
    ("irigasi, saluran irigasi, daerah irigasi, bendung, pintu air",
     2.0, Authority("irigasi", "pekerjaan_umum", None, None, 30,
                    f"irrigation is regional by scheme size ({_UU} I.C); at the province: Dinas PSDA",
                    "prov-psda")),
    ("pdam, air pdam, pipa pdam, air bersih, air ledeng, spam, air minum",
     2.0, Authority("air-minum", "pekerjaan_umum", None, None, 30,
                    f"drinking water (PDAM) is a kab/kota affair ({_UU} I.C); at the province: Dinas Perkim",
                    "prov-perkim")),
    # Disasters at the province go to the BPBD.
    ("bencana, bencana alam, bpbd, longsor, tanah longsor, gempa, tsunami, banjir bandang, puting beliung",
     1.0, Authority("bencana", "trantibum", None, None, 30,
                    "disaster management is regional; at the province: BPBD", "prov-bpbd")),
    # Farming sub-sectors have their own provincial OPDs.
    ("perkebunan, sawit, kelapa sawit, karet, kopi, lada, kakao, tebu, petani sawit",
     1.0, Authority("perkebunan", "pertanian", None, None, 30,
                    "plantations are regional; at the province: Dinas Perkebunan", "prov-disbun")),
    ("peternakan, peternak, ternak, kesehatan hewan, penyakit hewan, puskeswan, rabies, antraks, "
     "flu burung, pmk, inseminasi buatan, rumah potong hewan, rph",
     1.0, Authority("peternakan", "pertanian", None, None, 30,
                    "livestock is regional; at the province: Dinas Peternakan dan Keswan", "prov-disnakkeswan")),
    ("pupuk indonesia, pusri, petrokimia",
     2.0, Authority("pupuk-bumn", "pertanian", Level.BUMN, "bumn-pupuk", 50, "fertiliser producer is a BUMN")),
    # Social security, police, justice, land, religion, national finance: central.
    ("bpjs, bpjs kesehatan, jkn, kis, kartu indonesia sehat, faskes, fktp, jkn kis, pbi, mobile jkn, "
     "kartu bpjs, iuran bpjs, peserta bpjs",
     3.0, Authority("bpjs-kesehatan", "jaminan_sosial", Level.PUSAT, "pusat-bpjs-kesehatan", 60,
                    "BPJS Kesehatan (JKN-KIS) is a national social-security body")),
    ("bpjs ketenagakerjaan, bpjs ketenaga kerjaan, bpjstk, bpjs tk, jamsostek, bp jamsostek, bpjamsostek, jht, "
     "jaminan hari tua, "
     "jaminan pensiun, jkk, jaminan kecelakaan kerja, klaim jht, pencairan jht, saldo jht",
     3.0, Authority("bpjs-ketenagakerjaan", "jaminan_sosial", Level.PUSAT, "pusat-bpjs-ketenagakerjaan", 65,
                    "BPJS Ketenagakerjaan is a national social-security body")),
    ("polisi, polri, polda, polres, polresta, polsek, polrestabes, kapolres, kapolsek, kapolda, kepolisian, "
     "satlantas, tilang, ditilang, sim, surat izin mengemudi, stnk, bpkb, skck, tnkb, pelat nomor, "
     "bhabinkamtibmas, brimob, reskrim, laporan polisi, etle, tilang elektronik",
     3.0, Authority("polri", "keamanan", Level.PUSAT, "pusat-polri", 60,
                    "police, traffic tickets and SIM/STNK/BPKB are Polri (a central body)")),
    ("paspor, passport, pasport, imigrasi, kantor imigrasi, visa, kitas, kitap, deportasi, paspor online, "
     "antrian paspor",
     3.0, Authority("imigrasi", "yustisi", Level.PUSAT, "pusat-imigrasi", 65,
                    "passports and immigration are Ditjen Imigrasi (a central body)")),
    ("lapas, lembaga pemasyarakatan, rutan, rumah tahanan, narapidana, napi, warga binaan, remisi, "
     "pengadilan, hakim, kejaksaan, kejari, kejati, jaksa, bantuan hukum, posbakum, notaris, fidusia, ahu, "
     "kemenkumham, kumham, hak cipta, merek dagang, haki",
     3.0, Authority("yustisi", "yustisi", Level.PUSAT, "pusat-kemenkum", 55,
                    "courts, prosecution, prisons and legal services are central")),
    ("bpn, badan pertanahan, sertifikat tanah, sertipikat tanah, sertifikat, sertipikat, prona, ptsl, "
     "pengukuran tanah, atr bpn, agraria, pemecahan sertifikat, balik nama sertifikat, hgu, hak guna usaha, shm",
     3.0, Authority("bpn", "pertanahan", Level.PUSAT, "pusat-bpn", 60,
                    "land registration and certificates are BPN (a central body)")),
    ("ganti rugi lahan, pembebasan lahan, pembebasan tanah, ganti rugi",
     1.0, Authority("pengadaan-tanah", "pertanahan", None, None, 40,
                    f"land for regional projects and compensation is handled by the region ({_UU} I.F)",
                    "prov-biro-pemotda")),
    ("kua, kantor urusan agama, haji, ibadah haji, umrah, umroh, kemenag, kementerian agama, penghulu, "
     "buku nikah, pencatatan nikah, sertifikasi halal, bpjph, jemaah haji, porsi haji, kuota haji",
     3.0, Authority("kemenag", "agama", Level.PUSAT, "pusat-kemenag", 60,
                    "KUA, marriage registration for Muslims and hajj are Kementerian Agama")),
    ("npwp, pajak penghasilan, pph, ppn, spt, spt tahunan, efin, e fin, djp, kantor pajak, kpp, e faktur, "
     "efaktur, e billing, restitusi, pajak online, lapor pajak, wajib pajak, kanwil djp",
     3.0, Authority("djp", "keuangan_negara", Level.PUSAT, "pusat-djp", 60,
                    "national taxes are Ditjen Pajak")),
    ("bea cukai, cukai, bea masuk, barang impor, kepabeanan, paket tertahan, kiriman luar negeri, "
     "barang kiriman",
     3.0, Authority("bea-cukai", "keuangan_negara", Level.PUSAT, "pusat-bea-cukai", 60,
                    "customs are Ditjen Bea dan Cukai")),
    ("ojk, otoritas jasa keuangan, leasing, pinjol, pinjaman online, fintech, asuransi, debt collector, "
     "penagih utang, bi checking, slik, investasi bodong, robot trading, bank, perbankan, kartu kredit",
     2.0, Authority("ojk", "keuangan_negara", Level.PUSAT, "pusat-ojk", 40,
                    "banks, insurers and lenders are supervised by OJK")),
    ("bri, bni, btn, bank mandiri, bsi, bank syariah indonesia, bank bri, bank bni, bank btn, kur, "
     "kredit usaha rakyat, pegadaian",
     3.0, Authority("bank-bumn", "keuangan_negara", Level.BUMN, "bumn-bank", 55,
                    "state banks are BUMN")),
    # Provincial tax: Samsat (motor-vehicle tax) is the province's Bapenda.
    ("samsat, pajak kendaraan, pajak kendaraan bermotor, pkb, bbnkb, bea balik nama, pajak motor, "
     "pajak mobil, samsat keliling, pemutihan pajak, denda pajak kendaraan",
     3.0, Authority("samsat", "keuangan_daerah", Level.PROVINSI, "prov-bapenda", 60,
                    f"motor-vehicle tax (Samsat) is a provincial tax ({_UU}; UU 1/2022)")),
    ("pbb, pajak bumi dan bangunan, sppt, sppt pbb, bphtb, pajak restoran, pajak hotel, pajak reklame, "
     "retribusi daerah, tagihan pbb",
     2.0, Authority("pajak-kabkota", "keuangan_daerah", Level.KABKOTA, None, 50,
                    "PBB, BPHTB and local taxes and fees are kab/kota taxes (UU 1/2022)", "prov-bapenda")),
    # Energy and telecoms: state companies and the ministry.
    ("pln, listrik, token listrik, meteran listrik, kwh meter, kwh, pemadaman listrik, pemadaman, mati lampu, "
     "listrik padam, tiang listrik, kabel listrik, tagihan listrik, gardu, trafo, travo, pasang baru listrik, "
     "sambungan listrik, daya listrik, listrik desa",
     3.0, Authority("pln", "esdm", Level.BUMN, "bumn-pln", 50, "electricity supply is PLN (a BUMN)")),
    ("subsidi listrik, desa belum teraliri listrik, kementerian esdm, kesdm, subsidi bbm",
     3.0, Authority("esdm-pusat", "esdm", Level.PUSAT, "pusat-kemenesdm", 55,
                    "energy subsidies and LPG 3 kg quotas are set by Kementerian ESDM")),
    ("pertamina, spbu, bbm, solar, premium, pertalite, pertamax, bensin, pom bensin, antrian bbm, lpg, elpiji, "
     "gas melon, gas 3 kg, gas 3kg, tabung gas, pangkalan gas, gas lpg, agen gas, agen lpg",
     3.0, Authority("pertamina", "esdm", Level.BUMN, "bumn-pertamina", 50,
                    "fuel and LPG distribution (agents, pangkalan) is Pertamina (a BUMN)")),
    ("tambang, pertambangan, galian c, tambang pasir, tambang batu, air tanah, sumur bor, tambang ilegal",
     2.0, Authority("minerba", "esdm", Level.PROVINSI, "prov-desdm", 40,
                    "non-metal mining and groundwater permits sit with the province (UU 23/2014; Perpres 55/2022)")),
    ("telkom, indihome, speedy, telepon rumah, telkomsel, wifi id",
     3.0, Authority("telkom", "kominfo", Level.BUMN, "bumn-telkom", 55,
                    "Telkom/IndiHome/Telkomsel is a BUMN group")),
    ("kantor pos, pos indonesia, paket pos, wesel, kiriman pos, wesel pos",
     3.0, Authority("pos", "kominfo", Level.BUMN, "bumn-pos", 55, "PT Pos Indonesia is a BUMN")),
    ("registrasi kartu, registrasi ulang kartu, registrasi sim card, kartu prabayar, kartu perdana, sim card, "
     "simcard, operator seluler, provider, hoaks, hoax, konten negatif, situs judi, judi online, "
     "kominfo pusat, kemkominfo, kemenkominfo, komdigi, bts, menara telekomunikasi, sinyal",
     2.0, Authority("komdigi", "kominfo", Level.PUSAT, "pusat-komdigi", 45,
                    "telecom operators, SIM registration and online content are regulated centrally")),
    # Transport operated by state companies or the ministry.
    ("kereta, kereta api, krl, commuter, commuter line, stasiun, kai, pt kai, rel kereta, tiket kereta, lrt",
     3.0, Authority("kai", "perhubungan", Level.BUMN, "bumn-kai", 55, "railways are run by PT KAI (a BUMN)")),
    ("perlintasan kereta, perlintasan sebidang, perlintasan rel, palang pintu, palang pintu kereta, "
     "penjaga perlintasan",
     3.0, Authority("perlintasan", "perhubungan", None, None, 58,
                    "level crossings on local roads are kept by the road's authority (Dishub)", "prov-dishub")),
    ("asdp, kapal feri, kapal ferry, feri, ferry, penyeberangan, pelabuhan penyeberangan, dermaga eksekutif, "
     "tiket kapal",
     3.0, Authority("asdp", "perhubungan", Level.BUMN, "bumn-asdp", 55,
                    "ferry crossings (e.g. Bakauheni) are run by PT ASDP (a BUMN)")),
    ("bandara, bandar udara, pesawat, maskapai, penerbangan, tiket pesawat, pelabuhan, kemenhub, "
     "kementerian perhubungan, bptd, syahbandar",
     2.0, Authority("kemenhub", "perhubungan", Level.PUSAT, "pusat-kemenhub", 50,
                    "air and sea transport are regulated by Kementerian Perhubungan")),
    # Social aid programmes of the ministry.
    ("pkh, program keluarga harapan, kks, kartu keluarga sejahtera, dtks, kps, kartu perlindungan sosial, "
     "pendamping pkh, kemensos, kementerian sosial, bansos tunai",
     2.0, Authority("kemensos", "sosial", Level.PUSAT, "pusat-kemensos", 50,
                    "PKH, KKS and the DTKS are Kementerian Sosial programmes")),
    ("rastra, raskin, beras sejahtera, beras miskin, bpnt, bantuan pangan non tunai, kartu sembako, "
     "e warong, ewarong",
     2.0, Authority("bansos-pangan", "sosial", None, None, 55,
                    "food aid (Rastra/BPNT) reaches households through the kab/kota (Tikor bansos pangan)",
                    "prov-dinsos")),
    # Labour: migrants and the ministry central; labour inspection provincial.
    ("tki, tkw, pekerja migran, buruh migran, bp2mi, bnp2tki",
     3.0, Authority("pekerja-migran", "tenaga_kerja", Level.PUSAT, "pusat-bp2mi", 55,
                    "migrant-worker placement and protection is BP2MI (a central body)")),
    ("pengawas ketenagakerjaan, pengawasan ketenagakerjaan, pengawas tenaga kerja, hak normatif, "
     "upah di bawah umr, "
     "tidak sesuai umr, di bawah ump, pelanggaran norma kerja",
     2.0, Authority("pengawasan-naker", "tenaga_kerja", Level.PROVINSI, "prov-disnakertrans", 45,
                    f"labour inspection is a provincial affair ({_UU} I.G)")),
    ("kemnaker, kemenaker, depnaker, kementerian ketenagakerjaan, kemenakertrans",
     2.0, Authority("kemnaker", "tenaga_kerja", Level.PUSAT, "pusat-kemnaker", 50,
                    "addressed to Kementerian Ketenagakerjaan")),
    # Civil-service recruitment and pensions.
    ("cpns, seleksi cpns, sscn, sscasn, bkn, skd, cat bkn, kemenpan, menpan, kemenpan rb, pppk, seleksi pppk, "
     "formasi cpns, tes cpns, nip, sapk, mysapk",
     3.0, Authority("bkn", "kepegawaian", Level.PUSAT, "pusat-bkn", 55,
                    "civil-service selection and records are run by BKN")),
    ("taspen, tabungan hari tua pns, pensiun pns, dana pensiun pns",
     3.0, Authority("taspen", "kepegawaian", Level.BUMN, "bumn-taspen", 55,
                    "civil-service pensions are PT Taspen")),
    # Oversight: national anti-corruption and ombudsman.
    ("kpk, komisi pemberantasan korupsi",
     3.0, Authority("kpk", "pengawasan", Level.PUSAT, "pusat-kpk", 55, "corruption cases for the KPK")),
    ("ombudsman, maladministrasi",
     2.0, Authority("ombudsman", "pengawasan", Level.PUSAT, "pusat-ombudsman", 45,
                    "maladministration complaints for the Ombudsman")),
    ("inspektorat, pungli, pungutan liar",
     1.0, Authority("inspektorat", "pengawasan", None, None, 30,
                    "misconduct by regional officials goes to the Inspektorat", "prov-inspektorat")),
    # Population records: the ministry's own systems.
    ("kemendagri, kementerian dalam negeri, ditjen dukcapil, dirjen dukcapil, dukcapil kemendagri",
     2.0, Authority("kemendagri", "adminduk", Level.PUSAT, "pusat-kemendagri", 50,
                    "addressed to the Ditjen Dukcapil of Kemendagri")),
    # Forests: national parks and conservation central; other forest matters provincial.
    ("taman nasional, balai taman nasional, bksda, satwa dilindungi, konservasi, way kambas",
     2.0, Authority("hutan-konservasi", "kehutanan", Level.PUSAT, "pusat-kemenhut", 55,
                    "national parks and conservation are central")),
    ("bulog, perum bulog",
     2.0, Authority("bulog", "pangan", Level.BUMN, "bumn-bulog", 50, "rice stocks are Perum Bulog (a BUMN)")),
)


# ---------------------------------------------------------------------------------------------
# Index: phrase → [(urusan, weight)] and phrase → authority


@dataclass(frozen=True, slots=True)
class _Hit:
    scores: tuple[tuple[str, float], ...]
    authority: Authority | None


def _phrases(spec: str) -> list[str]:
    return [p.strip() for p in spec.split(",") if p.strip()]


def _build() -> dict[str, _Hit]:
    scores: dict[str, dict[str, float]] = {}
    rules: dict[str, Authority] = {}
    for urusan, groups in _TERMS.items():
        for weight, spec in groups.items():
            for phrase in _phrases(spec):
                per = scores.setdefault(phrase, {})
                per[urusan] = max(per.get(urusan, 0.0), weight)
    for spec, weight, authority in _RULES:
        for phrase in _phrases(spec):
            per = scores.setdefault(phrase, {})
            per[authority.urusan] = max(per.get(authority.urusan, 0.0), weight)
            old = rules.get(phrase)
            if old is None or authority.priority > old.priority:
                rules[phrase] = authority
    return {p: _Hit(tuple(sorted(s.items())), rules.get(p)) for p, s in scores.items()}


_HITS = _build()
_INDEX: PhraseIndex[_Hit] = PhraseIndex(_HITS, joiner=" ")
KNOWN_URUSAN = frozenset(_TERMS)


def classify_tokens(fields: Sequence[tuple[Tokens, float]],
                    bonus: Mapping[str, float] | None = None) -> Classification:
    """Classify one complaint given its fields as (tokens, weight factor).

    `bonus` adds prior weight per urusan (a channel category, a reporter-chosen agency).
    """
    totals: dict[str, float] = dict(bonus or {})
    support: dict[str, list[str]] = {}
    rules: dict[str, list[tuple[int, int, Authority]]] = {}
    order = 0
    for tokens, factor in fields:
        # "macetnya", "sampahnya": drop the enclitic so the stem matches (short words keep it: "hanya").
        words = [w[:-3] if len(w) > 6 and w.endswith("nya") else w for w in tokens.words]
        seen: set[str] = set()
        for i, j, hit in _INDEX.scan(words):
            before = words[i - 1] if i else ""
            if before in _STREET:  # "Jl. Pemuda", "Gg. Sekolah": a street name, not a topic
                continue
            key = " ".join(words[i:j])
            if key in seen:  # a phrase counts once per field, however often it is repeated
                continue
            seen.add(key)
            # "di depan stasiun", "dekat pasar": a landmark giving the location, not the topic.
            weight_factor = factor * (_LANDMARK_FACTOR if before in _LANDMARK else 1.0)
            for urusan, weight in hit.scores:
                totals[urusan] = totals.get(urusan, 0.0) + weight * weight_factor
                support.setdefault(urusan, []).append(key)
            if hit.authority is not None:
                rules.setdefault(hit.authority.urusan, []).append((hit.authority.priority, -order, hit.authority))
            order += 1
    if not support and not totals:
        return Classification(FALLBACK_URUSAN, 0.1, 0.0, None, (), None, False)
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    urusan, top = ranked[0]
    runner_up = ranked[1] if len(ranked) > 1 else None
    second = runner_up[1] if runner_up else 0.0
    # Evidence mass (saturating) times the margin over the runner-up.
    confidence = (1.0 - math.exp(-top / 3.0)) * (top / (top + second))
    candidates = rules.get(urusan)
    authority = max(candidates)[2] if candidates else None
    return Classification(urusan, round(confidence, 4), round(top, 3), runner_up,
                          tuple(support.get(urusan, ())), authority, True)


def classify(title: str, body: str, *, category: str | None = None) -> Classification:
    """Classify a complaint's title and body (and a channel category, when there is one)."""
    fields = [(tokenize(title), TITLE_FACTOR), (tokenize(body), 1.0)]
    if category:
        fields.append((tokenize(category), TITLE_FACTOR))
    return classify_tokens(fields)
