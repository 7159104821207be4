"""In-memory state of the LAPOR! simulator: reports, their lifecycle, request counters and faults.

One lock guards everything because the state is shared by the server's event loop and, through
`SimulatorServer.state`, by test threads. The lifecycle advances lazily: every request (and every
stats read) first applies the steps whose time has come, stamped with the moment they were due.
"""

from __future__ import annotations

import copy
import heapq
import os
import random
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from simulators.lapor.lifecycle import Clock, LifecycleConfig, _pairs

INITIAL_STATUS = "menunggu_verifikasi"
Status = Literal["verified", "disposed", "followed_up", "closed", "not_our_authority", "reopened"]
REQUEST_KINDS = ("create", "lookup", "get", "changed_since", "status_feed", "dispose", "respond")
FAULT_KINDS = (
    "latency",
    "fail_next",
    "error",
    "rate_limit",
    "reject_next",
    "slow_create",
    "lost_response",
    "reset",
    "malformed",
    "slow_apply",
)
# ADUAN_SIM_FAULTS names (the issue's) for the settings below
FAULT_ALIASES = {"error_5xx": "error_rate", "rate_429": "rate_limit_rate"}


class FaultConfig(BaseModel):
    """Fault injection for the LAPOR! API (/api/...); everything off by default."""

    model_config = ConfigDict(extra="forbid")

    error_rate: float = Field(0.0, ge=0, le=1)  # answered error_status before anything is done
    error_status: int = Field(503, ge=400, le=599)
    rate_limit_rate: float = Field(0.0, ge=0, le=1)  # answered 429 with Retry-After
    retry_after_s: int = Field(1, ge=0)
    latency_ms: int = Field(0, ge=0)
    slow_create_rate: float = Field(0.0, ge=0, le=1)  # stored at once, answered after slow_create_ms
    slow_create_ms: int = Field(5000, ge=0)
    lost_response: float = Field(0.0, ge=0, le=1)  # carried out, then the connection drops: no answer
    reset: float = Field(0.0, ge=0, le=1)  # the connection drops before anything is done
    malformed: float = Field(0.0, ge=0, le=1)  # carried out, answered 2xx with a body that is not the format
    slow_apply: float = Field(0.0, ge=0, le=1)  # answered 504 at once; the report appears slow_apply_ms later
    slow_apply_ms: int = Field(1000, ge=0)
    fail_next: int = Field(0, ge=0)
    reject_next: int = Field(0, ge=0)

    @classmethod
    def parse(cls, spec: str) -> FaultConfig:
        """ "latency_ms=20,error_5xx=0.2,lost_response=0.1" (ADUAN_SIM_FAULTS)."""
        return cls.model_validate({FAULT_ALIASES.get(k, k): v for k, v in _pairs(spec)})


def _now() -> datetime:
    return datetime.now(UTC)


