"""forwarder's composition root."""

from __future__ import annotations

from pathlib import Path

from services.forwarder.handlers import ForwarderHandlers
from services.forwarder.lapor import LaporClient
from services.forwarder.settings import ForwarderSettings
from shared.events import ForwardRetry, RoutedComplaint
from shared.service import Service

NAME = "forwarder"


def build(settings: ForwarderSettings | None = None) -> Service:
    settings = settings or ForwarderSettings()
    topics = settings.topics
    service = Service.create(NAME, settings, Path(__file__).parent / "migrations")
    lapor = LaporClient(settings.lapor_base_url, settings.lapor_api_key, settings.lapor_timeout_s)
    handlers = ForwarderHandlers(service.publisher, service.db, lapor, settings)
    service.subscribe(topics.routed, RoutedComplaint, "routed")(handlers.on_routed)
    # One consumer group per retry level, so a long delay on level 3 never holds up level 1; small
    # batches, because a handler may sleep until its retry is due.
    for level in range(1, len(settings.retry_delays_s) + 1):
        service.subscribe(topics.forward_retry(level), ForwardRetry, f"retry-{level}",
                          max_records=20)(handlers.on_retry)
    service.every(settings.status_sync_interval_s, handlers.sync_status_once, "lapor-status-sync")
    service.on_stop.append(lapor.aclose)
    return service
