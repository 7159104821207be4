"""What the bench watches while a run goes: each stage's events, consumer lag, memory, a progress line.

- `StageWatch` reads complaints.accepted, .routed and .forwarded of the run's topics from the start
  (no consumer group) and keeps each record's timestamp (the producer's create time), and for each
  complaint the moment its report was announced `created`, repeats counted.
- `LagSampler` asks the broker each second for every consumer group of the run: committed offsets
  (AIOKafkaAdminClient.list_consumer_group_offsets) against the end offsets of its topic.
- `wait_leaders` waits, before the services start, until every partition of the run's topics answers at
  its leader.
- `peak_rss_kib` reads a process's VmHWM from /proc.
- `Progress` writes one line to stderr, rewritten each second.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from aduan.bench_stats import group_lag

STAGES = ("accepted", "routed", "forwarded")


@dataclass
class StageWatch:
    bootstrap: str
    topics: dict[str, str]  # stage → topic
    key_of_forwarded: Callable[[bytes], tuple[str, ...] | None]
    stamps: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STAGES})
    forwarded_at: dict[str, float] = field(default_factory=dict)  # key → wall clock, s
    repeats: int = 0

    async def run(self, stop: asyncio.Event) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
        )
        await consumer.start()
        try:
            stage_of = {topic: stage for stage, topic in self.topics.items()}
            partitions = [
                TopicPartition(topic, p)
                for topic in self.topics.values()
                for p in sorted(consumer.partitions_for_topic(topic) or await _partitions(consumer, topic))
            ]
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            while not stop.is_set():
                batch = await consumer.getmany(timeout_ms=200, max_records=5000)
                for tp, records in batch.items():
                    stage = stage_of[tp.topic]
                    for record in records:
                        if stage == "forwarded":
                            keys = self.key_of_forwarded(record.value)
                            if keys is None:
                                continue
                            if any(k in self.forwarded_at for k in keys):
                                self.repeats += 1
                                continue
                            for k in keys:
                                self.forwarded_at[k] = record.timestamp / 1000
                        self.stamps[stage].append(record.timestamp / 1000)
        finally:
            await consumer.stop()

    def counts(self) -> dict[str, int]:
        return {stage: len(stamps) for stage, stamps in self.stamps.items()}


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    for _ in range(50):
        await consumer._client.force_metadata_update()
        if found := consumer.partitions_for_topic(topic):
            return set(found)
        await asyncio.sleep(0.1)
    raise RuntimeError(f"topic {topic} has no partitions")


@dataclass
class LagSampler:
    """Lag per consumer group of the run (its topic prefix), sampled every `interval` seconds."""

    bootstrap: str
    prefix: str
    subscriptions: dict[str, str]  # subscription name (a group's last part) → topic
    interval: float = 1.0
    samples: list[tuple[float, dict[str, int]]] = field(default_factory=list)
    latest: dict[str, int] = field(default_factory=dict)

    async def run(self, stop: asyncio.Event) -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        ends = AIOKafkaConsumer(bootstrap_servers=self.bootstrap, enable_auto_commit=False)
        await admin.start()
        await ends.start()
        try:
            while not stop.is_set():
                started = time.monotonic()
                try:
                    self.latest = await self.sample(admin, ends)
                    self.samples.append((time.time(), self.latest))
                except Exception:  # a slow broker skips a sample rather than ending the run
                    pass
                await _wait(stop, self.interval - (time.monotonic() - started))
        finally:
            await ends.stop()
            await admin.close()

    async def sample(self, admin: AIOKafkaAdminClient, ends: AIOKafkaConsumer) -> dict[str, int]:
        groups = sorted(g for g, *_ in await admin.list_consumer_groups() if g.startswith(self.prefix))
        lag: dict[str, int] = {}
        for group in groups:
            topic = self.subscriptions.get(group.rpartition(".")[2])
            if topic is None:
                continue
            committed = {tp: meta.offset for tp, meta in (await admin.list_consumer_group_offsets(group)).items()}
            partitions = [TopicPartition(topic, p) for p in sorted(ends.partitions_for_topic(topic) or [])]
            if not partitions:
                await ends._client.force_metadata_update()
                partitions = [TopicPartition(topic, p) for p in sorted(ends.partitions_for_topic(topic) or [])]
            end_offsets = await ends.end_offsets(partitions) if partitions else {}
            lag[group.removeprefix(self.prefix)] = group_lag(committed, end_offsets)
        return lag


async def wait_leaders(bootstrap: str, prefix: str, *, timeout: float = 60.0) -> None:
    """Until every partition of the run's topics (`prefix`) answers an offset lookup at its leader. A
    consumer started before the leaders of a new topic have taken over retries its offset lookups
    (NotLeaderForPartitionError), and the first sends would wait for it."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        deadline = time.monotonic() + timeout
        while True:
            await consumer._client.force_metadata_update()
            partitions = [
                TopicPartition(topic, p)
                for topic in sorted(await consumer.topics())
                if topic.startswith(prefix)
                for p in sorted(consumer.partitions_for_topic(topic) or ())
            ]
            try:
                if partitions:
                    await asyncio.wait_for(consumer.end_offsets(partitions), 5)
                    return
            except (KafkaError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"the partitions of {prefix}* have no leaders after {timeout:.0f} s")
            await asyncio.sleep(0.2)
    finally:
        await consumer.stop()


async def _wait(stop: asyncio.Event, seconds: float) -> None:
    if seconds > 0:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)


def peak_rss_kib(pid: int) -> int | None:
    """A live process's peak resident set (VmHWM), KiB; None when it cannot be read."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def progress_line(elapsed: float, sent: int, total: int, counts: dict[str, int], lag: dict[str, int]) -> str:
    stages = "  ".join(f"{stage} {counts.get(stage, 0)}" for stage in STAGES)
    return f"[{elapsed:6.1f} s] sent {sent}/{total}  {stages}  lag {sum(lag.values())}"


@dataclass
class Progress:
    """One line on stderr, rewritten in place each second while the run goes (a plain line per
    update when stderr is not a terminal, every 5 s)."""

    render: Callable[[], str]
    out: TextIO = sys.stderr
    interval: float = 1.0

    async def run(self, stop: asyncio.Event) -> None:
        tty = self.out.isatty()
        last_plain = 0.0
        while not stop.is_set():
            line = self.render()
            if tty:
                self.out.write("\r\x1b[K" + line)
            elif time.monotonic() - last_plain >= 5:
                self.out.write(line + "\n")
                last_plain = time.monotonic()
            self.out.flush()
            await _wait(stop, self.interval)
        self.out.write(("\r\x1b[K" if tty else "") + self.render() + "\n")
        self.out.flush()


def sampled_rss(pids: dict[str, int]) -> dict[str, Any]:
    """Peak RSS in MiB of each named process (None for one that has gone)."""
    peaks = {name: peak_rss_kib(pid) for name, pid in pids.items()}
    return {name: round(kib / 1024, 1) if kib is not None else None for name, kib in peaks.items()}
