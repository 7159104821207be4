"""The GeoReport v2 services intake offers (open311.toml): urusan codes, their names, the attributes of
each service definition, the legacy codes still accepted, and the texts of the answers. Pure."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

CATALOGUE_PATH = Path(__file__).with_name("open311.toml")
NOTICE_KEYS = {
    "created",
    "unknown_service",
    "unknown_jurisdiction",
    "unknown_request",
    "unknown_token",
    "bad_format",
    "bad_date",
    "bad_status",
    "date_span",
}


class Service(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str
    name: str
    group: str
    keywords: str = ""
    description: str | None = None


class Attribute(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str
    description: str
    order: int


class Discovery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    changeset: str
    contact: str
    key_service: str


class Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid")
    discovery: Discovery
    notices: dict[str, str]
    aliases: dict[str, str]
    attributes: list[Attribute]
    services: list[Service]

    @model_validator(mode="after")
    def _consistent(self) -> Catalogue:
        codes = [s.code for s in self.services]
        if len(set(codes)) != len(codes):
            raise ValueError("open311.toml: a service code is listed twice")
        if set(self.notices) != NOTICE_KEYS:
            raise ValueError(f"open311.toml: [notices] must be exactly {sorted(NOTICE_KEYS)}")
        for alias, code in self.aliases.items():
            if code not in codes or alias in codes:
                raise ValueError(f"open311.toml: alias {alias} must name a listed service and not be one")
        return self

    def canonical(self, code: str | None) -> str | None:
        """The listed service a code stands for (an alias becomes its urusan), or None when unknown."""
        if code is None:
            return None
        code = code.strip().lower()
        code = self.aliases.get(code, code)
        return code if any(s.code == code for s in self.services) else None

    def service(self, code: str) -> Service | None:
        return next((s for s in self.services if s.code == code), None)

    def name_of(self, code: str | None) -> str | None:
        service = self.service(code) if code else None
        return service.name if service else None

    def listing(self) -> list[dict[str, Any]]:
        """GET services: every service, each with a definition (its attributes)."""
        return [
            {
                "service_code": s.code,
                "service_name": s.name,
                "description": s.description or s.name,
                "metadata": True,
                "type": "realtime",
                "keywords": s.keywords,
                "group": s.group,
            }
            for s in self.services
        ]

    def discovery_document(self, url: str) -> dict[str, Any]:
        """GeoReport's service discovery: this one production endpoint, JSON and XML."""
        d = self.discovery
        return {
            "changeset": d.changeset,
            "contact": d.contact,
            "key_service": d.key_service,
            "endpoints": [
                {
                    "specification": "http://wiki.open311.org/GeoReport_v2",
                    "url": url,
                    "changeset": d.changeset,
                    "type": "production",
                    "formats": ["text/xml", "application/json"],
                }
            ],
        }

    def definition(self, code: str) -> dict[str, Any]:
        """GET services/{code}: GeoReport's service definition; attribute[<code>]=true|false on POST."""
        return {
            "service_code": code,
            "attributes": [
                {
                    "variable": True,
                    "code": a.code,
                    "datatype": "singlevaluelist",
                    "required": False,
                    "datatype_description": None,
                    "order": a.order,
                    "description": a.description,
                    "values": [{"key": "true", "name": "Ya"}, {"key": "false", "name": "Tidak"}],
                }
                for a in sorted(self.attributes, key=lambda a: a.order)
            ],
        }


def load_catalogue(path: Path = CATALOGUE_PATH) -> Catalogue:
    try:
        return Catalogue.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise ValueError(f"{path}: {exc}") from exc


CATALOGUE = load_catalogue()
