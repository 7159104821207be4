"""notifier's composition root."""

from __future__ import annotations

from pathlib import Path

from services.notifier.deadlines import load_policy
from services.notifier.handlers import NotifierHandlers
from services.notifier.settings import NotifierSettings
from shared.events import Complaint, Forwarded, StatusChanged
from shared.service import Service

NAME = "notifier"


def build(settings: NotifierSettings | None = None) -> Service:
    settings = settings or NotifierSettings()
    topics = settings.topics
    policy = load_policy(settings.policy_path)  # a malformed policy stops the start-up here, with the key named
    service = Service.create(NAME, settings, Path(__file__).parent / "migrations")
    handlers = NotifierHandlers(service.publisher, service.db, policy, settings)
    service.subscribe(topics.accepted, Complaint, "accepted")(handlers.on_accepted)
    service.subscribe(topics.forwarded, Forwarded, "forwarded")(handlers.on_forwarded)
    service.subscribe(topics.status, StatusChanged, "status")(handlers.on_status)
    service.every(settings.scan_interval_s, handlers.scan_once, "deadline-scan")
    return service