class SimulatorState:
    def __init__(
        self, seed: int | None = None, *, lifecycle: LifecycleConfig | None = None, faults: FaultConfig | None = None
    ) -> None:
        self._lock = threading.RLock()
        self._rng = random.Random(seed)
        # The sequence survives reset(): an id handed out once never names another report.
        # Every simulator run starts where a real LAPOR! would be later in time (one id per
        # microsecond since the epoch), so ids of two runs never collide in a database that outlives
        # the simulator (tests, repeated demos). Real ids are shorter; clients must not assume a width.
        self._next_id = time.time_ns() // 1_000
        self._initial_faults = faults or FaultConfig()
        self.lifecycle = lifecycle or LifecycleConfig(auto=False)
        self._reset_locked()

    @classmethod
    def from_env(cls, seed: int | None = None) -> SimulatorState:
        """Faults from ADUAN_SIM_FAULTS, the lifecycle from ADUAN_SIM_TIME_SCALE / ADUAN_SIM_LIFECYCLE."""
        return cls(
            seed, lifecycle=LifecycleConfig.from_env(), faults=FaultConfig.parse(os.environ.get("ADUAN_SIM_FAULTS", ""))
        )

    def _reset_locked(self) -> None:
        self._reports: dict[str, dict[str, Any]] = {}
        self._steps: list[dict[str, Any]] = []  # the status feed, in seq order
        # Like tracking ids, sequence numbers only grow, across resets and simulator runs, so a client's
        # cursor that outlives the simulator (tests, repeated demos) never skips the new steps.
        self._seq = max(time.time_ns() // 1_000, getattr(self, "_seq", 0))
        self._seq_base = self._seq
        self._due: list[tuple[datetime, int, str]] = []  # (when, order, tracking id) of the next lifecycle steps
        self._requests: Counter[str] = Counter({kind: 0 for kind in REQUEST_KINDS})
        self._injected: Counter[str] = Counter({kind: 0 for kind in FAULT_KINDS})
        self._faults = self._initial_faults.model_copy()
        self._created = 0
        self._clock = Clock(self.lifecycle.time_scale)

    def reset(self) -> None:
        """Forget reports, counters and faults."""
        with self._lock:
            self._reset_locked()

    def set_lifecycle(self, patch: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.lifecycle = LifecycleConfig.model_validate({**self.lifecycle.model_dump(), **patch})
            self._clock = Clock(self.lifecycle.time_scale)
            return self.lifecycle.model_dump()

    # -- faults -------------------------------------------------------------------------------

    def faults(self) -> dict[str, Any]:
        with self._lock:
            return self._faults.model_dump()

    def set_faults(self, patch: dict[str, Any]) -> dict[str, Any]:
        """Merge `patch` into the current settings; raises pydantic.ValidationError on bad input."""
        with self._lock:
            patch = {FAULT_ALIASES.get(k, k): v for k, v in patch.items()}
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

    def draw(self, fault: Literal["lost_response", "reset", "malformed", "slow_apply"]) -> bool:
        """Whether this request gets `fault` (counted when it does)."""
        with self._lock:
            rate = getattr(self._faults, fault)
            if rate and self._rng.random() < rate:
                self._injected[fault] += 1
                return True
            return False

    def slow_apply_s(self) -> float:
        with self._lock:
            return self._faults.slow_apply_ms / 1000

    def retry_after(self) -> int:
        with self._lock:
            return self._faults.retry_after_s

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

    # -- the lifecycle ---------------------------------------------------------------------------

    def _step(
        self, report: dict[str, Any], status: str, at: datetime, note: str | None = None, agency_code: str | None = None
    ) -> None:
        """Record one status step (the caller holds the lock) and schedule what follows it."""
        stamp = at.isoformat()
        report["status"] = status
        if agency_code:
            report["agency_code"] = agency_code
        report["status_history"].append(
            {"status": status, "note": note, "at": stamp, "agency_code": report["agency_code"]}
        )
        report["updated_at"] = max(report["updated_at"], stamp)
        self._seq += 1
        self._steps.append(
            {
                "seq": self._seq,
                "tracking_id": report["tracking_id"],
                "reference": report["reference"],
                "status": status,
                "note": note,
                "agency_code": report["agency_code"],
                "at": stamp,
            }
        )
        report["_next"] = nxt = self._next_after(report, status, at)
        if nxt is not None:
            heapq.heappush(self._due, (nxt[1], self._seq, report["tracking_id"]))

    def _next_after(self, report: dict[str, Any], status: str, at: datetime) -> tuple[str, datetime] | None:
        life, clock = self.lifecycle, self._clock
        if not life.auto:
            return None
        if status == INITIAL_STATUS:
            return "verified", clock.real_after(at, life.verify_after_s)
        if status == "verified":
            return "disposed", clock.real_after(at, life.dispose_after_s)
        if status in ("disposed", "reopened"):
            answer = (
                "not_our_authority"
                if status == "disposed" and self._rng.random() < life.not_our_authority_rate
                else "followed_up"
            )
            return answer, clock.real_after(at, life.follow_up_after_s)
        if status == "followed_up":
            return "closed", clock.real_after_working_days(at, life.auto_close_working_days)
        return None  # closed; not_our_authority waits for a new disposition

    def _advance_due(self, now: datetime) -> None:
        while self._due and self._due[0][0] <= now:
            due, _, tracking_id = heapq.heappop(self._due)
            report = self._reports.get(tracking_id)
            nxt = report.get("_next") if report else None
            if report is not None and nxt is not None and nxt[1] == due:
                status, at = nxt
                note = {
                    "verified": "diverifikasi admin",
                    "disposed": "terdisposisi",
                    "followed_up": "ditindaklanjuti oleh instansi",
                    "closed": "selesai otomatis dalam 10 hari",
                    "not_our_authority": "bukan wewenang",
                }.get(status)
                self._step(report, status, at, note)

    def tick(self) -> None:
        with self._lock:
            self._advance_due(_now())

    # -- reports ------------------------------------------------------------------------------

    def create(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Store a new report. Never dedupes: the same reference twice makes two reports."""
        with self._lock:
            tracking_id = str(self._next_id)
            self._next_id += 1
            self._created += 1
            now = _now()
            report = {
                **fields,
                "tracking_id": tracking_id,
                "transaction_id": f"trx-{tracking_id}",
                "status": INITIAL_STATUS,
                "status_history": [],
                "responses": [],
                "created_at": now.isoformat(),
                "updated_at": now.isoformat(),
            }
            self._reports[tracking_id] = report
            self._step(report, INITIAL_STATUS, now)
            return self._public(report)

    @staticmethod
    def _public(report: dict[str, Any]) -> dict[str, Any]:
        return copy.deepcopy({k: v for k, v in report.items() if not k.startswith("_")})

    def get(self, tracking_id: str) -> dict[str, Any] | None:
        with self._lock:
            self._advance_due(_now())
            report = self._reports.get(tracking_id)
            return self._public(report) if report else None

    def query(self, *, reference: str | None = None, updated_since: datetime | None = None) -> list[dict[str, Any]]:
        """Reports matching every given filter, oldest first. Creation counts as the first status change."""
        with self._lock:
            self._advance_due(_now())
            return [
                self._public(r)
                for r in self._reports.values()
                if (reference is None or r["reference"] == reference)
                and (updated_since is None or datetime.fromisoformat(r["updated_at"]) > updated_since)
            ]

    def status_feed(self, after: int, limit: int) -> dict[str, Any]:
        """Status steps of every report after sequence number `after`, oldest first."""
        with self._lock:
            self._advance_due(_now())
            start = min(max(after - self._seq_base, 0), len(self._steps))  # step i has seq base + i + 1
            page = self._steps[start : start + limit]
            return {
                "changes": copy.deepcopy(page),
                "next_after": page[-1]["seq"] if page else after,
                "more": start + limit < len(self._steps),
            }

    def advance(self, tracking_id: str, status: Status, note: str | None) -> dict[str, Any] | None:
        """Move a report to `status` (what LAPOR!'s staff or the agency would do); None if unknown."""
        with self._lock:
            self._advance_due(_now())
            report = self._reports.get(tracking_id)
            if report is None:
                return None
            self._step(report, status, _now(), note)
            return self._public(report)

    def dispose(self, tracking_id: str, agency_code: str, note: str | None) -> tuple[int, dict[str, Any] | None]:
        """Dispose a report to `agency_code` (after "bukan wewenang"). The agency it is with already: no change."""
        with self._lock:
            self._advance_due(_now())
            report = self._reports.get(tracking_id)
            if report is None:
                return 404, None
            if report["status"] in ("closed",):
                return 409, self._public(report)
            if report["agency_code"] != agency_code or report["status"] == "not_our_authority":
                self._step(report, "disposed", _now(), note or "terdisposisi ulang", agency_code=agency_code)
            return 200, self._public(report)

    def respond(self, tracking_id: str, reference: str | None, text: str) -> tuple[int, dict[str, Any] | None]:
        """The reporter answers the follow-up: the report reopens for another follow-up."""
        with self._lock:
            self._advance_due(_now())
            report = self._reports.get(tracking_id)
            if report is None:
                return 404, None
            if report["status"] != "followed_up":
                return 409, self._public(report)
            report["responses"].append({"reference": reference, "text": text, "at": _now().isoformat()})
            self._step(report, "reopened", _now(), "ditanggapi oleh pelapor")
            return 200, self._public(report)

    def stats(self) -> dict[str, Any]:
        with self._lock:
            self._advance_due(_now())
            per_reference = Counter(r["reference"] for r in self._reports.values())
            duplicated = {ref: n for ref, n in per_reference.items() if n > 1}
            return {
                "reports": len(self._reports),
                "reports_created": self._created,
                "unique_references": len(per_reference),
                "duplicates": len(self._reports) - len(per_reference),
                "duplicate_references": len(duplicated),
                "duplicated": duplicated,
                "status_steps": len(self._steps),
                "requests": dict(self._requests),
                "faults_injected": dict(self._injected),
            }
