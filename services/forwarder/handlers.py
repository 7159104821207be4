"""forwarder's edge: mirror each routed complaint into LAPOR! exactly once (DESIGN.md §6, issue 9).

Exactly once, against a remote system that does not dedupe:
- every forward of one complaint runs under the complaint's advisory lock (store.locked), held across
  the LAPOR! calls: two deliveries of one complaint (a batch rewind and a retry record, a replay, two
  replicas) are serialised, and the second finds the report the first made;
- before each create call the attempt and a *doubt* are made durable; a create whose outcome is
  unknown (timeout, lost answer, reset, 5xx, unreadable answer) leaves the doubt open, and the next
  try looks the reference up first. A lookup that finds nothing is believed only once the doubt is
  older than `doubt_settle_s` (LAPOR! may still be carrying the create out);
- failures that may pass are retried inline, then on the delayed retry topics; waiting for an open
  breaker, a long Retry-After or a doubt to settle goes onto a retry topic without using up a retry
  level; failures that will not pass park on the DLQ with the reason. Parked after a doubt is
  "in doubt", and the periodic reconcile looks it up until it is settled.

It also brings LAPOR!'s status steps back (sync_status_once), sends re-routes to LAPOR! as a new
disposition, and the reporter's messages (complaints.responses, and complaints.follow_ups of kind
`message`) as LAPOR! responses (which reopen the report): kept in forwarder.responses until LAPOR!
takes them, which it does only after the agency's follow-up, seen by the status sync.
"""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

import asyncpg

from services.forwarder import store
from services.forwarder.forward import (
    doubt_wait,
    inline_backoff,
    message_text,
    next_retry,
    reference_for,
    report_for,
    response_batch,
    response_reference,
)
from services.forwarder.guard import LaporGuard
from services.forwarder.lapor_api import (
    LaporApi,
    LaporError,
    LaporPermanentError,
    LaporReceipt,
    LaporRetryableError,
    LaporStatusChange,
    LaporUnavailable,
)
from services.forwarder.settings import ForwarderSettings
from shared import metrics
from shared.db import Connection, Database
from shared.events import (
    Envelope,
    EventType,
    FollowUp,
    FollowUpKind,
    Forwarded,
    ForwardOutcome,
    ForwardParked,
    ForwardRetry,
    ReporterResponse,
    RoutedComplaint,
    StatusChanged,
    derived_id,
    utcnow,
)
from shared.idempotency import once
from shared.kafka import Publisher
from shared.logging import bound, get_logger

log = get_logger(__name__)
PRODUCER = "forwarder"
T = TypeVar("T")


class RetryLater(Exception):
    """Not now. `spend_level=False`: nothing was tried on LAPOR! (breaker open, rate limit, a doubt
    settling), so the wait does not use up one of the complaint's retry levels."""

    def __init__(self, error: str, retry_after: float | None, *, spend_level: bool = True) -> None:
        super().__init__(error)
        self.retry_after = retry_after
        self.spend_level = spend_level


