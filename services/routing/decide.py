"""The routing decision (DESIGN.md §4): which body is responsible for a complaint, and why.

Pure and deterministic. Steps:
1. Region: the channel's kab/kota code, else the location field, else a kab/kota chosen by the
   reporter, else places named in the text (gazetteer.py).
2. Urusan: weighted phrases in title, body and channel hints (taxonomy.py).
3. Level and agency: an authority rule for the winning urusan (UU 23/2014: SMA → province, jalan
   nasional → centre, PLN → BUMN, …); otherwise the urusan's default scope — regional affairs go to
   the kab/kota when one is known and to the province's OPD when not.
4. Agencies that answered "bukan wewenang" are skipped for the next candidate, at lower confidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import takewhile

from services.routing import gazetteer as gz
from services.routing.taxonomy import (
    KNOWN_URUSAN,
    TITLE_FACTOR,
    Authority,
    Classification,
    Scope,
    classify_tokens,
    default_scope,
)
from shared.agencies import (
    AGENCIES,
    BUMN_FALLBACK,
    KABKOTA_BY_REGION,
    NATIONAL_FALLBACK,
    PROVINCE_CODE,
    PROVINCIAL_FALLBACK,
    Agency,
    national_agency_for,
    provincial_agency_for,
)
from shared.events import Level, RoutingDecision


@dataclass(frozen=True)
class RoutingInput:
    title: str
    body: str
    location_text: str | None = None
    region_code: str | None = None  # when the channel already knows the kab/kota
    hint_category: str | None = None
    hint_target_agency: str | None = None
    excluded_agencies: frozenset[str] = frozenset()  # agencies that answered "bukan wewenang"


# Confidence factors. Honest rather than flattering: a province-by-default decision is a guess
# about level (most of Lampung's 2,600 desa are not in the gazetteer, so "no kab/kota named" often
# means "not recognised"), a gated or conflicting place is a guess about region.
_NO_REGION_FACTOR = 0.5  # regional urusan, no kab/kota named: the province disposes
_PROVINCE_NAMED_FACTOR = 0.7  # … but the text names the province itself
_UNRESOLVED_FACTOR = 0.5  # … and an ambiguous kecamatan was named without a disambiguating clue
_KAB_RULE_NO_REGION_FACTOR = 0.5  # the rule wants a kab/kota and none is known
_DEFAULT_SCOPE_FACTOR = 0.85  # level from the urusan's default scope, not from a rule
_RULE_FACTOR = 0.9  # level from an authority rule: keyword-triggered, so not certain either
_CONFLICT_FACTOR = 0.8  # the sources or places name different kab/kota
_EXCLUSION_FACTOR = 0.75  # per excluded candidate skipped
_CATEGORY_BONUS = 2.5  # a channel category that is itself an urusan code
_HINT_AGENCY_BONUS = 2.0  # a reporter-chosen agency's urusan


@dataclass(frozen=True, slots=True)
class _Region:
    code: str | None
    strength: float
    province_named: bool
    unresolved: bool
    reasons: tuple[str, ...]
    conflict: bool = False


def _kab_name(code: str) -> str:
    return KABKOTA_BY_REGION[code].name.removeprefix("Pemerintah ")


def _find_region(inp: RoutingInput, fields: list[gz.Tokens], hint_agency: Agency | None) -> _Region:
    text_cands = [c for f in fields for c in gz.scan(f)]
    loc_cands = gz.scan(gz.tokenize(inp.location_text)) if inp.location_text else []
    java = gz.has_java_context(text_cands) or gz.has_java_context(loc_cands)
    reasons: list[str] = []

    channel_code = inp.region_code if inp.region_code in KABKOTA_BY_REGION else None
    if inp.region_code and channel_code is None and inp.region_code != PROVINCE_CODE:
        reasons.append(f"ignored channel region_code {inp.region_code!r}: not a Lampung kab/kota code")
    # A location field on a Lampung channel vouches for its own place names.
    loc = gz.admit(loc_cands, lampung_context=True, java_context=java)
    anchored = (channel_code is not None or inp.region_code == PROVINCE_CODE or bool(loc)
                or gz.has_lampung_anchor(text_cands))
    text = gz.admit(text_cands, lampung_context=anchored, java_context=java)
    text_ev = gz.resolve_region(text)
    province_named = text_ev.province_named or any(m.kind is gz.PlaceKind.PROVINSI for m in loc)

    def overridden(code: str, by: str) -> bool:
        if text_ev.region_code in (None, code):
            return False
        reasons.append(f"text names {_kab_name(text_ev.region_code)} ({text_ev.region_code}); {by} wins")
        return True

    if channel_code is not None:
        reasons.append(f"region: channel region_code {channel_code} ({_kab_name(channel_code)})")
        conflict = overridden(channel_code, "the channel's region")
        return _Region(channel_code, 1.0, province_named, False, tuple(reasons), conflict)

    # The location field first; text places only help it to resolve an ambiguous name.
    loc_ev = gz.resolve_region(loc)
    joint_ev = gz.resolve_region(loc + text) if loc else text_ev
    if loc_ev.region_code is not None or (loc and joint_ev.region_code is not None):
        ev = loc_ev if loc_ev.region_code is not None else joint_ev
        reasons += [f"location: {gz.describe(m)}" for m in ev.support if m in loc]
        reasons += [f"place: {gz.describe(m)}" for m in ev.support if m not in loc]
        conflict = overridden(ev.region_code, "the location field")
        strength = max(ev.strength, 0.9) if ev is loc_ev else ev.strength
        return _Region(ev.region_code, strength, province_named, False, tuple(reasons), conflict)

    if hint_agency is not None and hint_agency.level is Level.KABKOTA:
        code = hint_agency.region_code
        reasons.append(f"region: reporter chose {hint_agency.code} ({_kab_name(code)})")
        conflict = overridden(code, "the reporter's choice")
        return _Region(code, 0.9, province_named, False, tuple(reasons), conflict)

    ev = joint_ev
    if ev.region_code is not None:
        reasons += [f"place: {gz.describe(m)}" for m in ev.support]
        if ev.conflicting:
            others = ", ".join(f"{_kab_name(c)} ({c})" for c in ev.conflicting)
            reasons.append(f"place conflict: text also names {others}; chose the most/first named")
    for m in ev.unresolved:
        reasons.append(f"ambiguous place: {gz.describe(m)} — no other clue, not used")
    if ev.region_code is None and province_named:
        reasons.append("place: 'Lampung' named without a kab/kota → province")
    return _Region(ev.region_code, ev.strength, province_named, bool(ev.unresolved), tuple(reasons),
                   bool(ev.conflicting))


def _classify(inp: RoutingInput, title: gz.Tokens, body: gz.Tokens, hint: gz.Tokens | None,
              hint_agency: Agency | None) -> Classification:
    fields: list[tuple[gz.Tokens, float]] = [(title, TITLE_FACTOR), (body, 1.0)]
    bonus: dict[str, float] = {}
    if inp.hint_category:
        code = inp.hint_category.strip().lower().replace(" ", "_")
        if code in KNOWN_URUSAN:
            bonus[code] = bonus.get(code, 0.0) + _CATEGORY_BONUS
        else:
            fields.append((gz.tokenize(inp.hint_category), TITLE_FACTOR))
    if hint is not None:
        fields.append((hint, 1.0))
    if hint_agency is not None:
        for u in hint_agency.urusan:
            bonus[u] = bonus.get(u, 0.0) + _HINT_AGENCY_BONUS
    return classify_tokens(fields, bonus=bonus)


def _primary(cls: Classification, region: _Region, hint_agency: Agency | None) -> tuple[Agency, float, list[str]]:
    """The responsible body before exclusions, the level factor of the confidence, and why."""
    urusan, auth = cls.urusan, cls.authority
    why: list[str] = []
    if auth is not None and auth.level is not None:
        why.append(f"authority: {auth.reason}")
        if auth.level is Level.KABKOTA:
            if region.code is not None:
                return KABKOTA_BY_REGION[region.code], _RULE_FACTOR * (0.6 + 0.4 * region.strength), why
            why.append("no kab/kota known: the province disposes")
            return _provincial(auth, urusan), _KAB_RULE_NO_REGION_FACTOR, why
        if auth.level is Level.PROVINSI:
            return _provincial(auth, urusan), _RULE_FACTOR, why
        agency = AGENCIES[auth.agency] if auth.agency else national_agency_for(urusan, auth.level)
        return agency, _RULE_FACTOR, why

    # Reporter-chosen body that owns this urusan, when no rule settled the level.
    if (hint_agency is not None and hint_agency.level is not Level.KABKOTA and urusan in hint_agency.urusan):
        why.append(f"reporter chose {hint_agency.code}, which handles {urusan}")
        return hint_agency, _DEFAULT_SCOPE_FACTOR, why

    scope = Scope.REGIONAL if auth is not None else default_scope(urusan)
    if auth is not None:
        why.append(f"authority: {auth.reason}")
    if scope is Scope.PUSAT:
        why.append(f"default: {urusan} is a central affair")
        return national_agency_for(urusan, Level.PUSAT), _DEFAULT_SCOPE_FACTOR, why
    if scope is Scope.PROVINSI:
        why.append(f"default: {urusan} is a provincial affair (UU 23/2014)")
        return provincial_agency_for(urusan), _DEFAULT_SCOPE_FACTOR, why
    if region.code is not None:
        why.append(f"default: {urusan} is a concurrent affair of the kab/kota where it happened")
        return KABKOTA_BY_REGION[region.code], 0.6 + 0.4 * region.strength, why
    why.append(f"no kab/kota named: the province disposes {urusan}")
    factor = (_UNRESOLVED_FACTOR if region.unresolved
              else _PROVINCE_NAMED_FACTOR if region.province_named else _NO_REGION_FACTOR)
    return _provincial(auth, urusan), factor, why


def _provincial(auth: Authority | None, urusan: str) -> Agency:
    if auth is not None:
        code = auth.agency if auth.level is Level.PROVINSI else auth.provincial_agency
        if code:
            return AGENCIES[code]
    return provincial_agency_for(urusan)


def _candidates(primary: Agency, urusan: str, region_code: str | None) -> list[Agency]:
    """The primary body, then who takes over when it answers "bukan wewenang"."""
    chain: list[str] = [primary.code]
    if primary.level in (Level.PUSAT, Level.BUMN):
        if primary.level is Level.BUMN:
            chain += [national_agency_for(urusan, Level.BUMN).code, BUMN_FALLBACK]
        chain += [national_agency_for(urusan, Level.PUSAT).code, NATIONAL_FALLBACK]
    chain += [provincial_agency_for(urusan).code, PROVINCIAL_FALLBACK]
    if region_code is not None:
        chain.append(KABKOTA_BY_REGION[region_code].code)
    chain += [NATIONAL_FALLBACK, BUMN_FALLBACK]
    seen: dict[str, Agency] = {}
    for code in chain:
        seen.setdefault(code, AGENCIES[code])
    return list(seen.values())


def decide(inp: RoutingInput) -> RoutingDecision:
    hint_agency = AGENCIES.get(inp.hint_target_agency.strip()) if inp.hint_target_agency else None
    # A free-text target ("Dinas PU Lampung Selatan") is read like the rest of the complaint.
    hint = gz.tokenize(inp.hint_target_agency) if inp.hint_target_agency and hint_agency is None else None
    title, body = gz.tokenize(inp.title), gz.tokenize(inp.body)
    region = _find_region(inp, [title, body] + ([hint] if hint is not None else []), hint_agency)
    cls = _classify(inp, title, body, hint, hint_agency)
    primary, level_factor, why = _primary(cls, region, hint_agency)

    reasons: list[str] = list(region.reasons)
    if cls.matched:
        terms = ", ".join(f"'{t}'" for t in dict.fromkeys(cls.terms))
        line = f"urusan {cls.urusan} (score {cls.score:g}): {terms}"
        if cls.runner_up:
            line += f"; runner-up {cls.runner_up[0]} ({cls.runner_up[1]:g})"
        reasons.append(line)
    else:
        reasons.append(f"no urusan term matched: fallback {cls.urusan}")
    reasons += why

    confidence = cls.confidence * level_factor
    if region.conflict:
        confidence *= _CONFLICT_FACTOR

    excluded = inp.excluded_agencies
    chosen = primary
    if primary.code in excluded:
        candidates = _candidates(primary, cls.urusan, region.code)
        for skipped in takewhile(lambda a: a.code in excluded, candidates):
            reasons.append(f"skipped {skipped.code}: answered bukan wewenang")
            confidence *= _EXCLUSION_FACTOR
        allowed = [a for a in candidates if a.code not in excluded]
        if allowed:
            chosen = allowed[0]
        else:  # every usual candidate refused: any body not excluded, LAPOR! disposes
            chosen = next(a for a in AGENCIES.values() if a.code not in excluded)
            confidence = min(confidence, 0.05)

    if chosen.level is Level.KABKOTA:
        region_code = chosen.region_code
    elif chosen.level is Level.PROVINSI:
        region_code = PROVINCE_CODE
    else:  # national bodies: where it happened, if known
        region_code = region.code or PROVINCE_CODE
    reasons.append(f"routed to {chosen.code} ({chosen.name}), level {chosen.level.value}")
    return RoutingDecision(
        level=chosen.level,
        urusan=cls.urusan,
        region_code=region_code,
        agency_code=chosen.code,
        confidence=round(min(1.0, max(0.0, confidence)), 4),
        reasons=tuple(reasons),
        excluded_agencies=tuple(sorted(excluded)),
    )
