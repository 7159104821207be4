"""What the fault tests share: the whole stack as processes, realistic complaints, posting them the way a
channel would (retrying a failed POST with the same Idempotency-Key), and counting what arrived where.

Nothing here knows a fault; each test file breaks its own thing and then asks `Tally` what survived.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from aduan import stack
from shared.events import Channel as ChannelName
from shared.events import EventType, InboundMessage, complaint_id_for, new_envelope, utcnow
from shared.kafka import Publisher
from shared.topics import FORWARD_RETRY_LEVELS, Topics
from simulators.local_channels import LocalChannels

SIM_KEY = {"X-Api-Key": "sim-key"}

# ---------------------------------------------------------------------------------------------
# the stack


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class FaultStack(stack.Stack):
    """The stack, plus where its logs stood when the test began."""

    log_marks: LogMarks | None = None


@contextmanager
def running_stack(
    infra: stack.Infra,
    database_url: str,
    prefix: str,
    extra_env: dict[str, str] | None = None,
    env_of: dict[str, dict[str, str]] | None = None,
) -> Iterator[FaultStack]:
    """The simulator and the four services on free ports, on this test's topics; stopped afterwards.

    Every complaint is routed (no triage) so that each one has to reach LAPOR!. `extra_env` goes to every
    process, `env_of` to the named ones only (the notifier's channels, say, which intake would use too)."""
    ports = {name: free_port() for name in stack.DEFAULT_PORTS}
    local = FaultStack(
        stack.Infra(infra.kafka, database_url),
        topic_prefix=prefix,
        ports=ports,
        # the load repeats a few texts per place: not duplicates of each other
        extra_env={"ADUAN_TRIAGE_THRESHOLD": "0", "ADUAN_DUPLICATE_LINKING": "false", **(extra_env or {})},
    )
    for name, env in (env_of or {}).items():
        local.procs[name].env = {**local.procs[name].env, **env}
    local.log_marks = LogMarks(local)
    try:
        local.start(timeout=90)
        yield local
    finally:
        local.stop()


class LogMarks:
    """Where each process's log stood when the test began, so a failure shows only this test's lines."""

    def __init__(self, local: stack.Stack) -> None:
        self.offsets = {name: _size(proc.log_path) for name, proc in local.procs.items()}
        self.paths = {name: proc.log_path for name, proc in local.procs.items()}

    def tail(self, name: str, chars: int = 4000, grep: str | None = None) -> str:
        path = self.paths[name]
        try:
            with path.open("rb") as f:
                f.seek(self.offsets[name])
                text = f.read().decode(errors="replace")
        except OSError:
            return ""
        if grep:
            text = "\n".join(line for line in text.splitlines() if grep in line)
        return text[-chars:]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


async def kill(proc: stack.Proc) -> None:
    """SIGKILL one service process (no graceful shutdown, no final commit)."""
    await asyncio.to_thread(proc.kill)


async def restart(proc: stack.Proc, timeout: float = 60.0) -> None:
    """Start a process again and wait until its readiness probe answers."""
    await asyncio.to_thread(proc.start)
    await asyncio.to_thread(stack.wait_ready, [proc], timeout)


# ---------------------------------------------------------------------------------------------
# the local broker and database, stopped and started on purpose (only when they are ours to stop)

KAFKA_PIDFILE = stack.VAR / "kafka" / "kafka.pid"


def _local_script(name: str, action: str, env: dict[str, str | None] | None = None) -> float:
    """Run `deploy/local/<name>.sh <action>`; return how long it took."""
    environ = dict(os.environ)
    for key, value in (env or {}).items():
        if value is None:
            environ.pop(key, None)
        else:
            environ[key] = value
    started = time.monotonic()
    subprocess.run(
        ["bash", str(stack.LOCAL / f"{name}.sh"), action],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
        env=environ,
    )
    return time.monotonic() - started


def local_broker_or_skip(infra: stack.Infra) -> None:
    """Skip unless the broker is the local one deploy/local/kafka.sh runs from this checkout."""
    local = f"127.0.0.1:{os.environ.get('ADUAN_KAFKA_PORT', '9092')}"
    if infra.kafka != local:
        pytest.skip(
            f"the broker at {infra.kafka} is not the local one deploy/local/kafka.sh runs ({local}); "
            "restarting it is not this test's business"
        )
    if not KAFKA_PIDFILE.exists():
        pytest.skip(
            f"no {KAFKA_PIDFILE.relative_to(stack.ROOT)}: the broker at {local} was not started by "
            "deploy/local/kafka.sh, so the test cannot restart it"
        )


def kafka(action: str) -> float:
    """`deploy/local/kafka.sh up|down`; how long it took."""
    return _local_script("kafka", action)


def _pg_env(database_url: str) -> dict[str, str | None]:
    # postgres.sh leaves a server named by DATABASE_URL alone: it is asked about its own cluster on that port
    return {"DATABASE_URL": None, "ADUAN_PG_PORT": str(urlsplit(database_url).port or 5432)}


def local_postgres_or_skip(database_url: str) -> None:
    """Skip unless the database is the cluster deploy/local/postgres.sh runs for this checkout."""
    url = urlsplit(database_url)
    port = url.port or 5432
    env = {k: v for k, v in {**os.environ, **_pg_env(database_url)}.items() if v is not None}
    status = subprocess.run(
        ["bash", str(stack.LOCAL / "postgres.sh"), "status"], capture_output=True, text=True, timeout=30, env=env
    ).stdout
    if url.hostname not in ("127.0.0.1", "localhost") or f"running on 127.0.0.1:{port}" not in status:
        pytest.skip(
            f"the database at {url.hostname}:{port} is external (not the cluster deploy/local/postgres.sh runs "
            f"for this checkout: {status.strip() or 'no answer'}); stopping it is not this test's business"
        )


def postgres(action: str, database_url: str) -> float:
    """`deploy/local/postgres.sh up|down` for the local cluster serving `database_url`; how long it took."""
    return _local_script("postgres", action, _pg_env(database_url))


# ---------------------------------------------------------------------------------------------
# complaints, written for these tests: everyday problems in named places of Lampung

PLACES = [
    "Kecamatan Natar, Lampung Selatan",
    "Kalianda, Lampung Selatan",
    "Kecamatan Pringsewu",
    "Gadingrejo, Pringsewu",
    "Metro Pusat, Kota Metro",
    "Way Halim, Bandar Lampung",
    "Kedaton, Kota Bandar Lampung",
    "Sukarame, Bandar Lampung",
    "Gunung Sugih, Lampung Tengah",
    "Terbanggi Besar, Lampung Tengah",
    "Kotabumi, Lampung Utara",
    "Liwa, Lampung Barat",
    "Kota Agung, Tanggamus",
    "Sukadana, Lampung Timur",
    "Menggala, Tulang Bawang",
    "Blambangan Umpu, Way Kanan",
    "Gedong Tataan, Pesawaran",
    "Panaragan, Tulang Bawang Barat",
    "Krui, Pesisir Barat",
    "Mesuji, Kabupaten Mesuji",
    "Telukbetung, Bandar Lampung",
    "Seputih Banyak, Lampung Tengah",
]

PROBLEMS = [
    "Jalan utama di {place} rusak parah dan berlubang sepanjang kurang lebih {n}00 meter. Sudah {d} kali "
    "pengendara motor jatuh, terutama saat hujan karena lubang tertutup genangan air. Mohon segera diperbaiki.",
    "Lampu penerangan jalan umum di {place} padam sejak {d} minggu yang lalu. Kawasan ini gelap gulita pada "
    "malam hari dan warga khawatir dengan maraknya begal. Sudah dilaporkan ke kelurahan tetapi belum ada tindakan.",
    "Sampah di tempat pembuangan sementara dekat pasar di {place} tidak diangkut sudah {d} hari. Baunya "
    "menyengat sampai ke permukiman dan banyak lalat. Kami minta jadwal pengangkutan sampah diperbaiki.",
    "Air PDAM di wilayah {place} tidak mengalir selama {d} hari berturut-turut, padahal tagihan bulan ini tetap "
    "naik. Warga terpaksa membeli air galon untuk mandi dan memasak. Mohon penjelasan dan perbaikannya.",
    "Pelayanan di puskesmas {place} sangat lambat; antrean pasien BPJS bisa {d} jam dan petugas sering datang "
    "terlambat. Kemarin ada lansia yang pingsan saat menunggu. Mohon dievaluasi.",
    "Saluran drainase di {place} tersumbat lumpur dan sampah sehingga setiap hujan deras {d} rumah warga "
    "kebanjiran setinggi lutut. Mohon dinas terkait segera melakukan normalisasi saluran.",
    "Atap ruang kelas SD negeri di {place} bocor dan plafonnya hampir runtuh. Sebanyak {d} kelas terpaksa "
    "belajar bergantian di musala. Kami khawatir keselamatan anak-anak kami.",
    "Ada pungutan sebesar Rp{n}00.000 untuk uang gedung di sebuah SMA negeri di {place}, padahal katanya "
    "sekolah gratis. Orang tua yang tidak mampu membayar diancam rapornya ditahan.",
    "Jembatan gantung penghubung dua desa di {place} talinya putus sebagian dan papan lantainya lapuk. "
    "Setiap hari sekitar {d}0 anak sekolah melewatinya. Mohon segera diperbaiki sebelum ada korban.",
    "Pengurusan KTP elektronik di Disdukcapil untuk warga {place} sudah {d} bulan belum jadi, blangko "
    "katanya habis terus. Kami butuh KTP untuk mendaftar kerja dan mengurus bantuan sosial.",
    "Pupuk bersubsidi di kios resmi wilayah {place} langka menjelang musim tanam, sementara di pengecer lain "
    "dijual jauh di atas HET, sekitar Rp{n}0.000 per karung. Petani padi sangat dirugikan.",
    "Truk angkutan batu bara melintas di jalan provinsi {place} melebihi tonase sehingga aspal amblas di "
    "{d} titik. Debunya juga mengganggu warga sepanjang jalan. Mohon ada penertiban.",
]

NAMES = [
    "Siti Rahmawati",
    "Agus Setiawan",
    "Made Wirawan",
    "Nurhayati",
    "Rudi Hartono",
    "Dewi Lestari",
    "Sutrisno",
    "Yuliana Sari",
    "Hendra Saputra",
    "Wayan Sudarma",
    "Ratna Juwita",
    "Bambang Irawan",
]


def complaint_form(i: int, rng: random.Random) -> dict[str, Any]:
    place = PLACES[i % len(PLACES)]
    body = PROBLEMS[(i // len(PLACES) + i) % len(PROBLEMS)].format(
        place=place, n=rng.randint(2, 9), d=rng.randint(2, 9)
    )
    form: dict[str, Any] = {
        "body": f"{body} (laporan warga no. {i + 1})",
        "reporter": {"name": rng.choice(NAMES), "phone": f"0812{rng.randint(1000, 9999)}{i % 10000:04d}"},
        "location": {"text": place},
    }
    if i % 3 == 0:
        form["title"] = f"Keluhan warga {place.split(',')[0]}"
    if i % 7 == 0:
        form["anonymous"] = True
    return form


# ---------------------------------------------------------------------------------------------
# posting like a channel does


@dataclass
class Posted:
    key: str
    complaint_id: str
    tracking_number: str
    tries: int
    first_tried_at: float
    answered_at: float


@dataclass
class Channel:
    """A web-form client: every complaint is retried with its own Idempotency-Key until intake answers 202
    (connection refused, a broken connection, 500, 503 and timeouts are retried; a 4xx is a test failure)."""

    intake_url: str
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:8])
    give_up_after_s: float = 90.0
    http_timeout_s: float = 60.0
    accepted: dict[str, Posted] = field(default_factory=dict)  # complaint_id -> Posted
    failures: list[str] = field(default_factory=list)
    retried_answers: list[str] = field(default_factory=list)  # what made us retry, for the report
    slowest_attempt_s: float = 0.0  # the longest single HTTP attempt, answered or timed out
    rng: random.Random = field(default_factory=lambda: random.Random(20241129))

    def __post_init__(self) -> None:
        self._http = httpx.AsyncClient(
            base_url=self.intake_url, timeout=self.http_timeout_s, limits=httpx.Limits(max_connections=256)
        )  # never queue on our side

    async def aclose(self) -> None:
        await self._http.aclose()

    def key(self, i: int) -> str:
        return f"faults-{self.run}-{i:04d}"

    def expected_id(self, i: int) -> str:
        """The complaint id intake derives from the channel message id (the Idempotency-Key)."""
        return str(complaint_id_for("web", self.key(i)))

    async def post(self, i: int) -> Posted | None:
        key, form = self.key(i), complaint_form(i, self.rng)
        first_tried_at = time.monotonic()
        deadline = first_tried_at + self.give_up_after_s
        tries = 0
        while True:
            tries += 1
            attempt_started = time.monotonic()
            try:
                try:
                    response = await self._http.post("/v1/complaints", json=form, headers={"Idempotency-Key": key})
                finally:
                    self.slowest_attempt_s = max(self.slowest_attempt_s, time.monotonic() - attempt_started)
                if response.status_code == 202:
                    body = response.json()
                    posted = Posted(
                        key, body["complaint_id"], body["tracking_number"], tries, first_tried_at, time.monotonic()
                    )
                    previous = self.accepted.get(posted.complaint_id)
                    if previous is not None and previous.key != key:
                        self.failures.append(f"two keys share complaint {posted.complaint_id}")
                    self.accepted[posted.complaint_id] = posted
                    return posted
                if response.status_code < 500:
                    self.failures.append(f"{key}: intake answered {response.status_code}: {response.text[:300]}")
                    return None
                self.retried_answers.append(f"{response.status_code}")
            except httpx.TransportError as exc:  # refused, reset, timed out: the channel tries again
                self.retried_answers.append(type(exc).__name__)
            if time.monotonic() > deadline:
                self.failures.append(f"{key}: no 202 after {tries} tries in {self.give_up_after_s:.0f} s")
                return None
            await asyncio.sleep(min(0.2 * tries, 1.0))

    async def post_all(self, numbers: range, concurrency: int = 32) -> None:
        """Post complaints `numbers`, `concurrency` at a time (as many channels at once would)."""
        gate = asyncio.Semaphore(concurrency)

        async def one(i: int) -> None:
            async with gate:
                await self.post(i)

        await asyncio.gather(*(one(i) for i in numbers))

    async def publish_old(self, kafka_servers: str, topics: Topics, numbers: range, age: timedelta) -> None:
        """Complaints `numbers` as a Kafka-speaking channel (a kiosk, an app) publishes them to complaints.inbound,
        received `age` ago: their deadlines are already due, so the notifier alerts at once."""
        received_at = utcnow() - age
        async with Publisher(kafka_servers, "faults-kiosk") as publisher:
            for i in numbers:
                inbound = InboundMessage(
                    channel=ChannelName.WEB,
                    channel_message_id=self.key(i),
                    received_at=received_at,
                    raw=complaint_form(i, self.rng),
                )
                envelope = new_envelope(
                    EventType.RECEIVED, inbound, producer="faults-kiosk", complaint_id=uuid.UUID(self.expected_id(i))
                )
                await publisher.publish(topics.inbound, envelope, key=self.key(i))