class ForwarderHandlers:
    def __init__(
        self, publisher: Publisher, db: Database, lapor: LaporApi, settings: ForwarderSettings, guard: LaporGuard
    ) -> None:
        self.publisher = publisher
        self.db = db
        self.lapor = lapor
        self.settings = settings
        self.guard = guard
        self.topics = settings.topics
        self._backlog = False  # whether status steps are held for reports not recorded yet

    async def _call(self, method: Callable[..., Awaitable[T]], *args: Any) -> T:
        """One LAPOR! call through the guard (breaker, rate limit, concurrency)."""
        return await self.guard.call(functools.partial(method, *args))

    # ------------------------------------------------------------------------------------------
    # complaints.routed and the retry topics

    async def on_routed(self, envelope: Envelope[RoutedComplaint]) -> None:
        await self._forward(envelope, envelope.payload, level_done=0, routed_event_id=envelope.event_id)

    async def on_retry(self, envelope: Envelope[ForwardRetry]) -> None:
        """A delayed retry: wait until it is due (the topic is in due order), then try again. A wait
        longer than `max_wait_s` is not slept in the handler: the retry goes back onto its topic."""
        retry = envelope.payload
        wait = (retry.not_before - utcnow()).total_seconds()
        if wait > self.settings.max_wait_s:
            await asyncio.sleep(self.settings.max_wait_s)
            await self.publisher.publish(
                self.topics.forward_retry(retry.level),
                envelope.follow(EventType.FORWARD_RETRY, retry, producer=PRODUCER, discriminator=f"hold-{retry.level}"),
            )
            return
        if wait > 0:
            await asyncio.sleep(wait)
        await self._forward(envelope, retry.routed, level_done=retry.level, routed_event_id=retry.routed_event_id)

    async def _forward(
        self, envelope: Envelope[Any], routed: RoutedComplaint, *, level_done: int, routed_event_id: uuid.UUID | None
    ) -> None:
        complaint = routed.complaint
        async with store.locked(self.db.pool, complaint.complaint_id, take_lock=False) as conn:
            row = await store.open_report(
                conn,
                complaint.complaint_id,
                complaint.tracking_number,
                reference_for(routed),
                routed.decision.agency_code,
                routed.model_dump_json(),
                routed_event_id,
                lock_key=store.report_lock_key(complaint.complaint_id),
                correlation_id=envelope.correlation_id,
            )
            if row.state == "created" and row.lapor_tracking_id:
                if routed.reroute_of is not None and routed_event_id is not None:
                    await self._reroute(conn, envelope, routed, row, level_done, routed_event_id)
                    return
                # Redelivered after the report was made: say so again (same event id), create nothing.
                await self._announce(
                    routed,
                    ForwardOutcome.CREATED,
                    row.attempts,
                    lapor_tracking_id=row.lapor_tracking_id,
                    correlation_id=envelope.correlation_id,
                )
                return
            try:
                receipt, attempts = await self._create_once(conn, routed, row)
            except LaporPermanentError as exc:
                await self._park(
                    conn, envelope, routed, f"LAPOR! refused the report: {exc}: {exc.body[:1000]}", permanent=True
                )
                return
            except RetryLater as exc:
                await self._retry_or_park(conn, envelope, routed, level_done, exc, routed_event_id)
                return
            await self._record_created(conn, envelope, routed, receipt, attempts)

    async def _record_created(
        self,
        conn: Connection,
        envelope: Envelope[Any],
        routed: RoutedComplaint,
        receipt: LaporReceipt,
        attempts: int,
    ) -> None:
        complaint = routed.complaint
        try:
            await store.mark_created(conn, complaint.complaint_id, receipt.tracking_id)
        except asyncpg.UniqueViolationError:
            # LAPOR! answered with a tracking id another complaint already holds: retrying cannot
            # change that, and a human must look at both reports.
            await self._park(
                conn,
                envelope,
                routed,
                f"LAPOR! returned tracking id {receipt.tracking_id}, which is already recorded for another complaint",
                permanent=True,
            )
            return
        await self._announce(
            routed,
            ForwardOutcome.CREATED,
            attempts,
            lapor_tracking_id=receipt.tracking_id,
            correlation_id=envelope.correlation_id,
        )
        log.info(
            "forwarded to LAPOR!",
            tracking_number=complaint.tracking_number,
            lapor_tracking_id=receipt.tracking_id,
            attempts=attempts,
        )

    async def _create_once(
        self, conn: Connection, routed: RoutedComplaint, row: store.ReportRow
    ) -> tuple[LaporReceipt, int]:
        """Inline tries, under the complaint's lock. Look before creating while a doubt is open."""
        complaint_id = routed.complaint.complaint_id
        report = report_for(routed)
        doubt_at, attempts = row.doubt_at, row.attempts
        error, retry_after = "", None
        for attempt in range(1, self.settings.inline_attempts + 1):
            try:
                if doubt_at is not None:
                    found = await self._call(self.lapor.find_by_reference, report.reference)
                    if found is not None:
                        return found, max(attempts, 1)
                    wait = doubt_wait((utcnow() - doubt_at).total_seconds(), self.settings.doubt_settle_s)
                    if wait > 0:
                        raise RetryLater(
                            "an earlier create may still be carried out by LAPOR!; looking again before creating",
                            wait,
                            spend_level=False,
                        )
                attempts, before = await store.begin_create(conn, complaint_id)  # durable before the call
                try:
                    return await self._call(self.lapor.create_report, report), attempts
                except LaporRetryableError as exc:
                    if exc.maybe_applied:
                        await store.doubt_from_now(conn, complaint_id)
                    else:
                        await store.restore_doubt(conn, complaint_id, before)
                    raise
                except LaporPermanentError:
                    await store.restore_doubt(conn, complaint_id, before)
                    raise
            except LaporUnavailable as exc:
                raise RetryLater(f"{type(exc).__name__}: {exc}", exc.retry_after, spend_level=False) from exc
            except LaporRetryableError as exc:
                error, retry_after = f"{type(exc).__name__}: {exc}", exc.retry_after
                log.warning("LAPOR! call failed; may pass later", error=error, attempt=attempt)
                await store.note_error(conn, complaint_id, error)
                fresh = await store.get_report(conn, complaint_id)
                doubt_at = fresh.doubt_at if fresh else doubt_at
                if retry_after is not None and retry_after > self.settings.max_wait_s:
                    break  # a long Retry-After: on the retry topic, not in this handler
                if attempt < self.settings.inline_attempts:
                    await asyncio.sleep(
                        max(
                            inline_backoff(attempt, self.settings.inline_backoff_s),
                            min(retry_after or 0.0, self.settings.max_wait_s),
                        )
                    )
        raise RetryLater(error, retry_after)

    async def _retry_or_park(
        self,
        conn: Connection,
        envelope: Envelope[Any],
        routed: RoutedComplaint,
        level_done: int,
        exc: RetryLater,
        routed_event_id: uuid.UUID | None,
    ) -> None:
        now = utcnow()
        if exc.spend_level:
            plan = next_retry(level_done, self.settings.retry_delays_s, now, exc.retry_after)
            if plan.level is None or plan.not_before is None:
                await self._park(conn, envelope, routed, f"retries exhausted: {exc}", permanent=False)
                return
            level, not_before = plan.level, plan.not_before
        else:
            level = max(level_done, 1)
            not_before = now + timedelta(seconds=max(exc.retry_after or 0.0, self.settings.inline_backoff_s))
        attempts = max(await store.attempts_of(conn, routed.complaint.complaint_id), 1)
        retry = ForwardRetry(
            routed=routed,
            level=level,
            attempts=attempts,
            not_before=not_before,
            last_error=str(exc)[:2000],
            routed_event_id=routed_event_id,
        )
        await self.publisher.publish(
            self.topics.forward_retry(level),
            envelope.follow(EventType.FORWARD_RETRY, retry, producer=PRODUCER, discriminator=f"retry-{level}"),
        )
        log.info(
            "forward scheduled for retry", level=level, not_before=not_before.isoformat(), spends_level=exc.spend_level
        )

    async def _park(
        self,
        conn: Connection,
        envelope: Envelope[Any],
        routed: RoutedComplaint,
        reason: str,
        *,
        permanent: bool,
    ) -> None:
        complaint_id = routed.complaint.complaint_id
        row = await store.get_report(conn, complaint_id)
        doubtful = row is not None and row.doubt_at is not None
        attempts = await store.park(conn, complaint_id, reason, in_doubt=doubtful)
        parked = ForwardParked(routed=routed, attempts=attempts, reason=reason[:2000], permanent=permanent)
        await self.publisher.publish(
            self.topics.forward_dlq,
            envelope.follow(EventType.FORWARD_PARKED, parked, producer=PRODUCER, discriminator="dlq"),
        )
        # In doubt is not failed: the report may exist, and the reconcile will say.
        outcome = ForwardOutcome.IN_DOUBT if doubtful else ForwardOutcome.FAILED
        await self._announce(routed, outcome, max(attempts, 1), error=reason, correlation_id=envelope.correlation_id)
        log.warning("forward parked on the DLQ", reason=reason[:300], permanent=permanent, in_doubt=doubtful)

    # ------------------------------------------------------------------------------------------
    # re-routes: the report is disposed to the new agency, once

    async def _reroute(
        self,
        conn: Connection,
        envelope: Envelope[Any],
        routed: RoutedComplaint,
        row: store.ReportRow,
        level_done: int,
        routed_event_id: uuid.UUID,
    ) -> None:
        assert routed.reroute_of is not None and row.lapor_tracking_id is not None
        state = await store.reroute_state(conn, routed_event_id)
        if state is not None:
            log.info("re-route already applied or replaced; nothing to do", reroute=state)
            return
        agency = routed.decision.agency_code
        tracking_id = row.lapor_tracking_id
        try:
            await self._call(self.lapor.redispose, tracking_id, agency, "dialihkan: " + routed.decision.urusan)
        except LaporPermanentError as exc:
            log.warning("LAPOR! refused the re-disposition", error=str(exc)[:300])
            await store.note_error(conn, row.complaint_id, f"re-disposition refused: {exc}")
            return
        except LaporRetryableError as exc:
            # A re-disposition is harmless to repeat (the same agency twice changes nothing).
            later = RetryLater(
                f"{type(exc).__name__}: {exc}", exc.retry_after, spend_level=not isinstance(exc, LaporUnavailable)
            )
            await self._retry_or_park(conn, envelope, routed, level_done, later, routed_event_id)
            return
        await store.record_reroute(conn, routed_event_id, row.complaint_id, routed.reroute_of, agency)
        log.info("LAPOR! report disposed to another agency", lapor_tracking_id=tracking_id, agency_code=agency)

    # ------------------------------------------------------------------------------------------
    # the reporter's messages: the answer to the agency's follow-up ("belum selesai") and further
    # messages on the complaint go to LAPOR! as the reporter's response, which reopens the report

    async def on_response(self, envelope: Envelope[ReporterResponse]) -> None:
        response = envelope.payload
        await self._take_message(envelope, "response", response.text, response.responded_at)

    async def on_follow_up(self, envelope: Envelope[FollowUp]) -> None:
        follow_up = envelope.payload
        if follow_up.kind is not FollowUpKind.MESSAGE:
            # A near-duplicate is another complaint of the same matter (routed and forwarded as the
            # first), not this reporter's word on the report: it is not sent to LAPOR! as a response.
            metrics.REPORTER_MESSAGES.labels("skipped_duplicate").inc()
            log.info("follow-up not passed on to LAPOR!", kind=follow_up.kind.value)
            return
        body = message_text(follow_up.text, [a.url for a in follow_up.attachments])
        if not body:
            metrics.REPORTER_MESSAGES.labels("skipped_empty").inc()
            log.info("follow-up not passed on to LAPOR!", kind="empty")
            return
        await self._take_message(envelope, "message", body, follow_up.received_at)

    async def _take_message(self, envelope: Envelope[Any], kind: str, body: str, received_at: datetime) -> None:
        """Keep the message (the event's claim), then send what the report has waiting, if LAPOR! takes
        it now. Whatever does not go now is sent by the status sync (send_waiting_responses)."""
        if envelope.complaint_id is None:
            log.warning("a reporter message without a complaint id; ignored", kind=kind)
            return
        if await store.queue_response(self.db.pool, envelope.event_id, envelope.complaint_id, kind, body, received_at):
            metrics.REPORTER_MESSAGES.labels("queued").inc()
        async with store.locked(self.db.pool, envelope.complaint_id) as conn:
            row = await store.get_report(conn, envelope.complaint_id)
            if row is None or row.lapor_tracking_id is None:
                # Not in LAPOR! yet: kept, and sent once the report exists and is followed up.
                log.info("reporter message waits for its LAPOR! report", kind=kind, state=row.state if row else None)
                return
            try:
                await self._send_responses(conn, row.complaint_id, row.lapor_tracking_id)
            except LaporError as exc:
                # Kept `pending` (or `waiting`): the status sync's next round tries again (a lookup
                # first if it may have been applied), so LAPOR! being down holds up no other message.
                log.warning("reporter messages not sent yet; LAPOR! failed", error_type=type(exc).__name__)

    async def _send_responses(self, conn: Connection, complaint_id: uuid.UUID, tracking_id: str) -> int:
        """Send the complaint's messages LAPOR! does not have yet as one response, oldest first; return
        how many went. Under the complaint's lock, so two senders (the consumer and the status sync,
        two replicas) never send the same message. A response whose call may have been applied is
        looked up on the report first; one not found is believed absent once the doubt has settled."""
        sent = 0
        for doubtful in await store.doubtful_responses(conn, complaint_id):
            reference = doubtful["reference"]
            if await self._call(self.lapor.has_response, tracking_id, reference):
                found = await store.responses_sent(conn, reference)
                metrics.REPORTER_MESSAGES.labels("sent").inc(found)
                sent += found
                continue
            age = (utcnow() - doubtful["doubt_at"]).total_seconds() if doubtful["doubt_at"] else None
            if doubt_wait(age, self.settings.doubt_settle_s) > 0:
                return sent  # LAPOR! may still be applying it: nothing else goes before it (the order)
            await store.release_responses(conn, reference, "pending")
        batch, text = response_batch(await store.unsent_responses(conn, complaint_id))
        if not batch:
            return sent
        reference = response_reference(batch[0])
        await store.begin_responses(conn, reference, [m.event_id for m in batch])  # durable before the call
        try:
            await self._call(self.lapor.reporter_response, tracking_id, reference, text)
        except LaporPermanentError as exc:
            if exc.status == 409:
                # LAPOR! takes a response only after the agency's follow-up: kept until the status
                # sync sees it (reports.lapor_status), then sent.
                await store.release_responses(conn, reference, "waiting")
                metrics.REPORTER_MESSAGES.labels("waiting").inc(len(batch))
                log.info("reporter messages wait for the agency's follow-up", lapor_tracking_id=tracking_id)
                return sent
            await store.refuse_responses(conn, reference, f"LAPOR! refused the response: HTTP {exc.status}")
            metrics.REPORTER_MESSAGES.labels("refused").inc(len(batch))
            log.warning("LAPOR! refused the reporter's messages", lapor_tracking_id=tracking_id, status=exc.status)
            return sent
        except LaporRetryableError as exc:
            if not exc.maybe_applied:
                await store.release_responses(conn, reference, "pending")
            raise
        went = await store.responses_sent(conn, reference)
        metrics.REPORTER_MESSAGES.labels("sent").inc(went)
        log.info("reporter messages sent to LAPOR!", lapor_tracking_id=tracking_id, messages=went)
        return sent + went

    async def send_waiting_responses(self) -> int:
        """Send the messages that wait for the agency's follow-up (now that LAPOR! shows it) and those
        without a definite answer; return how many went. Run after each status sync round. Those on a
        report LAPOR! closed are refused first: they can no longer go."""
        for closed in await store.refuse_on_closed_reports(self.db.pool):
            metrics.REPORTER_MESSAGES.labels("refused").inc(closed["messages"])
            with bound(complaint_id=closed["complaint_id"], correlation_id=closed["correlation_id"]):
                log.warning(
                    "reporter messages refused; the LAPOR! report is closed",
                    lapor_tracking_id=closed["lapor_tracking_id"],
                    messages=closed["messages"],
                )
        sent = 0
        for item in await store.responses_due(self.db.pool, limit=200):
            with bound(complaint_id=item["complaint_id"], correlation_id=item["correlation_id"]):
                try:
                    sent += await self._send_due(item["complaint_id"], item["lapor_tracking_id"])
                except LaporUnavailable as exc:
                    log.warning("reporter messages not sent yet; LAPOR! failed", error_type=type(exc).__name__)
                    break  # the breaker is open or the rate spent: the next round
                except LaporError as exc:
                    log.warning("reporter messages not sent yet; LAPOR! failed", error_type=type(exc).__name__)
        return sent

    async def _send_due(self, complaint_id: uuid.UUID, tracking_id: str) -> int:
        async with store.locked(self.db.pool, complaint_id) as conn:
            return await self._send_responses(conn, complaint_id, tracking_id)

    # ------------------------------------------------------------------------------------------
    # in doubt: look it up until it is settled

    async def reconcile_once(self) -> int:
        """Look up every complaint parked in doubt; record the report when it exists, park it for good
        when it surely does not. Return how many were settled."""
        try:
            return await self._reconcile()
        except LaporError as exc:
            log.warning("reconcile round stopped; LAPOR! failed", error=f"{type(exc).__name__}: {exc}"[:300])
            return 0

    async def _reconcile(self) -> int:
        settled = 0
        for item in await store.in_doubt(self.db.pool, limit=200):
            async with store.locked(self.db.pool, item["complaint_id"]) as conn:
                row = await store.get_report(conn, item["complaint_id"])
                if row is None or row.state != "in_doubt":
                    continue
                found = await self._call(self.lapor.find_by_reference, item["reference"])
                kept = await conn.fetchrow(
                    "SELECT routed, correlation_id FROM forwarder.reports WHERE complaint_id = $1", row.complaint_id
                )
                if kept is None or kept["routed"] is None:
                    continue  # parked before the routed complaint was kept: `aduan dlq replay` settles it
                routed = RoutedComplaint.model_validate_json(kept["routed"])
                correlation_id = kept["correlation_id"]
                if found is not None:
                    await store.mark_created(conn, row.complaint_id, found.tracking_id)
                    await self._announce(
                        routed,
                        ForwardOutcome.CREATED,
                        max(row.attempts, 1),
                        lapor_tracking_id=found.tracking_id,
                        correlation_id=correlation_id,
                    )
                    log.info("in-doubt forward found in LAPOR!", lapor_tracking_id=found.tracking_id)
                    settled += 1
                elif (
                    row.doubt_at is None
                    or doubt_wait((utcnow() - row.doubt_at).total_seconds(), self.settings.doubt_settle_s) == 0
                ):
                    reason = "not in LAPOR! after the doubt settled; parked (aduan dlq replay sends it again)"
                    await conn.execute(
                        "UPDATE forwarder.reports SET state = 'parked', doubt_at = NULL, "
                        "parked_reason = $2 WHERE complaint_id = $1",
                        row.complaint_id,
                        reason,
                    )
                    await self._announce(
                        routed, ForwardOutcome.FAILED, max(row.attempts, 1), error=reason, correlation_id=correlation_id
                    )
                    settled += 1
        return settled

    # ------------------------------------------------------------------------------------------
    # status changes from LAPOR! back onto complaints.status

    async def sync_status_once(self) -> int:
        """Publish every status step LAPOR! took since the last one applied; return how many were ours.

        The feed is read page by page after the cursor. A step of one of our reports whose tracking
        id is not recorded yet is held (status_backlog) and published once the id is known; the
        cursor moves past a page only after each of its steps was published or held."""
        try:
            published = await self._sync_status()
        except LaporError as exc:
            log.warning("status sync round stopped; LAPOR! failed", error=f"{type(exc).__name__}: {exc}"[:300])
            published = 0
        # The reporter's messages that waited for the agency's follow-up go now that it is seen.
        await self.send_waiting_responses()
        return published

    async def _sync_status(self) -> int:
        self._backlog = await store.backlog_size(self.db.pool) > 0
        published = await self._publish_held() if self._backlog else 0
        lanes = asyncio.Semaphore(self.settings.handler_concurrency)
        while True:
            after = await store.status_cursor(self.db.pool)
            page = await self._call(self.lapor.status_page, after, self.settings.status_page_size)
            # One report's steps in order; different reports at the same time.
            by_report: dict[str, list[LaporStatusChange]] = {}
            for change in page.changes:
                by_report.setdefault(change.tracking_id, []).append(change)

            async def in_order(changes: list[LaporStatusChange]) -> int:
                async with lanes:
                    return sum([await self._apply_step(change) for change in changes])

            published += sum(await asyncio.gather(*(in_order(cs) for cs in by_report.values())))
            if page.next_after > after:
                await store.save_status_cursor(self.db.pool, page.next_after)
            if not page.more or page.next_after <= after:
                break
        if published:
            log.info("status changes brought back from LAPOR!", changes=published)
        return published

    async def _apply_step(self, change: LaporStatusChange) -> int:
        row = await store.by_lapor_id(self.db.pool, change.tracking_id)
        if row is not None:
            earlier = await self._publish_held(change.tracking_id) if self._backlog else 0
            return earlier + await self._publish_step(row, change)
        if change.reference and await store.is_ours(self.db.pool, change.reference):
            # Ours, but the tracking id is not recorded (yet): hold it until it is. Published at once
            # if the forward recorded it in the meantime.
            await store.hold_status(self.db.pool, change)
            self._backlog = True
            return await self._publish_held(change.tracking_id)
        return 0  # a report another system made

    async def _publish_held(self, tracking_id: str | None = None) -> int:
        published = 0
        for held in await store.held_status(self.db.pool, tracking_id):
            row = await store.by_lapor_id(self.db.pool, held["tracking_id"])
            if row is None:
                continue
            change = LaporStatusChange(
                seq=held["seq"],
                tracking_id=held["tracking_id"],
                reference=held["reference"],
                status=held["status"],
                agency_code=held["agency_code"],
                note=held["note"],
                at=held["at"],
            )
            published += await self._publish_step(row, change)
            await store.drop_held(self.db.pool, held["tracking_id"], held["seq"])
        return published

    async def _publish_step(self, row: asyncpg.Record, change: LaporStatusChange) -> int:
        event = Envelope[StatusChanged](
            event_id=derived_id("lapor-status", change.tracking_id, change.seq),
            event_type=EventType.STATUS_CHANGED,
            occurred_at=utcnow(),
            complaint_id=row["complaint_id"],
            correlation_id=row["correlation_id"] or str(row["complaint_id"]),  # rows from before 0003
            producer=PRODUCER,
            payload=StatusChanged(
                tracking_number=row["tracking_number"],
                status=change.status,
                agency_code=change.agency_code or row["agency_code"],
                note=change.note,
                changed_at=change.at,
            ),
        )
        async with once(self.db.pool, store.SCHEMA, "status-sync", event.event_id) as conn:
            if conn is None:
                return 0
            await store.note_lapor_status(conn, change.tracking_id, change.status.value, change.seq)
            await self.publisher.publish(self.topics.status, event)
            return 1

    async def _announce(
        self,
        routed: RoutedComplaint,
        outcome: ForwardOutcome,
        attempts: int,
        *,
        lapor_tracking_id: str | None = None,
        error: str | None = None,
        correlation_id: str | None = None,
    ) -> None:
        """`correlation_id`: the complaint's chain's (set at complaints.inbound); the complaint id for
        rows from before the forwarder kept it."""
        complaint = routed.complaint
        forwarded = Forwarded(
            tracking_number=complaint.tracking_number,
            agency_code=routed.decision.agency_code,
            outcome=outcome,
            lapor_tracking_id=lapor_tracking_id,
            attempts=attempts,
            error=error[:2000] if error else None,
        )
        # One id per complaint and outcome: every redelivery announces the very same event.
        event = Envelope[Forwarded](
            event_id=uuid.uuid5(complaint.complaint_id, f"forwarded:{outcome.value}:{lapor_tracking_id}"),
            event_type=EventType.FORWARDED,
            occurred_at=utcnow(),
            complaint_id=complaint.complaint_id,
            correlation_id=correlation_id or str(complaint.complaint_id),
            producer=PRODUCER,
            payload=forwarded,
        )
        await self.publisher.publish(self.topics.forwarded, event)
