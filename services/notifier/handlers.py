"""notifier's edge: open, stop, pause and restart each complaint's deadlines (DESIGN.md §5), announce
warnings, breaches and escalations, and keep the citizen informed.

Lifecycle events change clocks as the policy file says; the periodic scan announces each due step once
on sla.alerts and puts one message per recipient into the outbox in the same transaction (delivery.py
sends them). Citizen messages go to citizen.outbound addressed by the reply handle only.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from services.notifier import store
from services.notifier.alerts import AlertState, Plan, Step, plan, plan_steps, steps
from services.notifier.deadlines import (
    Policy,
    clocks_paused_by,
    clocks_restarted_by,
    clocks_resumed_by,
    clocks_started_by,
    clocks_stopped_by,
    reschedule,
    restart,
    shift_for_pause,
)
from services.notifier.messages import Messages
from services.notifier.recipients import Recipients
from services.notifier.settings import NotifierSettings
from shared.agencies import AGENCIES
from shared.db import Database
from shared.events import (
    Channel,
    CitizenMessage,
    CitizenMessageKind,
    Complaint,
    Envelope,
    EventType,
    Forwarded,
    RoutedComplaint,
    SlaAlert,
    SlaAlertKind,
    StatusChanged,
    derived_id,
    utcnow,
)
from shared.idempotency import once
from shared.kafka import Publisher
from shared.logging import get_logger

log = get_logger(__name__)
PRODUCER = "notifier"

_CITIZEN_ON_STATUS = {"followed_up": CitizenMessageKind.FOLLOWED_UP, "closed": CitizenMessageKind.CLOSED}
_HISTORY_OF = {SlaAlertKind.WARNING: "warned", SlaAlertKind.BREACH: "breached", SlaAlertKind.ESCALATION: "escalated"}


def agency_name(agency_code: str | None) -> str:
    agency = AGENCIES.get(agency_code) if agency_code else None
    return agency.name if agency is not None else "instansi terkait"


class NotifierHandlers:
    def __init__(
        self,
        publisher: Publisher,
        db: Database,
        policy: Policy,
        settings: NotifierSettings,
        *,
        recipients: Recipients,
        messages: Messages,
    ) -> None:
        self.publisher = publisher
        self.db = db
        self.policy = policy
        self.settings = settings
        self.topics = settings.topics
        self.recipients = recipients
        self.messages = messages
        self.chain = recipients.chain_delays
        self.tz = ZoneInfo(policy.timezone)
        # load the holiday tables now (this and next year), not in the middle of the first scan
        calendar, today = policy.calendar(), utcnow()
        for year in (today.year, today.year + 1):
            calendar.is_working_day(today.replace(year=year, month=1, day=1).date())

    # ------------------------------------------------------------------------------------------
    # lifecycle

    async def on_accepted(self, envelope: Envelope[Complaint]) -> None:
        c = envelope.payload
        async with once(self.db.pool, store.SCHEMA, "accepted", envelope.event_id) as conn:
            if conn is None:
                return
            info, clocks = await store.upsert_complaint(
                conn,
                c.complaint_id,
                c.tracking_number,
                channel=c.channel.value,
                reply_handle=c.reply_handle,
                seen=("accepted", c.received_at),
            )
            await self._lifecycle(
                conn,
                c.complaint_id,
                c.tracking_number,
                "accepted",
                c.received_at,
                info,
                clocks,
                envelope.correlation_id,
            )
            if c.reply_handle:
                await self._tell_citizen(
                    envelope,
                    derived_id(c.complaint_id, "citizen", "acknowledged"),
                    CitizenMessageKind.ACKNOWLEDGED,
                    c.reply_handle,
                    c.channel,
                    c.tracking_number,
                    info.get("agency_code"),
                )
                # the agency's silence was noticed before the acceptance (and its reply handle) arrived
                if info.get("ombudsman_due_at") is not None and await store.mark_ombudsman(
                    conn, c.complaint_id, utcnow()
                ):
                    await self._tell_citizen(
                        envelope,
                        derived_id(c.complaint_id, "citizen", "ombudsman"),
                        CitizenMessageKind.OMBUDSMAN,
                        c.reply_handle,
                        c.channel,
                        c.tracking_number,
                        info.get("agency_code"),
                    )

    async def on_routed(self, envelope: Envelope[RoutedComplaint]) -> None:
        c, decision = envelope.payload.complaint, envelope.payload.decision
        async with once(self.db.pool, store.SCHEMA, "routed", envelope.event_id) as conn:
            if conn is None:
                return
            at = utcnow()
            info, clocks = await store.upsert_complaint(
                conn,
                c.complaint_id,
                c.tracking_number,
                channel=c.channel.value,
                reply_handle=c.reply_handle,
                agency_code=decision.agency_code,
                urusan=decision.urusan,
                seen=("routed", at),
            )
            await self._lifecycle(
                conn, c.complaint_id, c.tracking_number, "routed", at, info, clocks, envelope.correlation_id
            )
            if info.get("reply_handle"):
                await self._tell_citizen(
                    envelope,
                    derived_id(envelope.event_id, "citizen", "routed"),
                    CitizenMessageKind.ROUTED,
                    info["reply_handle"],
                    Channel(info["channel"]),
                    c.tracking_number,
                    decision.agency_code,
                )

    async def on_forwarded(self, envelope: Envelope[Forwarded]) -> None:
        f = envelope.payload
        if envelope.complaint_id is None:
            log.warning("forwarded event without complaint id ignored", event_id=str(envelope.event_id))
            return
        async with once(self.db.pool, store.SCHEMA, "forwarded", envelope.event_id) as conn:
            if conn is None:
                return
            at = utcnow()
            info, clocks = await store.upsert_complaint(
                conn,
                envelope.complaint_id,
                f.tracking_number,
                agency_code=f.agency_code,
                lapor_tracking_id=f.lapor_tracking_id,
                forward_outcome=f.outcome.value,
                seen=("forwarded", at),
            )
            await self._lifecycle(
                conn, envelope.complaint_id, f.tracking_number, "forwarded", at, info, clocks, envelope.correlation_id
            )

    async def on_status(self, envelope: Envelope[StatusChanged]) -> None:
        change = envelope.payload
        if envelope.complaint_id is None:
            log.warning("status event without complaint id ignored", event_id=str(envelope.event_id))
            return
        event = change.status.value
        async with once(self.db.pool, store.SCHEMA, "status", envelope.event_id) as conn:
            if conn is None:
                return
            info, clocks = await store.upsert_complaint(
                conn,
                envelope.complaint_id,
                change.tracking_number,
                agency_code=change.agency_code,
                seen=(event, change.changed_at),
            )
            await self._lifecycle(
                conn,
                envelope.complaint_id,
                change.tracking_number,
                event,
                change.changed_at,
                info,
                clocks,
                envelope.correlation_id,
            )
            kind = _CITIZEN_ON_STATUS.get(event)
            if kind is not None and info.get("reply_handle") and info.get("channel"):
                await self._tell_citizen(
                    envelope,
                    derived_id(envelope.event_id, "citizen", kind.value),
                    kind,
                    info["reply_handle"],
                    Channel(info["channel"]),
                    change.tracking_number,
                    info.get("agency_code"),
                )

    async def _lifecycle(
        self,
        conn: Any,
        complaint_id: uuid.UUID,
        tracking_number: str,
        event: str,
        at: datetime,
        info: dict[str, Any],
        clocks: list[dict[str, Any]],
        correlation_id: str | None = None,
    ) -> None:
        """Apply one lifecycle event to the complaint's clocks (`clocks`: its rows, locked), in this order:
        re-time clocks for a newly known agency/urusan, stop, pause, resume, restart, start. Each change is
        written to the history."""
        agency_code, urusan = info.get("agency_code"), info.get("urusan")
        now = utcnow()
        rows = {r["clock"]: r for r in clocks}
        seen = info["events_seen"]  # with this event (upsert_complaint noted it)
        history: list[store.ClockNote] = []

        def note(row: dict[str, Any], kind: str, when: datetime, *, if_opened: bool = False, **detail: Any) -> None:
            history.append(
                store.ClockNote(
                    row["clock"], row["cycle"], kind, when, row["due_at"], {"event": event, **detail}, if_opened
                )
            )

        changed: set[str] = set()
        row: dict[str, Any] | None
        for row in rows.values():
            if row["stopped_at"] is None and (row["agency_code"], row["urusan"]) != (agency_code, urusan):
                d = reschedule(self.policy, store.deadline_of(row), agency_code=agency_code, urusan=urusan)
                row.update(agency_code=agency_code, urusan=urusan)
                if (d.due_at, d.warn_at) != (row["due_at"], row["warn_at"]):
                    row.update(due_at=d.due_at, warn_at=d.warn_at)
                    note(row, "rescheduled", now, agency_code=agency_code, urusan=urusan)
                changed.add(row["clock"])
        for name in clocks_stopped_by(self.policy, event):
            row = rows.get(name)
            if row is not None and row["stopped_at"] is None:
                row.update(stopped_at=at, stopped_by=event, paused_at=None)
                note(row, "met" if at <= row["due_at"] else "stopped_late", at)
                changed.add(name)
        for name in clocks_paused_by(self.policy, event):
            row = rows.get(name)
            if row is not None and row["stopped_at"] is None and row["paused_at"] is None:
                row["paused_at"] = at
                note(row, "paused", at)
                changed.add(name)
        for name in clocks_resumed_by(self.policy, event):
            row = rows.get(name)
            if row is not None and row["stopped_at"] is None and row["paused_at"] is not None:
                d = shift_for_pause(self.policy, store.deadline_of(row), row["paused_at"], max(at, row["paused_at"]))
                row.update(paused_at=None, due_at=d.due_at, warn_at=d.warn_at)
                note(row, "resumed", at)
                changed.add(name)
        for name in clocks_restarted_by(self.policy, event):
            row = rows.get(name)
            if row is not None:
                d = restart(self.policy, store.deadline_of(row), at)
                row.update(
                    started_at=d.started_at,
                    due_at=d.due_at,
                    warn_at=d.warn_at,
                    stopped_at=None,
                    stopped_by=None,
                    paused_at=None,
                    warned_at=None,
                    breached_at=None,
                    escalated_at=None,
                    escalation_level=0,
                    cycle=row["cycle"] + 1,
                )
                note(row, "restarted", at)
                changed.add(name)
        for name in changed:
            rows[name]["next_alert_at"] = self._plan(rows[name], now).next_at
        opening: list[store.NewClock] = []
        for d in clocks_started_by(self.policy, event, at, agency_code, urusan=urusan):
            if d.clock in rows:
                continue  # opened before (a clock runs once per complaint; a reopen restarts it)
            fresh = {"cycle": 0, "due_at": d.due_at, "clock": d.clock}
            next_at = self._plan(
                {
                    **fresh,
                    "started_at": d.started_at,
                    "warn_at": d.warn_at,
                    "agency_code": d.agency_code,
                    "urusan": d.urusan,
                    "warned_at": None,
                    "breached_at": None,
                    "escalation_level": 0,
                    "paused_at": None,
                    "stopped_at": None,
                },
                now,
            ).next_at
            # its stop event may have come first (another topic, another consumer): then it opens already stopped
            stop = _earliest_stop(self.policy.clocks[d.clock].stops_on, seen, d.started_at)
            stopped_at, stopped_by = stop if stop is not None else (None, None)
            opening.append(store.NewClock(d, None if stop else next_at, stopped_at, stopped_by))
        for clock in opening:  # noted only if this statement opens it: another replica may have meanwhile
            d = clock.deadline
            fresh = {"cycle": 0, "due_at": d.due_at, "clock": d.clock}
            note(fresh, "started", at, if_opened=True, warn_at=d.warn_at.isoformat())
            if clock.stopped_at is not None:
                kind = "met" if clock.stopped_at <= d.due_at else "stopped_late"
                note(fresh, kind, clock.stopped_at, if_opened=True, stopped_by=clock.stopped_by)
        opened = await store.write_clocks(
            conn,
            complaint_id=complaint_id,
            tracking_number=tracking_number,
            changed=[rows[name] for name in sorted(changed)],
            opening=opening,
            notes=history,
            correlation_id=correlation_id,
        )
        if noted := {n.clock: n.kind for n in history if not n.if_opened or n.clock in opened}:
            log.info("deadlines changed", tracking_number=tracking_number, lifecycle=event, clocks=noted)

    def _plan(self, row: dict[str, Any], now: datetime) -> Plan:
        return plan(store.deadline_of(row), self._state(row), now, self.policy, self.chain)

    def _state(self, row: dict[str, Any]) -> AlertState:
        return AlertState(
            warned=row["warned_at"] is not None,
            breached=row["breached_at"] is not None,
            escalation_level=row["escalation_level"],
            paused=row["paused_at"] is not None,
            stopped=row["stopped_at"] is not None,
        )

    # ------------------------------------------------------------------------------------------
    # the citizen

    async def _tell_citizen(
        self,
        cause: Envelope[Any],
        event_id: uuid.UUID,
        kind: CitizenMessageKind,
        reply_handle: str,
        channel: Channel,
        tracking_number: str,
        agency_code: str | None,
    ) -> None:
        text = self.messages.citizen_text(kind, tracking_number=tracking_number, agency_name=agency_name(agency_code))
        message = CitizenMessage(
            reply_handle=reply_handle, channel=channel, tracking_number=tracking_number, kind=kind, text=text
        )
        event = Envelope[CitizenMessage](
            event_id=event_id,
            event_type=EventType.CITIZEN_MESSAGE,
            occurred_at=utcnow(),
            complaint_id=cause.complaint_id,
            correlation_id=cause.correlation_id,
            producer=PRODUCER,
            payload=message,
        )
        # published inside the caller's transaction: a failure rolls the claim back and the input comes again;
        # a redelivery publishes the same event id, which the sender dedupes.
        await self.publisher.publish(self.topics.citizen_outbound, event)

    # ------------------------------------------------------------------------------------------
    # the deadline watch

    async def scan_once(self) -> int:
        """Announce every warning, breach and escalation step now due, in batches; return how many."""
        now = utcnow()
        sent = 0
        async with self.db.pool.acquire() as conn:
            while True:
                async with conn.transaction():
                    rows = await store.due_for_alert(conn, now, self.settings.scan_batch)
                    sent += await self._announce(conn, rows, now)
                if len(rows) < self.settings.scan_batch:
                    break
        if sent:
            log.info("deadline alerts announced", alerts=sent)
        return sent

    async def _announce(self, conn: Any, rows: list[dict[str, Any]], now: datetime) -> int:
        events: list[Envelope[Any]] = []
        outbox: list[tuple[Any, ...]] = []
        history: list[tuple[Any, ...]] = []
        citizen: list[tuple[dict[str, Any], Envelope[Any]]] = []
        for row in rows:
            all_steps = steps(store.deadline_of(row), self.policy, self.chain)
            for step in plan_steps(all_steps, self._state(row), now).due:
                event = self._alert_event(row, step, now)
                events.append(event)
                outbox.extend(self._messages_for(row, step, event))
                history.append(
                    (
                        row["complaint_id"],
                        row["tracking_number"],
                        row["clock"],
                        row["cycle"],
                        _HISTORY_OF[step.kind],
                        now,
                        row["due_at"],
                        {"level": step.level},
                    )
                )
                if step.kind is SlaAlertKind.WARNING:
                    row["warned_at"] = now
                elif step.kind is SlaAlertKind.BREACH:
                    row["breached_at"] = now
                else:
                    row["escalation_level"] = step.level
                    row["escalated_at"] = row["escalated_at"] or now
                    if self._tells_ombudsman(row, step):
                        citizen.append((row, event))
            row["next_alert_at"] = plan_steps(all_steps, self._state(row), now).next_at
        await store.update_deadlines(conn, rows)
        await store.enqueue(conn, outbox)
        await store.add_history(conn, history)
        await asyncio.gather(*(self.publisher.publish(self.topics.sla_alerts, e) for e in events))
        for row, event in citizen:
            await self._ombudsman(conn, row, event, now)
        return len(events)

    def _alert_event(self, row: dict[str, Any], step: Step, now: datetime) -> Envelope[SlaAlert]:
        alert = SlaAlert(
            tracking_number=row["tracking_number"],
            clock=row["clock"],
            kind=step.kind,
            due_at=row["due_at"],
            agency_code=row["agency_code"],
            level=step.level,
        )
        return Envelope[SlaAlert](
            event_id=derived_id(row["complaint_id"], "sla", row["clock"], row["cycle"], step.kind.value, step.level),
            event_type=EventType.SLA_ALERT,
            occurred_at=now,
            complaint_id=row["complaint_id"],
            correlation_id=row.get("correlation_id") or str(row["complaint_id"]),
            producer=PRODUCER,
            payload=alert,
        )

    def _messages_for(self, row: dict[str, Any], step: Step, event: Envelope[SlaAlert]) -> list[tuple[Any, ...]]:
        roles = self.recipients.roles_for(step.kind.value, step.level)
        out = []
        due_local = row["due_at"].astimezone(self.tz).strftime("%d-%m-%Y %H:%M WIB")
        for d in self.recipients.deliveries(roles, row["agency_code"]):
            subject, body = self.messages.alert_text(
                step.kind,
                tracking_number=row["tracking_number"],
                clock=row["clock"],
                clock_label=self.messages.clock_labels.get(row["clock"], row["clock"]),
                due_local=due_local,
                agency_name=agency_name(row["agency_code"]),
                level=step.level,
                role_label=self.messages.role_labels.get(d.role, d.role),
            )
            payload = {
                "event_id": str(event.event_id),
                "type": "sla.alert",
                "kind": step.kind.value,
                "level": step.level,
                "clock": row["clock"],
                "tracking_number": row["tracking_number"],
                "agency_code": row["agency_code"],
                "due_at": row["due_at"].isoformat(),
                "role": d.role,
                "text": body,
            }
            out.append(
                (
                    f"{event.event_id}:{d.key}",
                    d.channel,
                    d.address,
                    d.role,
                    subject,
                    body,
                    payload,
                    d.secret_env,
                    event.occurred_at,
                )
            )
        return out

    def _tells_ombudsman(self, row: dict[str, Any], step: Step) -> bool:
        chain = self.recipients.escalation
        return (
            row["clock"] in self.recipients.ombudsman_clocks
            and 0 < step.level <= len(chain)
            and chain[step.level - 1].tell_citizen_ombudsman
        )

    async def _ombudsman(self, conn: Any, row: dict[str, Any], cause: Envelope[Any], now: datetime) -> None:
        await store.ombudsman_due(conn, row["complaint_id"], now)
        info = await store.complaint(conn, row["complaint_id"])
        if info is None or not info.get("reply_handle") or not info.get("channel"):
            return  # the acceptance (with the reply handle) has not arrived yet: on_accepted tells them then
        if await store.mark_ombudsman(conn, row["complaint_id"], now):
            await self._tell_citizen(
                cause,
                derived_id(row["complaint_id"], "citizen", "ombudsman"),
                CitizenMessageKind.OMBUDSMAN,
                info["reply_handle"],
                Channel(info["channel"]),
                row["tracking_number"],
                row["agency_code"],
            )


def _earliest_stop(
    stops_on: tuple[str, ...], seen: dict[str, str], started_at: datetime
) -> tuple[datetime, str] | None:
    """The first of a clock's stop events already seen at or after its start, with its name."""
    found = [(datetime.fromisoformat(seen[e]), e) for e in stops_on if e in seen]
    found = [(t, e) for t, e in found if t >= started_at]
    return min(found) if found else None
