"""notifier's composition root."""

from __future__ import annotations

from pathlib import Path

from services.notifier.deadlines import load_policy
from services.notifier.handlers import NotifierHandlers
from services.notifier.settings import NotifierSettings
from shared.db import Database
from shared.events import Complaint, Forwarded, StatusChanged
from shared.kafka import make_broker, subscribe
from shared.service import Service

NAME = "notifier"


def build(settings: NotifierSettings | None = None) -> Service:
    settings = settings or NotifierSettings()
    topics = settings.topics
    policy = load_policy(settings.policy_path)  # a malformed policy stops the start-up here, with the key named
    broker = make_broker(settings.kafka_bootstrap_servers, NAME)
    db = Database(settings.database_url, min_size=settings.db_pool_min, max_size=settings.db_pool_max)
    handlers = NotifierHandlers(broker, db, policy, settings)
    for topic, payload, handler in (
        (topics.accepted, Complaint, handlers.on_accepted),
        (topics.forwarded, Forwarded, handlers.on_forwarded),
        (topics.status, StatusChanged, handlers.on_status),
    ):
        subscribe(broker, topic, group_id=settings.group_id, payload=payload, parked_topic=topics.parked,
                  name=f"notifier.{topic.rsplit('.', 1)[-1]}")(handler)
    service = Service(NAME, settings, broker, db, Path(__file__).parent / "migrations")
    service.on_start.append(handlers.start_scanner)
    service.on_stop.append(handlers.stop_scanner)
    return service
