"""forwarder's composition root."""

from __future__ import annotations

from pathlib import Path

from services.forwarder.handlers import ForwarderHandlers
from services.forwarder.lapor import LaporClient
from services.forwarder.settings import ForwarderSettings
from shared.db import Database
from shared.events import ForwardRetry, RoutedComplaint
from shared.kafka import make_broker, subscribe
from shared.service import Service

NAME = "forwarder"


def build(settings: ForwarderSettings | None = None) -> Service:
    settings = settings or ForwarderSettings()
    topics = settings.topics
    broker = make_broker(settings.kafka_bootstrap_servers, NAME)
    db = Database(settings.database_url, min_size=settings.db_pool_min, max_size=settings.db_pool_max)
    lapor = LaporClient(settings.lapor_base_url, settings.lapor_api_key, settings.lapor_timeout_s)
    handlers = ForwarderHandlers(broker, db, lapor, settings)
    subscribe(broker, topics.routed, group_id=settings.group_id, payload=RoutedComplaint,
              parked_topic=topics.parked, name="forwarder.routed")(handlers.on_routed)
    # One consumer group per retry level, so a long delay on level 3 never holds up level 1.
    for level in range(1, len(settings.retry_delays_s) + 1):
        subscribe(broker, topics.forward_retry(level), group_id=f"{settings.group_id}-retry-{level}",
                  payload=ForwardRetry, parked_topic=topics.parked, name=f"forwarder.retry.{level}")(handlers.on_retry)
    service = Service(NAME, settings, broker, db, Path(__file__).parent / "migrations")
    service.on_stop.append(lapor.aclose)
    return service
