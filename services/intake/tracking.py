"""The citizen's tracking number: derived from the complaint id alone, with a check character. Pure.

`LPG-7K3M-9QX2-HTAB`: the prefix, eleven Crockford base-32 characters taken from a hash of the
complaint id (55 bits) and one check character, in groups of four so that it can be read out over the
phone. The same channel message is the same complaint id, hence the same number on any day: a retry
after Jakarta midnight is answered with the number that was stored.

The check character is Damm's algorithm over the quasigroup x∘y = α·(x ⊕ y) of GF(32) (α the
primitive element): a wrong character, two swapped neighbours, two characters swapped across one and
a doubled character all fail the check. Reading is forgiving: any case, spaces and dashes anywhere,
O read as 0, I and L as 1; when the check fails, `read` offers the numbers one slip away that pass it.

Should two complaints ever share the eleven characters, the second gets a longer number derived the
same way (`numbers`), so nothing is dropped: the store tries them in order.
"""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base 32: no I, L, O, U
VALUE = {symbol: value for value, symbol in enumerate(ALPHABET)}
DATA_CHARS = 11  # 55 bits
GROUP = 4
MAX_EXTENSIONS = 3  # 11, 15, 19, 23 data characters
_POLY = 0b100101  # x^5 + x^2 + 1, primitive over GF(2)
_ALPHA = 0b00010
_BASE32_TO_CROCKFORD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", ALPHABET)
_FORGIVE = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-_.·/]+")


def _gf_mul(a: int, b: int) -> int:
    product = 0
    while b:
        if b & 1:
            product ^= a
        b >>= 1
        a <<= 1
        if a & 0b100000:
            a ^= _POLY
    return product


def _damm(values: list[int]) -> int:
    interim = 0
    for v in values:
        interim = _gf_mul(_ALPHA, interim ^ v)
    return interim


def check_character(data: str) -> str:
    """The check character of data characters (upper-case Crockford symbols)."""
    return ALPHABET[_damm([VALUE[c] for c in data])]


def passes_check(code: str) -> bool:
    """True when the code (data characters + check character) is consistent."""
    return len(code) >= 2 and all(c in VALUE for c in code) and _damm([VALUE[c] for c in code]) == 0


def _format(prefix: str, code: str) -> str:
    groups = [code[i : i + GROUP] for i in range(0, len(code), GROUP)]
    return "-".join([prefix, *groups]) if prefix else "-".join(groups)


def _data(complaint_id: uuid.UUID, length: int) -> str:
    digest = base64.b32encode(hashlib.sha256(complaint_id.bytes).digest()).decode()
    return digest.translate(_BASE32_TO_CROCKFORD)[:length]


def numbers(complaint_id: uuid.UUID, *, prefix: str) -> Iterator[str]:
    """The complaint's number, then the longer ones it takes should the shorter belong to another."""
    for extension in range(MAX_EXTENSIONS + 1):
        data = _data(complaint_id, DATA_CHARS + GROUP * extension)
        yield _format(prefix, data + check_character(data))


def tracking_number(complaint_id: uuid.UUID, *, prefix: str) -> str:
    """The number a complaint is given: the same complaint id, the same number."""
    return next(numbers(complaint_id, prefix=prefix))


def prefix_of(number: str) -> str:
    """The prefix of a complaint's first number (three groups of four after it), dashes and all."""
    parts = number.rsplit("-", 3)
    return parts[0] if len(parts) == 4 else ""


_VALID_LENGTHS = frozenset(DATA_CHARS + GROUP * e + 1 for e in range(MAX_EXTENSIONS + 1))


@dataclass(frozen=True)
class Reading:
    """What a citizen typed or said, read as a tracking number.

    `number` is the canonical number when the check passes; otherwise `suggestions` holds the numbers
    one slip away (a wrong, missing, extra or swapped character) that pass it. `lookup_key` is what to
    look up: the canonical number, or the cleaned text for numbers of an older format.
    """

    number: str | None
    suggestions: tuple[str, ...]
    lookup_key: str


def _strip_prefix(cleaned: str, prefix: str) -> str:
    bare = _SEPARATORS.sub("", prefix.upper())
    for form in (bare, bare.translate(_FORGIVE)):
        if form and cleaned.startswith(form):
            return cleaned[len(form) :]
    return cleaned


def _one_slip_away(code: str) -> Iterator[str]:
    """Codes one edit away from `code`, in the order slips are likely: swaps, substitutions,
    then a missing or an extra character."""
    for i in range(len(code) - 1):
        if code[i] != code[i + 1]:
            yield code[:i] + code[i + 1] + code[i] + code[i + 2 :]
    for i in range(len(code)):
        for symbol in ALPHABET:
            if symbol != code[i]:
                yield code[:i] + symbol + code[i + 1 :]
    for i in range(len(code) + 1):
        for symbol in ALPHABET:
            yield code[:i] + symbol + code[i:]
    for i in range(len(code)):
        yield code[:i] + code[i + 1 :]


def read(text: str, *, prefix: str) -> Reading:
    """Read a tracking number as typed: any case, spaces and dashes anywhere, O/0, I/1, L/1 forgiven."""
    cleaned = _SEPARATORS.sub("", text.strip().upper())
    code = _strip_prefix(cleaned, prefix).translate(_FORGIVE)
    fallback = text.strip().upper()
    if len(code) in _VALID_LENGTHS and passes_check(code):
        return Reading(_format(prefix, code), (), _format(prefix, code))
    if not code or len(code) > max(_VALID_LENGTHS) + 1 or len(code) < min(_VALID_LENGTHS) - 1:
        return Reading(None, (), fallback)
    seen: dict[str, None] = {}
    for candidate in _one_slip_away(code):
        if len(candidate) in _VALID_LENGTHS and passes_check(candidate):
            seen.setdefault(_format(prefix, candidate))
    return Reading(None, tuple(seen), fallback)


def _in_text(prefix: str) -> re.Pattern[str]:
    return re.compile(
        rf"(?<![0-9A-Za-z]){re.escape(prefix)}[\s-]?(?:[0-9A-Za-z]{{4}}[\s-]?){{2,5}}[0-9A-Za-z]{{4}}(?![0-9A-Za-z])",
        re.IGNORECASE,
    )


def find_numbers(text: str, *, prefix: str) -> tuple[str, ...]:
    """The tracking numbers a text quotes ("Re: [LPG-7K3M-9QX2-HTAB]", "nomor lpg 7k3m 9qx2 htab"), each
    passing its check, canonical, in order of appearance."""
    numbers = (read(m.group(), prefix=prefix).number for m in _in_text(prefix).finditer(text))
    return tuple(dict.fromkeys(n for n in numbers if n))


def strip_numbers(text: str, *, prefix: str) -> str:
    """The text without the tracking-number-shaped tokens it holds."""
    return _in_text(prefix).sub("", text)
