"""Find Lampung places in free text, down to the village, and say which kab/kota they point at.

The regions come from the official list (data/wilayah_lampung_18.csv: 15 kab/kota, 229 kecamatan, 205
kelurahan, 2,446 desa with their parents); how people write them and which names need care come from
data/places.toml. Matching is token based: the text is split into word tokens once and every window of a
few tokens is looked up in a dict, longest match first; keys ignore spaces and hyphens ("Bandar Lampung" =
"bandarlampung"). Pure and fast: no regex alternation over thousands of names.

How a name counts:
- a cue right before it ("desa", "kel.", "pekon", "tiyuh", "kampung"; "kec", "kecamatan"; "kab", "kota")
  makes it count in any case and picks the level it names; a cue followed by a near miss is matched
  fuzzily (rapidfuzz) above a floor;
- without a cue, kab/kota, kecamatan and town names count; names that are everyday words need a capital
  letter and Lampung context; names used elsewhere need Lampung context; names shared with Java count
  unless the text places the complaint in Java; a village name counts only when it is unique in Lampung,
  written with a capital letter and the text is anchored in Lampung;
- a place after "dekat", "seperti", "dibanding", … is a landmark or a comparison and weighs less.
A name used more than once (a kecamatan in two kab/kota, a village in several kecamatan) keeps all its
candidates; `resolve` picks one from the places named around it, else reports it as ambiguous.
"""

from __future__ import annotations

import csv
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from rapidfuzz import fuzz, process

T = TypeVar("T")
DATA_DIR = Path(__file__).parent / "data"
REGIONS_CSV = DATA_DIR / "wilayah_lampung_18.csv"
PLACES_TOML = DATA_DIR / "places.toml"
PROVINCE_CODE = "18"

# ---------------------------------------------------------------------------------------------
# Tokens and a phrase index shared with the taxonomy

_WORD = re.compile(r"[^\W_]+")
_GLUED_START = 5
_PROVINCE_FORMS = ("Lampung", "Provinsi Lampung", "Prov Lampung", "Pemprov Lampung", "Pemprov")


class Tokens:
    """The lower-cased word tokens (letters and digits) of one text; spans computed only on demand."""

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

    def masked(self, positions: set[int]) -> Tokens:
        """The same text with the tokens at `positions` blanked (a place name is not a topic word)."""
        out = Tokens.__new__(Tokens)
        out.text, out._spans = self.text, self._spans
        out.words = ["" if k in positions else w for k, w in enumerate(self.words)]
        return out

    def span(self, i: int, j: int) -> tuple[int, int]:
        """Character span of tokens i..j-1 in the text."""
        if self._spans is None:
            self._spans = [m.span() for m in _WORD.finditer(self.text)]
        return self._spans[i][0], self._spans[j - 1][1]


def tokenize(text: str) -> Tokens:
    return Tokens(text)


# "Sukoharjo I" = "Sukoharjo 1": village names number their parts either way.
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7", "viii": "8"}
_ROMAN_KEYS = frozenset(_ROMAN)


def place_words(words: Sequence[str]) -> list[str]:
    return [_ROMAN.get(w, w) for w in words]


def glue(text: str) -> str:
    return "".join(place_words(tokenize(text).words))


