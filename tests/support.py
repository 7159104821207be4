"""Helpers the integration, end-to-end and fault tests share: run a service in-process, publish
events, and read what a topic holds."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer

from shared.db import Database, apply_migrations
from shared.events import Envelope
from shared.kafka import Publisher
from shared.service import Service


@asynccontextmanager
async def running(service: Service) -> AsyncIterator[Service]:
    await service.start()
    try:
        yield service
    finally:
        await service.stop()


async def read_topic(
    bootstrap: str, topic: str, *, expect: int, timeout: float = 30.0, settle: float = 0.0
) -> list[dict[str, Any]]:
    """Every message on `topic` from the beginning until `expect` arrived (or the timeout), then
    `settle` seconds more so that a duplicate arriving late is counted too."""
    # No group: the consumer takes every partition and starts at the beginning.
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        found: list[dict[str, Any]] = []
        deadline = time.monotonic() + timeout
        settle_until: float | None = None
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=200)
            for records in batch.values():
                found.extend(json.loads(r.value) for r in records)
            if len(found) >= expect:
                settle_until = settle_until or time.monotonic() + settle
                if time.monotonic() >= settle_until:
                    break
        return found
    finally:
        await consumer.stop()


async def eventually(check: Any, timeout: float = 30.0, interval: float = 0.2) -> Any:
    """Poll an async predicate until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result or time.monotonic() > deadline:
            return result
        await asyncio.sleep(interval)


async def publish_events(bootstrap: str, topic: str, *events: Envelope[Any]) -> None:
    """Publish as another service or a channel would."""
    async with Publisher(bootstrap, "test-publisher") as publisher:
        for event in events:
            await publisher.publish(topic, event)


@asynccontextmanager
async def schema_of_its_own(database_url: str, schema: str, ddl: str, tmp_path: Path) -> AsyncIterator[Database]:
    """A schema migrated with `ddl` (and the processed-events table every schema gets), dropped afterwards."""
    (tmp_path / "0001_init.sql").write_text(ddl)
    database = Database(database_url)
    await database.connect()
    await apply_migrations(database.pool, schema, tmp_path)
    try:
        yield database
    finally:
        await database.pool.execute(f"DROP SCHEMA {schema} CASCADE")
        await database.close()
