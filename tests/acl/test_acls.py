"""The declared ACLs on a real broker (SASL/SCRAM, StandardAuthorizer): an agency reads only its own
topic, in its own groups, and writes only complaints.status; each service reads exactly its topics
in its groups and writes exactly its topics; nobody gets in without credentials."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import (
    GroupAuthorizationFailedError,
    KafkaConnectionError,
    KafkaError,
    TopicAuthorizationFailedError,
)

from aduan.kafka_acl import local_auth
from shared.kafka_access import OPERATOR, SERVICES, agency
from shared.kafka_auth import KafkaAuth
from shared.topics import ALL_TOPICS, STATUS, Topics, agency_topic

pytestmark = pytest.mark.integration

NAMES = Topics()
BASE_TOPICS = sorted(t.name for t in ALL_TOPICS if not t.name.startswith("agency."))
A, B = "kab-lampung-selatan", "kota-metro"


async def _write(bootstrap: str, auth: KafkaAuth, topics: list[str]) -> dict[str, bool]:
    """topic → whether this principal's idempotent producer could write a record there."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, request_timeout_ms=10_000, **auth.aiokafka()
    )
    await producer.start()
    try:
        allowed = {}
        for topic in topics:
            try:
                await asyncio.wait_for(producer.send_and_wait(topic, b"{}", key=b"acl-test"), 30)
                allowed[topic] = True
            except TopicAuthorizationFailedError:
                allowed[topic] = False
        return allowed
    finally:
        await producer.stop()


async def _read(bootstrap: str, auth: KafkaAuth, topic: str, group: str | None) -> bool:
    """Whether this principal may read `topic` (in `group`, or by assignment without a group)."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        **auth.aiokafka(),
    )
    try:
        await consumer.start()
        await asyncio.wait_for(consumer.getmany(timeout_ms=500), 30)
        if group is not None:
            await consumer.commit()  # reading in a group includes committing its offsets
        return True
    except (TopicAuthorizationFailedError, GroupAuthorizationFailedError):
        return False
    finally:
        await consumer.stop()


async def test_an_agency_reads_only_its_own_topic_in_its_own_groups(sasl_kafka: str) -> None:
    me = agency(A)
    auth = local_auth(me.name)
    assert await _read(sasl_kafka, auth, agency_topic(A), me.group(NAMES, "complaints"))
    assert await _read(sasl_kafka, auth, agency_topic(A), me.group(NAMES, "backfill"))  # any group of its prefix
    assert not await _read(sasl_kafka, auth, agency_topic(B), me.group(NAMES, "complaints"))
    assert not await _read(sasl_kafka, auth, agency_topic(A), f"agency-{B}.complaints")  # another agency's group
    assert not await _read(sasl_kafka, auth, agency_topic(A), "aduan-routing.accepted")
    for topic in ("complaints.routed", "complaints.inbound", "complaints.status", "sla.alerts"):
        assert not await _read(sasl_kafka, auth, topic, None), topic


async def test_an_agency_writes_only_complaints_status(sasl_kafka: str) -> None:
    targets = [*BASE_TOPICS, agency_topic(A), agency_topic(B)]
    allowed = await _write(sasl_kafka, local_auth(agency(A).name), targets)
    assert {t for t, ok in allowed.items() if ok} == {STATUS}


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_each_service_writes_exactly_its_topics(service: str, sasl_kafka: str) -> None:
    declared = SERVICES[service]
    targets = [*BASE_TOPICS, agency_topic(A)]
    allowed = await _write(sasl_kafka, local_auth(declared.name), targets)
    assert {t for t, ok in allowed.items() if ok} == set(declared.write_topics(NAMES)) & set(targets)


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_each_service_reads_exactly_its_topics_in_its_groups(service: str, sasl_kafka: str) -> None:
    declared = SERVICES[service]
    auth = local_auth(declared.name)
    for subscription in declared.reads:
        assert await _read(sasl_kafka, auth, subscription.topic, declared.group(NAMES, subscription.subscription))
    others = [t for t in [*BASE_TOPICS, agency_topic(A)] if t not in declared.read_topics(NAMES)]
    for topic in others:
        assert not await _read(sasl_kafka, auth, topic, None), f"{service} may read {topic}"
    # a group outside its own prefix is refused even on a topic it reads
    assert not await _read(sasl_kafka, auth, declared.reads[0].topic, f"someone-else.{uuid.uuid4().hex[:6]}")


async def test_no_credentials_or_a_wrong_password_get_nothing(sasl_kafka: str) -> None:
    wrong = KafkaAuth("SASL_PLAINTEXT", "SCRAM-SHA-512", agency(A).name, "not-the-password")
    for auth in (wrong, KafkaAuth()):
        producer = AIOKafkaProducer(bootstrap_servers=sasl_kafka, request_timeout_ms=5_000, **auth.aiokafka())
        with pytest.raises((KafkaError, KafkaConnectionError, asyncio.TimeoutError)):
            await asyncio.wait_for(producer.start(), 20)
        await producer.stop()


async def test_the_operator_reads_only_the_dlq_and_writes_only_complaints_routed(sasl_kafka: str) -> None:
    auth = local_auth(OPERATOR.name)
    [dlq] = OPERATOR.reads
    assert await _read(sasl_kafka, auth, dlq.topic, OPERATOR.group(NAMES, dlq.subscription))
    assert not await _read(sasl_kafka, auth, dlq.topic, "aduan-forwarder.routed")  # not a service's group
    for topic in ("complaints.routed", "complaints.inbound", "complaints.accepted"):
        assert not await _read(sasl_kafka, auth, topic, None), topic
    allowed = await _write(sasl_kafka, auth, [*BASE_TOPICS, agency_topic(A)])
    assert {t for t, ok in allowed.items() if ok} == {"complaints.routed"}
