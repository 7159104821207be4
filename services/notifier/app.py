"""notifier's composition root."""

from __future__ import annotations

from pathlib import Path

from services.notifier import api
from services.notifier.deadlines import load_policy
from services.notifier.delivery import Deliverer
from services.notifier.digest import send_digests
from services.notifier.handlers import NotifierHandlers
from services.notifier.messages import load_messages
from services.notifier.recipients import load_recipients
from services.notifier.settings import NotifierSettings
from shared.events import Complaint, Forwarded, RoutedComplaint, StatusChanged
from shared.service import Service

NAME = "notifier"


def build(settings: NotifierSettings | None = None) -> Service:
    settings = settings or NotifierSettings()
    topics = settings.topics
    # malformed policy, recipients or texts stop the start-up here, with the key named
    policy = load_policy(settings.policy_path)
    recipients = load_recipients(settings.recipients_path)
    recipients.check_secrets()
    messages = load_messages(settings.messages_path)
    messages.check_clocks(set(policy.clocks))
    service = Service.create(NAME, settings, Path(__file__).parent / "migrations")
    handlers = NotifierHandlers(
        service.publisher, service.db, policy, settings, recipients=recipients, messages=messages
    )
    deliverer = Deliverer(service.db, settings, policy.timezone)
    service.subscribe(topics.accepted, Complaint, "accepted")(handlers.on_accepted)
    service.subscribe(topics.routed, RoutedComplaint, "routed")(handlers.on_routed)
    service.subscribe(topics.forwarded, Forwarded, "forwarded")(handlers.on_forwarded)
    service.subscribe(topics.status, StatusChanged, "status")(handlers.on_status)
    service.every(settings.scan_interval_s, handlers.scan_once, "deadline-scan")
    service.every(settings.delivery_interval_s, deliverer.deliver_once, "outbox-delivery")
    service.every(
        settings.digest_interval_s,
        lambda: send_digests(service.db, recipients, messages, policy.timezone),
        "daily-digest",
    )
    service.on_stop.insert(0, deliverer.aclose)  # runs last: after the delivery loop stopped
    service.routes.extend(api.routes(service.db, settings))
    return service
