"""The signature schemes (services/intake/signatures.py), the verifier registry (auth.py), the rate
limiter (ratelimit.py) and the channel settings, without a broker."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
from pydantic import ValidationError
from twilio.request_validator import RequestValidator

from services.intake import signatures as sig
from services.intake.auth import REGISTRY, ChannelAuth
from services.intake.ratelimit import RateLimiter
from services.intake.settings import IntakeSettings

NOW = 1_764_590_000.0


def test_smsgate_signature_is_hmac_sha256_of_body_and_timestamp() -> None:
    body, ts = b'{"event":"sms:received"}', str(int(NOW))
    expected = hmac.new(b"k", body + ts.encode(), hashlib.sha256).hexdigest()
    assert sig.smsgate_signature("k", body, ts) == expected
    assert sig.check_smsgate("k", body, expected, ts, now=NOW, tolerance_s=300) is None
    assert sig.check_smsgate("k", body, expected.upper(), ts, now=NOW, tolerance_s=300) is None
    assert sig.check_smsgate("k", body + b" ", expected, ts, now=NOW, tolerance_s=300) == sig.BAD_SIGNATURE
    assert sig.check_smsgate("k", body, expected, ts, now=NOW + 301, tolerance_s=300) == sig.STALE
    assert sig.check_smsgate("k", body, expected, "nan", now=NOW, tolerance_s=300) == sig.STALE
    assert sig.check_smsgate("k", body, None, ts, now=NOW, tolerance_s=300) == sig.MISSING


def test_twilio_signature_matches_twilios_own_validator() -> None:
    url = "https://aduan.example.go.id/v1/channels/twilio?x=1"
    params = {"From": "+6281200001111", "Body": "Jalan rusak", "MessageSid": "SM1", "NumMedia": "0"}
    ours = sig.twilio_signature("token", url, params.items())
    assert ours == RequestValidator("token").compute_signature(url, params)
    assert RequestValidator("token").validate(url, params, ours)
    assert sig.check_twilio("token", url, params.items(), ours) is None
    assert sig.check_twilio("token", url + "&y=2", params.items(), ours) == sig.BAD_SIGNATURE


def test_whatsapp_and_mailgun_signatures() -> None:
    body = b'{"entry":[]}'
    header = "sha256=" + hmac.new(b"s", body, hashlib.sha256).hexdigest()
    assert sig.check_whatsapp("s", body, header) is None
    assert sig.check_whatsapp("s", body, header.replace("sha256=", "sha1=")) == sig.BAD_SIGNATURE
    ts, token = str(int(NOW)), "abc"
    good = hmac.new(b"m", (ts + token).encode(), hashlib.sha256).hexdigest()
    assert sig.check_mailgun("m", ts, token, good, now=NOW, tolerance_s=300) is None
    assert sig.check_mailgun("m", ts, "abd", good, now=NOW, tolerance_s=300) == sig.BAD_SIGNATURE
    assert sig.check_mailgun("m", ts, token, good, now=NOW - 600, tolerance_s=300) == sig.STALE
    assert base64.b64decode(sig.twilio_signature("t", "u", [])) == hmac.new(b"t", b"u", hashlib.sha1).digest()


def test_open311_clients_are_named_and_revocable() -> None:
    settings = IntakeSettings(open311_api_keys="kota-metro:k1, lapor-app:k2")
    assert settings.open311_clients() == {"k1": "kota-metro", "k2": "lapor-app"}
    assert sig.open311_client(settings.open311_clients(), "k2") == "lapor-app"
    assert sig.open311_client(settings.open311_clients(), "k3") is None
    with pytest.raises(ValidationError, match="name:key"):
        IntakeSettings(open311_api_keys="just-a-key")


def test_a_channel_without_its_secret_is_off_and_every_channel_is_registered() -> None:
    assert {"sms", "twilio", "whatsapp", "whatsapp-verify", "email", "open311"} <= set(REGISTRY)
    auth = ChannelAuth(IntakeSettings(whatsapp_app_secret="s"), ledger=None)  # type: ignore[arg-type]
    assert auth.enabled("whatsapp") and not auth.enabled("sms")
    assert auth.off["sms"] == "ADUAN_SMSGATE_SIGNING_KEY"


def test_rate_limiter_allows_a_burst_then_answers_when_to_retry() -> None:
    now = [0.0]
    limiter = RateLimiter(2, clock=lambda: now[0])
    assert [limiter.retry_after("a"), limiter.retry_after("a")] == [None, None]
    assert limiter.retry_after("a") == 30  # one request per 30 s at 2 per minute
    assert limiter.retry_after("b") is None  # per source
    now[0] = 30.0
    assert limiter.retry_after("a") is None
    assert RateLimiter(0).retry_after("a") is None  # 0: no limit


def test_rate_limiter_forgets_the_oldest_sources_beyond_its_bound() -> None:
    limiter = RateLimiter(1, max_sources=2)
    for source in ("a", "b", "c"):
        assert limiter.retry_after(source) is None
    assert limiter.retry_after("a") is None  # forgotten, so a fresh bucket


def test_local_stack_secrets_are_the_demos_unless_the_environment_has_its_own(monkeypatch) -> None:
    from aduan import stack
    from simulators.gateways import DEMO_SECRETS

    monkeypatch.delenv("ADUAN_TWILIO_AUTH_TOKEN", raising=False)
    monkeypatch.setenv("ADUAN_SMSGATE_SIGNING_KEY", "from-the-environment")
    secrets = stack.channel_secrets()
    assert secrets["ADUAN_SMSGATE_SIGNING_KEY"] == "from-the-environment"
    assert secrets["ADUAN_TWILIO_AUTH_TOKEN"] == DEMO_SECRETS["ADUAN_TWILIO_AUTH_TOKEN"]
    assert set(secrets) == set(DEMO_SECRETS)
    assert (
        stack.Stack(stack.Infra("k:1", "postgresql://x/y")).procs["intake"].env["ADUAN_SMSGATE_SIGNING_KEY"]
        == "from-the-environment"
    )