class PhraseIndex(Generic[T]):
    """Longest-match lookup of multi-token phrases over a token list.

    With `joiner=""` the tokens of a window are glued together, so spacing and hyphenation do not
    matter; with `joiner=" "` a phrase must match token by token (needed for short keys such as
    "sd", which glued matching would find in "s/d").
    """

    def __init__(
        self, phrases: Mapping[str, T], *, joiner: str, max_tokens: int = 1, starts: Iterable[str] | None = None
    ) -> None:
        self._joiner = joiner
        self._values: dict[str, T] = {}
        self._prefixes: set[str] = set()
        self._max_tokens = max_tokens  # glued keys lose their token count: the caller may say how many
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
        # Tokens a match may start with. Glued keys: the first word of a name as written, or a prefix of at least
        # _GLUED_START characters ("tanjung" of "Tanjungkarang"), so "di", "ke" and "dan" start no lookup.
        if starts is None:
            self._starts: set[str] = self._prefixes
        else:
            self._starts = set(starts) | {p for p in self._prefixes if len(p) >= _GLUED_START}

    def get(self, key: str) -> T | None:
        return self._values.get(key)

    def scan(self, words: Sequence[str]) -> list[tuple[int, int, T]]:
        """Non-overlapping (first token, end token exclusive, value), leftmost-longest."""
        found: list[tuple[int, int, T]] = []
        values, prefixes, joiner, max_tokens = self._values, self._prefixes, self._joiner, self._max_tokens
        starts = self._starts
        n = len(words)
        i = 0
        while i < n:
            key = words[i]
            if key not in starts:
                i += 1
                continue
            best, best_key = -1, ""
            j = i
            limit = i + max_tokens
            if limit > n:
                limit = n
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
# The data files


class _Cues(BaseModel):
    model_config = ConfigDict(extra="forbid")
    village: list[str]
    kelurahan: list[str] = []
    facility: list[str] = []
    kecamatan: list[str]
    kabkota: list[str]
    lampung_only: list[str]


class _Background(BaseModel):
    model_config = ConfigDict(extra="forbid")
    words: list[str]
    factor: float = Field(gt=0, le=1)


class _Gates(BaseModel):
    model_config = ConfigDict(extra="forbid")
    common_words: list[str]
    elsewhere: list[str]
    java_twins: list[str]


class _Phrases(BaseModel):
    model_config = ConfigDict(extra="forbid")
    phrases: list[str] = []
    names: list[str] = []


class PlacesConfig(BaseModel):
    """data/places.toml: how people write Lampung's places, validated against the official list."""

    model_config = ConfigDict(extra="forbid")
    version: str
    cues: _Cues
    background: _Background
    cue_regions: dict[str, list[str]]
    kabkota_aliases: dict[str, list[str]]
    kabkota_gated: dict[str, list[str]]
    towns: dict[str, list[str]]
    gates: _Gates
    not_places: _Phrases
    outside: _Phrases


class PlaceKind(StrEnum):
    PROVINSI = "provinsi"  # "Lampung" alone
    KABKOTA = "kabkota"
    KECAMATAN = "kecamatan"
    KELURAHAN = "kelurahan"
    DESA = "desa"
    TOWN = "town"  # a capital, town or landmark that is not itself an official name
    OUTSIDE = "outside"  # a region outside Lampung (vetoes the Java twins)


VILLAGE_KINDS = frozenset({PlaceKind.KELURAHAN, PlaceKind.DESA})


@dataclass(frozen=True, slots=True)
class Region:
    """One official region (or a town, placed in its kab/kota)."""

    code: str
    name: str
    kind: PlaceKind
    kabkota: str
    kecamatan: str | None = None


class Gate(StrEnum):
    NONE = "none"
    COMMON = "common"  # an everyday word: needs a cue, or a capital letter and Lampung context
    ELSEWHERE = "elsewhere"  # used elsewhere too: needs a cue or Lampung context
    JAVA = "java"  # a Java name too: vetoed when the text places the complaint in Java
    KAB_GATED = "kab_gated"  # a kab/kota spelling that is also a word ("Tuba", "Metro")
    STOP = "stop"
    OUTSIDE = "outside"


