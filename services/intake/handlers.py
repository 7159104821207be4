"""intake's edges, composed: the HTTP endpoints (http_edge.py), the complaints.inbound consumer
(inbound.py) and the citizen's view with its progress consumers (citizen_view.py), sharing intake's
keys, rate limits, timeline and follow-ups. app.py wires them to the service."""

from __future__ import annotations

from starlette.routing import Route

from services.intake import attachments, store
from services.intake.citizen_view import CitizenView
from services.intake.follow_ups import FollowUps
from services.intake.http_edge import HttpEdge
from services.intake.inbound import Inbound
from services.intake.keys import IntakeKeys
from services.intake.ratelimit import Limits
from services.intake.settings import IntakeSettings
from services.intake.timeline import Timeline
from shared.db import Database
from shared.kafka import Publisher
from shared.logging import get_logger

log = get_logger(__name__)


class IntakeHandlers:
    def __init__(self, publisher: Publisher, db: Database, settings: IntakeSettings) -> None:
        self.db = db
        self.settings = settings
        self.keys = IntakeKeys.from_settings(settings)
        self.limits = Limits(settings)
        self.signer = attachments.signer_for(settings, fallback_key=self.keys.pii_key)
        self.timeline = Timeline(db)  # the citizen's steps (timeline.py; its consumers are wired in app.py)
        self.follow_ups = FollowUps(
            publisher, db, settings, self.signer, key=self.keys.digest_key, timeline=self.timeline
        )
        self.http = HttpEdge(
            publisher,
            db,
            settings,
            keys=self.keys,
            limits=self.limits,
            signer=self.signer,
            follow_ups=self.follow_ups,
            timeline=self.timeline,
        )
        self.inbound = Inbound(publisher, db, settings, follow_ups=self.follow_ups, digest_key=self.keys.digest_key)
        self.citizen = CitizenView(
            db, settings, limits=self.limits, access_token=self.keys.access_token, timeline=self.timeline
        )

    def routes(self) -> list[Route]:
        return [*self.citizen.routes(), *self.http.routes()]

    async def announce(self) -> None:
        self.http.auth.announce()
        if not self.keys.pii_key_set:
            log.warning("ADUAN_PII_HASH_KEY not set: access tokens last until a restart")

    async def purge(self) -> None:
        raw, tokens = await store.purge_expired(
            self.db.pool,
            rejected_raw_days=self.settings.rejected_raw_retention_days,
            token_seconds=2 * self.settings.signature_tolerance_s,
        )
        if raw or tokens:
            log.info("expired personal data purged", rejected_raw=raw, webhook_tokens=tokens)
