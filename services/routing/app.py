"""routing's composition root."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from services.routing import rules
from services.routing.gazetteer import REGIONS_CSV
from services.routing.handlers import RoutingHandlers
from services.routing.settings import RoutingSettings
from shared.events import Complaint, StatusChanged
from shared.logging import get_logger
from shared.service import Service

NAME = "routing"
log = get_logger(__name__)


def rule_paths(settings: RoutingSettings) -> rules.RulePaths | None:
    if settings.rules_dir is None:
        return None
    d = settings.rules_dir
    # the official region list may stay with the code (it changes with the law, not with the rules)
    regions = d / REGIONS_CSV.name if (d / REGIONS_CSV.name).is_file() else REGIONS_CSV
    return rules.RulePaths(
        places=d / "places.toml",
        regions=regions,
        taxonomy=d / "taxonomy.toml",
        directory=d / "directory.toml",
    )


def reload_rules() -> None:
    """SIGHUP: read the data files again; a file that does not validate leaves the running rules in place."""
    try:
        loaded = rules.reload()
    except Exception as exc:  # a bad edit must not stop routing
        log.error(
            "routing rules not reloaded: the files do not validate; keeping the running rules",
            error=str(exc)[:500],
            version=rules.current().version,
        )
        return
    log.info("routing rules reloaded", version=loaded.version)


def build(settings: RoutingSettings | None = None) -> Service:
    settings = settings or RoutingSettings()
    # Misconfigured rule files stop the service at start-up, naming the problem (shared.service.run).
    loaded = rules.configure(rule_paths(settings))
    service = Service.create(NAME, settings, Path(__file__).parent / "migrations")
    handlers = RoutingHandlers(service.publisher, service.db, settings)
    service.subscribe(settings.topics.accepted, Complaint, "accepted")(handlers.on_accepted)
    service.subscribe(settings.topics.status, StatusChanged, "status")(handlers.on_status)
    service.routes.extend(handlers.routes())

    async def watch_sighup() -> None:
        try:
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, reload_rules)
        except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no signals here
            log.warning("SIGHUP reload of the routing rules unavailable in this process")
        log.info("routing rules loaded", version=loaded.version)

    service.on_start.append(watch_sighup)
    return service