@dataclass(frozen=True, slots=True)
class _Entry:
    name: str
    regions: tuple[Region, ...]
    gate: Gate = Gate.NONE
    province: bool = False


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    text: str  # as written
    name: str  # canonical name
    kind: PlaceKind  # the kind of the candidates kept
    candidates: tuple[Region, ...]
    span: tuple[int, int]
    field: int = 0  # which field of the complaint it was found in
    cue: str | None = None  # "village", "kecamatan", "kabkota" when a cue word preceded it
    weight: float = 1.0
    background: bool = False  # a landmark or comparison place
    fuzzy: bool = False
    gated: bool = False  # counted only thanks to context
    token_span: tuple[int, int] = (0, 0)  # tokens i..j-1 of its field
    prefer: PlaceKind | None = None  # the cue said kelurahan or desa: that kind wins a tie
    java_twin: bool = False  # also the name of a place in Java

    @property
    def region_codes(self) -> tuple[str, ...]:
        """Candidate kab/kota codes; ("18",) for the province."""
        if self.kind is PlaceKind.PROVINSI:
            return (PROVINCE_CODE,)
        return tuple(sorted({r.kabkota for r in self.candidates}))

    @property
    def ambiguous(self) -> bool:
        return len(self.region_codes) > 1

    @property
    def kecamatan_code(self) -> str | None:
        kecs = {r.code if r.kind is PlaceKind.KECAMATAN else r.kecamatan for r in self.candidates}
        return next(iter(kecs)) if len(kecs) == 1 else None


@dataclass(frozen=True, slots=True)
class Place:
    """Where it happened, as far as the text says."""

    kabkota: str | None = None
    kecamatan: str | None = None
    desa: str | None = None


@dataclass(frozen=True, slots=True)
class RegionEvidence:
    region_code: str | None  # the kab/kota the matches point at, if any
    strength: float  # 0..1: explicit kab/kota name > kecamatan > village > gated name; lowered by conflicts
    province_named: bool
    support: tuple[PlaceMatch, ...]
    conflicting: tuple[str, ...]  # other kab/kota codes the text also names
    unresolved: tuple[PlaceMatch, ...]  # ambiguous names nothing disambiguated
    place: Place = field(default_factory=Place)
    java: bool = False  # the text places the complaint in Java
    matches: tuple[PlaceMatch, ...] = ()  # every place admitted, resolved or not


_KIND_WEIGHT = {
    PlaceKind.KABKOTA: 1.0,
    PlaceKind.KECAMATAN: 0.9,
    PlaceKind.TOWN: 0.85,
    PlaceKind.KELURAHAN: 0.85,
    PlaceKind.DESA: 0.85,
}
_GATED_FACTOR = 0.7
_UNCUED_VILLAGE_FACTOR = 0.6
_FUZZY_FACTOR = 0.8
_CUE_FACTOR = 1.15
_NEARBY_TOKENS = 6  # a place named within this many tokens of a repeated name is its best clue
_NEARBY_FACTOR = 2.0
FUZZY_FLOOR = 86.0  # rapidfuzz ratio a near miss after a cue word must reach
_FUZZY_MIN_LEN = 5


