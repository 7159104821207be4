"""Find Lampung places in free text: kab/kota, every kecamatan, a few well-known towns.

Matching is token based: the text is split into word tokens once and every window of up to a few
tokens is looked up in a dict, longest match first. Keys ignore spaces and hyphens, so "Bandar
Lampung", "Bandarlampung" and "Bandar-Lampung" are one key, and "Metro Kibang" beats "Metro".
Pure and fast: no regex alternation over hundreds of names, no I/O.

Names that also name places elsewhere are *gated*: they count only with Lampung context (another
Lampung place or "Lampung" in the text, or the caller vouching for the field). Names that are
everyday words ("Panjang") also need a capital letter. Names shared with Java (Banyumas, Sukoharjo,
Wonosobo, Sukabumi, …) are dropped when the text names Java. Kecamatan names used twice inside
Lampung (Pagar Dewa, Bumi Agung, Labuhan Ratu; "Raja Basa"/"Rajabasa" once spaces are ignored)
carry both candidate codes; `resolve_region` picks one only when other evidence points at it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from shared.agencies import KABKOTA_BY_REGION, PROVINCE_CODE

T = TypeVar("T")


# ---------------------------------------------------------------------------------------------
# Tokens and a phrase index shared with the taxonomy

_WORD = re.compile(r"[^\W_]+")


class Tokens:
    """The lower-cased word tokens (letters and digits) of one text; spans computed only on demand.

    Most tokens never match anything, so building a span per token would be wasted work.
    """

    __slots__ = ("_spans", "text", "words")

    def __init__(self, text: str) -> None:
        self.text = text
        lowered = text.lower()
        if len(lowered) == len(text):
            self.words: list[str] = _WORD.findall(lowered)
        else:  # a character whose lower case is longer (e.g. "İ"): keep the original boundaries
            self.words = [w.lower() for w in _WORD.findall(text)]
        self._spans: list[tuple[int, int]] | None = None

    def __len__(self) -> int:
        return len(self.words)

    def span(self, i: int, j: int) -> tuple[int, int]:
        """Character span of tokens i..j-1 in the text."""
        if self._spans is None:
            self._spans = [m.span() for m in _WORD.finditer(self.text)]
        return self._spans[i][0], self._spans[j - 1][1]


def tokenize(text: str) -> Tokens:
    return Tokens(text)


class PhraseIndex(Generic[T]):
    """Longest-match lookup of multi-token phrases over a token list.

    With `joiner=""` the tokens of a window are glued together, so spacing and hyphenation do not
    matter; with `joiner=" "` a phrase must match token by token (needed for short keys such as
    "sd", which glued matching would find in "s/d").
    """

    def __init__(self, phrases: Mapping[str, T], *, joiner: str) -> None:
        self._joiner = joiner
        self._values: dict[str, T] = {}
        self._prefixes: set[str] = set()
        self._max_tokens = 1
        for phrase, value in phrases.items():
            words = tokenize(phrase).words
            key = joiner.join(words)
            self._values[key] = value
            # Glued keys may be written with more tokens than the phrase has ("Tanjung Karang").
            self._max_tokens = max(self._max_tokens, len(words) + (2 if joiner == "" else 0))
            if joiner:
                self._prefixes.update(joiner.join(words[:k]) for k in range(1, len(words) + 1))
            else:
                self._prefixes.update(key[:k] for k in range(1, len(key) + 1))

    def scan(self, words: Sequence[str]) -> list[tuple[int, int, T]]:
        """Non-overlapping (first token, end token exclusive, value), leftmost-longest."""
        found: list[tuple[int, int, T]] = []
        values, prefixes, joiner, max_tokens = self._values, self._prefixes, self._joiner, self._max_tokens
        n = len(words)
        i = 0
        while i < n:
            key = words[i]
            if key not in prefixes:
                i += 1
                continue
            best, best_key = -1, ""
            j = i
            limit = min(n, i + max_tokens)
            while True:
                if key in values:
                    best, best_key = j, key
                j += 1
                if j >= limit:
                    break
                key = key + joiner + words[j]
                if key not in prefixes:
                    break
            if best >= 0:
                found.append((i, best + 1, values[best_key]))
                i = best + 1
            else:
                i += 1
        return found


# ---------------------------------------------------------------------------------------------
# Gazetteer entries


class PlaceKind(StrEnum):
    PROVINSI = "provinsi"  # "Lampung" alone
    KABKOTA = "kabkota"
    KECAMATAN = "kecamatan"
    PLACE = "place"  # a town or landmark that is not itself a kecamatan name
    OUTSIDE = "outside"  # a region outside Lampung that makes Java twins unlikely


class Gate(StrEnum):
    NONE = "none"  # counts on its own
    CONTEXT = "context"  # a name used elsewhere too: needs Lampung context
    COMMON = "common"  # an everyday word ("panjang"): needs Lampung context and a capital letter
    JAVA = "java"  # also a Java place: needs Lampung context and no Java context
    STOP = "stop"  # a phrase that looks like a place and is not one ("metro mini")


@dataclass(frozen=True, slots=True)
class _Entry:
    name: str
    kind: PlaceKind
    region_codes: tuple[str, ...]
    kecamatan_code: str | None = None
    gate: Gate = Gate.NONE


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    text: str  # as written in the input
    name: str  # canonical name
    kind: PlaceKind
    region_codes: tuple[str, ...]  # candidate kab/kota codes; ("18",) for the province
    span: tuple[int, int]
    kecamatan_code: str | None = None
    gated: bool = False  # needed context to count: weaker evidence

    @property
    def ambiguous(self) -> bool:
        return len(self.region_codes) > 1


# Kecamatan per kab/kota (domain/lampung.md §3.2): code suffix and name.
KECAMATAN: dict[str, tuple[tuple[str, str], ...]] = {
    "18.01": (("04", "Natar"), ("05", "Tanjung Bintang"), ("06", "Kalianda"), ("07", "Sidomulyo"),
              ("08", "Katibung"), ("09", "Penengahan"), ("10", "Palas"), ("13", "Jati Agung"),
              ("14", "Ketapang"), ("15", "Sragi"), ("16", "Raja Basa"), ("17", "Candipuro"),
              ("18", "Merbau Mataram"), ("21", "Bakauheni"), ("22", "Tanjung Sari"), ("23", "Way Sulan"),
              ("24", "Way Panji")),
    "18.02": (("01", "Kalirejo"), ("02", "Bangun Rejo"), ("03", "Padang Ratu"), ("04", "Gunung Sugih"),
              ("05", "Trimurjo"), ("06", "Punggur"), ("07", "Terbanggi Besar"), ("08", "Seputih Raman"),
              ("09", "Rumbia"), ("10", "Seputih Banyak"), ("11", "Seputih Mataram"),
              ("12", "Seputih Surabaya"), ("13", "Terusan Nunyai"), ("14", "Bumi Ratu Nuban"),
              ("15", "Bekri"), ("16", "Seputih Agung"), ("17", "Way Pengubuan"), ("18", "Bandar Mataram"),
              ("19", "Pubian"), ("20", "Selagai Lingga"), ("21", "Anak Tuha"), ("22", "Sendang Agung"),
              ("23", "Kota Gajah"), ("24", "Bumi Nabung"), ("25", "Way Seputih"), ("26", "Bandar Surabaya"),
              ("27", "Anak Ratu Aji"), ("28", "Putra Rumbia")),
    "18.03": (("01", "Bukit Kemuning"), ("02", "Kotabumi"), ("03", "Sungkai Selatan"), ("04", "Tanjung Raja"),
              ("05", "Abung Timur"), ("06", "Abung Barat"), ("07", "Abung Selatan"), ("08", "Sungkai Utara"),
              ("09", "Kotabumi Utara"), ("10", "Kotabumi Selatan"), ("11", "Abung Tengah"),
              ("12", "Abung Tinggi"), ("13", "Abung Semuli"), ("14", "Abung Surakarta"),
              ("15", "Muara Sungkai"), ("16", "Bunga Mayang"), ("17", "Hulu Sungkai"),
              ("18", "Sungkai Tengah"), ("19", "Abung Pekurun"), ("20", "Sungkai Jaya"),
              ("21", "Sungkai Barat"), ("22", "Abung Kunang"), ("23", "Blambangan Pagar")),
    "18.04": (("04", "Balik Bukit"), ("05", "Sumber Jaya"), ("06", "Belalau"), ("07", "Way Tenong"),
              ("08", "Sekincau"), ("09", "Suoh"), ("10", "Batu Brak"), ("11", "Sukau"), ("15", "Gedung Surian"),
              ("18", "Kebun Tebu"), ("19", "Air Hitam"), ("20", "Pagar Dewa"), ("21", "Batu Ketulis"),
              ("22", "Lumbok Seminung"), ("23", "Bandar Negeri Suoh")),
    "18.05": (("02", "Menggala"), ("06", "Gedung Aji"), ("08", "Banjar Agung"), ("11", "Gedung Meneng"),
              ("12", "Rawa Jitu Selatan"), ("13", "Penawar Tama"), ("18", "Rawa Jitu Timur"),
              ("20", "Banjar Margo"), ("22", "Rawa Pitu"), ("23", "Penawar Aji"), ("25", "Dente Teladas"),
              ("26", "Meraksa Aji"), ("27", "Gedung Aji Baru"), ("29", "Banjar Baru"), ("30", "Menggala Timur")),
    "18.06": (("01", "Kota Agung"), ("02", "Talang Padang"), ("03", "Wonosobo"), ("04", "Pulau Panggung"),
              ("09", "Cukuh Balak"), ("11", "Pugung"), ("12", "Semaka"), ("13", "Sumberejo"), ("15", "Ulu Belu"),
              ("16", "Pematang Sawa"), ("17", "Kelumbayan"), ("18", "Kota Agung Barat"),
              ("19", "Kota Agung Timur"), ("20", "Gisting"), ("21", "Gunung Alip"), ("24", "Limau"),
              ("25", "Bandar Negeri Semuong"), ("26", "Air Naningan"), ("27", "Bulok"),
              ("28", "Kelumbayan Barat")),
    "18.07": (("01", "Sukadana"), ("02", "Labuhan Maringgai"), ("03", "Jabung"), ("04", "Pekalongan"),
              ("05", "Sekampung"), ("06", "Batanghari"), ("07", "Way Jepara"), ("08", "Purbolinggo"),
              ("09", "Raman Utara"), ("10", "Metro Kibang"), ("11", "Marga Tiga"), ("12", "Sekampung Udik"),
              ("13", "Batanghari Nuban"), ("14", "Bumi Agung"), ("15", "Bandar Sribhawono"),
              ("16", "Mataram Baru"), ("17", "Melinting"), ("18", "Gunung Pelindung"), ("19", "Pasir Sakti"),
              ("20", "Waway Karya"), ("21", "Labuhan Ratu"), ("22", "Braja Selebah"), ("23", "Way Bungur"),
              ("24", "Marga Sekampung")),
    "18.08": (("01", "Blambangan Umpu"), ("02", "Kasui"), ("03", "Banjit"), ("04", "Baradatu"), ("05", "Bahuga"),
              ("06", "Pakuan Ratu"), ("07", "Negeri Agung"), ("08", "Way Tuba"), ("09", "Rebang Tangkas"),
              ("10", "Gunung Labuhan"), ("11", "Negara Batin"), ("12", "Negeri Besar"), ("13", "Buay Bahuga"),
              ("14", "Bumi Agung"), ("15", "Umpu Semenguk")),
    "18.09": (("01", "Gedong Tataan"), ("02", "Negeri Katon"), ("03", "Tegineneng"), ("04", "Way Lima"),
              ("05", "Padang Cermin"), ("06", "Punduh Pidada"), ("07", "Kedondong"), ("08", "Marga Punduh"),
              ("09", "Way Khilau"), ("10", "Teluk Pandan"), ("11", "Way Ratai")),
    "18.10": (("01", "Pringsewu"), ("02", "Gading Rejo"), ("03", "Ambarawa"), ("04", "Pardasuka"),
              ("05", "Pagelaran"), ("06", "Banyumas"), ("07", "Adiluwih"), ("08", "Sukoharjo"),
              ("09", "Pagelaran Utara")),
    "18.11": (("01", "Mesuji"), ("02", "Mesuji Timur"), ("03", "Rawa Jitu Utara"), ("04", "Way Serdang"),
              ("05", "Simpang Pematang"), ("06", "Panca Jaya"), ("07", "Tanjung Raya")),
    "18.12": (("01", "Tulang Bawang Tengah"), ("02", "Tumijajar"), ("03", "Tulang Bawang Udik"),
              ("04", "Gunung Terang"), ("05", "Gunung Agung"), ("06", "Way Kenanga"), ("07", "Lambu Kibang"),
              ("08", "Pagar Dewa"), ("09", "Batu Putih")),
    "18.13": (("01", "Pesisir Tengah"), ("02", "Pesisir Selatan"), ("03", "Lemong"), ("04", "Pesisir Utara"),
              ("05", "Karya Penggawa"), ("06", "Pulau Pisang"), ("07", "Way Krui"), ("08", "Krui Selatan"),
              ("09", "Ngambur"), ("10", "Ngaras"), ("11", "Bangkunat")),
    "18.71": (("01", "Kedaton"), ("02", "Sukarame"), ("03", "Tanjungkarang Barat"), ("04", "Panjang"),
              ("05", "Tanjungkarang Timur"), ("06", "Tanjungkarang Pusat"), ("07", "Telukbetung Selatan"),
              ("08", "Telukbetung Barat"), ("09", "Telukbetung Utara"), ("10", "Rajabasa"),
              ("11", "Tanjung Senang"), ("12", "Sukabumi"), ("13", "Kemiling"), ("14", "Labuhan Ratu"),
              ("15", "Way Halim"), ("16", "Langkapura"), ("17", "Enggal"), ("18", "Kedamaian"),
              ("19", "Telukbetung Timur"), ("20", "Bumi Waras")),
    "18.72": (("01", "Metro Pusat"), ("02", "Metro Utara"), ("03", "Metro Barat"), ("04", "Metro Timur"),
              ("05", "Metro Selatan")),
}

# Kab/kota names and the spellings and abbreviations people use.
KABKOTA_NAMES: dict[str, tuple[str, ...]] = {
    "18.01": ("Lampung Selatan", "Lamsel"),
    "18.02": ("Lampung Tengah", "Lamteng"),
    "18.03": ("Lampung Utara", "Lampura"),
    "18.04": ("Lampung Barat", "Lambar"),
    "18.05": ("Tulang Bawang", "Tulangbawang"),
    "18.06": ("Tanggamus",),
    "18.07": ("Lampung Timur", "Lamtim"),
    "18.08": ("Way Kanan",),
    "18.09": ("Pesawaran",),
    "18.10": ("Pringsewu",),
    "18.11": ("Mesuji",),
    "18.12": ("Tulang Bawang Barat", "Tubaba"),
    "18.13": ("Pesisir Barat", "Pesibar"),
    "18.71": ("Bandar Lampung", "Balam", "Kota Tapis Berseri"),
    "18.72": ("Kota Metro",),
}

# Gated kab/kota spellings: "Tuba" (also a word) and a bare "Metro" (Metro TV, Polda Metro Jaya).
_KABKOTA_GATED: dict[str, tuple[str, ...]] = {"18.05": ("Tuba",), "18.72": ("Metro",)}

# Capitals and landmarks that are not kecamatan names, all unambiguous within Lampung.
_PLACES: dict[str, tuple[str, ...]] = {
    "18.04": ("Liwa",),  # capital, in Balik Bukit
    "18.13": ("Krui",),  # capital, in Pesisir Tengah
    "18.12": ("Panaragan",),  # capital, in Tulang Bawang Tengah
    "18.02": ("Bandar Jaya",),  # town in Terbanggi Besar
    "18.07": ("Way Kambas",),  # national park, Labuhan Ratu (Lampung Timur)
    "18.71": ("Tanjungkarang", "Telukbetung", "Terminal Rajabasa"),
}

# Kecamatan names that are everyday words ("panjang" = long, "kedamaian" = peace).
_COMMON_WORDS = frozenset({
    "Panjang", "Kedamaian", "Enggal", "Limau", "Kedondong", "Rumbia", "Ketapang", "Pagelaran", "Kebun Tebu",
    "Air Hitam", "Batu Putih", "Palas",
})

# Kecamatan names that also name places outside Lampung.
_CONTEXT_GATED = frozenset({
    "Gunung Agung", "Sumber Jaya", "Tanjung Sari",
    "Tanjung Raya", "Tanjung Raja", "Sukadana", "Teluk Pandan", "Bunga Mayang", "Punggur", "Sukarame",
    "Kedaton", "Batanghari", "Banjar Agung", "Banjar Baru", "Pulau Panggung", "Mataram Baru",
    "Gunung Terang", "Negeri Agung", "Negeri Besar", "Sidomulyo", "Sumberejo", "Kalirejo",
    "Bangun Rejo", "Jati Agung", "Jabung", "Sragi", "Candipuro", "Pulau Pisang", "Bumi Agung",
    "Pagar Dewa", "Labuhan Ratu", "Rajabasa", "Raja Basa", "Panca Jaya", "Sendang Agung", "Way Lima",
})

# Kecamatan named like a Java regency or city.
_JAVA_TWINS = frozenset({"Banyumas", "Sukoharjo", "Wonosobo", "Sukabumi", "Pekalongan", "Ambarawa"})

# Phrases that contain a Lampung name but are not a Lampung place.
_STOP = (
    "Metro Jaya", "Polda Metro", "Metro TV", "Metro Mini", "Metro Pos",
    "Kabupaten Banyumas", "Kab Banyumas", "Kabupaten Sukoharjo", "Kab Sukoharjo",
    "Kabupaten Wonosobo", "Kab Wonosobo", "Kota Sukabumi", "Kabupaten Sukabumi", "Kab Sukabumi",
    "Kota Pekalongan", "Kabupaten Pekalongan", "Kab Pekalongan", "Kabupaten Ketapang", "Kab Ketapang",
    "Kabupaten Batanghari", "Kab Batanghari", "Kota Banjarbaru", "Gunung Agung Bali",
    "Jalan Panjang", "Antrian Panjang", "Antrean Panjang", "Waktu Panjang", "Lebih Panjang",
    "Panjang Jalan", "Panjang Lebar", "Cukup Panjang", "Sangat Panjang", "Terlalu Panjang",
)

# Regions outside Lampung whose mention vetoes the Java twins.
_OUTSIDE = (
    "Jawa", "Jawa Tengah", "Jawa Timur", "Jawa Barat", "Jateng", "Jatim", "Jabar", "Yogyakarta",
    "Jogja", "Jogjakarta", "DIY", "Purwokerto", "Surakarta", "Solo", "Semarang", "Magelang", "Cilacap",
    "Bogor", "Cianjur", "Salatiga", "Klaten", "Temanggung", "Banjarnegara", "Purbalingga",
)

_KABKOTA_NAME = {code: agency.name.removeprefix("Pemerintah ") for code, agency in KABKOTA_BY_REGION.items()}


def _build_entries() -> dict[str, _Entry]:
    """Every surface form, keyed by its spelling; names shared by two kab/kota merge their codes."""
    entries: dict[str, _Entry] = {}

    def add(form: str, entry: _Entry) -> None:
        key = "".join(tokenize(form).words)
        old = entries.get(key)
        if old is not None and old.kind is entry.kind and old.region_codes != entry.region_codes:
            # The same kecamatan name in two kab/kota: keep every candidate, resolve later.
            codes = tuple(sorted(set(old.region_codes) | set(entry.region_codes)))
            gate = Gate.CONTEXT if Gate.CONTEXT in (old.gate, entry.gate) else old.gate
            entry = _Entry(entry.name, entry.kind, codes, None, gate)
        elif old is not None and old.kind is PlaceKind.KABKOTA:
            return  # a kab/kota named like one of its own kecamatan (Mesuji, Pringsewu): kab/kota wins
        entries[key] = entry

    for region, kecs in KECAMATAN.items():
        for suffix, name in kecs:
            gate = (Gate.JAVA if name in _JAVA_TWINS else Gate.COMMON if name in _COMMON_WORDS
                    else Gate.CONTEXT if name in _CONTEXT_GATED else Gate.NONE)
            add(name, _Entry(name, PlaceKind.KECAMATAN, (region,), f"{region}.{suffix}", gate))
    for region, names in _PLACES.items():
        for name in names:
            add(name, _Entry(name, PlaceKind.PLACE, (region,)))
    for region, names in KABKOTA_NAMES.items():
        for name in names:
            entries["".join(tokenize(name).words)] = _Entry(
                _KABKOTA_NAME[region], PlaceKind.KABKOTA, (region,))
    for region, names in _KABKOTA_GATED.items():
        for name in names:
            add(name, _Entry(_KABKOTA_NAME[region], PlaceKind.KABKOTA, (region,), gate=Gate.CONTEXT))
    for form in ("Lampung", "Provinsi Lampung", "Pemprov Lampung"):
        entries["".join(tokenize(form).words)] = _Entry("Provinsi Lampung", PlaceKind.PROVINSI,
                                                                   (PROVINCE_CODE,))
    for form in _STOP:
        entries["".join(tokenize(form).words)] = _Entry(form, PlaceKind.OUTSIDE, (), gate=Gate.STOP)
    for form in _OUTSIDE:
        entries["".join(tokenize(form).words)] = _Entry(form, PlaceKind.OUTSIDE, ())
    return entries


_ENTRIES = _build_entries()
_INDEX: PhraseIndex[_Entry] = PhraseIndex(_ENTRIES, joiner="")


def scan(tokens: Tokens) -> list[tuple[PlaceMatch, Gate]]:
    """Every candidate place in one field, gated ones included, with the gate each needs."""
    out: list[tuple[PlaceMatch, Gate]] = []
    for i, j, entry in _INDEX.scan(tokens.words):
        if entry.gate is Gate.STOP:
            continue
        start, end = tokens.span(i, j)
        match = PlaceMatch(tokens.text[start:end], entry.name, entry.kind, entry.region_codes, (start, end),
                           entry.kecamatan_code, entry.gate is not Gate.NONE)
        out.append((match, entry.gate))
    return out


def has_lampung_anchor(candidates: Iterable[tuple[PlaceMatch, Gate]]) -> bool:
    """True when an ungated Lampung place (or "Lampung" itself) is among the candidates."""
    return any(g is Gate.NONE and m.kind is not PlaceKind.OUTSIDE for m, g in candidates)


def has_java_context(candidates: Iterable[tuple[PlaceMatch, Gate]]) -> bool:
    return any(m.kind is PlaceKind.OUTSIDE for m, _ in candidates)


def admit(candidates: Sequence[tuple[PlaceMatch, Gate]], *, lampung_context: bool,
          java_context: bool) -> list[PlaceMatch]:
    """The Lampung places that count, given the context gathered over all fields."""
    out: list[PlaceMatch] = []
    for match, gate in candidates:
        if match.kind is PlaceKind.OUTSIDE:
            continue
        if gate is Gate.CONTEXT and not lampung_context:
            continue
        if gate is Gate.COMMON and not (lampung_context and match.text[:1].isupper()):
            continue
        if gate is Gate.JAVA and (not lampung_context or java_context):
            continue
        out.append(match)
    return out


def find_places(text: str, *, lampung_context: bool = False) -> list[PlaceMatch]:
    """Lampung places named in `text`, in order of appearance.

    `lampung_context=True` vouches that the text is about Lampung (e.g. a location field of a
    Lampung channel), which admits gated names even when nothing else in the text anchors them.
    """
    candidates = scan(tokenize(text))
    context = lampung_context or has_lampung_anchor(candidates)
    return admit(candidates, lampung_context=context, java_context=has_java_context(candidates))


# ---------------------------------------------------------------------------------------------
# From matches to one kab/kota


@dataclass(frozen=True, slots=True)
class RegionEvidence:
    region_code: str | None  # the kab/kota the matches point at, if any
    strength: float  # 0..1: explicit kab/kota name > kecamatan > gated name; lowered by conflicts
    province_named: bool
    support: tuple[PlaceMatch, ...]  # matches that support region_code
    conflicting: tuple[str, ...]  # other kab/kota codes the text also names
    unresolved: tuple[PlaceMatch, ...]  # ambiguous names nothing disambiguated


_KIND_WEIGHT = {PlaceKind.KABKOTA: 1.0, PlaceKind.KECAMATAN: 0.85, PlaceKind.PLACE: 0.85}
_GATED_FACTOR = 0.7


def _weight(match: PlaceMatch) -> float:
    return _KIND_WEIGHT[match.kind] * (_GATED_FACTOR if match.gated else 1.0)


def resolve_region(matches: Sequence[PlaceMatch]) -> RegionEvidence:
    """Pick the kab/kota the matches agree on; ambiguous kecamatan only follow other evidence."""
    province_named = any(m.kind is PlaceKind.PROVINSI for m in matches)
    scores: dict[str, float] = {}
    first_seen: dict[str, int] = {}
    ambiguous: list[PlaceMatch] = []
    for m in matches:
        if m.kind is PlaceKind.PROVINSI:
            continue
        if m.ambiguous:
            ambiguous.append(m)
            continue
        code = m.region_codes[0]
        scores[code] = scores.get(code, 0.0) + _weight(m)
        first_seen.setdefault(code, m.span[0])

    unresolved: list[PlaceMatch] = []
    if ambiguous:
        # Several ambiguous names may share exactly one kab/kota (Bumi Agung + Labuhan Ratu → 18.07).
        shared = set.intersection(*(set(m.region_codes) for m in ambiguous))
        for m in ambiguous:
            known = [c for c in m.region_codes if c in scores]
            if known:
                pick = max(known, key=lambda c: scores[c])
            elif len(shared) == 1 and len(ambiguous) > 1:
                pick = next(iter(shared))
            else:
                unresolved.append(m)
                continue
            scores[pick] = scores.get(pick, 0.0) + _weight(m)
            first_seen.setdefault(pick, m.span[0])

    if not scores:
        return RegionEvidence(None, 0.0, province_named, (), (), tuple(unresolved))
    # Highest score; on a tie the first place mentioned (usually where it happened).
    best = min(scores, key=lambda c: (-scores[c], first_seen[c]))
    others = tuple(sorted(c for c in scores if c != best))
    support = tuple(m for m in matches if best in m.region_codes and m not in unresolved)
    strength = min(1.0, max(_weight(m) for m in support) + 0.05 * (len(support) - 1))
    if others:
        strength *= scores[best] / (scores[best] + sum(scores[c] for c in others))
    if unresolved:
        strength *= 0.9
    return RegionEvidence(best, round(strength, 4), province_named, support, others, tuple(unresolved))


def describe(match: PlaceMatch) -> str:
    """Human-readable evidence line for one match."""
    if match.kind is PlaceKind.PROVINSI:
        return f"'{match.text}' → Provinsi Lampung ({PROVINCE_CODE})"
    where = " or ".join(f"{_KABKOTA_NAME[c]} ({c})" for c in match.region_codes)
    what = f"kecamatan {match.name}" if match.kind is PlaceKind.KECAMATAN else match.name
    if match.kind is PlaceKind.KABKOTA:
        return f"'{match.text}' → {where}" + (" [needs Lampung context]" if match.gated else "")
    suffix = " [needs Lampung context]" if match.gated and not match.ambiguous else ""
    return f"'{match.text}' → {what}, {where}{suffix}"
