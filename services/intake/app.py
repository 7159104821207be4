"""intake's composition root: the only place that wires broker, database, handlers and HTTP."""

from __future__ import annotations

from pathlib import Path

from services.intake.handlers import IntakeHandlers
from services.intake.settings import IntakeSettings
from shared.db import Database
from shared.events import InboundMessage
from shared.kafka import make_broker, subscribe
from shared.service import Service

NAME = "intake"


def build(settings: IntakeSettings | None = None) -> Service:
    settings = settings or IntakeSettings()
    broker = make_broker(settings.kafka_bootstrap_servers, NAME)
    db = Database(settings.database_url, min_size=settings.db_pool_min, max_size=settings.db_pool_max)
    handlers = IntakeHandlers(broker, db, settings)
    subscribe(broker, settings.topics.inbound, group_id=settings.group_id, payload=InboundMessage,
              parked_topic=settings.topics.parked, name="intake.inbound",
              on_unreadable=handlers.on_unreadable_inbound)(handlers.on_inbound)
    return Service(NAME, settings, broker, db, Path(__file__).parent / "migrations", routes=handlers.routes())
