"""The notifier's message texts (messages.toml), validated at load: only known kinds, only the placeholders
each kind is given, a label for every clock and role."""

from __future__ import annotations

import string
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from shared.events import CitizenMessageKind, SlaAlertKind

__all__ = ["DEFAULT_MESSAGES_PATH", "Messages", "Template", "load_messages"]

DEFAULT_MESSAGES_PATH = Path(__file__).with_name("messages.toml")

CITIZEN_FIELDS = frozenset({"tracking_number", "agency_name"})
ALERT_FIELDS = frozenset({"tracking_number", "clock", "clock_label", "due_local", "agency_name", "level", "role_label"})
DIGEST_FIELDS = frozenset({"agency_name", "day", "open", "due_soon", "due_soon_days", "breached"})
ROLES = frozenset({"agency_admin", "agency_head", "admin_koordinator", "inspektorat"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


class CitizenTemplate(_Strict):
    text: str = Field(min_length=1, max_length=1000)


class Template(_Strict):
    subject: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1)


class Messages(_Strict):
    citizen: dict[CitizenMessageKind, CitizenTemplate]
    alert: dict[SlaAlertKind, Template]
    digest: Template
    clock_labels: dict[str, str]
    role_labels: dict[str, str]

    @model_validator(mode="before")
    @classmethod
    def _enum_keys(cls, data: Any) -> Any:
        # strict mode would refuse the plain string keys TOML gives for the enum-keyed tables
        if isinstance(data, dict):
            data = dict(data)
            for key, enum in (("citizen", CitizenMessageKind), ("alert", SlaAlertKind)):
                table = data.get(key)
                if isinstance(table, dict):
                    try:
                        data[key] = {enum(k): v for k, v in table.items()}
                    except ValueError as exc:
                        raise ValueError(f"{key}: {exc}") from None
        return data

    @model_validator(mode="after")
    def _complete(self) -> Messages:
        for kinds, table, name in ((CitizenMessageKind, self.citizen, "citizen"), (SlaAlertKind, self.alert, "alert")):
            missing = sorted(k.value for k in kinds if k not in table)
            if missing:
                raise ValueError(f"{name}: no text for {missing}")
        for kind, c in self.citizen.items():
            extra = _placeholders(c.text) - CITIZEN_FIELDS
            if extra:
                raise ValueError(f"citizen.{kind.value}: unknown placeholders {sorted(extra)}")
        for alert_kind, t in self.alert.items():
            extra = (_placeholders(t.subject) | _placeholders(t.body)) - ALERT_FIELDS
            if extra:
                raise ValueError(f"alert.{alert_kind.value}: unknown placeholders {sorted(extra)}")
        extra = (_placeholders(self.digest.subject) | _placeholders(self.digest.body)) - DIGEST_FIELDS
        if extra:
            raise ValueError(f"digest: unknown placeholders {sorted(extra)}")
        missing_roles = sorted(ROLES - set(self.role_labels))
        if missing_roles:
            raise ValueError(f"role_labels: missing {missing_roles}")
        return self

    def check_clocks(self, clocks: set[str]) -> None:
        missing = sorted(clocks - set(self.clock_labels))
        if missing:
            raise ValueError(f"messages: clock_labels has no label for {missing}")

    def citizen_text(self, kind: CitizenMessageKind, **fields: str) -> str:
        return self.citizen[kind].text.format(**fields)

    def alert_text(self, kind: SlaAlertKind, **fields: object) -> tuple[str, str]:
        t = self.alert[kind]
        return t.subject.format(**fields), t.body.format(**fields)


def load_messages(path: Path | None = None) -> Messages:
    path = Path(path) if path is not None else DEFAULT_MESSAGES_PATH
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"messages {path} is not valid TOML: {exc}") from None
    try:
        return Messages.model_validate(data)
    except ValidationError as exc:
        raise ValueError(f"messages {path} are invalid: {exc}") from None
