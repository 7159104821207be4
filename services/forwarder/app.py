"""forwarder's composition root."""

from __future__ import annotations

from pathlib import Path

from services.forwarder.guard import CircuitBreaker, LaporGuard, TokenBucket
from services.forwarder.handlers import ForwarderHandlers
from services.forwarder.lapor import LaporClient
from services.forwarder.lapor_api import LaporApi
from services.forwarder.lapor_legacy import LegacyLaporClient
from services.forwarder.settings import ForwarderSettings
from shared.events import FollowUp, ForwardRetry, ReporterResponse, RoutedComplaint
from shared.service import Service

NAME = "forwarder"


def adapter_for(settings: ForwarderSettings) -> LaporApi:
    """The LAPOR! interface the configuration names (ADUAN_LAPOR_API)."""
    connections = settings.lapor_max_in_flight
    if settings.lapor_api == "legacy":
        return LegacyLaporClient(
            settings.lapor_base_url,
            settings.lapor_legacy_token or "",
            settings.lapor_api_key,
            settings.lapor_timeout_s,
            max_connections=connections,
        )
    return LaporClient(
        settings.lapor_base_url, settings.lapor_api_key, settings.lapor_timeout_s, max_connections=connections
    )


def guard_for(settings: ForwarderSettings) -> LaporGuard:
    return LaporGuard(
        CircuitBreaker(failure_threshold=settings.breaker_failures, open_for_s=settings.breaker_open_s),
        TokenBucket(rate_per_s=settings.lapor_rate_per_s, burst=settings.lapor_burst),
        max_in_flight=settings.lapor_max_in_flight,
        max_wait_s=settings.max_wait_s,
    )


def build(settings: ForwarderSettings | None = None) -> Service:
    settings = settings or ForwarderSettings()
    topics = settings.topics
    service = Service.create(NAME, settings, Path(__file__).parent / "migrations")
    lapor = adapter_for(settings)
    handlers = ForwarderHandlers(service.publisher, service.db, lapor, settings, guard_for(settings))
    service.subscribe(topics.routed, RoutedComplaint, "routed")(handlers.on_routed)
    # One consumer group per retry level, so a long delay on level 3 never holds up level 1; small
    # batches, because a handler may wait (at most max_wait_s) until its retry is due.
    for level in range(1, len(settings.retry_delays_s) + 1):
        service.subscribe(topics.forward_retry(level), ForwardRetry, f"retry-{level}", max_records=50)(
            handlers.on_retry
        )
    service.subscribe(topics.responses, ReporterResponse, "responses", max_records=50)(handlers.on_response)
    service.subscribe(topics.follow_ups, FollowUp, "follow-ups", max_records=50)(handlers.on_follow_up)
    service.every(settings.status_sync_interval_s, handlers.sync_status_once, "lapor-status-sync")
    service.every(settings.reconcile_interval_s, handlers.reconcile_once, "lapor-reconcile")
    service.on_stop.append(lapor.aclose)
    service.handlers = handlers  # type: ignore[attr-defined]
    return service
