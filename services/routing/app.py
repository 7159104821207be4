"""routing's composition root."""

from __future__ import annotations

from pathlib import Path

from services.routing.handlers import RoutingHandlers
from services.routing.settings import RoutingSettings
from shared.events import Complaint
from shared.service import Service

NAME = "routing"


def build(settings: RoutingSettings | None = None) -> Service:
    settings = settings or RoutingSettings()
    service = Service.create(NAME, settings, Path(__file__).parent / "migrations")
    handlers = RoutingHandlers(service.publisher, service.db, settings)
    service.subscribe(settings.topics.accepted, Complaint, "accepted")(handlers.on_accepted)
    service.routes.extend(handlers.routes())
    return service