class Gazetteer:
    """Every surface form of Lampung's regions, built once from the data files."""

    def __init__(self, config: PlacesConfig, regions: Sequence[Region]) -> None:
        self.config = config
        self.version = config.version
        self.regions = {r.code: r for r in regions}
        self.kabkota_names = {r.code: r.name for r in regions if r.kind is PlaceKind.KABKOTA}
        self._village_cues = frozenset(config.cues.village)
        self._kelurahan_cues = frozenset(config.cues.kelurahan)
        self._facility = frozenset(config.cues.facility)
        self._all_cues = self._village_cues | frozenset(config.cues.kecamatan) | frozenset(config.cues.kabkota)
        self._kec_cues = frozenset(config.cues.kecamatan)
        self._kab_cues = frozenset(config.cues.kabkota)
        self._lampung_only = frozenset(config.cues.lampung_only)
        self._cue_regions = {w: frozenset(codes) for w, codes in config.cue_regions.items()}
        self._background = frozenset(config.background.words)
        self._background_factor = config.background.factor
        self._entries = self._build(config, regions)
        longest = max(len(tokenize(r.name).words) for r in regions)
        written = [r.name for r in regions] + [
            n
            for table in (config.kabkota_aliases, config.kabkota_gated, config.towns)
            for names in table.values()
            for n in names
        ]
        written += [*config.not_places.phrases, *config.outside.names, *_PROVINCE_FORMS]
        starts = {place_words(tokenize(n).words)[0] for n in written if tokenize(n).words}
        self._index: PhraseIndex[_Entry] = PhraseIndex(self._entries, joiner="", max_tokens=longest + 2, starts=starts)
        # Fuzzy choices per kind, bucketed by first letter (typos rarely hit the first letter).
        self._fuzzy: dict[str, dict[str, list[str]]] = {"village": {}, "kecamatan": {}, "kabkota": {}}
        for key, entry in self._entries.items():
            kinds = {r.kind for r in entry.regions}
            for cue, wanted in (
                ("village", VILLAGE_KINDS),
                ("kecamatan", {PlaceKind.KECAMATAN}),
                ("kabkota", {PlaceKind.KABKOTA}),
            ):
                if kinds & wanted and len(key) >= _FUZZY_MIN_LEN:
                    self._fuzzy[cue].setdefault(key[0], []).append(key)

    @classmethod
    def load(cls, places: Path = PLACES_TOML, regions_csv: Path = REGIONS_CSV) -> Gazetteer:
        config = PlacesConfig.model_validate(tomllib.loads(places.read_text(encoding="utf-8")))
        return cls(config, read_regions(regions_csv))

    # -- building -----------------------------------------------------------------------------

    def _build(self, config: PlacesConfig, regions: Sequence[Region]) -> dict[str, _Entry]:
        by_key: dict[str, list[Region]] = {}
        names: dict[str, str] = {}
        for r in regions:
            if r.kind is PlaceKind.PROVINSI:
                continue
            key = glue(r.name)
            by_key.setdefault(key, []).append(r)
            names.setdefault(key, r.name)
        kab_codes = set(self.kabkota_names)

        def check_codes(section: str, codes: Mapping[str, object]) -> None:
            unknown = sorted(set(codes) - kab_codes)
            if unknown:
                raise ValueError(f"places.toml [{section}]: not a Lampung kab/kota code: {unknown}")

        for word, codes in config.cue_regions.items():
            check_codes(f"cue_regions.{word}", dict.fromkeys(codes))
        for section, table in (
            ("kabkota_aliases", config.kabkota_aliases),
            ("kabkota_gated", config.kabkota_gated),
            ("towns", config.towns),
        ):
            check_codes(section, table)
        for code, aliases in config.kabkota_aliases.items():
            for alias in aliases:
                by_key.setdefault(glue(alias), []).insert(0, self.regions[code])
                names.setdefault(glue(alias), self.kabkota_names[code])
        for code, towns in config.towns.items():
            for town in towns:
                key = glue(town)
                by_key.setdefault(key, []).append(Region(f"{code}:{key}", town, PlaceKind.TOWN, code))
                names.setdefault(key, town)

        gates: dict[str, Gate] = {}
        for gate, listed in (
            (Gate.COMMON, config.gates.common_words),
            (Gate.ELSEWHERE, config.gates.elsewhere),
            (Gate.JAVA, config.gates.java_twins),
        ):
            for name in listed:
                key = glue(name)
                if key not in by_key:
                    raise ValueError(f"places.toml [gates]: {name!r} is not an official Lampung name")
                gates[key] = gate

        entries: dict[str, _Entry] = {}
        for key, rs in by_key.items():
            entries[key] = _Entry(names[key], tuple(dict.fromkeys(rs)), gates.get(key, Gate.NONE))
        for code, spellings in config.kabkota_gated.items():
            for spelling in spellings:
                key = glue(spelling)
                old = entries.get(key)
                regions = old.regions if old is not None else (self.regions[code],)
                entries[key] = _Entry(self.kabkota_names[code], regions, Gate.KAB_GATED)
        for form in _PROVINCE_FORMS:
            entries[glue(form)] = _Entry("Provinsi Lampung", (), province=True)
        for phrase in config.not_places.phrases:
            entries[glue(phrase)] = _Entry(phrase, (), Gate.STOP)
        for name in config.outside.names:
            key = glue(name)
            old = entries.get(key)
            if old is not None and any(r.kind not in VILLAGE_KINDS for r in old.regions):
                raise ValueError(f"places.toml [outside]: {name!r} is also a Lampung kecamatan or kab/kota name")
            # A transmigration village named after a Java town ("desa Surabaya") still counts after a village cue.
            entries[key] = _Entry(name, old.regions if old is not None else (), Gate.OUTSIDE)
        return entries

    # -- reading ------------------------------------------------------------------------------

    def _cue(self, words: Sequence[str], i: int) -> str | None:
        if i == 0:
            return None
        w = words[i - 1]
        if w in self._village_cues:
            return "village"
        if w in self._kec_cues:
            return "kecamatan"
        if w in self._kab_cues:
            return "kabkota"
        return None

    def _fuzzy_after_cue(self, words: Sequence[str], i: int, cue: str) -> tuple[int, _Entry] | None:
        """A near miss right after a cue word: (tokens used, entry) above the floor, else None."""
        best: tuple[float, int, _Entry] | None = None
        for width in (1, 2, 3):
            if i + width > len(words):
                break
            query = "".join(words[i : i + width])
            if len(query) < _FUZZY_MIN_LEN or not query.isalpha():
                continue
            choices = self._fuzzy[cue].get(query[0])
            if not choices:
                continue
            hit = process.extractOne(query, choices, scorer=fuzz.ratio, score_cutoff=FUZZY_FLOOR)
            if hit is not None and (best is None or hit[1] > best[0]):
                best = (hit[1], width, self._entries[hit[0]])
        return (best[1], best[2]) if best else None

    def scan(self, fields: Sequence[Tokens], *, vouched: Sequence[bool] = ()) -> RegionEvidence:
        """Read every field, admit the places that count, resolve them to one kab/kota."""
        raw: list[tuple[int, int, int, _Entry, str | None, bool]] = []  # field, i, j, entry, cue, fuzzy
        java = False
        anchored = any(vouched)
        for f, tokens in enumerate(fields):
            words = tokens.words
            present = set(words)
            if not _ROMAN_KEYS.isdisjoint(present):
                words = place_words(words)
            if not anchored and not self._lampung_only.isdisjoint(present):
                anchored = True
            found = self._index.scan(words)
            matched_at = {i for i, _, _ in found}
            for i, j, entry in found:
                if entry.gate is Gate.OUTSIDE:
                    if entry.regions and self._cue(words, i) == "village":
                        raw.append((f, i, j, entry, "village", False))
                    else:
                        java = True
                    continue
                if entry.gate is Gate.STOP:
                    continue
                if entry.province and j < len(words):
                    # "lampung selatn": a kab/kota name with a typo after "Lampung".
                    near = self._fuzzy_kab_after_lampung(words[j])
                    if near is not None:
                        raw.append((f, i, j + 1, near, None, True))
                        continue
                raw.append((f, i, j, entry, self._cue(words, i), False))
            # Cue words followed by no exact name: try a near miss.
            if self._all_cues.isdisjoint(present):
                continue
            ends = {i for i, _, _ in found} | {k for i, j, _ in found for k in range(i, j)}
            for i, w in enumerate(words[:-1]):
                if i + 1 in matched_at or i + 1 in ends:
                    continue
                cue = (
                    "village"
                    if w in self._village_cues
                    else "kecamatan"
                    if w in self._kec_cues
                    else "kabkota"
                    if w in self._kab_cues
                    else None
                )
                if cue is None:
                    continue
                miss = self._fuzzy_after_cue(words, i + 1, cue)
                if miss is not None:
                    raw.append((f, i + 1, i + 1 + miss[0], miss[1], cue, True))
        # Lampung context: an ungated Lampung name, a cued name, "Lampung", pekon/tiyuh, or a vouched field.
        if not anchored:
            anchored = any(
                e.province or (cue is not None and e.regions) or (e.gate is Gate.NONE and _anchors(e))
                for _, _, _, e, cue, _ in raw
            )
        matches: list[PlaceMatch] = []
        province_named = False
        for f, i, j, entry, cue, fuzzy in raw:
            tokens = fields[f]
            if entry.province:
                province_named = True
                continue
            vouch = f < len(vouched) and vouched[f]
            m = self._admit(tokens, f, i, j, entry, cue, fuzzy, anchored or vouch, java)
            if m is None and cue is None and not any(r.kind not in VILLAGE_KINDS for r in entry.regions):
                # "Pasar Liwa" (a kelurahan) not admitted: the town inside it may still count.
                for k in range(i + 1, j):
                    inner = self._index.get("".join(place_words(tokens.words[k:j])))
                    if inner is not None and inner.regions:
                        m = self._admit(tokens, f, k, j, inner, None, fuzzy, anchored or vouch, java)
                        break
            if m is not None:
                matches.append(m)
        return self.resolve(matches, province_named=province_named, java=java)

    def _after_facility(self, words: Sequence[str], i: int) -> bool:
        """ "pasar Metro", "SMPN 3 Metro": the name of a facility's place."""
        k = i - 1
        if k > 0 and words[k].isdigit():
            k -= 1
        return k >= 0 and words[k] in self._facility

    def _fuzzy_kab_after_lampung(self, word: str) -> _Entry | None:
        if len(word) < 4 or not word.isalpha():
            return None
        query = "lampung" + word
        if query in self._entries:
            return None
        hit = process.extractOne(
            query, self._fuzzy["kabkota"].get("l", []), scorer=fuzz.ratio, score_cutoff=FUZZY_FLOOR + 4
        )
        return self._entries[hit[0]] if hit is not None else None

    def _admit(
        self,
        tokens: Tokens,
        f: int,
        i: int,
        j: int,
        entry: _Entry,
        cue: str | None,
        fuzzy: bool,
        lampung: bool,
        java: bool,
    ) -> PlaceMatch | None:
        regions = entry.regions
        words = tokens.words
        prefer: PlaceKind | None = None
        if cue == "village":
            wanted = tuple(r for r in regions if r.kind in VILLAGE_KINDS)
            prefer = PlaceKind.KELURAHAN if i and words[i - 1] in self._kelurahan_cues else PlaceKind.DESA
            local = self._cue_regions.get(words[i - 1]) if i else None
            if local and len({r.kabkota for r in wanted}) > 1:
                wanted = tuple(r for r in wanted if r.kabkota in local) or wanted
        elif cue == "kecamatan":
            wanted = tuple(r for r in regions if r.kind is PlaceKind.KECAMATAN)
        elif cue == "kabkota":
            wanted = tuple(r for r in regions if r.kind in (PlaceKind.KABKOTA, PlaceKind.TOWN))
            if not wanted and entry.gate is Gate.JAVA:
                return None  # "Kota Sukabumi": the Java city
        else:
            wanted = ()
        gated = False
        weight = 1.0
        if wanted:
            regions = wanted
        elif cue is not None:
            pass  # the cue names another level than the name has: keep every candidate
        else:
            # Without a cue a name is its kab/kota, kecamatan or town; villages of that name only break ties
            # ("Tanjung Raya, Lampung Barat": the desa in Lampung Barat, not the kecamatan in Mesuji).
            villages = tuple(r for r in regions if r.kind in VILLAGE_KINDS)
            regions = tuple(r for r in regions if r.kind not in VILLAGE_KINDS)
            if regions and villages:
                prefer = regions[0].kind
                regions = regions + villages
            start = tokens.span(i, j)[0]
            capital = tokens.text[start : start + 1].isupper()
            if not regions:
                # An uncued village name: unique in Lampung, capitalised, in a text anchored in Lampung.
                if not (len(entry.regions) == 1 and capital and lampung and len(glue(entry.name)) >= 6):
                    return None
                regions, weight, gated = entry.regions, _UNCUED_VILLAGE_FACTOR, True
            elif entry.gate is Gate.COMMON:
                if not (lampung and capital):
                    return None
                gated = True
            elif entry.gate in (Gate.ELSEWHERE, Gate.KAB_GATED):
                if not (lampung or self._after_facility(words, i)):
                    return None
                gated = True
            elif entry.gate is Gate.JAVA:
                gated = java or not lampung
        if entry.gate is Gate.JAVA and java and cue is None:
            # The text names Java: the twin counts only where another Lampung place backs it (resolve()).
            gated = True
        kinds = {r.kind for r in regions}
        kind = next(iter(kinds)) if len(kinds) == 1 else min(kinds, key=lambda k: -_KIND_WEIGHT.get(k, 0))
        if prefer is not None and prefer is not PlaceKind.KELURAHAN and prefer is not PlaceKind.DESA:
            kind = prefer
        weight *= _KIND_WEIGHT.get(kind, 0.85) * (_GATED_FACTOR if gated else 1.0) * (_FUZZY_FACTOR if fuzzy else 1.0)
        if cue is not None:
            weight *= _CUE_FACTOR  # "kec X", "desa Y": the writer says where, not merely names a place
        background = any(w in self._background for w in words[max(0, i - 3 - (cue is not None)) : i])
        if background:
            weight *= self._background_factor
        start, end = tokens.span(i, j)
        return PlaceMatch(
            tokens.text[start:end],
            entry.name,
            kind,
            regions,
            (start, end),
            f,
            cue,
            round(weight, 4),
            background,
            fuzzy,
            gated,
            (i, j),
            prefer,
            entry.gate is Gate.JAVA,
        )

    # -- resolving ----------------------------------------------------------------------------

    def resolve(
        self, matches: Sequence[PlaceMatch], *, province_named: bool = False, java: bool = False
    ) -> RegionEvidence:
        """One kab/kota from the matches; repeated names follow the places named around them."""
        chosen: list[tuple[PlaceMatch, tuple[Region, ...]]] = []
        unresolved: list[PlaceMatch] = []
        if java:  # the text names Java: a Java twin without a cue counts only when another place backs its kab/kota
            backed = {c for o in matches if not o.java_twin for c in o.region_codes}
            matches = [m for m in matches if not (m.java_twin and m.cue is None) or set(m.region_codes) & backed]
        for m in matches:
            cands = m.candidates
            if len(cands) > 1:
                cands = self._disambiguate(m, [o for o in matches if o is not m])
            if len({r.kabkota for r in cands}) > 1 and m.prefer is not None:
                if m.prefer in VILLAGE_KINDS:
                    cands = tuple(r for r in cands if r.kind is m.prefer) or cands
                else:  # an uncued name: its villages elsewhere only count when something points there
                    cands = tuple(r for r in cands if r.kind not in VILLAGE_KINDS) or cands
            if len({r.kabkota for r in cands}) > 1:
                unresolved.append(m)
                continue
            if cands != m.candidates:
                kinds = {r.kind for r in cands}
                m = replace(m, candidates=cands, kind=kinds.pop() if len(kinds) == 1 else m.kind)
            chosen.append((m, cands))
        if not chosen:
            return RegionEvidence(None, 0.0, province_named, (), (), tuple(unresolved), Place(), java, tuple(matches))
        scores: dict[str, float] = {}
        first: dict[str, tuple[int, int]] = {}
        for m, cands in chosen:
            code = cands[0].kabkota
            scores[code] = scores.get(code, 0.0) + m.weight
            first.setdefault(code, (m.field, m.span[0]))
        best = min(scores, key=lambda c: (-scores[c], first[c]))
        others = tuple(sorted(c for c in scores if c != best))
        support = tuple(m for m, cands in chosen if cands[0].kabkota == best)
        strength = min(1.0, max(m.weight for m in support) + 0.05 * (len(support) - 1))
        if others:
            strength *= scores[best] / sum(scores.values())
        if unresolved:
            strength *= 0.9
        place = self._place(best, [(m, c) for m, c in chosen if c[0].kabkota == best])
        return RegionEvidence(
            best, round(strength, 4), province_named, support, others, tuple(unresolved), place, java, tuple(matches)
        )

    @staticmethod
    def _disambiguate(m: PlaceMatch, others: Sequence[PlaceMatch]) -> tuple[Region, ...]:
        """The candidates of `m` best supported by the other places named (same kecamatan > same kab/kota)."""
        best_score, best = 0.0, list(m.candidates)
        scored: list[tuple[float, Region]] = []
        for r in m.candidates:
            kec = r.code if r.kind is PlaceKind.KECAMATAN else r.kecamatan
            score = 0.0
            for o in others:
                share = 1.0 / len(o.region_codes)
                s = 0.0
                for r2 in o.candidates:
                    kec2 = r2.code if r2.kind is PlaceKind.KECAMATAN else r2.kecamatan
                    if kec is not None and kec2 == kec:
                        s = max(s, 2.0)
                    elif r2.kabkota == r.kabkota:
                        s = max(s, 1.0)
                near = o.field == m.field and abs(o.token_span[0] - m.token_span[0]) <= _NEARBY_TOKENS
                score += s * share * o.weight * (_NEARBY_FACTOR if near else 1.0)
            scored.append((score, r))
        best_score = max(s for s, _ in scored)
        if best_score > 0:
            best = [r for s, r in scored if s == best_score]
        return tuple(best)

    @staticmethod
    def _place(kabkota: str, chosen: Sequence[tuple[PlaceMatch, tuple[Region, ...]]]) -> Place:
        kecs = {
            r.code if r.kind is PlaceKind.KECAMATAN else r.kecamatan
            for _, cands in chosen
            for r in cands
            if r.kind is not PlaceKind.TOWN and r.kind is not PlaceKind.KABKOTA
        }
        desas = [cands[0].code for _, cands in chosen if len(cands) == 1 and cands[0].kind in VILLAGE_KINDS]
        kec = next(iter(kecs)) if len(kecs) == 1 else None
        if kec is None and desas:
            kec = desas[0].rsplit(".", 1)[0]
        desa = next((d for d in desas if kec is None or d.startswith(kec + ".")), None)
        return Place(kabkota, kec, desa)

    def describe(self, match: PlaceMatch) -> str:
        """Human-readable evidence line for one match."""
        where = " or ".join(f"{self.kabkota_names[c]} ({c})" for c in match.region_codes)
        what = match.name if match.kind in (PlaceKind.KABKOTA, PlaceKind.TOWN) else f"{match.kind.value} {match.name}"
        notes = [
            n
            for n, on in (
                ("after a cue word", match.cue is not None),
                ("typo matched", match.fuzzy),
                ("needed Lampung context", match.gated),
                ("landmark/comparison, weighs less", match.background),
            )
            if on
        ]
        line = (
            f"'{match.text}' → {what}, {where}" if match.kind is not PlaceKind.KABKOTA else f"'{match.text}' → {where}"
        )
        return line + (f" [{'; '.join(notes)}]" if notes else "")


def _anchors(entry: _Entry) -> bool:
    """An ungated kab/kota, kecamatan or town name of one kab/kota anchors a text in Lampung."""
    kabs = {r.kabkota for r in entry.regions if r.kind not in VILLAGE_KINDS}
    return len(kabs) == 1


def read_regions(path: Path = REGIONS_CSV) -> list[Region]:
    """The official list: every row with its kab/kota and kecamatan parents."""
    kinds = {
        "provinsi": PlaceKind.PROVINSI,
        "kabupaten_kota": PlaceKind.KABKOTA,
        "kecamatan": PlaceKind.KECAMATAN,
        "kelurahan": PlaceKind.KELURAHAN,
        "desa": PlaceKind.DESA,
    }
    out: list[Region] = []
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            kind = kinds[row["tingkat"]]
            name = row["nama"]
            if kind is PlaceKind.KABKOTA:
                name = name.removeprefix("Kabupaten ").removeprefix("Kota ")
            out.append(
                Region(row["kode"], name, kind, row["kode_kabkota"] or PROVINCE_CODE, row["kode_kecamatan"] or None)
            )
    return out
