"""The routing decision (DESIGN.md §4): which body is responsible for a complaint, and why.

Pure and deterministic, with the rule set of rules.py. Responsibility is decided apart from place:
1. Place: where it happened — the channel's kab/kota code, else the location field, else a kab/kota
   chosen by the reporter, else the places named in the text (gazetteer.py, down to the village).
2. Urusan: weighted phrases in title, body and channel hints (taxonomy.py).
3. Level: the object decides — an authority rule for the winning urusan (SMA → province, jalan nasional →
   centre, PLN → BUMN, RSUD of a kabupaten → that kabupaten, …), otherwise the urusan's default scope.
   A regional affair is a matter of the kab/kota where it happened; when that is not known the decision
   is level kabkota with no region, and the complaint waits in triage (never silently the province).
4. `region_code` is the responsible government's region: the kab/kota code, "18" for the province,
   null for pusat and bumn; `place` keeps where it happened.
5. Agencies that answered "bukan wewenang" are skipped for the next candidate, at lower confidence.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import takewhile

from services.routing import rules as rulesets
from services.routing.gazetteer import PROVINCE_CODE, PlaceKind, PlaceMatch, RegionEvidence, Tokens, tokenize
from services.routing.rules import RuleSet
from services.routing.taxonomy import Authority, Classification, Scope
from shared.agencies import AGENCIES, KABKOTA_BY_REGION, Agency
from shared.events import Level, Place, RoutingDecision

# agency_code of a kab/kota matter whose kab/kota is unknown: it never leaves routing without triage.
UNKNOWN_KABKOTA = "kabkota-unknown"


@dataclass(frozen=True)
class RoutingInput:
    title: str
    body: str
    location_text: str | None = None
    region_code: str | None = None  # when the channel already knows the kab/kota
    hint_category: str | None = None
    hint_target_agency: str | None = None
    excluded_agencies: frozenset[str] = frozenset()  # agencies that answered "bukan wewenang"


# Confidence factors. Honest rather than flattering: every factor is a way the decision can be wrong.
_NO_REGION_FACTOR = 0.5  # a kab/kota matter with no kab/kota known (goes to triage anyway)
_DEFAULT_SCOPE_FACTOR = 0.85  # level from the urusan's default scope, not from a rule
_RULE_FACTOR = 0.9  # level from an authority rule: keyword-triggered, so not certain either
_CONFLICT_FACTOR = 0.8  # the sources or places name different kab/kota
_UNRESOLVED_FACTOR = 0.85  # an ambiguous place name stayed ambiguous
_EXCLUSION_FACTOR = 0.75  # per excluded candidate skipped
_CATEGORY_BONUS = 2.5  # a channel category that is itself an urusan code
_HINT_AGENCY_BONUS = 2.0  # a reporter-chosen agency's urusan


_OFFICIAL_KINDS = frozenset({PlaceKind.KABKOTA, PlaceKind.KECAMATAN, PlaceKind.KELURAHAN, PlaceKind.DESA})


@dataclass(frozen=True, slots=True)
class _Region:
    code: str | None
    strength: float
    reasons: tuple[str, ...]
    place: Place | None
    conflict: bool = False
    unresolved: bool = False
    names: tuple[PlaceMatch, ...] = ()  # the place names read in the text (not topic words)


def _kab_name(code: str) -> str:
    return KABKOTA_BY_REGION[code].name.removeprefix("Pemerintah ")


def _place(ev: RegionEvidence) -> Place | None:
    p = ev.place
    return Place(kabkota=p.kabkota, kecamatan=p.kecamatan, desa=p.desa) if p.kabkota else None


def _find_region(rules: RuleSet, inp: RoutingInput, fields: list[Tokens], hint_agency: Agency | None) -> _Region:
    region, text_ev = _region(rules, inp, fields, hint_agency)
    return replace(region, names=text_ev.matches)


def _region(
    rules: RuleSet, inp: RoutingInput, fields: list[Tokens], hint_agency: Agency | None
) -> tuple[_Region, RegionEvidence]:
    gz = rules.gazetteer
    reasons: list[str] = []
    text_ev = gz.scan(fields)

    def evidence_lines(ev: RegionEvidence, label: str = "place") -> list[str]:
        lines = [f"{label}: {gz.describe(m)}" for m in ev.support]
        if ev.conflicting:
            others = ", ".join(f"{_kab_name(c)} ({c})" for c in ev.conflicting)
            lines.append(f"place conflict: text also names {others}; chose the most/first named")
        lines += [
            f"ambiguous place: {gz.describe(m)} — nothing nearby tells them apart, not used" for m in ev.unresolved
        ]
        if ev.java:
            lines.append("the text names a place outside Lampung (Java names shared with Lampung not used)")
        return lines

    def overridden(code: str, by: str) -> bool:
        if text_ev.region_code in (None, code):
            return False
        reasons.append(f"text names {_kab_name(text_ev.region_code)} ({text_ev.region_code}); {by} wins")
        return True

    channel_code = inp.region_code if inp.region_code in KABKOTA_BY_REGION else None
    if inp.region_code and channel_code is None and inp.region_code != PROVINCE_CODE:
        reasons.append(f"ignored channel region_code {inp.region_code!r}: not a Lampung kab/kota code")
    if channel_code is not None:
        reasons.append(f"place: channel region_code {channel_code} ({_kab_name(channel_code)})")
        conflict = overridden(channel_code, "the channel's region")
        place = _place(text_ev) if text_ev.region_code == channel_code else None
        return _Region(channel_code, 1.0, tuple(reasons), place or Place(kabkota=channel_code), conflict), text_ev

    if inp.location_text:
        # A location field on a Lampung channel vouches for its own place names; the text helps it resolve.
        loc_tokens = tokenize(inp.location_text)
        loc_ev = gz.scan([loc_tokens], vouched=[True])
        joint = gz.scan([loc_tokens, *fields], vouched=[True])
        ev = loc_ev if loc_ev.region_code is not None else joint if any(m.field == 0 for m in joint.support) else None
        if ev is not None and ev.region_code is not None:
            reasons += evidence_lines(ev, "location")
            conflict = overridden(ev.region_code, "the location field")
            region = _Region(
                ev.region_code,
                max(ev.strength, 0.9) if ev is loc_ev else ev.strength,
                tuple(reasons),
                _place(joint if joint.region_code == ev.region_code else ev),  # the text may name the village
                conflict,
            )
            return region, text_ev

    if hint_agency is not None and hint_agency.level is Level.KABKOTA:
        code = hint_agency.region_code
        reasons.append(f"place: reporter chose {hint_agency.code} ({_kab_name(code)})")
        conflict = overridden(code, "the reporter's choice")
        return _Region(code, 0.9, tuple(reasons), Place(kabkota=code), conflict), text_ev

    reasons += evidence_lines(text_ev)
    if text_ev.region_code is None and not text_ev.unresolved:
        reasons.append("place: no Lampung kab/kota, kecamatan or village recognised in the text")
    region = _Region(
        text_ev.region_code,
        text_ev.strength,
        tuple(reasons),
        _place(text_ev),
        bool(text_ev.conflicting),
        bool(text_ev.unresolved),
    )
    return region, text_ev


def _classify(
    rules: RuleSet, inp: RoutingInput, title: Tokens, body: Tokens, hint: Tokens | None, hint_agency: Agency | None
) -> Classification:
    tx = rules.taxonomy
    fields: list[tuple[Tokens, float]] = [(title, tx.title_factor), (body, 1.0)]
    bonus: dict[str, float] = {}
    if inp.hint_category:
        code = inp.hint_category.strip().lower().replace(" ", "_")
        if code in tx.known_urusan:
            bonus[code] = bonus.get(code, 0.0) + _CATEGORY_BONUS
        else:
            fields.append((tokenize(inp.hint_category), tx.title_factor))
    if hint is not None:
        fields.append((hint, 1.0))
    if hint_agency is not None:
        for u in rules.directory.handles(hint_agency.code):
            bonus[u] = bonus.get(u, 0.0) + _HINT_AGENCY_BONUS
    return tx.classify_tokens(fields, bonus=bonus)


@dataclass(frozen=True, slots=True)
class _Primary:
    agency: Agency | None  # None: a kab/kota matter of unknown kab/kota
    factor: float
    why: tuple[str, ...]
    region: str | None = None  # a rule that names the kab/kota itself (its RSUD)


def _primary(rules: RuleSet, cls: Classification, region: _Region, hint_agency: Agency | None) -> _Primary:
    """The responsible body before exclusions, the level factor of the confidence, and why."""
    directory = rules.directory
    urusan, auth = cls.urusan, cls.authority
    why_first: list[str] = []
    if urusan in rules.taxonomy.object_level_urusan and (auth is None or auth.level is None):
        # Extortion or misconduct by an official: the official's employer (read from the object) is responsible.
        employer = next((a for a in cls.other_rules if a.level is not None), None)
        if employer is not None:
            why_first.append(f"{urusan}: the official works where the object sits — {employer.reason}")
            if employer.level in (Level.PUSAT, Level.BUMN):
                agency = AGENCIES[employer.agency] if employer.agency else directory.national(urusan, employer.level)
                return _Primary(agency, _RULE_FACTOR, tuple(why_first))
            if employer.level is Level.PROVINSI:
                return _Primary(directory.provincial(urusan), _RULE_FACTOR, tuple(why_first))
            auth = None  # a kab/kota object: the kab/kota where it happened, as for any regional affair
    owner = cls.owner
    if owner is not None and (auth is None or auth.level is None or owner.priority >= auth.priority):
        why = [*why_first, f"owner: {owner.reason}"]
        if owner.level is Level.PROVINSI:
            return _Primary(_provincial(rules, auth, urusan), _RULE_FACTOR, tuple(why))
        if region.code is not None:
            return _Primary(
                KABKOTA_BY_REGION[region.code], _RULE_FACTOR * (0.6 + 0.4 * region.strength), tuple(why), region.code
            )
        return _Primary(None, _NO_REGION_FACTOR, (*why, "no kab/kota known: triage must name it"))
    if auth is not None and auth.level is not None:
        why = [f"authority: {auth.reason}"]
        if auth.level is Level.KABKOTA:
            code = auth.region or region.code
            if auth.region is not None:
                why.append(f"the facility belongs to {_kab_name(auth.region)} ({auth.region})")
            if code is not None:
                strength = 1.0 if auth.region is not None else region.strength
                return _Primary(KABKOTA_BY_REGION[code], _RULE_FACTOR * (0.6 + 0.4 * strength), tuple(why), code)
            why.append("no kab/kota known: triage must name it")
            return _Primary(None, _NO_REGION_FACTOR, tuple(why))
        if auth.level is Level.PROVINSI:
            return _Primary(_provincial(rules, auth, urusan), _RULE_FACTOR, tuple(why))
        agency = AGENCIES[auth.agency] if auth.agency else directory.national(urusan, auth.level)
        return _Primary(agency, _RULE_FACTOR, tuple(why))

    # Reporter-chosen body that owns this urusan, when no rule settled the level.
    if (
        hint_agency is not None
        and hint_agency.level is not Level.KABKOTA
        and urusan in directory.handles(hint_agency.code)
    ):
        return _Primary(
            hint_agency, _DEFAULT_SCOPE_FACTOR, (f"reporter chose {hint_agency.code}, which handles {urusan}",)
        )

    scope = Scope.REGIONAL if auth is not None else rules.taxonomy.default_scope(urusan)
    why = [f"authority: {auth.reason}"] if auth is not None else []
    if scope is Scope.PUSAT:
        why.append(f"default: {urusan} is a central affair")
        return _Primary(directory.national(urusan, Level.PUSAT), _DEFAULT_SCOPE_FACTOR, tuple(why))
    if scope is Scope.PROVINSI:
        why.append(f"default: {urusan} is a provincial affair (UU 23/2014)")
        return _Primary(directory.provincial(urusan), _DEFAULT_SCOPE_FACTOR, tuple(why))
    if region.code is not None:
        why.append(f"default: {urusan} is a concurrent affair of the kab/kota where it happened")
        return _Primary(KABKOTA_BY_REGION[region.code], 0.6 + 0.4 * region.strength, tuple(why), region.code)
    why.append(f"{urusan} is a kab/kota affair and no kab/kota is known: triage must name it (not the province)")
    return _Primary(None, _NO_REGION_FACTOR, tuple(why))


def _provincial(rules: RuleSet, auth: Authority | None, urusan: str) -> Agency:
    if auth is not None:
        code = auth.agency if auth.level is Level.PROVINSI else auth.provincial_agency
        if code:
            return AGENCIES[code]
    return rules.directory.provincial(urusan)


def _candidates(rules: RuleSet, primary: Agency | None, urusan: str, region_code: str | None) -> list[Agency]:
    """The primary body, then who takes over when it answers "bukan wewenang"."""
    d = rules.directory
    chain: list[Agency] = [primary] if primary is not None else []
    if primary is not None and primary.level in (Level.PUSAT, Level.BUMN):
        if primary.level is Level.BUMN:
            chain += [d.national(urusan, Level.BUMN), d.fallback[Level.BUMN]]
        chain += [d.national(urusan, Level.PUSAT), d.fallback[Level.PUSAT]]
    if region_code is not None:
        chain.append(KABKOTA_BY_REGION[region_code])
    chain += [
        d.provincial(urusan),
        d.fallback[Level.PROVINSI],
        d.national(urusan, Level.PUSAT),
        d.fallback[Level.PUSAT],
        d.fallback[Level.BUMN],
    ]
    unique: dict[str, Agency] = {}
    for agency in chain:
        unique.setdefault(agency.code, agency)
    return list(unique.values())


def decide(inp: RoutingInput, rules: RuleSet | None = None) -> RoutingDecision:
    rules = rules or rulesets.current()
    hint_agency = AGENCIES.get(inp.hint_target_agency.strip()) if inp.hint_target_agency else None
    # A free-text target ("Dinas PU Lampung Selatan") is read like the rest of the complaint.
    hint = tokenize(inp.hint_target_agency) if inp.hint_target_agency and hint_agency is None else None
    title, body = tokenize(inp.title), tokenize(inp.body)
    region = _find_region(rules, inp, [title, body] + ([hint] if hint is not None else []), hint_agency)
    # A place name is not a topic word ("bawang" in Tulang Bawang, "agung" in Kota Agung).
    masked: dict[int, set[int]] = {}
    for m in region.names:
        if m.kind in _OFFICIAL_KINDS:
            masked.setdefault(m.field, set()).update(range(*m.token_span))
    if masked:
        title = title.masked(masked[0]) if 0 in masked else title
        body = body.masked(masked[1]) if 1 in masked else body
    cls = _classify(rules, inp, title, body, hint, hint_agency)
    primary = _primary(rules, cls, region, hint_agency)

    reasons: list[str] = list(region.reasons)
    if cls.matched:
        terms = ", ".join(f"'{t}'" for t in dict.fromkeys(cls.terms))
        line = f"urusan {cls.urusan} (score {cls.score:g}): {terms}"
        if cls.runner_up:
            line += f"; runner-up {cls.runner_up[0]} ({cls.runner_up[1]:g})"
        reasons.append(line)
    else:
        reasons.append(f"no urusan term matched: fallback {cls.urusan}")
    reasons += primary.why

    confidence = cls.confidence * primary.factor
    if region.conflict and primary.agency is not None and primary.agency.level is Level.KABKOTA:
        confidence *= _CONFLICT_FACTOR
    if region.unresolved and (primary.agency is None or primary.agency.level is Level.KABKOTA):
        confidence *= _UNRESOLVED_FACTOR

    excluded = inp.excluded_agencies
    chosen = primary.agency
    region_of_kab = primary.region if primary.region is not None else region.code
    if chosen is None or chosen.code in excluded:
        candidates = _candidates(rules, chosen, cls.urusan, region_of_kab)
        for skipped in takewhile(lambda a: a.code in excluded, candidates):
            reasons.append(f"skipped {skipped.code}: answered bukan wewenang")
            confidence *= _EXCLUSION_FACTOR
        if chosen is not None:
            allowed = [a for a in candidates if a.code not in excluded]
            chosen = allowed[0] if allowed else next(a for a in AGENCIES.values() if a.code not in excluded)
            if not allowed:  # every usual candidate refused: any body not excluded, LAPOR! disposes
                confidence = min(confidence, 0.05)

    place = region.place
    if chosen is None:
        level, region_code, agency_code = Level.KABKOTA, None, UNKNOWN_KABKOTA
        reasons.append("routed to an unknown kab/kota: triage names it")
    else:
        level, agency_code = chosen.level, chosen.code
        region_code = (
            chosen.region_code if level is Level.KABKOTA else PROVINCE_CODE if level is Level.PROVINSI else None
        )
        reasons.append(f"routed to {chosen.code} ({chosen.name}), level {level.value}")
    return RoutingDecision(
        level=level,
        urusan=cls.urusan,
        region_code=region_code,
        place=place,
        agency_code=agency_code,
        confidence=round(min(1.0, max(0.0, confidence)), 4),
        reasons=tuple(reasons),
        excluded_agencies=tuple(sorted(excluded)),
        rule_version=rules.version,
    )


def triage_reason(decision: RoutingDecision, threshold: float) -> str | None:
    """Why a decision must wait for a human, or None when it can be routed."""
    if decision.agency_code == UNKNOWN_KABKOTA:
        return "a kab/kota matter and no kab/kota is known"
    if decision.confidence < threshold:
        return f"confidence {decision.confidence:.2f} below {threshold:.2f}"
    return None
