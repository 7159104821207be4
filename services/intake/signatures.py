"""How each gateway signs its requests, and the checks of those signatures. Pure: no I/O.

Every check compares in constant time (`hmac.compare_digest`) and answers None when the request is
authentic, otherwise the reason it is not (a metric label: missing, bad_signature, stale_timestamp).
The signing half of each scheme is here too, so the demo and the tests sign exactly as the gateways
do and a check cannot drift from its signer.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable

MISSING = "missing"
BAD_SIGNATURE = "bad_signature"
STALE = "stale_timestamp"
REPLAYED = "replayed"
BAD_KEY = "bad_key"


def _hmac_hex(key: str, message: bytes, digest: str = "sha256") -> str:
    return hmac.new(key.encode(), message, digest).hexdigest()


def _equal(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "surrogateescape")[:1024])


def _fresh(timestamp: str, now: float, tolerance_s: int) -> bool:
    try:
        value = float(timestamp)
    except ValueError:
        return False
    return value == value and abs(now - value) <= tolerance_s  # NaN is never fresh


# ---------------------------------------------------------------------------------------------
# android-sms-gateway: X-Signature = hex HMAC-SHA256(key, raw body + X-Timestamp)


def smsgate_signature(key: str, body: bytes, timestamp: str) -> str:
    return _hmac_hex(key, body + timestamp.encode())


def check_smsgate(
    key: str, body: bytes, signature: str | None, timestamp: str | None, *, now: float, tolerance_s: int
) -> str | None:
    if not signature or not timestamp:
        return MISSING
    if not _fresh(timestamp, now, tolerance_s):
        return STALE
    return None if _equal(smsgate_signature(key, body, timestamp), signature.lower()) else BAD_SIGNATURE


# ---------------------------------------------------------------------------------------------
# WhatsApp Cloud API: X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256(app secret, raw body)


def whatsapp_signature(app_secret: str, body: bytes) -> str:
    return "sha256=" + _hmac_hex(app_secret, body)


def check_whatsapp(app_secret: str, body: bytes, header: str | None) -> str | None:
    if not header:
        return MISSING
    return None if _equal(whatsapp_signature(app_secret, body), header.strip().lower()) else BAD_SIGNATURE


def check_verify_token(expected: str, given: str | None) -> str | None:
    if not given:
        return MISSING
    return None if _equal(expected, given) else BAD_KEY


# ---------------------------------------------------------------------------------------------
# Twilio: X-Twilio-Signature = base64 HMAC-SHA1(auth token, URL + each sorted POST name and value)


def twilio_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    pairs = sorted(set(params))
    data = url + "".join(name + value for name, value in pairs)
    return base64.b64encode(hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def check_twilio(auth_token: str, url: str, params: Iterable[tuple[str, str]], header: str | None) -> str | None:
    if not header:
        return MISSING
    return None if _equal(twilio_signature(auth_token, url, params), header.strip()) else BAD_SIGNATURE


# ---------------------------------------------------------------------------------------------
# Mailgun: signature = hex HMAC-SHA256(signing key, timestamp + token); the token is used once


def mailgun_signature(secret: str, timestamp: str, token: str) -> str:
    return _hmac_hex(secret, (timestamp + token).encode())


def check_mailgun(
    secret: str, timestamp: str | None, token: str | None, signature: str | None, *, now: float, tolerance_s: int
) -> str | None:
    """The signature and the timestamp; whether the token was used before is the caller's (stateful) check."""
    if not timestamp or not token or not signature:
        return MISSING
    if not _fresh(timestamp, now, tolerance_s):
        return STALE
    return None if _equal(mailgun_signature(secret, timestamp, token), signature.lower()) else BAD_SIGNATURE


# ---------------------------------------------------------------------------------------------
# Open311: an api_key of a named client


def open311_client(clients: dict[str, str], api_key: str | None) -> str | None:
    """The name of the client holding `api_key`, or None. Every key is compared, in constant time."""
    found = None
    for key, name in clients.items():
        if api_key is not None and _equal(key, api_key):
            found = name
    return found
