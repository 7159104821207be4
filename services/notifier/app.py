"""notifier's composition root."""

from __future__ import annotations

from pathlib import Path

from services.notifier.deadlines import load_policy
from services.notifier.handlers import NotifierHandlers
from services.notifier.settings import NotifierSettings
from shared.events import Complaint, Forwarded, StatusChanged
from shared.kafka import subscribe
from shared.service import Service

NAME = "notifier"


def build(settings: NotifierSettings | None = None) -> Service:
    settings = settings or NotifierSettings()
    topics = settings.topics
    policy = load_policy(settings.policy_path)  # a malformed policy stops the start-up here, with the key named
    service = Service.create(NAME, settings, Path(__file__).parent / "migrations")
    handlers = NotifierHandlers(service.broker, service.db, policy, settings)
    for topic, payload, handler in (
        (topics.accepted, Complaint, handlers.on_accepted),
        (topics.forwarded, Forwarded, handlers.on_forwarded),
        (topics.status, StatusChanged, handlers.on_status),
    ):
        subscription = topic.rsplit(".", 1)[-1]
        subscribe(service.broker, topic, group_id=settings.consumer_group(subscription), payload=payload,
                  parked_topic=topics.parked, name=f"notifier.{subscription}")(handler)
    service.on_start.append(handlers.start_scanner)
    service.on_stop.append(handlers.stop_scanner)
    return service
