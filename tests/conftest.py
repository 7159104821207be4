"""Test infrastructure: a real Kafka broker and a real PostgreSQL for every integration test.

Where they come from, in order: KAFKA_BOOTSTRAP_SERVERS / DATABASE_URL when set (that is how
`make test` passes the local ones); testcontainers when a Docker engine answers; otherwise the
project's own scripts in deploy/local start them (and stop them at the end).

Each test gets its own topic prefix, so tests never read each other's events, and the session gets
its own database, dropped at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Iterator

import pytest

from aduan import stack
from aduan.scratch_db import scratch_database
from shared.kafka import delete_topics, ensure_topics
from shared.topics import Topics
from tests.stuck import StuckReport

STUCK_REPORT_LEAD_S = 60  # before pytest-timeout's limit, what a stuck test waits for is printed


@pytest.fixture(scope="session")
async def session_loop() -> asyncio.AbstractEventLoop:
    """The event loop every test and fixture of the session runs in (pyproject: loop scope "session")."""
    return asyncio.get_running_loop()


@pytest.fixture(autouse=True)
def _report_when_stuck(request: pytest.FixtureRequest, session_loop: asyncio.AbstractEventLoop) -> Iterator[None]:
    limit = float(request.config.getini("timeout") or 0)
    if limit <= STUCK_REPORT_LEAD_S:
        yield
        return
    with StuckReport(session_loop, limit - STUCK_REPORT_LEAD_S, request.node.nodeid):
        yield


def _docker_available() -> bool:
    try:
        import docker

        docker.from_env(timeout=3).ping()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def infra() -> Iterator[stack.Infra]:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS") and os.environ.get("DATABASE_URL"):
        yield stack.Infra(os.environ["KAFKA_BOOTSTRAP_SERVERS"], os.environ["DATABASE_URL"])
        return
    if _docker_available():
        from testcontainers.kafka import KafkaContainer
        from testcontainers.postgres import PostgresContainer

        with contextlib.ExitStack() as containers:
            kafka = containers.enter_context(KafkaContainer("confluentinc/cp-kafka:7.6.1").with_kraft())
            pg = containers.enter_context(PostgresContainer("postgres:15", driver=None))
            yield stack.Infra(kafka.get_bootstrap_server(), pg.get_connection_url())
        return
    local = stack.infra_up()
    try:
        yield local
    finally:
        stack.infra_down(local)


@pytest.fixture(scope="session")
async def database_url(infra: stack.Infra) -> AsyncIterator[str]:
    """A fresh database for this session."""
    async with scratch_database(infra.database_url, "aduan_test") as url:
        yield url


@pytest.fixture
async def own_database_url(infra: stack.Infra) -> AsyncIterator[str]:
    """A database of this test's own, for a test that must not see the rows earlier tests left
    (the notifier's scan, for one, announces every overdue clock in the database)."""
    async with scratch_database(infra.database_url, "aduan_test") as url:
        yield url


@pytest.fixture
async def topics(infra: stack.Infra) -> AsyncIterator[Topics]:
    """Every declared topic, created under a prefix of this test's own, deleted afterwards."""
    declared = Topics(f"t{uuid.uuid4().hex[:10]}.")
    await ensure_topics(infra.kafka, declared.specs())
    yield declared
    await delete_topics(infra.kafka, [t.name for t in declared.specs()])


@pytest.fixture
def service_env(infra: stack.Infra, database_url: str, topics: Topics) -> dict[str, str]:
    """The settings every service of this test shares, as keyword arguments."""
    return {
        "kafka_bootstrap_servers": infra.kafka,
        "database_url": database_url,
        "topic_prefix": topics.prefix,
        "log_json": True,
    }
