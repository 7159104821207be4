"""Who is told of a deadline: recipients per agency and region, the escalation chain, the digest
(recipients.toml, validated at load).

Roles: `agency_admin` and `agency_head` per agency; `admin_koordinator` and `inspektorat` per kab/kota
(Kemendagri code) and for the province. A kab/kota agency escalates to its kab/kota's Admin Koordinator
and Inspektorat; a provincial body, and anything outside Lampung's regions, to the province's. A complaint not
routed yet (still at LAPOR!'s verification) has no agency: its agency roles fall to the province's Admin
Koordinator.
Webhook secrets are never in the file: `secret_env` names the environment variable that holds each.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

import phonenumbers
from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationError, field_validator, model_validator

from shared.agencies import AGENCIES, KABKOTA, Level

__all__ = ["Contact", "Delivery", "Recipients", "load_recipients"]

DEFAULT_RECIPIENTS_PATH = Path(__file__).with_name("recipients.toml")

Role = Literal["agency_admin", "agency_head", "admin_koordinator", "inspektorat"]
ChannelName = Literal["email", "sms", "webhook"]
_KABKOTA_REGIONS = frozenset(a.region_code for a in KABKOTA)
_SECRET_ENV = re.compile(r"^ADUAN_[A-Z0-9_]+$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Webhook(_Strict):
    url: str = Field(max_length=2000)
    secret_env: str

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+(/\S*)?$", value):
            raise ValueError(f"webhook url must be an http(s) URL, got {value!r}")
        return value

    @field_validator("secret_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        if not _SECRET_ENV.match(value):
            raise ValueError("secret_env names an environment variable ADUAN_…, never the secret itself")
        return value


class Contact(_Strict):
    name: str | None = None
    email: EmailStr | None = None
    phone: str | None = None  # E.164 after validation
    webhook: Webhook | None = None

    @field_validator("phone")
    @classmethod
    def _e164(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            number = phonenumbers.parse(value, "ID")
        except phonenumbers.NumberParseException:
            raise ValueError("phone is not a phone number") from None
        if not phonenumbers.is_valid_number(number):
            raise ValueError("phone is not a valid Indonesian or international number")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    @model_validator(mode="after")
    def _reachable(self) -> Contact:
        if self.email is None and self.phone is None and self.webhook is None:
            raise ValueError("a contact needs an email, a phone or a webhook")
        return self


class AgencyContacts(_Strict):
    admin: Contact | None = None
    head: Contact | None = None


class RegionContacts(_Strict):
    admin_koordinator: Contact | None = None
    inspektorat: Contact | None = None


class EscalationStep(_Strict):
    level: int = Field(ge=1)
    to: tuple[Role, ...] = Field(min_length=1)
    # after the previous level (level 1: after the clock's escalate_at from the SLA policy)
    after_hours: float = Field(ge=0)
    # at this level an agency that never answered is reported to the citizen's Ombudsman route
    tell_citizen_ombudsman: bool = False


class AlertRoutes(_Strict):
    warning: tuple[Role, ...] = ("agency_admin",)
    breach: tuple[Role, ...] = ("agency_admin",)


class Digest(_Strict):
    enabled: bool = True
    hour: int = Field(default=7, ge=0, le=23)  # local time
    to: tuple[Role, ...] = ("agency_admin",)
    due_soon_days: int = Field(default=2, ge=1)


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message to send: a channel, an address, and who it is (for the idempotency key)."""

    role: str
    channel: ChannelName
    address: str
    secret_env: str | None = None

    @property
    def key(self) -> str:
        return f"{self.channel}:{self.address}"


