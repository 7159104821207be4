"""Urusan classification of Indonesian complaint text, and the UU 23/2014 authority rules.

The vocabulary and the rules are data (data/taxonomy.toml, validated here). Each urusan has weighted
phrases written from the affair's description and everyday complaint vocabulary (SMS spellings included).
A phrase matched in the title counts more than in the body; each phrase counts once per field; the
enclitic "-nya" is dropped ("macetnya"); a word right after "Jl."/"Gg." is a street name and does not
count; a phrase after "depan"/"dekat"/… is a landmark and counts little. The urusan with the highest
score wins.

Authority rules attach to phrases that settle *who* is responsible, because the same topic sits at
different levels: SMA/SMK/SLB at the province, SD/SMP/PAUD at the kab/kota, universities at the centre;
national, provincial and local roads; BPJS, Polri, Imigrasi, BPN, DJP, Kemenag at the centre; PLN,
Pertamina, Pos, KAI, Telkom and state banks as BUMN; Samsat at the province. Among the rules matched for
the winning urusan the highest priority applies; without one, the urusan's default scope does.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from services.routing.gazetteer import DATA_DIR, PhraseIndex, Tokens, tokenize
from shared.events import Level

TAXONOMY_TOML = DATA_DIR / "taxonomy.toml"


class Scope(StrEnum):
    """Where an urusan sits when no authority rule says otherwise."""

    REGIONAL = "regional"  # the kab/kota where it happened
    PROVINSI = "provinsi"
    PUSAT = "pusat"


class _Terms(BaseModel):
    model_config = ConfigDict(extra="forbid")
    weight: float = Field(gt=0)
    phrases: list[str]


class _Urusan(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scope: Scope = Scope.REGIONAL
    terms: list[_Terms] = []


class RuleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str
    urusan: str
    level: Level | None = None  # None: regional (the kab/kota where it happened)
    agency: str | None = None
    provincial_agency: str | None = None
    region: str | None = None  # a facility of one kab/kota (its RSUD): the rule also names the kab/kota
    priority: int
    weight: float = Field(ge=0)
    reason: str
    phrases: list[str]


class OwnerSpec(BaseModel):
    """Words that name the owner of the object whatever the urusan ("milik Pemprov", "aset pemkab")."""

    model_config = ConfigDict(extra="forbid")
    key: str
    level: Level
    priority: int
    reason: str
    phrases: list[str]


class CombinationSpec(BaseModel):
    """Words that only together name a topic: one word of every group in the same field adds `weight`."""

    model_config = ConfigDict(extra="forbid")
    urusan: str
    weight: float = Field(gt=0)
    all_of: list[list[str]] = Field(min_length=2)


class TaxonomyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str
    abbreviations: dict[str, str] = {}
    combination: list[CombinationSpec] = []
    # Urusan about an official's conduct: the level is the official's employer, read from the object named.
    object_level_urusan: list[str] = []
    owner: list[OwnerSpec] = []
    title_factor: float = Field(gt=0)
    fallback_urusan: str
    street_words: list[str]
    landmark_words: list[str]
    landmark_factor: float = Field(gt=0, le=1)
    urusan: dict[str, _Urusan]
    rule: list[RuleSpec]


@dataclass(frozen=True, slots=True)
class Authority:
    key: str
    urusan: str
    level: Level | None
    agency: str | None  # the body the rule names; None: the usual body of the level for the urusan
    priority: int
    reason: str
    provincial_agency: str | None = None  # the OPD when a regional rule lands at the province
    region: str | None = None


@dataclass(frozen=True, slots=True)
class Classification:
    urusan: str
    confidence: float  # how sure the urusan is, 0..1
    score: float
    runner_up: tuple[str, float] | None
    terms: tuple[str, ...]  # matched phrases supporting the winner
    authority: Authority | None
    matched: bool  # False when no phrase matched at all (urusan is then the fallback)
    rules: tuple[Authority, ...] = ()  # every rule matched for the winner, best first
    other_rules: tuple[Authority, ...] = ()  # the rules matched for other urusan, best first
    owner: Authority | None = None  # an owner phrase ("milik Pemprov") matched, whatever the urusan


@dataclass(frozen=True, slots=True)
class _Hit:
    scores: tuple[tuple[str, float], ...]
    authority: Authority | None
    owner: Authority | None = None


class Taxonomy:
    def __init__(self, config: TaxonomyConfig) -> None:
        self.config = config
        self.version = config.version
        self.title_factor = config.title_factor
        self.fallback = config.fallback_urusan
        self.known_urusan = frozenset(config.urusan)
        if self.fallback not in self.known_urusan:
            raise ValueError(f"taxonomy.toml: fallback_urusan {self.fallback!r} is not an urusan")
        self._scope = {u: spec.scope for u, spec in config.urusan.items()}
        self._street = frozenset(config.street_words)
        self._landmark = frozenset(config.landmark_words)
        self._landmark_factor = config.landmark_factor
        scores: dict[str, dict[str, float]] = {}
        rules: dict[str, Authority] = {}
        for u, spec in config.urusan.items():
            for group in spec.terms:
                for phrase in group.phrases:
                    per = scores.setdefault(phrase, {})
                    per[u] = max(per.get(u, 0.0), group.weight)
        seen_keys: set[str] = set()
        for r in config.rule:
            if r.urusan not in self.known_urusan:
                raise ValueError(f"taxonomy.toml rule {r.key!r}: unknown urusan {r.urusan!r}")
            if r.key in seen_keys:
                raise ValueError(f"taxonomy.toml: rule key {r.key!r} used twice")
            seen_keys.add(r.key)
            auth = Authority(r.key, r.urusan, r.level, r.agency, r.priority, r.reason, r.provincial_agency, r.region)
            for phrase in r.phrases:
                per = scores.setdefault(phrase, {})
                if r.weight:
                    per[r.urusan] = max(per.get(r.urusan, 0.0), r.weight)
                old = rules.get(phrase)
                if old is None or auth.priority > old.priority:
                    rules[phrase] = auth
        self.rules = tuple(config.rule)
        unknown = set(config.object_level_urusan) - self.known_urusan
        if unknown:
            raise ValueError(f"taxonomy.toml object_level_urusan: unknown urusan {sorted(unknown)}")
        self.object_level_urusan = frozenset(config.object_level_urusan)
        self._abbreviations = config.abbreviations
        self._normal: dict[str, str] = {}  # word as written → word as matched (bounded cache)
        for c in config.combination:
            if c.urusan not in self.known_urusan:
                raise ValueError(f"taxonomy.toml combination: unknown urusan {c.urusan!r}")
        self._combinations = [(c.urusan, c.weight, [frozenset(g) for g in c.all_of]) for c in config.combination]
        owners: dict[str, Authority] = {}
        for o in config.owner:
            if o.level not in (Level.PROVINSI, Level.KABKOTA):
                raise ValueError(f"taxonomy.toml owner {o.key!r}: level must be provinsi or kabkota")
            for phrase in o.phrases:
                owners[phrase] = Authority(o.key, "*", o.level, None, o.priority, o.reason)
                scores.setdefault(phrase, {})
        hits = {p: _Hit(tuple(sorted(s.items())), rules.get(p), owners.get(p)) for p, s in scores.items()}
        self._index: PhraseIndex[_Hit] = PhraseIndex(hits, joiner=" ")

    @classmethod
    def load(cls, path: Path = TAXONOMY_TOML) -> Taxonomy:
        return cls(TaxonomyConfig.model_validate(tomllib.loads(path.read_text(encoding="utf-8"))))

    def default_scope(self, urusan: str) -> Scope:
        return self._scope.get(urusan, Scope.REGIONAL)

    def classify_tokens(
        self, fields: Sequence[tuple[Tokens, float]], bonus: Mapping[str, float] | None = None
    ) -> Classification:
        """Classify one complaint given its fields as (tokens, weight factor).

        `bonus` adds prior weight per urusan (a channel category, a reporter-chosen agency).
        """
        totals: dict[str, float] = dict(bonus or {})
        support: dict[str, list[str]] = {}
        rules: dict[str, list[tuple[int, int, Authority]]] = {}
        owners: list[tuple[int, int, Authority]] = []
        order = 0
        for tokens, factor in fields:
            # "macetnya", "sampahnya": drop the enclitic so the stem matches (short words keep it: "hanya").
            normal = self._normal
            words = [normal.get(w) or self._normalise(w) for w in tokens.words]
            if self._combinations:
                present = set(words)
                for u, weight, groups in self._combinations:
                    if all(not g.isdisjoint(present) for g in groups):
                        totals[u] = totals.get(u, 0.0) + weight * factor
                        support.setdefault(u, []).append("+".join(sorted(groups[0] & present)))
            seen: set[str] = set()
            for i, j, hit in self._index.scan(words):
                before = words[i - 1] if i else ""
                if before in self._street:  # "Jl. Pemuda", "Gg. Sekolah": a street name, not a topic
                    continue
                key = " ".join(words[i:j])
                if key in seen:  # a phrase counts once per field, however often it is repeated
                    continue
                seen.add(key)
                # "di depan stasiun", "dekat pasar": a landmark giving the location, not the topic.
                weight_factor = factor * (self._landmark_factor if before in self._landmark else 1.0)
                for urusan, weight in hit.scores:
                    totals[urusan] = totals.get(urusan, 0.0) + weight * weight_factor
                    support.setdefault(urusan, []).append(key)
                if hit.authority is not None and before not in self._landmark:  # "di depan stasiun": not KAI's
                    rules.setdefault(hit.authority.urusan, []).append((hit.authority.priority, -order, hit.authority))
                if hit.owner is not None:
                    owners.append((hit.owner.priority, -order, hit.owner))
                order += 1
        owner = max(owners, key=lambda t: t[:2])[2] if owners else None
        if not support and not totals:
            return Classification(self.fallback, 0.1, 0.0, None, (), None, False, owner=owner)
        ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
        urusan, top = ranked[0]
        runner_up = ranked[1] if len(ranked) > 1 else None
        second = runner_up[1] if runner_up else 0.0
        # Evidence mass (saturating) times the margin over the runner-up.
        confidence = (1.0 - math.exp(-top / 3.0)) * (top / (top + second)) if top > 0 else 0.1
        candidates = sorted(rules.get(urusan, ()), key=lambda t: t[:2], reverse=True)
        ordered = tuple(dict.fromkeys(a for _, _, a in candidates))
        others = sorted((t for u, ts in rules.items() if u != urusan for t in ts), key=lambda t: t[:2], reverse=True)
        return Classification(
            urusan,
            round(confidence, 4),
            round(top, 3),
            runner_up,
            tuple(support.get(urusan, ())),
            ordered[0] if ordered else None,
            True,
            ordered,
            tuple(dict.fromkeys(a for _, _, a in others)),
            owner,
        )

    def _normalise(self, word: str) -> str:
        """An SMS spelling read as its word; the enclitic "-nya" dropped ("macetnya", not "hanya")."""
        w = self._abbreviations.get(word, word)
        if len(w) > 6 and w.endswith("nya"):
            w = w[:-3]
        if len(self._normal) > 100_000:
            self._normal.clear()
        self._normal[word] = w or word
        return w

    def classify(self, title: str, body: str, *, category: str | None = None) -> Classification:
        """Classify a complaint's title and body (and a channel category, when there is one)."""
        fields = [(tokenize(title), self.title_factor), (tokenize(body), 1.0)]
        if category:
            fields.append((tokenize(category), self.title_factor))
        return self.classify_tokens(fields)
