"""forwarder's edge: mirror each routed complaint into LAPOR! exactly once (DESIGN.md §6).

Exactly once, against a remote system that does not dedupe: the attempt is counted in Postgres
before each call, and once any attempt may have reached LAPOR! (a timeout, a 5xx, a crash mid-call)
the stable reference is looked up before creating again. Failures that may pass are retried inline
a few times, then on the delayed retry topics; failures that will not pass, and retries run out,
park on the DLQ with the reason. `aduan replay-dlq` sends parked ones through again.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import asyncpg

from services.forwarder import store
from services.forwarder.forward import inline_backoff, next_retry, reference_for, report_for
from services.forwarder.lapor import (
    LaporClient,
    LaporPermanentError,
    LaporReceipt,
    LaporRetryableError,
)
from services.forwarder.settings import ForwarderSettings
from shared.db import Database
from shared.events import (
    Envelope,
    EventType,
    Forwarded,
    ForwardOutcome,
    ForwardParked,
    ForwardRetry,
    RoutedComplaint,
    StatusChanged,
    utcnow,
)
from shared.idempotency import once
from shared.kafka import Publisher
from shared.logging import get_logger

log = get_logger(__name__)
PRODUCER = "forwarder"
STATUS_SYNC_OVERLAP = timedelta(seconds=5)


class RetryLater(Exception):
    def __init__(self, error: str, retry_after: float | None) -> None:
        super().__init__(error)
        self.retry_after = retry_after


class ForwarderHandlers:
    def __init__(self, publisher: Publisher, db: Database, lapor: LaporClient, settings: ForwarderSettings) -> None:
        self.publisher = publisher
        self.db = db
        self.lapor = lapor
        self.settings = settings
        self.topics = settings.topics

    async def on_routed(self, envelope: Envelope[RoutedComplaint]) -> None:
        await self._forward(envelope, envelope.payload, level_done=0)

    async def on_retry(self, envelope: Envelope[ForwardRetry]) -> None:
        """A delayed retry: wait until it is due (the topic is in due order), then try again."""
        wait = (envelope.payload.not_before - utcnow()).total_seconds()
        if wait > 0:
            await asyncio.sleep(wait)
        await self._forward(envelope, envelope.payload.routed, level_done=envelope.payload.level)

    async def _forward(self, envelope: Envelope, routed: RoutedComplaint, *, level_done: int) -> None:  # type: ignore[type-arg]
        complaint = routed.complaint
        row = await store.open_report(self.db.pool, complaint.complaint_id, complaint.tracking_number,
                                      reference_for(routed), routed.decision.agency_code,
                                      correlation_id=envelope.correlation_id)
        if row.state == "created" and row.lapor_tracking_id:
            # Redelivered after the report was made: say so again (same event id), create nothing.
            await self._announce(routed, ForwardOutcome.CREATED, row.attempts, lapor_tracking_id=row.lapor_tracking_id,
                                 correlation_id=envelope.correlation_id)
            return
        try:
            receipt, attempts = await self._create_once(routed, in_doubt=row.attempts > 0)
        except LaporPermanentError as exc:
            await self._park(envelope, routed, f"LAPOR! refused the report: {exc}: {exc.body[:1000]}",
                             permanent=True)
            return
        except RetryLater as exc:
            await self._retry_or_park(envelope, routed, level_done, str(exc), exc.retry_after)
            return
        try:
            await store.mark_created(self.db.pool, complaint.complaint_id, receipt.tracking_id)
        except asyncpg.UniqueViolationError:
            # LAPOR! answered with a tracking id another complaint already holds: retrying cannot
            # change that, and a human must look at both reports.
            await self._park(envelope, routed, f"LAPOR! returned tracking id {receipt.tracking_id}, which is "
                             "already recorded for another complaint", permanent=True)
            return
        await self._announce(routed, ForwardOutcome.CREATED, attempts, lapor_tracking_id=receipt.tracking_id,
                             correlation_id=envelope.correlation_id)
        log.info("forwarded to LAPOR!", tracking_number=complaint.tracking_number,
                 lapor_tracking_id=receipt.tracking_id, attempts=attempts)

    async def _create_once(self, routed: RoutedComplaint, *, in_doubt: bool) -> tuple[LaporReceipt, int]:
        """Inline tries. `in_doubt`: an earlier try may have created the report; look before creating."""
        complaint_id = routed.complaint.complaint_id
        report = report_for(routed)
        error, retry_after, attempts = "", None, 0
        for attempt in range(1, self.settings.inline_attempts + 1):
            attempts = await store.count_attempt(self.db.pool, complaint_id)  # durable before the call
            try:
                receipt = await self.lapor.find_by_reference(report.reference) if in_doubt else None
                return receipt or await self.lapor.create_report(report), attempts
            except LaporRetryableError as exc:
                # A timeout or a 5xx may still have been applied on LAPOR!'s side.
                in_doubt = True
                error, retry_after = f"{type(exc).__name__}: {exc}", exc.retry_after
                log.warning("LAPOR! call failed; may pass later", error=error, attempt=attempt)
                await store.mark_failed(self.db.pool, complaint_id, error, parked=False)
                if attempt < self.settings.inline_attempts:
                    await asyncio.sleep(max(inline_backoff(attempt, self.settings.inline_backoff_s),
                                            min(retry_after or 0.0, 2.0)))
        raise RetryLater(error, retry_after)

    async def _retry_or_park(self, envelope: Envelope, routed: RoutedComplaint, level_done: int,  # type: ignore[type-arg]
                             error: str, retry_after: float | None) -> None:
        plan = next_retry(level_done, self.settings.retry_delays_s, utcnow(), retry_after)
        if plan.level is None or plan.not_before is None:
            await self._park(envelope, routed, f"retries exhausted: {error}", permanent=False)
            return
        attempts = await self.db.pool.fetchval(
            "SELECT attempts FROM forwarder.reports WHERE complaint_id = $1", routed.complaint.complaint_id)
        retry = ForwardRetry(routed=routed, level=plan.level, attempts=attempts, not_before=plan.not_before,
                             last_error=error[:2000])
        await self.publisher.publish(self.topics.forward_retry(plan.level),
                      envelope.follow(EventType.FORWARD_RETRY, retry, producer=PRODUCER,
                                      discriminator=f"retry-{plan.level}"))
        log.info("forward scheduled for retry", level=plan.level, not_before=plan.not_before.isoformat())

    async def _park(self, envelope: Envelope, routed: RoutedComplaint, reason: str, *, permanent: bool) -> None:  # type: ignore[type-arg]
        complaint_id = routed.complaint.complaint_id
        await store.mark_failed(self.db.pool, complaint_id, reason, parked=True)
        attempts = await self.db.pool.fetchval(
            "SELECT attempts FROM forwarder.reports WHERE complaint_id = $1", complaint_id)
        parked = ForwardParked(routed=routed, attempts=attempts, reason=reason[:2000], permanent=permanent)
        await self.publisher.publish(self.topics.forward_dlq,
                      envelope.follow(EventType.FORWARD_PARKED, parked, producer=PRODUCER, discriminator="dlq"))
        await self._announce(routed, ForwardOutcome.FAILED, max(attempts, 1), error=reason,
                             correlation_id=envelope.correlation_id)
        log.warning("forward parked on the DLQ", reason=reason[:300], permanent=permanent)

    # ------------------------------------------------------------------------------------------
    # status changes from LAPOR! back onto complaints.status

    async def sync_status_once(self) -> int:
        """Publish the status steps LAPOR! took since the last sync; return how many were ours.

        The window overlaps the previous one a little, so a step stamped in the same instant as the
        last one seen is not missed; a step seen again is recognised by its derived event id and
        not published twice."""
        since = await store.synced_to(self.db.pool) or utcnow() - timedelta(days=7)
        changes = await self.lapor.status_changes_since(since - STATUS_SYNC_OVERLAP)
        published = 0
        for change in changes:
            row = await store.by_lapor_id(self.db.pool, change.tracking_id)
            if row is None:
                continue  # a report another system made
            event = Envelope[StatusChanged](
                event_id=uuid.uuid5(row["complaint_id"], f"status:{change.status.value}:{change.at.isoformat()}"),
                event_type=EventType.STATUS_CHANGED,
                occurred_at=utcnow(),
                complaint_id=row["complaint_id"],
                correlation_id=row["correlation_id"] or str(row["complaint_id"]),  # rows from before 0003
                producer=PRODUCER,
                payload=StatusChanged(tracking_number=row["tracking_number"], status=change.status,
                                      agency_code=row["agency_code"], note=change.note, changed_at=change.at),
            )
            async with once(self.db.pool, store.SCHEMA, "status-sync", event.event_id) as conn:
                if conn is None:
                    continue
                await self.publisher.publish(self.topics.status, event)
                published += 1
        if changes:
            await store.save_synced_to(self.db.pool, changes[-1].at)
        if published:
            log.info("status changes brought back from LAPOR!", changes=published)
        return published

    async def _announce(self, routed: RoutedComplaint, outcome: ForwardOutcome, attempts: int, *,
                        lapor_tracking_id: str | None = None, error: str | None = None,
                        correlation_id: str) -> None:
        complaint = routed.complaint
        forwarded = Forwarded(tracking_number=complaint.tracking_number, agency_code=routed.decision.agency_code,
                              outcome=outcome, lapor_tracking_id=lapor_tracking_id, attempts=attempts,
                              error=error[:2000] if error else None)
        # One id per complaint and outcome: every redelivery announces the very same event.
        event = Envelope[Forwarded](
            event_id=uuid.uuid5(complaint.complaint_id, f"forwarded:{outcome.value}:{lapor_tracking_id}"),
            event_type=EventType.FORWARDED,
            occurred_at=utcnow(),
            complaint_id=complaint.complaint_id,
            correlation_id=correlation_id,
            producer=PRODUCER,
            payload=forwarded,
        )
        await self.publisher.publish(self.topics.forwarded, event)
