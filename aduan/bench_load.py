"""The bench's load: complaints of a mix of channels, sent over Kafka and over intake's HTTP endpoints.

Each complaint is built for its channel the way that channel delivers it (the shapes of
samples/complaints.jsonl), HTTP posts signed as the gateways sign (simulators/gateways.py), with
the channel mix of aduan/bench_mix.toml. A send returns the key the bench follows the complaint
by (its complaint id where the channel fixes it, else the tracking number intake answered) and the
moment it was accepted: the broker's acknowledgement for Kafka, intake's 2xx answer for HTTP.
"""

from __future__ import annotations

import json
import time
import tomllib
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
from aiokafka import AIOKafkaProducer

from shared.events import Channel, EventType, InboundMessage, complaint_id_for, new_envelope, utcnow
from simulators.gateways import (
    GatewaySecrets,
    mailgun_fields,
    smsgate_request,
    whatsapp_request,
    whatsapp_webhook,
)

MIX_FILE = Path(__file__).with_name("bench_mix.toml")
CHANNELS = ("app", "web", "sms", "whatsapp", "email", "open311")

BODIES = [
    "Jalan di Kecamatan {place} rusak berat dan berlubang, sudah berbulan-bulan tidak diperbaiki.",
    "Sampah menumpuk di pasar {place} dan tidak diangkut petugas kebersihan sejak minggu lalu.",
    "Lampu penerangan jalan umum di {place} mati semua, warga takut keluar malam.",
    "Puskesmas di {place} tutup sebelum jam pelayanan, pasien terpaksa pulang tanpa diperiksa.",
    "Saluran drainase di {place} tersumbat sehingga rumah warga kebanjiran setiap hujan deras.",
]
PLACES = [
    "Natar",
    "Kedaton",
    "Metro Pusat",
    "Gisting",
    "Menggala",
    "Pringsewu",
    "Kalianda",
    "Liwa",
    "Krui",
    "Gedong Tataan",
    "Sukadana",
    "Kotabumi",
    "Blambangan Umpu",
    "Mesuji",
    "Tulang Bawang Tengah",
]


def load_mix(path: Path = MIX_FILE) -> list[str]:
    """The channel of each slot of one round of the mix (weights → a round-robin list), validated."""
    weights = tomllib.loads(path.read_text())["weights"]
    unknown = set(weights) - set(CHANNELS)
    if unknown or not weights:
        raise ValueError(f"{path.name}: unknown channels {sorted(unknown)} (known: {', '.join(CHANNELS)})")
    if any(not isinstance(w, int) or w < 0 for w in weights.values()) or not sum(weights.values()):
        raise ValueError(f"{path.name}: weights are non-negative integers, not all zero")
    # interleaved, so that any stretch of the run sees every channel
    slots: list[str] = []
    left = dict(weights)
    while any(left.values()):
        for channel in CHANNELS:
            if left.get(channel, 0) > 0:
                slots.append(channel)
                left[channel] -= 1
    return slots


def body_of(i: int) -> str:
    return BODIES[i % len(BODIES)].format(place=PLACES[i % len(PLACES)])


def phone_of(i: int) -> str:
    return f"+62812{i % 10_000_000:07d}"  # one number per complaint: the per-phone limit is not what is measured


def inbound_envelope(i: int, run: str) -> tuple[str, bytes]:
    """(complaint id, the complaints.inbound event) of complaint i as a Kafka-speaking app sends it."""
    message_id = f"bench-{run}-{i}"
    inbound = InboundMessage(
        channel=Channel.APP,
        channel_message_id=message_id,
        received_at=utcnow(),
        raw={"body": body_of(i), "reporter": {"name": "Warga Bench", "phone": phone_of(i)}},
    )
    complaint_id = complaint_id_for("app", message_id)
    envelope = new_envelope(EventType.RECEIVED, inbound, producer="bench", complaint_id=complaint_id)
    return str(complaint_id), envelope.model_dump_json().encode()


@dataclass(frozen=True)
class Sent:
    key: str  # "cid:<complaint id>" or "tn:<tracking number>"
    channel: str
    accepted_at: float  # wall clock, s