class Recipients(_Strict):
    version: int = 1
    escalation: tuple[EscalationStep, ...] = ()
    alerts: AlertRoutes = AlertRoutes()
    digest: Digest = Digest()
    # clocks whose final escalation tells the citizen of the Ombudsman route
    ombudsman_clocks: tuple[str, ...] = ("follow_up",)
    agencies: dict[str, AgencyContacts] = Field(default_factory=dict)
    regions: dict[str, RegionContacts] = Field(default_factory=dict)
    province: RegionContacts = RegionContacts()

    @field_validator("version")
    @classmethod
    def _v1(cls, value: int) -> int:
        if value != 1:
            raise ValueError(f"unsupported recipients version {value}")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Recipients:
        levels = [s.level for s in self.escalation]
        if levels != list(range(1, len(levels) + 1)):
            raise ValueError(f"escalation levels must be 1, 2, … in order, got {levels}")
        unknown = sorted(set(self.agencies) - set(AGENCIES))
        if unknown:
            raise ValueError(f"agencies: unknown agency codes {unknown}")
        bad_regions = sorted(set(self.regions) - _KABKOTA_REGIONS)
        if bad_regions:
            raise ValueError(f"regions: not a Lampung kab/kota code {bad_regions} (e.g. 18.71)")
        return self

    @property
    def chain_delays(self) -> tuple[timedelta, ...]:
        return tuple(timedelta(hours=s.after_hours) for s in self.escalation)

    def secret_envs(self) -> set[str]:
        contacts: list[Contact | None] = [self.province.admin_koordinator, self.province.inspektorat]
        for a in self.agencies.values():
            contacts += [a.admin, a.head]
        for r in self.regions.values():
            contacts += [r.admin_koordinator, r.inspektorat]
        return {c.webhook.secret_env for c in contacts if c is not None and c.webhook is not None}

    def check_secrets(self, environ: Mapping[str, str] | None = None) -> None:
        """Every webhook's secret must be set (and non-empty) before the service starts."""
        env = os.environ if environ is None else environ
        missing = sorted(name for name in self.secret_envs() if not env.get(name))
        if missing:
            raise ValueError(f"recipients: webhook secrets not set in the environment: {missing}")

    def contact(self, role: str, agency_code: str | None) -> Contact | None:
        agency = AGENCIES.get(agency_code) if agency_code else None
        if role in ("agency_admin", "agency_head") and agency_code is None:
            # not routed yet (the LAPOR! verification stage): the province's Admin Koordinator owns it
            return self.province.admin_koordinator
        if role in ("agency_admin", "agency_head"):
            contacts = self.agencies.get(agency_code) if agency_code else None
            if contacts is None:
                return None
            return contacts.admin if role == "agency_admin" else contacts.head
        region = self.province
        if agency is not None and agency.level is Level.KABKOTA and agency.region_code in self.regions:
            region = self.regions[agency.region_code]
        return region.admin_koordinator if role == "admin_koordinator" else region.inspektorat

    def deliveries(self, roles: tuple[str, ...], agency_code: str | None) -> list[Delivery]:
        """One delivery per channel and address of each role's contact; an address shared by two roles once."""
        out: dict[str, Delivery] = {}
        for role in roles:
            c = self.contact(role, agency_code)
            if c is None:
                continue
            found = []
            if c.email is not None:
                found.append(Delivery(role, "email", str(c.email)))
            if c.phone is not None:
                found.append(Delivery(role, "sms", c.phone))
            if c.webhook is not None:
                found.append(Delivery(role, "webhook", c.webhook.url, c.webhook.secret_env))
            for d in found:
                out.setdefault(d.key, d)
        return list(out.values())

    def roles_for(self, kind: str, level: int) -> tuple[str, ...]:
        if kind == "warning":
            return self.alerts.warning
        if kind == "breach":
            return self.alerts.breach
        return self.escalation[level - 1].to if 0 < level <= len(self.escalation) else ()


def _load(text: str, origin: str) -> Recipients:
    try:
        data: Any = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"recipients {origin} is not valid TOML: {exc}") from None
    try:
        return Recipients.model_validate(data)
    except ValidationError as exc:
        raise ValueError(f"recipients {origin} are invalid: {exc}") from None


def load_recipients(path: Path | None = None) -> Recipients:
    path = Path(path) if path is not None else DEFAULT_RECIPIENTS_PATH
    return _load(path.read_text(encoding="utf-8"), str(path))


def parse_recipients(text: str) -> Recipients:
    return _load(text, "<string>")
