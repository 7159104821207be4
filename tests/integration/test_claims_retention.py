"""Idempotency claims past their redelivery horizon are dropped (shared/idempotency.py `prune`), the rest kept:
a redelivered event inside the horizon still changes nothing."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest
from prometheus_client import REGISTRY

from shared.db import Database, apply_migrations
from shared.events import Complaint, Envelope
from shared.idempotency import once, prune
from shared.service import Service
from shared.settings import ServiceSettings
from shared.topics import DAY_MS, SEGMENT_ROLL_MS
from tests.support import schema_of_its_own

pytestmark = pytest.mark.integration
SCHEMA = "claims_test"


@pytest.fixture
async def db(database_url: str, tmp_path: Path) -> AsyncIterator[Database]:
    async with schema_of_its_own(database_url, SCHEMA, "CREATE TABLE notes (n int);", tmp_path) as database:
        yield database


async def _backdated_claim(pool: asyncpg.Pool, schema: str, event_id: uuid.UUID, *, days_ago: int) -> None:
    await pool.execute(
        f"INSERT INTO {schema}.processed_events (event_id, handler, processed_at)"
        " VALUES ($1, 'h', now() - $2::interval)",
        event_id,
        timedelta(days=days_ago),
    )


def _pruned_total() -> float:
    return REGISTRY.get_sample_value("aduan_claims_pruned_total") or 0.0


async def _claims(db: Database) -> set[uuid.UUID]:
    return {r["event_id"] for r in await db.pool.fetch(f"SELECT event_id FROM {SCHEMA}.processed_events")}


async def _handled(db: Database, event_id: uuid.UUID) -> bool:
    async with once(db.pool, SCHEMA, "h", event_id) as conn:
        return conn is not None


async def test_prune_drops_only_claims_past_the_horizon_in_batches(db: Database) -> None:
    old = [uuid.uuid4() for _ in range(12)]
    recent = [uuid.uuid4() for _ in range(3)]
    for event_id in old:
        await _backdated_claim(db.pool, SCHEMA, event_id, days_ago=40)
    for event_id in recent:
        await _backdated_claim(db.pool, SCHEMA, event_id, days_ago=29)

    assert await prune(db.pool, SCHEMA, older_than=timedelta(days=30), batch=5) == 12  # three statements
    assert await _claims(db) == set(recent)
    assert await prune(db.pool, SCHEMA, older_than=timedelta(days=30), batch=5) == 0

    assert not await _handled(db, recent[0])  # inside the horizon a redelivery is still a redelivery
    assert await _handled(db, old[0])  # past it the event counts as new: why the horizon is Kafka's


async def test_a_service_keeps_claims_as_long_as_kafka_may_redeliver_what_it_consumes(
    database_url: str, tmp_path: Path
) -> None:
    (tmp_path / "0001_init.sql").write_text("SELECT 1;")
    settings = ServiceSettings(database_url=database_url, topic_prefix=f"c{uuid.uuid4().hex[:8]}.")
    service = Service.create("claims_svc", settings, tmp_path)
    topics = settings.topics

    async def handler(_: Envelope[Complaint]) -> None:
        return None

    service.subscribe(topics.accepted, Complaint, "accepted")(handler)  # 30 days' retention
    assert service.claims_kept_for() == timedelta(milliseconds=30 * DAY_MS + SEGMENT_ROLL_MS)

    await service.db.connect()
    try:
        await apply_migrations(service.db.pool, "claims_svc", tmp_path)
        pool = service.db.pool
        for days in (38, 38, 36, 1):
            await _backdated_claim(pool, "claims_svc", uuid.uuid4(), days_ago=days)
        before = _pruned_total()
        assert await service.prune_claims() == 2
        assert _pruned_total() - before == 2
        assert await pool.fetchval("SELECT count(*) FROM claims_svc.processed_events") == 2
    finally:
        await service.db.pool.execute("DROP SCHEMA claims_svc CASCADE")
        await service.db.close()
