"""What a sink simulator received: every accepted message, counted by its key so duplicates show."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Recorder:
    messages: list[dict[str, Any]] = field(default_factory=list)
    keys: Counter[str] = field(default_factory=Counter)
    refused: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, key: str, message: dict[str, Any]) -> None:
        with self._lock:
            self.keys[key] += 1
            self.messages.append({"key": key, **message})

    def refuse(self) -> None:
        with self._lock:
            self.refused += 1

    def stats(self) -> dict[str, Any]:
        with self._lock:
            dup = {k: n for k, n in self.keys.items() if n > 1}
            return {
                "received": len(self.messages),
                "unique": len(self.keys),
                "duplicates": sum(n - 1 for n in dup.values()),
                "duplicate_keys": sorted(dup)[:20],
                "refused": self.refused,
            }
