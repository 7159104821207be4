"""notifier's edge: open, stop and watch the deadlines of each complaint (DESIGN.md §5).

Lifecycle events start and stop clocks as the policy file says; a periodic scan announces
warnings, breaches and escalations on sla.alerts, each exactly once.
"""

from __future__ import annotations

import uuid

from services.notifier import store
from services.notifier.deadlines import Deadline, Policy, clocks_started_by, clocks_stopped_by, escalation_due
from services.notifier.settings import NotifierSettings
from shared.db import Database
from shared.events import (
    Complaint,
    Envelope,
    EventType,
    Forwarded,
    SlaAlert,
    SlaAlertKind,
    StatusChanged,
    utcnow,
)
from shared.idempotency import once
from shared.kafka import Publisher
from shared.logging import get_logger

log = get_logger(__name__)
PRODUCER = "notifier"


class NotifierHandlers:
    def __init__(self, publisher: Publisher, db: Database, policy: Policy, settings: NotifierSettings) -> None:
        self.publisher = publisher
        self.db = db
        self.policy = policy
        self.calendar = policy.calendar()
        self.settings = settings
        self.topics = settings.topics

    async def on_accepted(self, envelope: Envelope[Complaint]) -> None:
        complaint = envelope.payload
        deadlines = clocks_started_by(self.policy, "accepted", complaint.received_at, calendar=self.calendar)
        async with once(self.db.pool, store.SCHEMA, "accepted", envelope.event_id) as conn:
            if conn is None:
                return
            await store.open_deadlines(conn, complaint.complaint_id, complaint.tracking_number, deadlines,
                                       correlation_id=envelope.correlation_id)
        log.info("deadlines opened", tracking_number=complaint.tracking_number,
                 clocks={d.clock: d.due_at.isoformat() for d in deadlines})

    async def on_forwarded(self, envelope: Envelope[Forwarded]) -> None:
        f = envelope.payload
        assert envelope.complaint_id is not None
        async with once(self.db.pool, store.SCHEMA, "forwarded", envelope.event_id) as conn:
            if conn is None:
                return
            await store.record_forwarded(conn, envelope.complaint_id, f.tracking_number, f.agency_code,
                                         f.lapor_tracking_id, f.outcome.value)

    async def on_status(self, envelope: Envelope[StatusChanged]) -> None:
        change = envelope.payload
        assert envelope.complaint_id is not None
        event = change.status.value
        started = clocks_started_by(self.policy, event, change.changed_at, change.agency_code,
                                    calendar=self.calendar)
        async with once(self.db.pool, store.SCHEMA, "status", envelope.event_id) as conn:
            if conn is None:
                return
            await store.stop_deadlines(conn, envelope.complaint_id, clocks_stopped_by(self.policy, event), event,
                                       change.changed_at)
            await store.open_deadlines(conn, envelope.complaint_id, change.tracking_number, started,
                                       correlation_id=envelope.correlation_id)

    # ------------------------------------------------------------------------------------------
    # the deadline watch

    async def scan_once(self) -> int:
        """Announce every warning, breach and escalation now due; return how many were sent."""
        now = utcnow()
        sent = 0
        async with self.db.pool.acquire() as conn, conn.transaction():
            for row in await store.due_for_alert(conn, now):
                deadline = Deadline(clock=row["clock"], started_at=row["started_at"], due_at=row["due_at"],
                                    warn_at=row["warn_at"], agency_code=row["agency_code"])
                for kind, column in self._alerts_due(row, deadline, now):
                    alert = SlaAlert(tracking_number=row["tracking_number"], clock=row["clock"], kind=kind,
                                     due_at=row["due_at"], agency_code=row["agency_code"])
                    event = Envelope[SlaAlert](
                        event_id=uuid.uuid5(row["complaint_id"], f"sla:{row['clock']}:{kind.value}"),
                        event_type=EventType.SLA_ALERT, occurred_at=now, complaint_id=row["complaint_id"],
                        correlation_id=row["correlation_id"] or str(row["complaint_id"]), producer=PRODUCER,
                        payload=alert)
                    await self.publisher.publish(self.topics.sla_alerts, event)
                    await store.mark_alerted(conn, row["complaint_id"], row["clock"], column, now)
                    sent += 1
        if sent:
            log.info("deadline alerts sent", alerts=sent)
        return sent

    def _alerts_due(self, row: dict, deadline: Deadline, now) -> list[tuple[SlaAlertKind, str]]:  # type: ignore[type-arg, no-untyped-def]
        due: list[tuple[SlaAlertKind, str]] = []
        if row["warned_at"] is None and deadline.warn_at <= now:
            due.append((SlaAlertKind.WARNING, "warned_at"))
        if row["breached_at"] is None and deadline.due_at < now:
            due.append((SlaAlertKind.BREACH, "breached_at"))
        if (row["escalated_at"] is None and deadline.due_at < now
                and escalation_due(deadline, now, self.policy, calendar=self.calendar)):
            due.append((SlaAlertKind.ESCALATION, "escalated_at"))
        return due