# ---------------------------------------------------------------------------------------------
# counting what arrived


@dataclass
class Snapshot:
    intake_accepted: int
    routed_once: int
    decisions: dict[str, list[str]]  # complaint_id -> outcomes
    reports: dict[str, dict[str, Any]]  # complaint_id -> forwarder row
    open_verification: int

    def created(self) -> set[str]:
        return {cid for cid, r in self.reports.items() if r["state"] == "created"}

    def states(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for r in self.reports.values():
            counts[r["state"]] = counts.get(r["state"], 0) + 1
        return counts


class Tally:
    """Reads every service's own schema for a given set of complaints (read-only; the tests own nothing)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def snapshot(self, complaint_ids: set[str] | list[str]) -> Snapshot:
        ids = [uuid.UUID(c) for c in complaint_ids]
        accepted = await self.pool.fetchval(
            "SELECT count(*) FROM intake.complaints WHERE complaint_id = ANY($1::uuid[])", ids
        )
        rows = await self.pool.fetch(
            "SELECT complaint_id, outcome FROM routing.decisions WHERE complaint_id = ANY($1::uuid[])", ids
        )
        decisions: dict[str, list[str]] = {}
        for r in rows:
            decisions.setdefault(str(r["complaint_id"]), []).append(r["outcome"])
        reports = {
            str(r["complaint_id"]): dict(r)
            for r in await self.pool.fetch(
                "SELECT complaint_id, state, attempts, lapor_tracking_id, reference, last_error"
                " FROM forwarder.reports WHERE complaint_id = ANY($1::uuid[])",
                ids,
            )
        }
        verification = await self.pool.fetchval(
            "SELECT count(*) FROM notifier.deadlines WHERE clock = 'verification' AND stopped_at IS NULL"
            " AND complaint_id = ANY($1::uuid[])",
            ids,
        )
        return Snapshot(
            accepted, sum(1 for v in decisions.values() if v == ["routed"]), decisions, reports, verification
        )

    async def count_created(self, complaint_ids: set[str]) -> int:
        return await self.pool.fetchval(
            "SELECT count(*) FROM forwarder.reports WHERE state = 'created' AND complaint_id = ANY($1::uuid[])",
            [uuid.UUID(c) for c in complaint_ids],
        )

    async def count_decisions(self, complaint_ids: set[str]) -> int:
        return await self.pool.fetchval(
            "SELECT count(*) FROM routing.decisions WHERE complaint_id = ANY($1::uuid[])",
            [uuid.UUID(c) for c in complaint_ids],
        )

    async def wait_all_created(self, complaint_ids: set[str], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if await self.count_created(complaint_ids) == len(complaint_ids):
                return True
            await asyncio.sleep(0.3)
        return await self.count_created(complaint_ids) == len(complaint_ids)

    async def wait_complete(self, complaint_ids: set[str], timeout: float) -> Snapshot:
        """Until every complaint is created, routed once and has its verification clock (or the timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            snap = await self.snapshot(complaint_ids)
            n = len(complaint_ids)
            if (
                len(snap.created()) == n and snap.routed_once == n and snap.open_verification == n
            ) or time.monotonic() > deadline:
                return snap
            await asyncio.sleep(0.5)


class Simulator:
    """The LAPOR! simulator's control plane."""

    def __init__(self, url: str) -> None:
        self._http = httpx.AsyncClient(base_url=url, timeout=10)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def faults(self, **patch: Any) -> dict[str, Any]:
        response = await self._http.post("/_sim/faults", json=patch)
        response.raise_for_status()
        return response.json()

    async def healthy(self) -> None:
        await self.faults(
            error_rate=0.0,
            rate_limit_rate=0.0,
            slow_create_rate=0.0,
            latency_ms=0,
            fail_next=0,
            reject_next=0,
            reset=0.0,
            lost_response=0.0,
            malformed=0.0,
            slow_apply=0.0,
        )

    async def stats(self) -> dict[str, Any]:
        response = await self._http.get("/_sim/stats")
        response.raise_for_status()
        return response.json()

    async def references_of(self, tracking_ids: list[str]) -> dict[str, str]:
        """tracking id -> the reference LAPOR! stored with it (faults must be off)."""
        sem = asyncio.Semaphore(8)

        async def one(tid: str) -> tuple[str, str]:
            async with sem:
                response = await self._http.get(f"/api/v1/reports/{tid}", headers=SIM_KEY)
                response.raise_for_status()
                return tid, response.json()["reference"]

        return dict(await asyncio.gather(*(one(t) for t in tracking_ids)))


def describe(snap: Snapshot, expected: set[str], stats: dict[str, Any]) -> str:
    """A failure message that says what went missing where."""
    missing_created = sorted(expected - snap.created())[:10]
    not_routed_once = sorted(c for c in expected if snap.decisions.get(c) != ["routed"])[:10]
    stuck = [
        {k: (str(v)[:200] if v is not None else None) for k, v in snap.reports[c].items()}
        for c in missing_created
        if c in snap.reports
    ]
    return (
        f"expected {len(expected)}: intake accepted {snap.intake_accepted}, routed once {snap.routed_once}, "
        f"forwarder states {snap.states()}, open verification clocks {snap.open_verification}; "
        f"LAPOR! reports {stats.get('reports')} duplicates {stats.get('duplicates')}; "
        f"first not created {missing_created} (rows: {stuck}); first not routed once "
        f"{[(c, snap.decisions.get(c)) for c in not_routed_once]}"
    )


async def assert_exactly_once(
    tally: Tally, sim: Simulator, expected: set[str], *, timeout: float, log_marks: LogMarks | None = None
) -> Snapshot:
    """Every expected complaint accepted once, routed once, created in LAPOR! once, with an open clock;
    and LAPOR! holds exactly these reports and nothing else."""
    snap = await tally.wait_complete(expected, timeout)
    await sim.healthy()  # whatever fault a test left on, the checks below read LAPOR! through its API
    stats = await sim.stats()
    context = describe(snap, expected, stats)
    if log_marks is not None and len(snap.created()) != len(expected):
        context += "\n--- forwarder log (errors) ---\n" + log_marks.tail("forwarder", 3000, grep='"error"')
    assert snap.intake_accepted == len(expected), context
    assert snap.created() == expected, context
    assert snap.routed_once == len(expected), context
    assert snap.open_verification == len(expected), context
    # A late redelivery would make a duplicate after everything looked done: give it a moment.
    await asyncio.sleep(2.0)
    stats = await sim.stats()
    assert stats["reports"] == len(expected), describe(snap, expected, stats)
    assert stats["duplicates"] == 0, stats["duplicate_references"]
    # Each LAPOR! report is the one its complaint points at, under the complaint's stable reference.
    tracking = {cid: r["lapor_tracking_id"] for cid, r in snap.reports.items()}
    assert len(set(tracking.values())) == len(expected)
    references = await sim.references_of(list(tracking.values()))
    assert {cid: references[tid] for cid, tid in tracking.items()} == {c: f"aduan-{c}" for c in expected}
    return snap


@asynccontextmanager
async def open_tally(database_url: str) -> AsyncIterator[Tally]:
    # bounded everywhere: a count that never answers fails its test instead of holding the run
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=3, command_timeout=60)
    try:
        yield Tally(pool)
    finally:
        try:
            await asyncio.wait_for(pool.close(), 15)  # waits for every connection to come back
        except TimeoutError:
            pool.terminate()


async def until(check: Callable[[], Awaitable[bool]], timeout: float, interval: float = 0.1) -> bool:
    """Poll `check` until it holds (True) or the timeout passes (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return True
        await asyncio.sleep(interval)
    return await check()


# ---------------------------------------------------------------------------------------------
# what is left on the topics


async def _end_offsets(kafka_servers: str, topics: Topics, names: list[str]) -> dict[TopicPartition, int]:
    partitions = [
        TopicPartition(spec.name, p) for spec in topics.specs() if spec.name in names for p in range(spec.partitions)
    ]
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_servers, enable_auto_commit=False)
    await consumer.start()
    try:
        return dict(await consumer.end_offsets(partitions))
    finally:
        await consumer.stop()


async def leftovers(kafka_servers: str, topics: Topics) -> dict[str, int]:
    """Records not yet consumed by the forwarder's retry consumers (per retry topic), and records on the
    forward DLQ and aduan.parked (which nothing should have needed): topic -> count. Empty when drained."""
    retry = {
        topics.forward_retry(n): f"{topics.prefix}aduan-forwarder.retry-{n}" for n in range(1, FORWARD_RETRY_LEVELS + 1)
    }
    ends = await _end_offsets(kafka_servers, topics, [*retry, topics.forward_dlq, topics.parked])
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_servers)
    await admin.start()
    try:
        committed: dict[TopicPartition, int] = {}
        for group in retry.values():
            offsets = await admin.list_consumer_group_offsets(group)
            committed.update({tp: meta.offset for tp, meta in offsets.items() if meta.offset >= 0})
    finally:
        await admin.close()
    left: dict[str, int] = {}
    for tp, end in ends.items():
        behind = end - committed.get(tp, 0) if tp.topic in retry else end
        if behind > 0:
            left[tp.topic] = left.get(tp.topic, 0) + behind
    return left


async def assert_drained(kafka_servers: str, topics: Topics, timeout: float) -> None:
    """The retry topics drain (their consumers committed past every record) and nothing was parked."""
    left: dict[str, int] = {}

    async def empty() -> bool:
        nonlocal left
        try:
            async with asyncio.timeout(30):
                left = await leftovers(kafka_servers, topics)
        except (TimeoutError, KafkaError) as exc:  # the broker still finding its feet after a restart: ask again
            left = {"(no answer)": 1, type(exc).__name__: 1}
        return not left

    assert await until(empty, timeout, interval=1.0), f"left on the topics: {left}"


# ---------------------------------------------------------------------------------------------
# the notifier's deliveries, counted at real local servers


class Alerts:
    """The notifier delivering to local e-mail, SMS and webhook servers (intake's citizen messages stay off),
    with every agency's people pointed at them; and the count of what arrived against its outbox."""

    def __init__(self, tmp_path: Path) -> None:
        self.channels = LocalChannels().start()
        self.recipients = self.channels.write_recipients_all(tmp_path / "recipients.toml")

    def close(self) -> None:
        self.channels.stop()

    def notifier_env(self) -> dict[str, str]:
        return {
            **self.channels.env(self.recipients),
            "ADUAN_SCAN_INTERVAL_S": "1",
            "ADUAN_DELIVERY_INTERVAL_S": "0.2",
            "ADUAN_DELIVERY_TIMEOUT_S": "3",
            "ADUAN_DELIVERY_BACKOFF_S": "0.5",
            "ADUAN_DELIVERY_BACKOFF_MAX_S": "5",
            "ADUAN_SMS_QUIET_HOURS": "",
        }

    def received(self) -> int:
        return sum(self.channels.received().values())

    async def outbox(self, pool: asyncpg.Pool) -> dict[str, int]:
        rows = await pool.fetch("SELECT state, count(*) AS n FROM notifier.outbox GROUP BY state")
        return {r["state"]: r["n"] for r in rows}

    async def assert_each_delivered_once(
        self, pool: asyncpg.Pool, *, timeout: float, at_least: int, doubles_allowed: int = 0
    ) -> dict[str, Any]:
        """Every outbox row sent (none pending, none dead), each received once at its server: at most
        `doubles_allowed` doubles, the ones a kill can make in the instant between a server's acceptance
        and the notifier's record (DESIGN §5, "Delivery")."""
        states: dict[str, int] = {}

        async def all_sent() -> bool:
            nonlocal states
            states = await self.outbox(pool)
            return set(states) <= {"sent"} and self.received() >= states.get("sent", 0)

        done = await until(all_sent, timeout, interval=0.5)
        await asyncio.sleep(2.0)  # a late double would show now
        stats = self.channels.stats()
        context = f"outbox {states}, servers {stats}"
        assert done, context
        assert states.get("sent", 0) >= at_least, context
        duplicates = sum(s["duplicates"] for s in stats.values())
        assert duplicates <= doubles_allowed, context
        assert self.received() == states["sent"] + duplicates, context
        return {"sent": states["sent"], "duplicates": duplicates}
