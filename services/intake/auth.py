"""Who may post to which channel: one verifier per channel, checked before anything is parsed.

A channel module declares its check with `@channel_verifier(name, setting)`; the factory gets the
settings and answers None when the channel's secret is unset, which turns the channel off (said once
at start-up). A failure is answered 401 (no credentials) or 403 (wrong ones), logged with the
channel, the source IP and the reason, never the body, and counted in
`aduan_channel_auth_failures_total{channel,reason}`.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from prometheus_client import Counter

from services.intake import signatures as sig
from services.intake.settings import IntakeSettings
from shared.logging import get_logger

log = get_logger(__name__)

AUTH_FAILURES = Counter(
    "aduan_channel_auth_failures_total", "Channel requests refused by authentication", ["channel", "reason"]
)


@dataclass(frozen=True)
class SignedRequest:
    """What a verifier may look at: headers, the raw body, form/query fields, the URL called, the time."""

    headers: Mapping[str, str]
    body: bytes
    fields: list[tuple[str, str]]
    url: str
    now: float

    def field(self, name: str) -> str | None:
        return next((v for k, v in self.fields if k == name), None)


class TokenLedger(Protocol):
    """One-use tokens (Mailgun's): `claim` is False when the token was seen before."""

    async def claim(self, scope: str, token: str) -> bool: ...

    async def release(self, scope: str, token: str) -> None: ...


Verifier = Callable[[SignedRequest], Awaitable[str | None]]
Factory = Callable[[IntakeSettings, TokenLedger], Verifier | None]


@dataclass(frozen=True)
class Registration:
    factory: Factory
    setting: str


REGISTRY: dict[str, Registration] = {}


def channel_verifier(channel: str, setting: str) -> Callable[[Factory], Factory]:
    """Register the signature check of `channel`, whose secret is the environment variable `setting`."""

    def register(factory: Factory) -> Factory:
        REGISTRY[channel] = Registration(factory, setting)
        return factory

    return register


@dataclass(frozen=True)
class Denial:
    status: int  # 401: no credentials; 403: wrong ones
    reason: str


class ChannelAuth:
    def __init__(self, settings: IntakeSettings, ledger: TokenLedger) -> None:
        self.verifiers: dict[str, Verifier] = {}
        self.off: dict[str, str] = {}  # channel → the setting that would turn it on
        for channel, reg in REGISTRY.items():
            verifier = reg.factory(settings, ledger)
            if verifier is None:
                self.off[channel] = reg.setting
            else:
                self.verifiers[channel] = verifier

    def announce(self) -> None:
        """Say once, at start-up, which channels are on and which are off for want of a secret."""
        for channel, setting in sorted(self.off.items()):
            log.warning("channel off: its secret is not set", channel=channel, setting=setting)
        log.info("channels on", channels=sorted(self.verifiers))

    def enabled(self, channel: str) -> bool:
        return channel in self.verifiers

    async def check(self, channel: str, request: SignedRequest, source_ip: str | None) -> Denial | None:
        verifier = self.verifiers.get(channel)
        reason = "channel_off" if verifier is None else await verifier(request)
        if reason is None:
            return None
        AUTH_FAILURES.labels(channel, reason).inc()
        log.warning("channel request refused", channel=channel, source_ip=source_ip, reason=reason)
        return Denial(401 if reason == sig.MISSING else 403, reason)


def _secret(value: object) -> str | None:
    text = value.get_secret_value() if value is not None else None  # type: ignore[attr-defined]
    return text or None


# ---------------------------------------------------------------------------------------------
# the channels intake serves


@channel_verifier("sms", "ADUAN_SMSGATE_SIGNING_KEY")
def _smsgate(settings: IntakeSettings, _: TokenLedger) -> Verifier | None:
    key = _secret(settings.smsgate_signing_key)
    if key is None:
        return None

    async def verify(r: SignedRequest) -> str | None:
        return sig.check_smsgate(
            key,
            r.body,
            r.headers.get("x-signature"),
            r.headers.get("x-timestamp"),
            now=r.now,
            tolerance_s=settings.signature_tolerance_s,
        )

    return verify


@channel_verifier("twilio", "ADUAN_TWILIO_AUTH_TOKEN")
def _twilio(settings: IntakeSettings, _: TokenLedger) -> Verifier | None:
    token = _secret(settings.twilio_auth_token)
    if token is None:
        return None

    async def verify(r: SignedRequest) -> str | None:
        return sig.check_twilio(token, r.url, r.fields, r.headers.get("x-twilio-signature"))

    return verify


@channel_verifier("whatsapp", "ADUAN_WHATSAPP_APP_SECRET")
def _whatsapp(settings: IntakeSettings, _: TokenLedger) -> Verifier | None:
    secret = _secret(settings.whatsapp_app_secret)
    if secret is None:
        return None

    async def verify(r: SignedRequest) -> str | None:
        return sig.check_whatsapp(secret, r.body, r.headers.get("x-hub-signature-256"))

    return verify


@channel_verifier("whatsapp-verify", "ADUAN_WHATSAPP_VERIFY_TOKEN")
def _whatsapp_verify(settings: IntakeSettings, _: TokenLedger) -> Verifier | None:
    expected = _secret(settings.whatsapp_verify_token)
    if expected is None:
        return None

    async def verify(r: SignedRequest) -> str | None:
        if r.field("hub.mode") != "subscribe":
            return sig.MISSING
        return sig.check_verify_token(expected, r.field("hub.verify_token"))

    return verify


@channel_verifier("email", "ADUAN_EMAIL_WEBHOOK_SECRET")
def _mailgun(settings: IntakeSettings, ledger: TokenLedger) -> Verifier | None:
    secret = _secret(settings.email_webhook_secret)
    if secret is None:
        return None

    async def verify(r: SignedRequest) -> str | None:
        token = r.field("token")
        failure = sig.check_mailgun(
            secret,
            r.field("timestamp"),
            token,
            r.field("signature"),
            now=r.now,
            tolerance_s=settings.signature_tolerance_s,
        )
        if failure is None and not await ledger.claim("email", token or ""):
            return sig.REPLAYED
        return failure

    return verify


@channel_verifier("open311", "ADUAN_OPEN311_API_KEYS")
def _open311(settings: IntakeSettings, _: TokenLedger) -> Verifier | None:
    clients = settings.open311_clients()
    if not clients:
        return None

    async def verify(r: SignedRequest) -> str | None:
        api_key = r.field("api_key")
        if not api_key:
            return sig.MISSING
        return None if sig.open311_client(clients, api_key) else sig.BAD_KEY

    return verify


def now() -> float:
    return time.time()
