"""What every service process is: a broker, a database, an HTTP app with health and metrics.

`Service` is assembled by each service's composition root (services/<name>/app.py); this module knows
nothing of any service's rules. Start-up order: logging → database → migrations → broker. Readiness
answers 200 only while both the broker and the database answer.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import uvicorn
from faststream.kafka import KafkaBroker
from prometheus_client import make_asgi_app
from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from shared.db import Database, apply_migrations
from shared.events import Envelope
from shared.idempotency import prune
from shared.kafka import Publisher, Record, make_broker, subscribe
from shared.logging import configure_logging, get_logger
from shared.metrics import CLAIMS_PRUNED
from shared.pii import set_hash_key
from shared.settings import ServiceSettings

log = get_logger(__name__)

Hook = Callable[[], Awaitable[None]]
P = TypeVar("P", bound=BaseModel)
Handler = Callable[[Envelope[P]], Awaitable[None]]


@dataclass
class Service:
    name: str
    settings: ServiceSettings
    broker: KafkaBroker
    publisher: Publisher
    db: Database
    migrations: Path
    routes: list[BaseRoute] = field(default_factory=list)
    exception_handlers: dict[type[Exception], Callable[..., Awaitable[Response]]] = field(default_factory=dict)
    on_start: list[Hook] = field(default_factory=list)
    on_stop: list[Hook] = field(default_factory=list)
    started: bool = False
    # (topic, payload type, consumer group) of each subscription: the AsyncAPI documents and the ACL
    # declaration's tests read them (aduan/asyncapi.py, shared/kafka_access.py)
    subscriptions: list[tuple[str, type[BaseModel], str]] = field(default_factory=list)

    @classmethod
    def create(cls, name: str, settings: ServiceSettings, migrations: Path) -> Service:
        """A service with its broker and database built from its settings; handlers are added next."""
        set_hash_key(settings.pii_hash_key.get_secret_value() if settings.pii_hash_key else None)
        service = cls(
            name=name,
            settings=settings,
            broker=make_broker(
                settings.kafka_bootstrap_servers,
                name,
                auth=settings.kafka_auth,
                graceful_timeout=settings.shutdown_grace_s,
            ),
            publisher=Publisher(
                settings.kafka_bootstrap_servers,
                f"aduan-{name}",
                request_timeout_ms=settings.kafka_request_timeout_ms,
                linger_ms=settings.kafka_linger_ms,
                auth=settings.kafka_auth,
            ),
            db=Database(
                settings.database_url,
                min_size=settings.db_pool_min,
                max_size=settings.db_pool_max,
            ),
            migrations=migrations,
        )
        service.every(settings.claims_prune_interval_s, service.prune_claims, f"{name}.claims-prune")
        return service

    def claims_kept_for(self) -> timedelta:
        """How long this service keeps an idempotency claim: as long as Kafka may still redeliver a record
        of a topic it consumes, or longer if `claims_retention_days` asks for it."""
        consumed = [topic for topic, _, _ in self.subscriptions]
        horizon = timedelta(milliseconds=self.settings.topics.readable_for_ms(consumed))
        return max(horizon, timedelta(days=self.settings.claims_retention_days))

    async def prune_claims(self) -> int:
        """Drop this service's claims that no redelivery can need any more (shared/idempotency.py)."""
        kept_for = self.claims_kept_for()
        pruned = await prune(self.db.pool, self.name, older_than=kept_for)
        if pruned:
            CLAIMS_PRUNED.inc(pruned)
            log.info("idempotency claims pruned", claims=pruned, kept_days=kept_for.days)
        return pruned

    def subscribe(
        self,
        topic: str,
        payload: type[P],
        subscription: str,
        *,
        on_unreadable: Callable[[Record, str], Awaitable[None]] | None = None,
        max_records: int = 200,
        concurrency: int | None = None,
        unit_of_work: bool = True,
    ) -> Callable[[Handler[P]], Handler[P]]:
        """Register a handler of `topic` in this service's consumer group for `subscription`.

        `unit_of_work=False` for a handler that calls another system inside its idempotency claim
        (shared/unit_of_work.py): its claims then are transactions of their own."""
        self.subscriptions.append((topic, payload, self.settings.consumer_group(subscription)))
        return subscribe(
            self.broker,
            self.publisher,
            topic,
            group_id=self.settings.consumer_group(subscription),
            payload=payload,
            parked_topic=self.settings.topics.parked,
            name=f"{self.name}.{subscription}",
            on_unreadable=on_unreadable,
            max_records=max_records,
            concurrency=concurrency or self.settings.handler_concurrency,
            unit_of_work=unit_of_work,
        )

    def every(self, interval_s: float, job: Callable[[], Awaitable[object]], name: str) -> None:
        """Run `job` every `interval_s` seconds while the service runs; a failing round is logged and
        the next one tries again."""
        task: asyncio.Task[None] | None = None

        async def loop() -> None:
            while True:
                try:
                    await job()
                except Exception:
                    log.exception("periodic job failed; trying again next round", job=name)
                await asyncio.sleep(interval_s)

        async def start() -> None:
            nonlocal task
            task = asyncio.create_task(loop(), name=name)

        async def stop() -> None:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

        self.on_start.append(start)
        self.on_stop.append(stop)

    async def start(self) -> None:
        await self.db.connect()
        await apply_migrations(self.db.pool, self.name, self.migrations)
        await self.publisher.start()  # before the subscribers: their handlers publish
        await self.broker.start()
        for hook in self.on_start:
            await hook()
        self.started = True
        log.info(
            "service started", kafka=self.settings.kafka_bootstrap_servers, topic_prefix=self.settings.topic_prefix
        )

    async def stop(self) -> None:
        self.started = False
        for hook in reversed(self.on_stop):
            await hook()
        await self.broker.stop()
        await self.publisher.stop()
        await self.db.close()
        log.info("service stopped")

    async def readiness(self) -> dict[str, bool]:
        broker_ok = self.started and await self.broker.ping(timeout=2)
        return {"broker": bool(broker_ok), "database": self.started and await self.db.ping()}

    def asgi(self) -> Starlette:
        async def healthz(_: Request) -> JSONResponse:
            return JSONResponse({"status": "ok", "service": self.name})

        async def readyz(_: Request) -> JSONResponse:
            checks = await self.readiness()
            ready = all(checks.values())
            return JSONResponse({"ready": ready, "checks": checks}, status_code=200 if ready else 503)

        @asynccontextmanager
        async def lifespan(_: Starlette) -> AsyncIterator[None]:
            await self.start()
            try:
                yield
            finally:
                await self.stop()

        return Starlette(
            routes=[
                Route("/healthz", healthz),
                Route("/readyz", readyz),
                Mount("/metrics", make_asgi_app()),
                *self.routes,
            ],
            lifespan=lifespan,
            exception_handlers=dict(self.exception_handlers),
        )


def run(build: Callable[[], Service]) -> None:
    """Entry point of `python -m services.<name>`: configure logging, build, serve until SIGTERM.

    Misconfiguration stops the process before it touches anything, naming each bad setting."""
    try:
        service = build()
    except (ValidationError, ValueError) as exc:
        print(f"aduan: invalid configuration, not starting:\n{exc}", file=sys.stderr)
        raise SystemExit(2) from None
    configure_logging(service.name, service.settings.log_level, service.settings.log_json)
    uvicorn.run(
        service.asgi(),
        host=service.settings.http_host,
        port=service.settings.http_port,
        log_config=None,  # keep our structured logging
        loop="uvloop",  # libuv's loop: docs/BENCHMARKS.md
        http="httptools",  # the C HTTP parser, not h11: docs/BENCHMARKS.md
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=int(service.settings.shutdown_grace_s),
    )
