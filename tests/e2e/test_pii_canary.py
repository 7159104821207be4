"""The PII canary: an anonymous and a confidential complaint through every signed HTTP channel, each
carrying unique canary values in its reporter fields and typed into its text. Once every complaint
is in LAPOR!, the canaries are looked for in every topic of the run after complaints.inbound (read
raw, from the beginning), the simulator's stored reports, the routing, forwarder and notifier
tables and every service's log: they appear in none of them, only in intake's own store."""

from __future__ import annotations

import random
import socket
import string
import time
import uuid
from dataclasses import dataclass

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient

from aduan import stack
from simulators import gateways as gw
from tests.intake_support import NO_LINKING, gateways
from tests.support import eventually

pytestmark = pytest.mark.e2e

CHANNELS = ("web", "sms", "twilio", "whatsapp", "email", "open311")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Canary:
    """Values that occur nowhere else: a name, a phone number, an e-mail address, a NIK, an account."""

    name_word: str
    phone: str  # 0812 + 8 digits
    email: str
    nik: str
    account: str

    @classmethod
    def new(cls, rng: random.Random) -> Canary:
        digits = lambda n: "".join(rng.choice(string.digits) for _ in range(n))  # noqa: E731
        word = "".join(rng.choice(string.ascii_lowercase) for _ in range(9)).capitalize()
        return cls(
            word, "0812" + digits(8), f"kanari.{word.lower()}@example.org", "1871" + digits(12), "77" + digits(9)
        )

    @property
    def name(self) -> str:
        return f"Kanari {self.name_word}"

    def needles(self) -> dict[str, str]:
        """What would betray each value in any spelling: the name, the phone's last 8 digits, the
        e-mail's local part, the NIK's last 12 digits, the account's digits."""
        return {
            "name": self.name_word,
            "phone": self.phone[-8:],
            "email": self.email.split("@")[0],
            "nik": self.nik[-12:],
            "account": self.account,
        }

    def text(self, marker: str, *, named: bool = True) -> str:
        """The complaint's text with the values typed in; the name only where the channel also carries
        it (a name is no pattern: intake masks the reporter's own name, not every name)."""
        return (
            f"{marker} Jalan desa di Kecamatan Natar Lampung Selatan rusak parah dan berlubang. "
            f"NIK saya {self.nik}, hp {self.phone}, e-mail {self.email}, kalau perlu transfer ke "
            f"rek BRI {self.account}." + (f" Nama saya {self.name}." if named else "")
        )


@pytest.fixture
def pipeline(infra, database_url, topics):  # type: ignore[no-untyped-def]
    ports = {name: _free_port() for name in stack.DEFAULT_PORTS}
    local = stack.Stack(
        stack.Infra(infra.kafka, database_url),
        topic_prefix=topics.prefix,
        ports=ports,
        extra_env={"ADUAN_TRIAGE_THRESHOLD": "0", **NO_LINKING, "ADUAN_RATE_LIMIT_PHONE_PER_MIN": "1000"},
    )
    offsets = {name: (p.log_path.stat().st_size if p.log_path.exists() else 0) for name, p in local.procs.items()}
    local.start(timeout=90)
    try:
        yield local, offsets
    finally:
        local.stop()


