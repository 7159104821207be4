"""Personal data in free text, and keyed fingerprints of identities. Pure, one module.

`mask` replaces what a citizen types about themselves or others — NIK, phone numbers in every
Indonesian form, e-mail addresses, bank account numbers near "rek"/"rekening"/a bank's name — with
`[NIK]`, `[TELEPON]`, `[EMAIL]`, `[REKENING]`. The words that mark an account number are data
(`shared/pii.toml`). Masking errs on the side of masking: a long number that might be a phone
number is masked.

`fingerprint` is an HMAC (ADUAN_PII_HASH_KEY), not a bare hash: a phone number or NIK has so few
possible values that a bare SHA-256 of one is reversed by trying them all.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

PATTERNS_PATH = Path(__file__).with_name("pii.toml")

NIK_MASK = "[NIK]"
PHONE_MASK = "[TELEPON]"
EMAIL_MASK = "[EMAIL]"
ACCOUNT_MASK = "[REKENING]"


class PiiPatterns(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    account_words: tuple[str, ...] = Field(min_length=1)
    bank_names: tuple[str, ...] = Field(min_length=1)
    max_gap_chars: int = Field(ge=0, le=200)


@cache
def patterns(path: Path = PATTERNS_PATH) -> PiiPatterns:
    return PiiPatterns.model_validate(tomllib.loads(path.read_text()))


_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# 16 digits, with at most one separator (space, dot, dash) between any two.
_NIK = re.compile(r"(?<![\d])\d(?:[ .\-]?\d){15}(?![\d])")
# Mobile and landline numbers: 08…, +62 8…, 62 8…, 0721 481234, (0721) 481234, +62 721 481234.
_PHONE = re.compile(
    r"(?:\(\s*0\d{2,4}\s*\)[ .\-]?\d(?:[ .\-]?\d){4,11}"  # (0721) 481234
    r"|(?<![\d+])(?:\+\s?62|62|0)[ .\-]?\(?\d{1,4}\)?(?:[ .\-]?\d){5,11})(?![\d])"
)
# The digits a citizen types when reporting a phone number one digit at a time are still 9+ digits.
_MIN_PHONE_DIGITS = 9


@cache
def _account_regex() -> re.Pattern[str]:
    p = patterns()
    words = sorted({*p.account_words, *p.bank_names}, key=len, reverse=True)
    alternatives = "|".join(re.escape(w) for w in words)
    return re.compile(
        rf"(?i)(?<![\w])(?:{alternatives})(?![\w])([^\d\n]{{0,{p.max_gap_chars}}}?)(\d(?:[ .\-]?\d){{5,24}})(?![\d])"
    )


def _phone(match: re.Match[str]) -> str:
    digits = sum(c.isdigit() for c in match.group())
    return PHONE_MASK if digits >= _MIN_PHONE_DIGITS else match.group()


def mask(text: str) -> str:
    """The text with personal data replaced by its kind: [NIK], [TELEPON], [EMAIL], [REKENING]."""
    if not text:
        return text
    text = _EMAIL.sub(EMAIL_MASK, text)
    text = _account_regex().sub(lambda m: m.group()[: m.start(2) - m.start()] + ACCOUNT_MASK, text)
    text = _NIK.sub(NIK_MASK, text)
    return _PHONE.sub(_phone, text)


NAME_MASK = "[NAMA]"


def mask_names(text: str, names: list[str | None]) -> str:
    """The text with the given people's names masked: each full name and each of its words of three
    letters or more (a citizen writes "Pak Budi" as often as "Budi Santoso")."""
    words = {w for n in names if n for w in (n, *n.split()) if len(w) >= 3}
    if not text or not words:
        return text
    pattern = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.sub(rf"(?i)(?<!\w)(?:{pattern})(?!\w)", NAME_MASK, text)


def mask_value(value: Any, personal_keys: frozenset[str] = frozenset()) -> Any:
    """Every string in a JSON-like value masked; values under `personal_keys` replaced altogether."""
    if isinstance(value, str):
        return mask(value)
    if isinstance(value, dict):
        return {
            k: ("[DIHAPUS]" if k in personal_keys and v not in (None, "", [], {}) else mask_value(v, personal_keys))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [mask_value(v, personal_keys) for v in value]
    if isinstance(value, int) and not isinstance(value, bool) and len(str(abs(value))) >= _MIN_PHONE_DIGITS:
        return mask(str(value))
    return value


# ---------------------------------------------------------------------------------------------
# keyed fingerprints

_process_key = secrets.token_bytes(32)  # until a service sets ADUAN_PII_HASH_KEY
_key: bytes = _process_key


def set_hash_key(key: str | None) -> None:
    """The key of every fingerprint in this process (ADUAN_PII_HASH_KEY); None: a random one."""
    global _key
    _key = key.encode() if key else _process_key


def fingerprint(value: object, *, key: bytes | None = None) -> str:
    """A short keyed digest: tells whether two log lines concern the same person, reveals nobody."""
    digest = hmac.new(key or _key, str(value).encode(), hashlib.sha256).hexdigest()[:16]
    return f"hmac:{digest}"


def keyed_digest(key: str, *parts: object) -> str:
    """A full keyed digest of `parts` (access tokens, request fingerprints)."""
    return hmac.new(key.encode(), "\x1f".join(str(p) for p in parts).encode(), hashlib.sha256).hexdigest()
