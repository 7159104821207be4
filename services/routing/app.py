"""routing's composition root."""

from __future__ import annotations

from pathlib import Path

from services.routing.handlers import RoutingHandlers
from services.routing.settings import RoutingSettings
from shared.db import Database
from shared.events import Complaint
from shared.kafka import make_broker, subscribe
from shared.service import Service

NAME = "routing"


def build(settings: RoutingSettings | None = None) -> Service:
    settings = settings or RoutingSettings()
    broker = make_broker(settings.kafka_bootstrap_servers, NAME)
    db = Database(settings.database_url, min_size=settings.db_pool_min, max_size=settings.db_pool_max)
    handlers = RoutingHandlers(broker, db, settings)
    subscribe(broker, settings.topics.accepted, group_id=settings.group_id, payload=Complaint,
              parked_topic=settings.topics.parked, name="routing.accepted")(handlers.on_accepted)
    return Service(NAME, settings, broker, db, Path(__file__).parent / "migrations", routes=handlers.routes())
