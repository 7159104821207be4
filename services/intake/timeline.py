"""The citizen's timeline: every step of a complaint with its time, and the next deadline.

Written by intake's progress consumers (each event once: its id is the step's key), read by the
citizen's lookup `GET /v1/complaints/{tracking_number}` and by GeoReport's `GET requests`. The texts are
Indonesian, in timeline.toml. The next deadline is the notifier's latest announcement (sla.alerts) of a
clock no later step has ended.
"""

from __future__ import annotations

import string
import tomllib
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from services.intake import progress
from services.intake import timeline_store as store
from services.intake.open311_catalogue import CATALOGUE
from shared.agencies import AGENCIES
from shared.db import Connection, Database
from shared.events import (
    Channel,
    Complaint,
    Envelope,
    Forwarded,
    RoutedComplaint,
    SlaAlert,
    SlaAlertKind,
    StatusChanged,
    TriageRequest,
)
from shared.pii import mask, mask_names
from shared.unit_of_work import writes

TEXTS_PATH = Path(__file__).with_name("timeline.toml")
JAKARTA = ZoneInfo("Asia/Jakarta")
FACTS = {"agency_name", "lapor_tracking_id", "note", "duplicate_of"}
# order among steps recorded at the same instant
ORDER = {"received": -2, "accepted": -1, **progress.RANK, "duplicate": len(progress.RANK)}


