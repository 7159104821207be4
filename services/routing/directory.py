"""Routing's agency directory: who owns each urusan at each level (data/directory.toml).

Agency codes, names and levels are shared (shared/agencies.py, also used for topics); which body owns
which urusan is routing policy, so it lives here, validated against the shared registry.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from services.routing.gazetteer import DATA_DIR
from shared.agencies import AGENCIES, KABKOTA_BY_REGION, Agency
from shared.events import Level

DIRECTORY_TOML = DATA_DIR / "directory.toml"


class _Fallback(BaseModel):
    model_config = ConfigDict(extra="forbid")
    provinsi: str
    pusat: str
    bumn: str


class DirectoryConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: str
    fallback: _Fallback
    provincial_owner: dict[str, str]
    national_owner: dict[str, str]
    bumn_owner: dict[str, str]
    handles: dict[str, list[str]]


class Directory:
    def __init__(self, config: DirectoryConfig, known_urusan: frozenset[str]) -> None:
        self.config = config
        self.version = config.version
        fb = config.fallback
        expected = {fb.provinsi: Level.PROVINSI, fb.pusat: Level.PUSAT, fb.bumn: Level.BUMN}
        for table, level in (
            ("provincial_owner", Level.PROVINSI),
            ("national_owner", Level.PUSAT),
            ("bumn_owner", Level.BUMN),
        ):
            for urusan, code in getattr(config, table).items():
                check_agency(code, level, f"directory.toml [{table}] {urusan}")
                if urusan not in known_urusan:
                    raise ValueError(f"directory.toml [{table}]: unknown urusan {urusan!r}")
        for code, urusan in config.handles.items():
            expected.setdefault(code, AGENCIES[code].level if code in AGENCIES else Level.PUSAT)
            unknown = set(urusan) - known_urusan
            if unknown:
                raise ValueError(f"directory.toml [handles] {code}: unknown urusan {sorted(unknown)}")
        for code, level in expected.items():
            check_agency(code, level, "directory.toml")
        self.fallback = {
            Level.PROVINSI: AGENCIES[fb.provinsi],
            Level.PUSAT: AGENCIES[fb.pusat],
            Level.BUMN: AGENCIES[fb.bumn],
        }
        self._provincial = config.provincial_owner
        self._national = config.national_owner
        self._bumn = config.bumn_owner
        self._handles = {code: frozenset(u) for code, u in config.handles.items()}

    @classmethod
    def load(cls, known_urusan: frozenset[str], path: Path = DIRECTORY_TOML) -> Directory:
        return cls(DirectoryConfig.model_validate(tomllib.loads(path.read_text(encoding="utf-8"))), known_urusan)

    def handles(self, agency_code: str) -> frozenset[str]:
        return self._handles.get(agency_code, frozenset())

    def provincial(self, urusan: str) -> Agency:
        """The provincial OPD owning `urusan`; the Setda when no OPD does."""
        code = self._provincial.get(urusan)
        return AGENCIES[code] if code else self.fallback[Level.PROVINSI]

    def national(self, urusan: str, level: Level = Level.PUSAT) -> Agency:
        """The usual national body (level pusat) or state company (level bumn) for `urusan`."""
        if level is Level.BUMN:
            code = self._bumn.get(urusan)
        elif level is Level.PUSAT:
            code = self._national.get(urusan)
        else:
            raise ValueError(f"national() takes pusat or bumn, not {level}")
        return AGENCIES[code] if code else self.fallback[level]

    @staticmethod
    def kabkota(region_code: str) -> Agency:
        return KABKOTA_BY_REGION[region_code]


def check_agency(code: str, level: Level | None, where: str) -> None:
    """A referenced agency must exist in shared/agencies.py (and sit at the level the reference says)."""
    agency = AGENCIES.get(code)
    if agency is None:
        raise ValueError(f"{where}: unknown agency code {code!r}")
    if level is not None and agency.level is not level:
        raise ValueError(f"{where}: {code!r} is {agency.level.value}, not {level.value}")
