"""The citizen's view of a complaint: `GET /v1/complaints/{tracking_number}`, and the consumers that keep
it current with what the other services did (routed, in triage, forwarded, status). The timeline of
steps is timeline.py's; the stages and their meaning progress.py's."""

from __future__ import annotations

import asyncio
import hmac
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from services.intake import lookup, progress, store
from services.intake.http_input import client_ip
from services.intake.problems import problem
from services.intake.ratelimit import Limits
from services.intake.settings import IntakeSettings
from services.intake.timeline import Timeline
from shared.db import Database
from shared.events import Envelope, Forwarded, RoutedComplaint, StatusChanged, TriageRequest, utcnow
from shared.logging import get_logger
from shared.unit_of_work import writes

log = get_logger(__name__)
PROGRESS_PATIENCE = timedelta(minutes=2)
# intake commits an accepted complaint with the rest of its batch, after the batch's acknowledgements
# (shared/unit_of_work.py), so downstream events may arrive a batch's time before the row: wait for
# it in place a little before letting the whole batch come again.
PROGRESS_WAITS_S = (0.05, 0.1, 0.2, 0.4, 0.8)


class CitizenView:
    def __init__(
        self,
        db: Database,
        settings: IntakeSettings,
        *,
        limits: Limits,
        access_token: Callable[[uuid.UUID], str],
        timeline: Timeline,
    ) -> None:
        self.db = db
        self.settings = settings
        self.limits = limits
        self._access_token = access_token
        self.timeline = timeline

    def routes(self) -> list[Route]:
        return [Route("/v1/complaints/{tracking_number}", self.get_complaint, methods=["GET"])]

    def _limited(self, kind: str, source: object) -> None:
        self.limits.check(kind, source)

    async def get_complaint(self, request: Request) -> Response:
        """GET /v1/complaints/{tracking_number}: how far the complaint has come (for the citizen).
        A confidential complaint shows only to the bearer of its access token; unknown and not-yours
        get the very same answer."""
        self._limited("lookup", client_ip(request))
        not_found = problem(404, "No complaint with that tracking number (yet)", [])
        tracking = request.path_params["tracking_number"]
        if len(tracking) > 64:
            return not_found
        found = await lookup.find_complaint(self.db.pool, tracking, prefix=self.settings.tracking_prefix)  # O/0, I/1
        row = found.row
        if row is None:  # a number failing its check is told the existing ones a slip away ("did you mean")
            return problem(404, "No complaint with that tracking number (yet)", found.reasons())
        if row["confidential"]:
            given = request.headers.get("x-access-token", "")
            if not hmac.compare_digest(self._access_token(row["complaint_id"]).encode(), given.encode()[:64]):
                return not_found
        return JSONResponse(
            {
                "tracking_number": row["tracking_number"],
                "channel": row["channel"],
                "received_at": row["received_at"].isoformat(),
                "accepted_at": row["accepted_at"].isoformat(),
                "status": row["stage"],
                "status_text": progress.MEANING[row["stage"]],
                "agency_code": row["agency_code"],
                "lapor_tracking_id": row["lapor_tracking_id"],
                "updated_at": row["updated_at"].isoformat(),
                **await self.timeline.view(row),  # agency_name, timeline, next_deadline
                "duplicate_of": row["duplicate_of"],
            }
        )

    async def _progress(self, envelope: Envelope[Any], stage: str, **facts: str | None) -> None:
        # No processed-events claim: the update is idempotent by itself (the stage only moves
        # forward, facts are kept once known), so a redelivery changes nothing.
        if envelope.complaint_id is None:
            return
        for wait in (*PROGRESS_WAITS_S, None):
            async with writes(self.db.pool) as conn:
                known = await store.record_progress(conn, envelope.complaint_id, stage, progress.RANK[stage], **facts)
            if known:
                return
            if wait is None or utcnow() - envelope.occurred_at >= PROGRESS_PATIENCE:
                break
            await asyncio.sleep(wait)
        # intake publishes `accepted` just before committing its own row, so a fast downstream
        # event can arrive first: let it come again. Past that window, it is not ours.
        if utcnow() - envelope.occurred_at < PROGRESS_PATIENCE:
            raise LookupError("complaint not recorded by intake yet; the event will be redelivered")
        log.warning("progress for a complaint intake never accepted; ignored", stage=stage)

    async def on_routed(self, envelope: Envelope[RoutedComplaint]) -> None:
        await self._progress(envelope, "routed", agency_code=envelope.payload.decision.agency_code)

    async def on_triage(self, envelope: Envelope[TriageRequest]) -> None:
        await self._progress(envelope, "in_triage")

    async def on_forwarded(self, envelope: Envelope[Forwarded]) -> None:
        f = envelope.payload
        await self._progress(
            envelope,
            progress.forwarded_stage(f.outcome),
            agency_code=f.agency_code,
            lapor_tracking_id=f.lapor_tracking_id,
        )

    async def on_status(self, envelope: Envelope[StatusChanged]) -> None:
        await self._progress(envelope, envelope.payload.status.value)