class Load:
    """Sends complaint i on its channel of the mix; one producer and one HTTP connection pool."""

    def __init__(
        self,
        *,
        bootstrap: str,
        inbound_topic: str,
        intake_url: str,
        secrets: GatewaySecrets,
        run: str,
        mix: list[str] | None = None,
        connections: int = 64,
    ) -> None:
        self.bootstrap, self.inbound_topic, self.intake_url = bootstrap, inbound_topic, intake_url.rstrip("/")
        self.secrets, self.run = secrets, run
        self.mix = mix or load_mix()
        self.connections = connections
        self.failures: dict[str, int] = {}
        self._producer: AIOKafkaProducer | None = None
        self._http: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Load:
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap, acks="all", enable_idempotence=True, linger_ms=5
        )
        await self._producer.start()
        connector = aiohttp.TCPConnector(limit=self.connections, keepalive_timeout=60)
        self._http = aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60))
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._http is not None:
            await self._http.close()
        if self._producer is not None:
            await self._producer.stop()

    def channel_of(self, i: int) -> str:
        return self.mix[i % len(self.mix)]

    async def send(self, i: int) -> Sent | None:
        channel = self.channel_of(i)
        try:
            key = await getattr(self, f"_{channel}")(i)
        except (TimeoutError, aiohttp.ClientError, ValueError, KeyError) as exc:
            name = f"{channel}:{type(exc).__name__}"
            self.failures[name] = self.failures.get(name, 0) + 1
            return None
        return Sent(key, channel, time.time())

    async def _post(self, path: str, expect: int, **kwargs: Any) -> Any:
        assert self._http is not None
        async with self._http.post(self.intake_url + path, **kwargs) as response:
            if response.status != expect:
                raise ValueError(f"{path} answered {response.status}")
            return await response.json(content_type=None)

    async def _app(self, i: int) -> str:
        assert self._producer is not None
        complaint_id, value = inbound_envelope(i, self.run)
        await self._producer.send_and_wait(self.inbound_topic, value, key=f"bench-{self.run}-{i}".encode())
        return f"cid:{complaint_id}"

    async def _web(self, i: int) -> str:
        form = {
            "title": body_of(i)[:60],
            "body": body_of(i),
            "reporter": {"name": "Warga Bench", "phone": phone_of(i)},
            "location": {"text": PLACES[i % len(PLACES)]},
        }
        answer = await self._post(
            "/v1/complaints", 202, json=form, headers={"Idempotency-Key": f"bench-{self.run}-{i}"}
        )
        return f"cid:{answer['complaint_id']}"

    async def _sms(self, i: int) -> str:
        event_id = f"bench-{self.run}-{i}"
        payload = {"message": body_of(i), "phoneNumber": phone_of(i), "receivedAt": utcnow().isoformat()}
        body, headers = smsgate_request(
            self.secrets.smsgate_key, {"id": event_id, "event": "sms:received", "payload": payload}
        )
        answer = await self._post("/v1/channels/sms", 202, data=body, headers=headers)
        if not answer["accepted"]:
            raise ValueError("sms rejected")
        return f"cid:{complaint_id_for('sms', event_id)}"

    async def _whatsapp(self, i: int) -> str:
        message_id = f"wamid.bench-{self.run}-{i}"
        message = {
            "from": phone_of(i).lstrip("+"),
            "id": message_id,
            "timestamp": str(int(time.time())),
            "type": "text",
            "text": {"body": body_of(i)},
        }
        body, headers = whatsapp_request(self.secrets.whatsapp_secret, whatsapp_webhook(message, "Warga Bench"))
        answer = await self._post("/v1/channels/whatsapp", 202, data=body, headers=headers)
        if not answer["accepted"]:
            raise ValueError("whatsapp rejected")
        return f"cid:{complaint_id_for('whatsapp', message_id)}"

    async def _email(self, i: int) -> str:
        message_id = f"<bench-{self.run}-{i}@example.org>"
        fields = {
            "message_id": message_id,
            "from": f"Warga Bench <warga{i}@example.com>",
            "subject": f"Pengaduan: {body_of(i)[:40]}",
            "text": body_of(i),
        }
        answer = await self._post(
            "/v1/channels/email", 202, data=mailgun_fields(self.secrets.email_secret, fields, token=uuid.uuid4().hex)
        )
        if not answer["accepted"]:
            raise ValueError("email rejected")
        return f"cid:{complaint_id_for('email', message_id)}"

    async def _open311(self, i: int) -> str:
        form = {
            "service_code": "jalan",
            # a text of this run's own: GeoReport has no idempotency key, so intake keys a request by its
            # reporter and text, and the same request sent by an earlier run would be that run's complaint
            "description": f"{body_of(i)} (ref {self.run}-{i})",
            "address_string": PLACES[i % len(PLACES)],
            "first_name": "Warga",
            "phone": phone_of(i),
            "api_key": self.secrets.open311_key,
        }
        answer = await self._post("/open311/v2/requests.json", 201, data=form)
        return f"tn:{answer[0]['service_request_id']}"


def keys_of_forwarded(value: bytes) -> tuple[str, str] | None:
    """(cid key, tn key) of a complaints.forwarded event announcing a created report; None otherwise."""
    event = json.loads(value)
    if event["payload"]["outcome"] != "created":
        return None
    return f"cid:{event['complaint_id']}", f"tn:{event['payload']['tracking_number']}"
