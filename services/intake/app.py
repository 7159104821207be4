"""intake's composition root: the only place that wires broker, database, handlers and HTTP: the
HTTP edge, the complaints.inbound consumer and the citizen view (handlers.py composes the three)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiokafka.errors import KafkaError
from pydantic import ValidationError

from services.intake.handlers import IntakeHandlers
from services.intake.http_input import BadInput
from services.intake.outbound import Outbound
from services.intake.ratelimit import TooMany
from services.intake.settings import IntakeSettings
from shared.events import (
    CitizenMessage,
    Complaint,
    Envelope,
    Forwarded,
    InboundMessage,
    RoutedComplaint,
    SlaAlert,
    StatusChanged,
    TriageRequest,
)
from shared.service import Service

NAME = "intake"
Handler = Callable[[Envelope[Any]], Awaitable[None]]


def then(*handlers: Handler) -> Handler:
    """One subscription, several handlers in order (each idempotent by itself; a failure redelivers)."""

    async def handle(envelope: Envelope[Any]) -> None:
        for handler in handlers:
            await handler(envelope)

    return handle


def build(settings: IntakeSettings | None = None) -> Service:
    settings = settings or IntakeSettings()
    service = Service.create(NAME, settings, Path(__file__).parent / "migrations")
    handlers = IntakeHandlers(service.publisher, service.db, settings)
    topics = settings.topics
    inbound, citizen, http = handlers.inbound, handlers.citizen, handlers.http
    service.subscribe(topics.inbound, InboundMessage, "inbound", on_unreadable=inbound.on_unreadable_inbound)(
        inbound.on_inbound
    )
    # what became of each complaint, for the citizen following a tracking number: the stage, and each
    # step on the timeline (timeline.py); the public part of each complaint for GeoReport (open311.py)
    timeline = handlers.timeline
    service.subscribe(topics.accepted, Complaint, "accepted")(timeline.on_accepted)
    service.subscribe(topics.routed, RoutedComplaint, "routed")(then(citizen.on_routed, timeline.on_routed))
    service.subscribe(topics.triage, TriageRequest, "triage")(then(citizen.on_triage, timeline.on_triage))
    service.subscribe(topics.forwarded, Forwarded, "forwarded")(then(citizen.on_forwarded, timeline.on_forwarded))
    service.subscribe(topics.status, StatusChanged, "status")(then(citizen.on_status, timeline.on_status))
    service.subscribe(topics.sla_alerts, SlaAlert, "sla-alerts")(timeline.on_sla_alert)  # the next deadline
    # messages for the reporter: only intake knows who a reply handle addresses
    outbound = Outbound(service.db, settings)
    # its claim spans the SMS/e-mail send: each message a transaction of its own (shared/unit_of_work.py)
    service.subscribe(topics.citizen_outbound, CitizenMessage, "citizen-outbound", unit_of_work=False)(
        outbound.on_message
    )
    service.routes.extend(handlers.routes())
    service.exception_handlers[KafkaError] = http.broker_unavailable
    service.exception_handlers[TimeoutError] = http.broker_unavailable
    for refused in (BadInput, TooMany, ValidationError):
        service.exception_handlers[refused] = http.bad_input
    service.every(3600, handlers.purge, "intake.purge")
    service.on_start.append(handlers.announce)
    service.on_start.append(outbound.announce)
    service.on_stop.append(outbound.aclose)
    return service