class StepText(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str
    text_unknown: str | None = None


class ClockText(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str
    ends_on: list[str]


class DeadlineText(BaseModel):
    model_config = ConfigDict(extra="forbid")
    upcoming: str
    overdue: str


class Texts(BaseModel):
    model_config = ConfigDict(extra="forbid")
    steps: dict[str, StepText]
    deadline: DeadlineText
    clocks: dict[str, ClockText]

    @model_validator(mode="after")
    def _complete(self) -> Texts:
        missing = set(ORDER) - set(self.steps)
        if missing:
            raise ValueError(f"timeline.toml: no text for steps {sorted(missing)}")
        for name, step in self.steps.items():
            for text in (step.text, step.text_unknown or ""):
                unknown = _fields(text) - FACTS
                if unknown:
                    raise ValueError(f"timeline.toml: step {name} uses unknown placeholders {sorted(unknown)}")
            if _fields(step.text) and step.text_unknown is None and name not in ("forwarded", "duplicate"):
                raise ValueError(f"timeline.toml: step {name} needs text_unknown for an unknown fact")
        for name, clock in self.clocks.items():
            if not set(clock.ends_on) <= set(ORDER):
                raise ValueError(f"timeline.toml: clock {name} ends on unknown steps")
        for text in (self.deadline.upcoming, self.deadline.overdue):
            if not _fields(text) <= {"clock_label", "due_local"}:
                raise ValueError("timeline.toml: deadline texts take {clock_label} and {due_local}")
        return self


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def load_texts(path: Path = TEXTS_PATH) -> Texts:
    try:
        return Texts.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, ValidationError) as exc:
        raise ValueError(f"{path}: {exc}") from exc


TEXTS = load_texts()


def agency_name(agency_code: str | None) -> str | None:
    agency = AGENCIES.get(agency_code) if agency_code else None
    return agency.name if agency is not None else None


def step_text(step: str, facts: dict[str, str | None], texts: Texts = TEXTS) -> str:
    entry = texts.steps[step]
    needed = _fields(entry.text)
    if all(facts.get(f) for f in needed):
        return entry.text.format(**{f: facts[f] for f in needed})
    return entry.text_unknown or entry.text.format(**{f: facts.get(f) or "-" for f in needed})


def next_deadline(
    deadlines: list[dict[str, Any]], steps: list[dict[str, Any]], texts: Texts = TEXTS
) -> dict[str, Any] | None:
    """The earliest announced deadline that no later step has ended. Pure.

    `deadlines`: clock, kind, due_at, announced_at; `steps`: step, recorded_at (when intake learnt it)."""
    current = []
    for d in deadlines:
        clock = texts.clocks.get(d["clock"])
        ends_on = set(clock.ends_on) if clock else set()
        if any(s["step"] in ends_on and s["recorded_at"] > d["announced_at"] for s in steps):
            continue
        current.append(d)
    if not current:
        return None
    d = min(current, key=lambda d: d["due_at"])
    clock = texts.clocks.get(d["clock"])
    label = clock.label if clock else d["clock"]
    overdue = d["kind"] != SlaAlertKind.WARNING.value
    due_local = d["due_at"].astimezone(JAKARTA).strftime("%d-%m-%Y %H:%M WIB")
    template = texts.deadline.overdue if overdue else texts.deadline.upcoming
    return {
        "clock": d["clock"],
        "label": label,
        "due_at": d["due_at"].isoformat(),
        "overdue": overdue,
        "text": template.format(clock_label=label, due_local=due_local),
    }


def entries(row: dict[str, Any], steps: list[dict[str, Any]], texts: Texts = TEXTS) -> list[dict[str, Any]]:
    """Every step of the complaint, in order: received and accepted from its own row, the rest recorded."""
    found: list[tuple[datetime, int, dict[str, Any]]] = []
    for name, at in (("received", row["received_at"]), ("accepted", row["accepted_at"])):
        found.append((at, ORDER[name], _entry(name, at, {}, texts)))
    for s in steps:
        facts = {
            "agency_code": s["agency_code"],
            "agency_name": agency_name(s["agency_code"]),
            "lapor_tracking_id": s["lapor_tracking_id"],
            "note": s["note"],
            "duplicate_of": s["duplicate_of"],
        }
        found.append((s["at"], ORDER.get(s["step"], len(ORDER)), _entry(s["step"], s["at"], facts, texts)))
    return [e for _, _, e in sorted(found, key=lambda f: (f[0], f[1]))]


def _entry(step: str, at: datetime, facts: dict[str, str | None], texts: Texts) -> dict[str, Any]:
    return {
        "step": step,
        "at": at.isoformat(),
        "text": step_text(step, facts, texts) if step in texts.steps else step,
        "agency_code": facts.get("agency_code"),
        "agency_name": facts.get("agency_name"),
        "lapor_tracking_id": facts.get("lapor_tracking_id"),
        "note": facts.get("note"),
        "duplicate_of": facts.get("duplicate_of"),
    }


def public_facts(complaint: Complaint) -> dict[str, Any]:
    """What GeoReport may show of a complaint as it left intake. Confidential: no text, no place;
    every text with PII patterns and the reporter's own name masked."""
    service_code = None
    if complaint.channel is Channel.OPEN311 and complaint.hints.category:
        service_code = CATALOGUE.canonical(complaint.hints.category)
    if complaint.confidential:
        return {"service_code": service_code, "description": None, "address": None, "lat": None, "lon": None}
    names = [complaint.reporter.name] if complaint.reporter else []
    location = complaint.location
    return {
        "service_code": service_code,
        "description": mask_names(mask(complaint.body), names)[:4000],
        "address": mask_names(mask(location.text), names) if location.text else None,
        "lat": location.lat,
        "lon": location.lon,
    }


class Timeline:
    """intake's progress consumers' share of the timeline, and the citizen's view of it."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def _step(
        self,
        envelope: Envelope[Any],
        step: str,
        at: datetime | None = None,
        *,
        urusan: str | None = None,
        **facts: str | None,
    ) -> None:
        """The event's step on the complaint's timeline (with `urusan`: routing's, for GeoReport too)."""
        if envelope.complaint_id is None:
            return
        new = store.Step(
            complaint_id=envelope.complaint_id,
            event_id=envelope.event_id,
            step=step,
            at=at or envelope.occurred_at,
            **facts,
        )
        async with writes(self.db.pool) as conn:
            if urusan is None:
                await store.add_step(conn, new)
            else:
                await store.add_routed_step(conn, new, urusan)

    async def on_accepted(self, envelope: Envelope[Complaint]) -> None:
        facts = public_facts(envelope.payload)
        async with writes(self.db.pool) as conn:
            await store.record_public(conn, envelope.payload.complaint_id, **facts)

    async def on_routed(self, envelope: Envelope[RoutedComplaint]) -> None:
        decision = envelope.payload.decision
        await self._step(envelope, "routed", urusan=decision.urusan, agency_code=decision.agency_code)

    async def on_triage(self, envelope: Envelope[TriageRequest]) -> None:
        await self._step(envelope, "in_triage")

    async def on_forwarded(self, envelope: Envelope[Forwarded]) -> None:
        f = envelope.payload
        await self._step(
            envelope,
            progress.forwarded_stage(f.outcome),
            agency_code=f.agency_code,
            lapor_tracking_id=f.lapor_tracking_id,
        )

    async def on_status(self, envelope: Envelope[StatusChanged]) -> None:
        s = envelope.payload
        await self._step(envelope, s.status.value, at=s.changed_at, agency_code=s.agency_code, note=s.note)

    async def on_sla_alert(self, envelope: Envelope[SlaAlert]) -> None:
        if envelope.complaint_id is None:
            return
        alert = envelope.payload
        async with writes(self.db.pool) as conn:
            await store.record_deadline(
                conn,
                envelope.complaint_id,
                clock=alert.clock,
                kind=alert.kind.value,
                due_at=alert.due_at,
                announced_at=envelope.occurred_at,
            )

    async def linked_duplicate(
        self,
        conn: asyncpg.Pool | Connection,
        *,
        complaint_id: uuid.UUID,
        event_id: uuid.UUID,
        at: datetime,
        duplicate_of: str,
    ) -> None:
        """A step for duplicate handling: this complaint was joined to `duplicate_of` (a tracking number)."""
        await store.add_step(
            conn,
            store.Step(
                complaint_id=complaint_id, event_id=event_id, step="duplicate", at=at, duplicate_of=duplicate_of
            ),
        )

    async def next_due(self, complaint_id: uuid.UUID) -> str | None:
        """When the next announced deadline falls (GeoReport's expected_datetime), if any."""
        steps = [dict(s) for s in await store.steps_of(self.db.pool, complaint_id)]
        deadlines = [dict(d) for d in await store.deadlines_of(self.db.pool, complaint_id)]
        found = next_deadline(deadlines, steps)
        return found["due_at"] if found else None

    async def view(self, row: asyncpg.Record) -> dict[str, Any]:
        """The lookup's additions: the agency's name, every step, the next deadline."""
        steps = [dict(s) for s in await store.steps_of(self.db.pool, row["complaint_id"])]
        deadlines = [dict(d) for d in await store.deadlines_of(self.db.pool, row["complaint_id"])]
        return {
            "agency_name": agency_name(row["agency_code"]),
            "timeline": entries(dict(row), steps),
            "next_deadline": next_deadline(deadlines, steps),
        }
