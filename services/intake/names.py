"""A reporter's name, tidied: what the citizen typed, without the noise. Pure.

Whitespace folded; quotes, brackets, emoji and symbols dropped; a phone number or an e-mail address
typed into the name field taken out (they are not a name, and a name travels further than a phone
number should); a name typed all in capitals or all in lower case written with a capital at the
start of each word, titles, degrees and particles as names.toml writes them ("HJ. SITI AMINAH, S.PD"
→ "Hj. Siti Aminah, S.Pd."). A name written in mixed case is the citizen's own spelling and keeps it.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

NAMES_PATH = Path(__file__).with_name("names.toml")
MAX_NAME_CHARS = 120
_EMAIL = re.compile(r"\S+@\S+")
_DIGIT_RUN = re.compile(r"[+(]?\d[\d\s().-]{4,}\d")
_KEEP_PUNCTUATION = frozenset(".,'-")


class NameForms(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1]
    particles: list[str]
    titles: list[str]
    degrees: list[str]


def load_name_forms(path: Path = NAMES_PATH) -> NameForms:
    try:
        return NameForms.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise ValueError(f"{path}: not valid name forms: {exc}") from exc


def _key(word: str) -> str:
    return word.replace(".", "").lower()


class _Tidier:
    def __init__(self, forms: NameForms) -> None:
        self.written = {_key(w): w for w in (*forms.titles, *forms.degrees)}
        self.particles = {p.lower() for p in forms.particles}

    def _word(self, word: str, first: bool) -> str:
        core = word.rstrip(",")
        tail = word[len(core) :]
        if _key(core) in self.written:
            return self.written[_key(core)] + tail
        if core.lower() in self.particles and not first:
            return core.lower() + tail
        return "-".join(p[:1].upper() + p[1:].lower() for p in core.split("-")) + tail

    def tidy(self, name: str) -> str | None:
        text = _DIGIT_RUN.sub(" ", _EMAIL.sub(" ", unicodedata.normalize("NFC", name)))
        kept = "".join(
            c if (c.isalpha() or unicodedata.category(c).startswith("M") or c in _KEEP_PUNCTUATION) else " "
            for c in text
        )
        words = kept.split()
        text = " ".join(words).strip(" ,.-'")
        if text and name.rstrip().endswith(".") and _key(text.split()[-1]) in self.written:
            text += "."  # "S.Pd." keeps the dot the strip took
        if not any(c.isalpha() for c in text):
            return None
        letters = [c for c in text if c.isalpha()]
        if all(c.isupper() for c in letters) or all(c.islower() for c in letters):
            text = " ".join(self._word(w, i == 0) for i, w in enumerate(text.split()))
        else:
            text = " ".join(
                self.written.get(_key(w.rstrip(",")), w.rstrip(",")) + w[len(w.rstrip(",")) :] for w in text.split()
            )
        return text[:MAX_NAME_CHARS].rstrip() or None


_TIDIER = _Tidier(load_name_forms())


def tidy_name(name: str | None) -> str | None:
    """The name, tidied; None when nothing of a name is left."""
    return _TIDIER.tidy(name) if name else None
