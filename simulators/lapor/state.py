"""In-memory state of the LAPOR! simulator: reports, request counters and fault settings.

One lock guards everything because the state is shared by the server's event loop and, through
`SimulatorServer.state`, by test threads.
"""

from __future__ import annotations

import copy
import random
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

INITIAL_STATUS = "menunggu_verifikasi"
Status = Literal["verified", "disposed", "followed_up", "closed", "not_our_authority"]
REQUEST_KINDS = ("create", "lookup", "get", "changed_since")
FAULT_KINDS = ("latency", "fail_next", "error", "rate_limit", "reject_next", "slow_create")


class FaultConfig(BaseModel):
    """Fault injection for the /api/v1 endpoints; everything off by default."""

    model_config = ConfigDict(extra="forbid")

    error_rate: float = Field(0.0, ge=0, le=1)
    error_status: int = Field(503, ge=400, le=599)
    rate_limit_rate: float = Field(0.0, ge=0, le=1)
    latency_ms: int = Field(0, ge=0)
    slow_create_rate: float = Field(0.0, ge=0, le=1)
    slow_create_ms: int = Field(5000, ge=0)
    fail_next: int = Field(0, ge=0)
    reject_next: int = Field(0, ge=0)


def _now() -> datetime:
    return datetime.now(UTC)


class SimulatorState:
    def __init__(self, seed: int | None = None) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        # The sequence survives reset(): an id handed out once never names another report.
        # Every simulator run starts where a real LAPOR! would be later in time (one id per
        # microsecond since the epoch), so ids of two runs never collide in a database that outlives
        # the simulator (tests, repeated demos). Real ids are shorter; clients must not assume a width.
        self._next_id = time.time_ns() // 1_000
        self._reset_locked()

    def _reset_locked(self) -> None:
        self._reports: dict[str, dict[str, Any]] = {}
        self._requests: Counter[str] = Counter({kind: 0 for kind in REQUEST_KINDS})
        self._injected: Counter[str] = Counter({kind: 0 for kind in FAULT_KINDS})
        self._faults = FaultConfig()

    def reset(self) -> None:
        """Forget reports, counters and faults."""
        with self._lock:
            self._reset_locked()

    # -- faults -------------------------------------------------------------------------------

    def faults(self) -> dict[str, Any]:
        with self._lock:
            return self._faults.model_dump()

    def set_faults(self, patch: dict[str, Any]) -> dict[str, Any]:
        """Merge `patch` into the current settings; raises pydantic.ValidationError on bad input."""
        with self._lock:
            self._faults = FaultConfig.model_validate({**self._faults.model_dump(), **patch})
            return self._faults.model_dump()

    def begin(self, kind: str) -> tuple[float, int | None]:
        """Count one API request; return its added latency (s) and the status of an injected failure, if any."""
        with self._lock:
            self._requests[kind] += 1
            f = self._faults
            if f.latency_ms:
                self._injected["latency"] += 1
            failure: int | None = None
            if f.fail_next:
                f.fail_next -= 1
                self._injected["fail_next"] += 1
                failure = f.error_status
            elif f.error_rate and self._rng.random() < f.error_rate:
                self._injected["error"] += 1
                failure = f.error_status
            elif f.rate_limit_rate and self._rng.random() < f.rate_limit_rate:
                self._injected["rate_limit"] += 1
                failure = 429
            return f.latency_ms / 1000, failure

    def take_reject(self) -> bool:
        """Whether this create is to be refused as invalid (consumes one `reject_next`)."""
        with self._lock:
            if not self._faults.reject_next:
                return False
            self._faults.reject_next -= 1
            self._injected["reject_next"] += 1
            return True

    def take_slow(self) -> float:
        """Delay (s) before answering a create that has already been stored; 0 for no delay."""
        with self._lock:
            f = self._faults
            if f.slow_create_rate and self._rng.random() < f.slow_create_rate:
                self._injected["slow_create"] += 1
                return f.slow_create_ms / 1000
            return 0.0

    # -- reports ------------------------------------------------------------------------------

    def create(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Store a new report. Never dedupes: the same reference twice makes two reports."""
        with self._lock:
            tracking_id = str(self._next_id)
            self._next_id += 1
            now = _now().isoformat()
            report = {
                **fields,
                "tracking_id": tracking_id,
                "status": INITIAL_STATUS,
                "status_history": [{"status": INITIAL_STATUS, "note": None, "at": now}],
                "created_at": now,
                "updated_at": now,
            }
            self._reports[tracking_id] = report
            return copy.deepcopy(report)

    def get(self, tracking_id: str) -> dict[str, Any] | None:
        with self._lock:
            report = self._reports.get(tracking_id)
            return copy.deepcopy(report) if report else None

    def query(self, *, reference: str | None = None, updated_since: datetime | None = None) -> list[dict[str, Any]]:
        """Reports matching every given filter, oldest first. Creation counts as the first status change."""
        with self._lock:
            return [
                copy.deepcopy(r)
                for r in self._reports.values()
                if (reference is None or r["reference"] == reference)
                and (updated_since is None or datetime.fromisoformat(r["updated_at"]) > updated_since)
            ]

    def advance(self, tracking_id: str, status: Status, note: str | None) -> dict[str, Any] | None:
        """Move a report to `status` (what LAPOR!'s staff or the agency would do); None if unknown."""
        with self._lock:
            report = self._reports.get(tracking_id)
            if report is None:
                return None
            now = _now().isoformat()
            report["status"] = status
            report["status_history"].append({"status": status, "note": note, "at": now})
            report["updated_at"] = now
            return copy.deepcopy(report)

    def stats(self) -> dict[str, Any]:
        with self._lock:
            per_reference = Counter(r["reference"] for r in self._reports.values())
            return {
                "reports": len(self._reports),
                "unique_references": len(per_reference),
                "duplicates": len(self._reports) - len(per_reference),
                "duplicate_references": {ref: n for ref, n in per_reference.items() if n > 1},
                "requests": dict(self._requests),
                "faults_injected": dict(self._injected),
            }