async def _send(channel: str, kind: str, c: Canary, http: httpx.AsyncClient, pool: asyncpg.Pool) -> str:
    """Post one complaint as the channel's gateway would; its tracking number."""
    anonymous = kind == "anonymous"
    marker = "ANONIM" if anonymous else "RAHASIA"
    text = c.text(marker, named=channel == "whatsapp")
    send = gateways(http)
    if channel == "web":
        r = await http.post(
            "/v1/complaints",
            json={
                "body": c.text(""),
                "title": f"Jalan rusak, hubungi {c.phone}",
                "anonymous": anonymous,
                "confidential": not anonymous,
                "reporter": {"name": c.name, "phone": c.phone, "email": c.email},
            },
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        assert r.status_code == 202, r.text
        return r.json()["tracking_number"]
    if channel == "sms":
        r = await send.sms({"message": text, "phoneNumber": c.phone})
    elif channel == "whatsapp":
        message = {
            "from": "62" + c.phone[1:],
            "id": f"wamid.{uuid.uuid4().hex}",
            "type": "text",
            "text": {"body": text},
        }
        r = await send.whatsapp(gw.whatsapp_webhook(message, c.name))
    elif channel == "email":
        r = await send.email(
            {
                "Message-Id": f"<{uuid.uuid4().hex}@example.org>",
                "from": f"{c.name} <{c.email}>",
                "subject": f"[{marker}] Jalan rusak di Natar",
                "body-plain": c.text(""),
            }
        )
    elif channel == "open311":
        r = await send.open311(
            {
                "service_code": "jalan",
                "description": c.text(""),
                "first_name": "Kanari",
                "last_name": c.name_word,
                "phone": c.phone,
                "email": c.email,
                f"attribute[{kind}]": "true",
            }
        )
        assert r.status_code == 201, r.text
        return r.json()[0]["service_request_id"]
    else:
        sid = f"SM{uuid.uuid4().hex}"
        r = await send.twilio({"From": "+62" + c.phone[1:], "Body": text, "MessageSid": sid, "NumMedia": "0"})
        assert r.status_code == 200, r.text

        async def tracking_of() -> str | None:
            return await pool.fetchval(
                "SELECT tracking_number FROM intake.complaints WHERE channel_message_id = $1", f"twilio:{sid}"
            )

        return await eventually(tracking_of)
    assert r.status_code == 202 and r.json()["accepted"], r.text
    return r.json()["accepted"][0]


async def _topic_bytes(kafka: str, prefix: str, inbound: str) -> dict[str, bytes]:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:
        names = [t for t in await admin.list_topics() if t.startswith(prefix) and t != inbound]
    finally:
        await admin.close()
    consumer = AIOKafkaConsumer(*names, bootstrap_servers=kafka, enable_auto_commit=False, auto_offset_reset="earliest")
    await consumer.start()
    found: dict[str, list[bytes]] = {n: [] for n in names}
    try:
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < 5:
            batch = await consumer.getmany(timeout_ms=500)
            for tp, records in batch.items():
                found[tp.topic].extend((r.key or b"") + b" " + (r.value or b"") for r in records)
                quiet_since = time.monotonic()
    finally:
        await consumer.stop()
    return {name: b"\n".join(values) for name, values in found.items()}


async def _schema_text(pool: asyncpg.Pool, schema: str) -> str:
    tables = await pool.fetch("SELECT table_name FROM information_schema.tables WHERE table_schema = $1", schema)
    parts = []
    for t in tables:
        rows = await pool.fetch(f'SELECT t::text AS row FROM "{schema}"."{t["table_name"]}" t')
        parts.extend(r["row"] for r in rows)
    return "\n".join(parts)


async def test_canaries_stay_in_intake(pipeline, infra, database_url, topics):  # type: ignore[no-untyped-def]
    local, offsets = pipeline
    rng = random.Random()
    canaries: dict[tuple[str, str], Canary] = {
        (ch, kind): Canary.new(rng) for ch in CHANNELS for kind in ("anonymous", "confidential")
    }
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=3)
    try:
        tracking: dict[tuple[str, str], str] = {}
        async with httpx.AsyncClient(base_url=local.url("intake"), timeout=30) as http:
            for (channel, kind), canary in canaries.items():
                tracking[(channel, kind)] = await _send(channel, kind, canary, http, pool)

        async def all_in_lapor() -> bool:
            n = await pool.fetchval(
                "SELECT count(*) FROM forwarder.reports WHERE tracking_number = ANY($1) AND state = 'created'",
                list(tracking.values()),
            )
            return n == len(tracking)

        assert await eventually(all_in_lapor, timeout=120), "not every canary complaint reached LAPOR!"
        flags = {
            r["tracking_number"]: (r["anonymous"], r["confidential"])
            for r in await pool.fetch(
                "SELECT tracking_number, anonymous, confidential FROM intake.complaints"
                " WHERE tracking_number = ANY($1)",
                list(tracking.values()),
            )
        }
        for (channel, kind), number in tracking.items():
            assert flags[number] == (kind == "anonymous", kind == "confidential"), (channel, kind)

        async with httpx.AsyncClient(
            base_url=local.url("lapor-sim"), timeout=10, headers={"X-Api-Key": "sim-key"}
        ) as sim:
            reports = (await sim.get("/api/v1/reports", params={"updated_since": "2000-01-01T00:00:00Z"})).text
        places: dict[str, str] = {"lapor-simulator reports": reports}
        for topic, data in (await _topic_bytes(infra.kafka, topics.prefix, topics.inbound)).items():
            places[f"topic {topic}"] = data.decode("utf-8", "replace")
        for schema in ("routing", "forwarder", "notifier"):
            places[f"table {schema}.*"] = await _schema_text(pool, schema)
        for name, proc in local.procs.items():
            with proc.log_path.open("rb") as f:
                f.seek(offsets[name])
                places[f"log {name}"] = f.read().decode("utf-8", "replace")
        intake_store = await _schema_text(pool, "intake")
    finally:
        await pool.close()

    assert any(str(tracking[("web", "anonymous")]) in text for text in places.values())  # the places are real
    assert len([p for p in places if p.startswith("topic")]) >= 5
    leaks = [
        (channel, kind, what, place)
        for (channel, kind), canary in canaries.items()
        for what, needle in canary.needles().items()
        for place, text in places.items()
        if needle in text
    ]
    assert leaks == [], sorted({(what, place) for _, _, what, place in leaks})
    # ...and they are all in intake's own store (identity and unmasked text)
    for (channel, _), canary in canaries.items():
        assert canary.nik in intake_store and canary.phone[-8:] in intake_store
        if channel not in ("sms", "twilio"):  # SMS carries no name
            assert canary.name_word in intake_store
