"""E-mail as it is sent, attachments, follow-ups and duplicates, against the real broker and database:
Mailgun's raw-MIME forward and raw MIME on complaints.inbound; a reply to intake's own e-mail joining its
complaint; a file served by its signed URL and refused when tampered or expired; a repeated web post and a
near-duplicate answered with the first complaint's number."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from services.intake.app import build
from services.intake.attachments import signer_for
from services.intake.mime import attachment_contents
from shared.events import (
    Channel,
    CitizenMessage,
    CitizenMessageKind,
    EventType,
    InboundMessage,
    new_envelope,
    utcnow,
)
from simulators.local_channels import LocalChannels
from tests.intake_support import gateways, intake_settings
from tests.integration.test_intake_outbound import outbound_settings
from tests.support import eventually, publish_events, read_topic, running

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).parent.parent / "fixtures" / "email"


def fixture(name: str, **replace: str) -> bytes:
    """A fixture e-mail with a fresh Message-ID (the session shares one database) and headers replaced."""
    text = (FIXTURES / name).read_bytes().decode("utf-8")
    lines = text.split("\n")
    out: list[str] = []
    skip_continuation = False
    for line in lines:
        if skip_continuation and line[:1] in (" ", "\t"):
            continue
        skip_continuation = False
        header = line.split(":", 1)[0]
        if header == "Message-ID":
            line = f"Message-ID: <{uuid.uuid4().hex}@mail.example>"
        elif header in replace:
            line, skip_continuation = f"{header}: {replace[header]}", True
        out.append(line)
    return "\n".join(out).encode("utf-8")


async def _client(service: Any) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=service.asgi()), base_url="http://intake")


async def test_a_raw_email_is_accepted_over_http_and_from_kafka(service_env, infra, topics):  # type: ignore[no-untyped-def]
    service = build(intake_settings(service_env))
    async with running(service), await _client(service) as client:
        answer = await gateways(client).email_mime(fixture("alternative.eml"))
        assert answer.status_code == 202, answer.text
        assert len(answer.json()["accepted"]) == 1
        # a producer on complaints.inbound carrying the raw message itself
        raw = fixture("html_outlook.eml").decode("utf-8")
        inbound = InboundMessage(
            channel=Channel.EMAIL,
            channel_message_id=f"kafka-{uuid.uuid4().hex}",
            received_at=utcnow(),
            raw={"body-mime": raw},
        )
        await publish_events(
            infra.kafka, topics.inbound, new_envelope(EventType.RECEIVED, inbound, producer="mailbridge")
        )
        accepted = await read_topic(infra.kafka, topics.accepted, expect=2, timeout=30)
    by_channel_id = {a["payload"]["channel_message_id"]: a["payload"] for a in accepted}
    assert len(by_channel_id) == 2
    http_mail = next(p for k, p in by_channel_id.items() if not k.startswith("kafka-"))
    assert http_mail["title"] == "Lampu jalan mati di Jl. Pagar Alam – Kedaton"
    assert "sudah mati sejak 3 hari yang lalu." in http_mail["body"] and "<b>" not in http_mail["body"]
    assert http_mail["reporter"]["email"] == "rina.wulandari@gmail.com"
    kafka_mail = next(p for k, p in by_channel_id.items() if k.startswith("kafka-"))
    assert kafka_mail["title"] == "Sampah Pasar Tugu"
    assert "Sent from Outlook" not in kafka_mail["body"] and "<p>" not in kafka_mail["body"]
    # the raw message never travels on: the inbound record of the HTTP post holds the parsed fields
    inbound_records = await read_topic(infra.kafka, topics.inbound, expect=2)
    http_record = next(r for r in inbound_records if r["producer"] == "intake-http")
    assert "body-mime" not in http_record["payload"]["raw"]


async def test_attachments_are_kept_and_served_by_a_signed_expiring_url(service_env, infra, topics):  # type: ignore[no-untyped-def]
    settings = intake_settings(service_env)
    service = build(settings)
    message = fixture("attachments.eml")
    async with running(service), await _client(service) as client:
        answer = await gateways(client).email_mime(message)
        assert answer.status_code == 202, answer.text
        (accepted,) = await read_topic(infra.kafka, topics.accepted, expect=1, timeout=30)
        files = accepted["payload"]["attachments"]
        assert sorted(f["name"] or "" for f in files) == ["", "lubang jalan – Hajimena.jpg", "surat_pengantar.pdf"]
        # no content in any Kafka record: only the URLs
        for topic in (topics.inbound, topics.accepted):
            for record in await read_topic(infra.kafka, topic, expect=1):
                assert "base64" not in str(record) and "/9j/" not in str(record)
        contents = {info.filename: data for info, data in attachment_contents(message)}
        photo = next(f for f in files if f["name"] == "lubang jalan – Hajimena.jpg")
        assert photo["media_type"] == "image/jpeg" and photo["size_bytes"] == len(contents[photo["name"]])
        url = httpx.URL(photo["url"])
        assert url.path.startswith("/v1/attachments/")
        served = await client.get(url.path, params=dict(url.params))
        assert served.status_code == 200
        assert served.content == contents[photo["name"]]
        assert served.headers["content-type"] == "image/jpeg"
        assert served.headers["x-content-type-options"] == "nosniff"

        tampered = {**dict(url.params), "signature": "0" * 64}
        assert (await client.get(url.path, params=tampered)).status_code == 403
        later = {**dict(url.params), "expires": str(int(url.params["expires"]) + 86400)}  # signed for another time
        assert (await client.get(url.path, params=later)).status_code == 403
        signer = signer_for(settings, fallback_key=settings.pii_hash_key.get_secret_value())
        attachment_id = url.path.rsplit("/", 1)[1]
        past = int(time.time()) - 10
        expired = await client.get(
            url.path, params={"expires": str(past), "signature": signer.signature(uuid.UUID(attachment_id), past)}
        )
        assert expired.status_code == 403 and "expired" in expired.json()["title"]
        unknown = uuid.uuid4()
        future = int(time.time()) + 3600
        missing = await client.get(
            f"/v1/attachments/{unknown}",
            params={"expires": str(future), "signature": signer.signature(unknown, future)},
        )
        assert missing.status_code == 404


async def test_a_reply_to_intakes_email_joins_the_complaint(service_env, infra, topics, database_url):  # type: ignore[no-untyped-def]
    with LocalChannels() as local:
        service = build(intake_settings(service_env, **outbound_settings(local)))
        async with running(service), await _client(service) as client:
            first = await gateways(client).email_mime(fixture("alternative.eml"))
            (tracking,) = first.json()["accepted"]
            (accepted,) = await read_topic(infra.kafka, topics.accepted, expect=1, timeout=30)
            handle = accepted["payload"]["reply_handle"]
            # the notifier's acknowledgement, which intake e-mails to the reporter with a Message-ID it keeps
            ack = CitizenMessage(
                reply_handle=handle,
                channel=Channel.EMAIL,
                tracking_number=tracking,
                kind=CitizenMessageKind.ACKNOWLEDGED,
                text=f"Pengaduan Anda kami terima dengan nomor {tracking}.",
            )
            await publish_events(
                infra.kafka, topics.citizen_outbound, new_envelope(EventType.CITIZEN_MESSAGE, ack, producer="notifier")
            )

            async def sent() -> list[dict[str, Any]]:
                return list(local.smtp.recorder.messages)

            (mail,) = await eventually(sent, timeout=30)
            message_id = mail["key"]
            assert message_id.endswith("@lampungprov.example>")

            # the citizen answers from a mail client: In-Reply-To names our e-mail, the subject no number
            reply = fixture(
                "reply_indonesian.eml",
                **{"In-Reply-To": message_id, "References": message_id, "Subject": "Re: Pengaduan Anda"},
            )
            answer = await gateways(client).email_mime(reply)
            assert answer.status_code == 202, answer.text
            # another answers a forwarded copy: only the number in the subject
            by_number = fixture(
                "reply_indonesian.eml",
                **{"In-Reply-To": "<elsewhere@mail.example>", "References": "<elsewhere@mail.example>",
                   "Subject": f"Balas: [{tracking}] Pengaduan Anda kami terima"},
            )  # fmt: skip
            assert (await gateways(client).email_mime(by_number)).status_code == 202

            follow_ups = await read_topic(infra.kafka, topics.follow_ups, expect=2, timeout=30)
            await asyncio.sleep(1.0)
            assert len(await read_topic(infra.kafka, topics.accepted, expect=1)) == 1  # no new complaint
        for event in follow_ups:
            assert event["event_type"] == "complaint.follow_up"
            assert event["complaint_id"] == accepted["complaint_id"]
            payload = event["payload"]
            assert payload["tracking_number"] == tracking and payload["kind"] == "message"
            assert payload["text"].startswith("Sampai hari ini lampu masih mati")
            assert "menulis:" not in payload["text"]  # the quote cut
        reasons = sorted(e["payload"]["reason"] for e in follow_ups)
        assert reasons == ["In-Reply-To names our e-mail", "its subject names the number"]
        conn = await asyncpg.connect(database_url)
        try:
            joined = await conn.fetchval(
                "SELECT count(*) FROM intake.follow_ups f JOIN intake.complaints c USING (complaint_id)"
                " WHERE c.tracking_number = $1",
                tracking,
            )
        finally:
            await conn.close()
        assert joined == 2


FORM = {
    "title": "Drainase tersumbat di Way Halim",
    "body": "Saluran drainase di Jalan Sultan Agung, Way Halim tersumbat sampah, air meluap ke jalan setiap hujan.",
    "location": {"text": "Jl. Sultan Agung, Way Halim, Bandar Lampung"},
}


async def test_a_repeated_web_post_and_a_near_duplicate_are_answered_with_the_first_number(service_env, infra, topics):  # type: ignore[no-untyped-def]
    service = build(intake_settings(service_env, duplicate_linking=True))
    run = uuid.uuid4().hex[:8]
    form = {**FORM, "body": f"{FORM['body']} Laporan {run}."}
    async with running(service), await _client(service) as client:
        reporter = {"name": "Dewi", "phone": "0812-3000-4001"}
        first = await client.post("/v1/complaints", json={**form, "reporter": reporter})
        again = await client.post("/v1/complaints", json={**form, "reporter": reporter})  # no Idempotency-Key
        assert first.status_code == again.status_code == 202
        number = first.json()["tracking_number"]
        assert again.json()["tracking_number"] == number
        await read_topic(infra.kafka, topics.accepted, expect=1, timeout=30)

        # another reporter, the same place, nearly the same words
        near = {
            **form,
            "body": form["body"].replace("setiap hujan", "tiap kali hujan"),
            "reporter": {"phone": "0813-3000-4002"},
        }
        answer = await client.post("/v1/complaints", json=near)
        assert answer.status_code == 202
        body = answer.json()
        assert body["duplicate_of"] == number and number in body["message"]
        own = body["tracking_number"]
        assert own != number

        (linked,) = await read_topic(infra.kafka, topics.follow_ups, expect=1, timeout=30)
        told = await read_topic(infra.kafka, topics.citizen_outbound, expect=1, timeout=30)
        await asyncio.sleep(1.0)
        accepted = await read_topic(infra.kafka, topics.accepted, expect=1)
        lookup = await client.get(f"/v1/complaints/{own}")
    assert [a["payload"]["tracking_number"] for a in accepted] == [number]  # routed and forwarded once
    assert linked["payload"]["kind"] == "duplicate" and linked["payload"]["tracking_number"] == number
    assert linked["payload"]["duplicate"]["tracking_number"] == own
    assert linked["payload"]["duplicate"]["duplicate_of"] == number
    assert linked["payload"]["duplicate"]["reporter"] is None
    assert told[0]["payload"]["tracking_number"] == number and number in told[0]["payload"]["text"]
    assert lookup.status_code == 200 and lookup.json()["duplicate_of"] == number
    steps = {s["step"]: s for s in lookup.json()["timeline"]}
    assert steps["duplicate"]["duplicate_of"] == number and number in steps["duplicate"]["text"]
