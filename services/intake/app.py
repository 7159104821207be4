"""intake's composition root: the only place that wires broker, database, handlers and HTTP."""

from __future__ import annotations

from pathlib import Path

from aiokafka.errors import KafkaError
from pydantic import ValidationError

from services.intake.handlers import IntakeHandlers, TooMany
from services.intake.http_input import BadInput
from services.intake.outbound import Outbound
from services.intake.settings import IntakeSettings
from shared.events import CitizenMessage, Forwarded, InboundMessage, RoutedComplaint, StatusChanged, TriageRequest
from shared.service import Service

NAME = "intake"


def build(settings: IntakeSettings | None = None) -> Service:
    settings = settings or IntakeSettings()
    service = Service.create(NAME, settings, Path(__file__).parent / "migrations")
    handlers = IntakeHandlers(service.publisher, service.db, settings)
    topics = settings.topics
    service.subscribe(topics.inbound, InboundMessage, "inbound", on_unreadable=handlers.on_unreadable_inbound)(
        handlers.on_inbound
    )
    # what became of each complaint, for the citizen following a tracking number
    service.subscribe(topics.routed, RoutedComplaint, "routed")(handlers.on_routed)
    service.subscribe(topics.triage, TriageRequest, "triage")(handlers.on_triage)
    service.subscribe(topics.forwarded, Forwarded, "forwarded")(handlers.on_forwarded)
    service.subscribe(topics.status, StatusChanged, "status")(handlers.on_status)
    # messages for the reporter: only intake knows who a reply handle addresses
    outbound = Outbound(service.db, settings)
    # its claim spans the SMS/e-mail send: each message a transaction of its own (shared/unit_of_work.py)
    service.subscribe(topics.citizen_outbound, CitizenMessage, "citizen-outbound", unit_of_work=False)(
        outbound.on_message
    )
    service.routes.extend(handlers.routes())
    service.exception_handlers[KafkaError] = handlers.broker_unavailable
    service.exception_handlers[TimeoutError] = handlers.broker_unavailable
    for refused in (BadInput, TooMany, ValidationError):
        service.exception_handlers[refused] = handlers.bad_input
    service.every(3600, handlers.purge, "intake.purge")
    service.on_start.append(handlers.announce)
    service.on_start.append(outbound.announce)
    service.on_stop.append(outbound.aclose)
    return service
