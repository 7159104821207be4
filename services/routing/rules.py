"""The rule set routing decides with: gazetteer, taxonomy and directory, loaded from data/ and validated.

`current()` is what decisions use; `reload()` reads the files again and swaps the set in only when all of
it validates (a bad edit leaves the running set in place and says why). The version recorded on every
decision names the three files' versions and a digest of their bytes, so two decisions with the same
version were made by the same rules.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from services.routing.directory import DIRECTORY_TOML, Directory, check_agency
from services.routing.gazetteer import PLACES_TOML, REGIONS_CSV, Gazetteer
from services.routing.taxonomy import TAXONOMY_TOML, Taxonomy
from shared.agencies import KABKOTA_BY_REGION
from shared.events import Level


@dataclass(frozen=True)
class RuleSet:
    version: str
    gazetteer: Gazetteer
    taxonomy: Taxonomy
    directory: Directory


@dataclass(frozen=True)
class RulePaths:
    places: Path = PLACES_TOML
    regions: Path = REGIONS_CSV
    taxonomy: Path = TAXONOMY_TOML
    directory: Path = DIRECTORY_TOML


def load(paths: RulePaths | None = None) -> RuleSet:
    """Read and cross-check every file; raises ValueError (or pydantic's ValidationError) naming the problem."""
    paths = paths or RulePaths()
    gazetteer = Gazetteer.load(paths.places, paths.regions)
    taxonomy = Taxonomy.load(paths.taxonomy)
    directory = Directory.load(taxonomy.known_urusan, paths.directory)
    for rule in taxonomy.rules:
        where = f"taxonomy.toml rule {rule.key!r}"
        if rule.agency:
            check_agency(rule.agency, rule.level, where)
        if rule.provincial_agency:
            check_agency(rule.provincial_agency, Level.PROVINSI, where)
        if rule.region is not None and (rule.region not in KABKOTA_BY_REGION or rule.level is not Level.KABKOTA):
            raise ValueError(f"{where}: region {rule.region!r} needs level kabkota and a Lampung kab/kota code")
    digest = hashlib.sha256()
    for path in (paths.places, paths.regions, paths.taxonomy, paths.directory):
        digest.update(path.read_bytes())
    version = f"{gazetteer.version}+{taxonomy.version}+{directory.version}@{digest.hexdigest()[:10]}"
    return RuleSet(version, gazetteer, taxonomy, directory)


_current: RuleSet | None = None
_paths: RulePaths | None = None


def configure(paths: RulePaths | None) -> RuleSet:
    """Use the files at `paths` from now on (the service's settings may point elsewhere)."""
    global _current, _paths
    rules = load(paths)
    _current, _paths = rules, paths
    return rules


def current() -> RuleSet:
    global _current
    if _current is None:
        _current = load(_paths)
    return _current


def reload() -> RuleSet:
    """Read the files again; on any error the running rule set stays and the error is raised."""
    global _current
    rules = load(_paths)
    _current = rules
    return rules
