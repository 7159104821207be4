"""Keyword SMS: `LAPOR#<kab/kota>#<isi>` and `LAPOR <kab/kota> <isi>`, any case. Pure.

The format of SMS 1708 and of many regional SMS centres: a keyword, the kabupaten/kota, the complaint.
The kab/kota may be written in full, with "Kab."/"Kota", or short (Lamsel, Balam, Tubaba, …); the
names are in regions.toml, keyed by Kemendagri code. A keyword SMS gives its region as the location
hint and its text without the keyword and the region; any other SMS is free text, as before. In the
space form, the words after the keyword are a region only when they name one ("Lapor pak, jalan
rusak" stays free text); in the `#` form the part between the signs is the region even when it is not
one we know, and is kept as the citizen's own location text.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from shared.agencies import KABKOTA

REGIONS_PATH = Path(__file__).with_name("regions.toml")
MAX_REGION_WORDS = 4  # "Kabupaten Tulang Bawang Barat"
_PREFIX = re.compile(r"^\s*(?:kabupaten|kab|kota|kot)\b\.?\s*", re.IGNORECASE)
_LAMPUNG_KABKOTA = frozenset(a.region_code for a in KABKOTA)


def name_key(name: str) -> str:
    """A name as compared: lower case, letters and digits only."""
    return "".join(c for c in name.lower() if c.isalnum())


class Region(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    aliases: list[str]


class RegionNames(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1]
    keywords: list[str]
    not_regions: list[str] = []
    regions: dict[str, Region]

    @field_validator("regions")
    @classmethod
    def _lampung_codes(cls, regions: dict[str, Region]) -> dict[str, Region]:
        unknown = set(regions) - _LAMPUNG_KABKOTA
        if unknown:
            raise ValueError(f"not Lampung kab/kota codes: {sorted(unknown)}")
        return regions

    @model_validator(mode="after")
    def _names_unique(self) -> RegionNames:
        owner: dict[str, str] = {}
        for code, region in self.regions.items():
            for name in (region.name, *region.aliases):
                key = name_key(name)
                if not key:
                    raise ValueError(f"{code}: a blank name")
                if owner.setdefault(key, code) != code:
                    raise ValueError(f"{name!r} names both {owner[key]} and {code}")
        if not self.keywords or any(not k.strip() for k in self.keywords):
            raise ValueError("at least one keyword, none blank")
        return self

    def by_key(self) -> dict[str, str]:
        return {name_key(n): code for code, r in self.regions.items() for n in (r.name, *r.aliases)}


def load_region_names(path: Path = REGIONS_PATH) -> RegionNames:
    try:
        return RegionNames.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise ValueError(f"{path}: not a valid list of region names: {exc}") from exc


@dataclass(frozen=True)
class KeywordSms:
    """What a keyword SMS says: the complaint's text, its kab/kota code, or the place as written."""

    body: str
    region_code: str | None
    region_text: str | None


class _Parser:
    def __init__(self, names: RegionNames) -> None:
        keywords = "|".join(re.escape(k) for k in sorted(names.keywords, key=len, reverse=True))
        self.hash_form = re.compile(rf"^\s*(?:{keywords})\s*#(?P<rest>.*)$", re.IGNORECASE | re.DOTALL)
        self.space_form = re.compile(rf"^\s*(?:{keywords})(?:\s*[:.,]\s*|\s+)(?P<rest>.*)$", re.IGNORECASE | re.DOTALL)
        self.codes = names.by_key()
        self.not_regions = [name_key(n) for n in names.not_regions]
        self.names = {code: r.name for code, r in names.regions.items()}

    def region(self, text: str) -> str | None:
        for candidate in (text, _PREFIX.sub("", text)):
            code = self.codes.get(name_key(candidate))
            if code is not None:
                return code
        return None

    def leading_region(self, text: str) -> tuple[str, str] | None:
        """The kab/kota the text starts with (the longest name of up to four words) and the rest."""
        words = text.split(None, MAX_REGION_WORDS)
        if any(name_key(" ".join(words[:MAX_REGION_WORDS])).startswith(n) for n in self.not_regions):
            return None
        for n in range(min(MAX_REGION_WORDS, len(words)), 0, -1):
            code = self.region(" ".join(words[:n]))
            if code is not None:
                parts = text.split(None, n)
                return code, (parts[n] if len(parts) > n else "").lstrip(" :,.-")
        return None

    def parse(self, message: str) -> KeywordSms | None:
        hashed = self.hash_form.match(message)
        if hashed:
            rest = hashed["rest"]
            if "#" in rest:
                place, body = rest.split("#", 1)
                place = place.strip()
                code = self.region(place) if place else None
                return KeywordSms(body.strip(), code, None if code or not place else place)
            found = self.leading_region(rest)
            if found:
                return KeywordSms(found[1].strip(), found[0], None)
            return KeywordSms(rest.strip(), None, None)
        spaced = self.space_form.match(message)
        if spaced:
            found = self.leading_region(spaced["rest"])
            if found:
                return KeywordSms(found[1].strip(), found[0], None)
        return None


_PARSER = _Parser(load_region_names())


def parse(message: str) -> KeywordSms | None:
    """The keyword SMS in `message`, or None when it is free text."""
    return _PARSER.parse(message)


def region_name(code: str) -> str:
    return _PARSER.names[code]
