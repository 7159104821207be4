"""Kafka plumbing: the broker factory, publishing envelopes, and consuming them safely.

Guarantees (DESIGN.md §6): the producer is idempotent with acks=all; every subscriber has an explicit
group id and commits only after its handler returned (AckPolicy.NACK_ON_ERROR: an exception rewinds
the partition to the failed message instead of committing past it, which FastStream's default
auto-commit would do). Records are consumed in batches and the batch is committed once, which is
what makes the commit cost affordable. Messages that can never be read (bad JSON, unknown
schema_version, wrong shape) are parked on `aduan.parked` with the reason, so one bad message does
not block a partition.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeAlias, TypeVar

from aiokafka import AIOKafkaProducer, ConsumerRecord
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import (
    InvalidProducerEpoch,
    OutOfOrderSequenceNumber,
    ProducerFenced,
    TopicAlreadyExistsError,
    UnknownProducerId,
)
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from prometheus_client import Counter, Histogram
from pydantic import BaseModel, ValidationError

from shared.events import KNOWN_SCHEMA_VERSIONS, Envelope
from shared.kafka_auth import PLAINTEXT, KafkaAuth
from shared.logging import bound, get_logger
from shared.metrics import observe_published
from shared.topics import TopicSpec
from shared.unit_of_work import batch_unit
from shared.unit_of_work import current as current_unit

log = get_logger(__name__)
P = TypeVar("P", bound=BaseModel)

HANDLED = Counter("aduan_events_handled_total", "Events handled", ["handler", "outcome"])
HANDLE_SECONDS = Histogram("aduan_event_handle_seconds", "Time to handle one event", ["handler"])
PUBLISHED = Counter("aduan_events_published_total", "Events published", ["topic_kind"])


def make_broker(
    bootstrap_servers: str, service: str, *, auth: KafkaAuth = PLAINTEXT, graceful_timeout: float | None = None
) -> KafkaBroker:
    """The consuming side: FastStream subscribers. Publishing goes through `Publisher`.

    `graceful_timeout`: on stop, each subscriber finishes the batch in hand (and commits it) first."""
    return KafkaBroker(
        bootstrap_servers,
        client_id=f"aduan-{service}",
        logger=None,  # our own structured logs say what happened; FastStream's would repeat it
        security=auth.faststream(),
        graceful_timeout=graceful_timeout,
    )


# After these the idempotent producer cannot go on (its sequence numbers no longer match the
# broker's, e.g. after a broker restart lost in-flight batches): a new producer must take over.
FATAL_PRODUCER_ERRORS = (OutOfOrderSequenceNumber, UnknownProducerId, InvalidProducerEpoch, ProducerFenced)


def send_lingering(producer: AIOKafkaProducer) -> None:
    """Hand the records `producer` holds back for its linger to its sender now, as aiokafka's own
    transactional commit does (`MessageAccumulator.flush_for_commit`, without waiting): each open batch
    is closed (later records start new ones) and the sender is woken. Uses aiokafka's accumulator
    (pinned to 0.14 in pyproject.toml); with another layout it does nothing and the linger runs out."""
    accumulator = getattr(producer, "_message_accumulator", None)
    batches = getattr(accumulator, "_batches", None)
    waiter = getattr(accumulator, "_waiter_future", None)
    if batches is None or waiter is None:
        return
    for queued in batches.values():
        for batch in queued:
            builder = getattr(batch, "_builder", None)
            if builder is not None:
                builder.close()
    if not waiter.done():
        waiter.set_result(None)


class Publisher:
    """Publishes envelopes with the project's guarantees: idempotent producer, acks=all, and a
    publish returns only once the broker has acknowledged (the event is durable) — or, inside a
    consumed batch, once it is enqueued, the batch awaiting every acknowledgement before it commits
    (shared/unit_of_work.py).

    The project owns this producer rather than FastStream's so that it can replace it after a
    fatal idempotence error; the failing publish still raises, the consumer's batch is redelivered,
    and the repeated events carry the same ids, which consumers dedupe.
    """

    def __init__(
        self,
        bootstrap_servers: str,
        client_id: str,
        *,
        request_timeout_ms: int = 15_000,
        linger_ms: int = 5,
        auth: KafkaAuth = PLAINTEXT,
    ) -> None:
        self._config = {
            "bootstrap_servers": bootstrap_servers,
            "client_id": client_id,
            "acks": "all",
            "enable_idempotence": True,
            "request_timeout_ms": request_timeout_ms,
            # Wait a moment for the records of concurrent handlers and batches, so that they travel
            # to the broker in one request instead of one request each (ADUAN_KAFKA_LINGER_MS); a
            # consumed batch sends what is left as soon as its handlers are done (`send_lingering`).
            "linger_ms": linger_ms,
            **auth.aiokafka(),
        }
        self._producer: AIOKafkaProducer | None = None
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        self._producer = AIOKafkaProducer(**self._config)
        await self._producer.start()

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def publish(self, topic: str, envelope: Envelope[Any], *, key: str | None = None) -> None:
        await self.send(
            topic,
            envelope.model_dump_json().encode(),
            key=(key or str(envelope.complaint_id or envelope.event_id)).encode(),
            headers={
                "event_type": envelope.event_type.value,
                "schema_version": str(envelope.schema_version),
                "correlation_id": envelope.correlation_id,
                "content-type": "application/json",
            },
        )
        PUBLISHED.labels(topic_kind="agency" if ".agency." in f".{topic}" else topic.rsplit(".", 1)[-1]).inc()
        observe_published(topic, envelope)

    async def send(self, topic: str, value: bytes, *, key: bytes | None, headers: dict[str, str]) -> None:
        producer = self._producer
        if producer is None:
            raise RuntimeError("publisher not started")
        encoded = [(k, v.encode()) for k, v in headers.items()]
        unit = current_unit()
        if unit is None:
            try:
                await producer.send_and_wait(topic, value, key=key, headers=encoded)
            except FATAL_PRODUCER_ERRORS as exc:
                await self._replace(producer, exc)
                raise
            return
        # Inside a consumed batch: enqueue now, and the batch awaits the acknowledgement before it commits.
        try:
            ack = await producer.send(topic, value, key=key, headers=encoded)
        except FATAL_PRODUCER_ERRORS as exc:
            await self._replace(producer, exc)
            raise
        unit.track(self._acknowledged(producer, ack))
        unit.send_now_at_end(producer, functools.partial(send_lingering, producer))

    async def _acknowledged(self, producer: AIOKafkaProducer, ack: asyncio.Future[Any]) -> None:
        try:
            await ack
        except FATAL_PRODUCER_ERRORS as exc:
            await self._replace(producer, exc)
            raise

    async def _replace(self, broken: AIOKafkaProducer, exc: Exception) -> None:
        async with self._lock:
            if self._producer is None or self._producer is not broken:
                return  # another publish replaced it already (or the publisher was stopped)
            log.warning("idempotent producer failed fatally; replacing it", error=repr(exc))
            with contextlib.suppress(Exception):
                await broken.stop()
            await self.start()

    async def __aenter__(self) -> Publisher:
        await self.start()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.stop()


class Unreadable(Exception):
    """The message can never be processed as it is: park it."""


def parse_envelope(body: bytes, payload_type: type[P]) -> Envelope[P]:
    try:
        envelope = Envelope[payload_type].model_validate_json(body)  # type: ignore[valid-type]
    except ValidationError as exc:
        raise Unreadable(
            f"not a valid {payload_type.__name__} envelope: {exc.error_count()} errors: "
            f"{exc.errors(include_url=False, include_input=False)}"
        ) from exc
    if envelope.schema_version not in KNOWN_SCHEMA_VERSIONS:
        raise Unreadable(f"unknown schema_version {envelope.schema_version}")
    return envelope


Record: TypeAlias = ConsumerRecord  # one Kafka record as aiokafka delivers it


async def _undecoded(_: Any) -> None:
    """FastStream's decoder for a subscription: none. `consume` reads the raw records and
    `parse_envelope` validates each one; FastStream's own decoding of every record (a message
    object and a JSON parse) would be thrown away."""
    return None


def subscribe(
    broker: KafkaBroker,
    publisher: Publisher,
    topic: str,
    *,
    group_id: str,
    payload: type[P],
    parked_topic: str,
    name: str,
    on_unreadable: Callable[[Record, str], Awaitable[None]] | None = None,
    max_records: int = 200,
    concurrency: int = 16,
    unit_of_work: bool = True,
) -> Callable[[Callable[[Envelope[P]], Awaitable[None]]], Callable[[Envelope[P]], Awaitable[None]]]:
    """Register `handler(envelope)` as a consumer of `topic` with the project's delivery guarantees.

    Records arrive in batches; the records of one key (one complaint) are handled one by one, in
    partition order, and up to `concurrency` keys at once. The batch's offsets are committed once,
    after every handler returned. When a handler raises, the batch is rewound (NACK) and delivered
    again after a pause; the records handled before are skipped by their handlers' idempotency.
    A record that is not a readable envelope goes to `on_unreadable(record, reason)` when given
    (intake answers bad channel input on complaints.rejected), else it is parked.

    With `unit_of_work` (the default) the batch is one unit (shared/unit_of_work.py): its claims in one
    transaction, its publishes acknowledged together, then COMMIT, then the offsets. Without it, each
    handler's claim is its own transaction and each publish waits for its acknowledgement (for
    handlers that call other systems inside their claim).
    """
    batched = unit_of_work
    failures = 0
    in_flight = asyncio.Semaphore(concurrency)

    def register(handler: Callable[[Envelope[P]], Awaitable[None]]) -> Callable[[Envelope[P]], Awaitable[None]]:
        @broker.subscriber(
            topic,
            group_id=group_id,
            ack_policy=AckPolicy.NACK_ON_ERROR,
            auto_offset_reset="earliest",
            batch=True,
            max_records=max_records,
            batch_timeout_ms=100,
            decoder=_undecoded,
        )
        async def consume(message: KafkaMessage) -> None:
            nonlocal failures
            # Records of one key (one complaint) are handled in order; different keys at the same
            # time, so that one complaint's database and broker round trips do not wait for another's.
            by_key: dict[tuple[int, bytes | None], list[Record]] = {}
            for record in message.raw_message:
                by_key.setdefault((record.partition, record.key), []).append(record)

            async def in_order(records: list[Record]) -> None:
                async with in_flight:
                    for record in records:
                        await _handle(record)

            async def handle_all() -> None:
                outcomes = await asyncio.gather(*(in_order(rs) for rs in by_key.values()), return_exceptions=True)
                errors = [o for o in outcomes if isinstance(o, BaseException)]
                if errors:
                    raise errors[0]

            handled = False
            try:
                if batched:
                    async with batch_unit():
                        await handle_all()
                        handled = True  # what fails from here on is an acknowledgement or the COMMIT
                else:
                    await handle_all()
            except Exception as exc:
                if handled:
                    log.warning("batch not committed; it will be redelivered", handler=name, error=repr(exc)[:300])
                failures += 1
                # Back off before the redelivery, so a broken dependency is not hammered.
                await asyncio.sleep(min(0.1 * 2 ** min(failures, 6), 5.0))
                raise
            failures = 0

        async def _handle(record: Record) -> None:
            started = time.perf_counter()
            try:
                envelope = parse_envelope(record.value, payload)
            except Unreadable as exc:
                if on_unreadable is not None:
                    await on_unreadable(record, str(exc))
                else:
                    await park(publisher, parked_topic, record, str(exc), consumer=name)
                HANDLED.labels(handler=name, outcome="parked").inc()
                return
            with bound(
                event_id=envelope.event_id,
                complaint_id=envelope.complaint_id,
                correlation_id=envelope.correlation_id,
                event_type=envelope.event_type.value,
            ):
                try:
                    await handler(envelope)
                except Exception:
                    HANDLED.labels(handler=name, outcome="error").inc()
                    log.exception("handler failed; the batch will be redelivered", handler=name)
                    raise
            HANDLED.labels(handler=name, outcome="ok").inc()
            HANDLE_SECONDS.labels(handler=name).observe(time.perf_counter() - started)

        return handler

    return register


async def park(publisher: Publisher, parked_topic: str, record: Record, reason: str, *, consumer: str) -> None:
    log.warning(
        "message parked",
        consumer=consumer,
        reason=reason,
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
    )
    await publisher.send(
        parked_topic,
        record.value,
        key=record.key,
        headers={
            "parked_by": consumer,
            "parked_reason": reason[:1000],
            "source_topic": record.topic,
            "source_partition": str(record.partition),
            "source_offset": str(record.offset),
            "parked_id": str(uuid.uuid4()),
        },
    )


async def _wait_for_leaders(admin: AIOKafkaAdminClient, names: list[str], timeout: float = 30.0) -> None:
    """A new topic takes a moment to get partition leaders; producing before that fails."""
    deadline = time.monotonic() + timeout
    while True:
        described = await admin.describe_topics(names)
        if all(
            t["error_code"] == 0 and t["partitions"] and all(p["leader"] >= 0 for p in t["partitions"])
            for t in described
        ):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"topics without leaders after {timeout:.0f} s: {names}")
        await asyncio.sleep(0.1)


async def delete_topics(bootstrap_servers: str, names: list[str], *, auth: KafkaAuth = PLAINTEXT) -> None:
    """Remove topics (a test's or a demo run's own, under their prefix)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="aduan-admin", **auth.aiokafka())
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        doomed = [n for n in names if n in existing]
        if doomed:
            await admin.delete_topics(doomed)
    finally:
        await admin.close()


async def ensure_topics(
    bootstrap_servers: str, specs: tuple[TopicSpec, ...], *, auth: KafkaAuth = PLAINTEXT
) -> list[str]:
    """Create the declared topics that do not exist yet; return the names created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="aduan-admin", **auth.aiokafka())
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [s for s in specs if s.name not in existing]
        if missing:
            brokers = len((await admin.describe_cluster())["brokers"])
            response = await admin.create_topics(
                [NewTopic(s.name, s.partitions, min(3, brokers), topic_configs=s.config()) for s in missing]
            )
            for name, code, *_ in response.topic_errors:
                # 36: another replica created it meanwhile
                if code not in (0, TopicAlreadyExistsError.errno):
                    raise RuntimeError(f"could not create topic {name}: error code {code}")
            await _wait_for_leaders(admin, [s.name for s in missing])
        return [s.name for s in missing]
    finally:
        await admin.close()
