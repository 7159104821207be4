"""Trust at the edge (issue 6), against the real broker and database: each channel's signature,
malformed input answered 4xx, anonymous and confidential complaints masked on every topic."""

from __future__ import annotations

import json
import time

import asyncpg
import httpx
import pytest
from twilio.request_validator import RequestValidator

from services.intake.app import build
from simulators import gateways as gw
from tests.intake_support import SECRETS, VERIFY_TOKEN, gateways, intake_settings
from tests.support import eventually, read_topic, running

pytestmark = pytest.mark.integration

TEXT = "Jalan rusak parah di depan SDN 1 Kedaton, Bandar Lampung, sudah tiga bulan tidak diperbaiki."


@pytest.fixture
async def intake(service_env):  # type: ignore[no-untyped-def]
    service = build(intake_settings(service_env, rate_limit_phone_per_min=1000))
    async with running(service):
        transport = httpx.ASGITransport(app=service.asgi())
        async with httpx.AsyncClient(transport=transport, base_url="http://intake") as client:
            yield service, client


def _problem(response: httpx.Response, status: int) -> dict:  # type: ignore[type-arg]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status and body["title"] and body["errors"]
    return body


# ---------------------------------------------------------------------------------------------
# android-sms-gateway


async def test_smsgate_signature_good_bad_missing_stale_and_tampered(intake, infra, topics):
    _, client = intake
    event = {"id": "ev-1", "event": "sms:received", "payload": {"message": TEXT, "phoneNumber": "081200001111"}}
    body, headers = gw.smsgate_request(SECRETS.smsgate_key, event)
    assert (await client.post("/v1/channels/sms", content=body, headers=headers)).status_code == 202

    _problem(await client.post("/v1/channels/sms", content=body, headers={"content-type": "application/json"}), 401)
    wrong_key, wrong_headers = gw.smsgate_request("not-the-key", event)
    _problem(await client.post("/v1/channels/sms", content=wrong_key, headers=wrong_headers), 403)
    tampered = body.replace(b"081200001111", b"081299999999")
    _problem(await client.post("/v1/channels/sms", content=tampered, headers=headers), 403)
    stale_body, stale = gw.smsgate_request(SECRETS.smsgate_key, event, timestamp=str(int(time.time()) - 3600))
    assert _problem(await client.post("/v1/channels/sms", content=stale_body, headers=stale), 403)["errors"][0][
        "message"
    ].endswith("stale_timestamp")
    # only the genuine one was published
    inbound = await read_topic(infra.kafka, topics.inbound, expect=2, timeout=3.0)
    assert len(inbound) == 1
    assert inbound[0]["payload"]["channel_message_id"] == "ev-1"  # the event's id, not the content-derived messageId


async def test_smsgate_events_other_than_received_are_acknowledged_not_rejected(intake, infra, topics):
    _, client = intake
    body, headers = gw.smsgate_request(
        SECRETS.smsgate_key, {"id": "d-1", "event": "sms:delivered", "payload": {"messageId": "m"}}
    )
    response = await client.post("/v1/channels/sms", content=body, headers=headers)
    assert response.status_code == 202 and response.json()["acknowledged"] is True
    metrics = (await client.get("/metrics/")).text
    assert 'aduan_gateway_events_acknowledged_total{channel="sms",event="sms:delivered"}' in metrics
    assert await read_topic(infra.kafka, topics.inbound, expect=1, timeout=2.0) == []


# ---------------------------------------------------------------------------------------------
# Twilio (signed by twilio's own RequestValidator)


async def test_twilio_signed_by_twilios_validator_passes_and_tampering_fails(intake, infra, topics):
    _, client = intake
    url = "http://intake/v1/channels/twilio"
    params = {
        "From": "+6281200002222",
        "Body": TEXT,
        "MessageSid": "SM123",
        "NumMedia": "1",
        "MediaUrl0": "https://api.twilio.com/media/ME1",
    }
    signature = RequestValidator(SECRETS.twilio_token).compute_signature(url, params)
    assert signature == gw.twilio_headers(SECRETS.twilio_token, url, params)["x-twilio-signature"]
    ok = await client.post("/v1/channels/twilio", data=params, headers={"X-Twilio-Signature": signature})
    assert ok.status_code == 200 and "<Response>" in ok.text
    _problem(
        await client.post(
            "/v1/channels/twilio", data={**params, "Body": "ubah"}, headers={"X-Twilio-Signature": signature}
        ),
        403,
    )
    _problem(await client.post("/v1/channels/twilio", data=params), 401)
    accepted = await read_topic(infra.kafka, topics.accepted, expect=1)
    assert accepted[0]["payload"]["channel_message_id"] == "twilio:SM123"
    assert accepted[0]["payload"]["attachments"][0]["url"] == "https://api.twilio.com/media/ME1"


# ---------------------------------------------------------------------------------------------
# WhatsApp Cloud API


async def test_whatsapp_subscription_check_echoes_the_challenge_only_for_the_right_token(intake):
    _, client = intake
    ok = await client.get(
        "/v1/channels/whatsapp",
        params={"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"},
    )
    assert ok.status_code == 200 and ok.text == "1158201444"
    _problem(
        await client.get(
            "/v1/channels/whatsapp", params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"}
        ),
        403,
    )
    _problem(await client.get("/v1/channels/whatsapp"), 401)


async def test_whatsapp_signature_and_media_and_malformed_webhooks(intake, infra, topics):
    _, client = intake
    image = {
        "from": "6281200003333",
        "id": "wamid.IMG1",
        "type": "image",
        "image": {"id": "MEDIA1", "mime_type": "image/jpeg", "caption": TEXT},
    }
    voice = {"from": "6281200003333", "id": "wamid.AUD1", "type": "audio", "audio": {"id": "MEDIA2"}}
    reaction = {"from": "6281200003333", "id": "wamid.R1", "type": "reaction", "reaction": {"emoji": "👍"}}
    for message in (image, voice, reaction):
        response = await gateways(client).whatsapp(gw.whatsapp_webhook(message, "Warga"))
        assert response.status_code == 202
    body, headers = gw.whatsapp_request(SECRETS.whatsapp_secret, gw.whatsapp_webhook(image, "Warga"))
    _problem(await client.post("/v1/channels/whatsapp", content=body + b" ", headers=headers), 403)
    _problem(await client.post("/v1/channels/whatsapp", content=body), 401)
    for odd in (
        {"entry": [1]},
        {"entry": [{"changes": [{"value": {"messages": [7], "contacts": [{"wa_id": []}]}}]}]},
        {"entry": "x"},
    ):
        assert (await gateways(client).whatsapp(odd)).status_code == 202

    accepted = await read_topic(infra.kafka, topics.accepted, expect=1)
    assert accepted[0]["payload"]["attachments"] == [
        {"url": "whatsapp-media:MEDIA1", "media_type": "image/jpeg", "size_bytes": None, "name": None}
    ]
    rejected = await read_topic(infra.kafka, topics.rejected, expect=2)
    codes = sorted(r["payload"]["reasons"][0]["code"] for r in rejected)
    assert codes == ["media_without_text", "unsupported_type"]


# ---------------------------------------------------------------------------------------------
# e-mail (Mailgun scheme)


async def test_email_signature_tokens_are_used_once(intake, infra, topics):
    _, client = intake
    mail = {
        "Message-Id": "<m1@example.com>",
        "from": "Warga <warga@example.com>",
        "subject": "Jalan rusak",
        "body-plain": TEXT,
    }
    fields = gw.mailgun_fields(SECRETS.email_secret, mail)
    assert (await client.post("/v1/channels/email", data=fields)).status_code == 202
    assert _problem(await client.post("/v1/channels/email", data=fields), 403)["errors"][0]["message"].endswith(
        "replayed"
    )
    _problem(
        await client.post(
            "/v1/channels/email", data={**gw.mailgun_fields(SECRETS.email_secret, mail), "signature": "0" * 64}
        ),
        403,
    )
    stale = gw.mailgun_fields(SECRETS.email_secret, mail, timestamp=str(int(time.time()) - 3600))
    _problem(await client.post("/v1/channels/email", data=stale), 403)
    _problem(await client.post("/v1/channels/email", data=mail), 401)
    accepted = await read_topic(infra.kafka, topics.accepted, expect=1)
    assert accepted[0]["payload"]["channel_message_id"] == "<m1@example.com>"
    assert "token" not in json.dumps((await read_topic(infra.kafka, topics.inbound, expect=1))[0]["payload"]["raw"])


# ---------------------------------------------------------------------------------------------
# Open311


async def test_open311_api_keys_with_georeport_errors(intake):
    _, client = intake
    form = {"service_code": "jalan", "description": TEXT}
    ok = await gateways(client).open311(form)
    assert ok.status_code == 201 and ok.json()[0]["service_request_id"].startswith("LPG-")
    for api_key, status in ((None, 401), ("wrong", 403)):
        data = {**form, **({"api_key": api_key} if api_key else {})}
        response = await client.post("/open311/v2/requests.json", data=data)
        assert response.status_code == status
        assert response.json() == [{"code": status, "description": response.json()[0]["description"]}]
    invalid = await gateways(client).open311({"service_code": "jalan", "description": ""})
    assert invalid.status_code == 400 and invalid.json()[0]["code"] == 400


async def test_a_channel_without_its_secret_is_off(service_env, capsys):
    service = build(intake_settings(service_env, smsgate_signing_key=None))
    async with running(service):
        said = capsys.readouterr().out
        assert said.count("channel off") == 1 and "ADUAN_SMSGATE_SIGNING_KEY" in said
        transport = httpx.ASGITransport(app=service.asgi())
        async with httpx.AsyncClient(transport=transport, base_url="http://intake") as client:
            response = await gateways(client).sms({"message": TEXT, "phoneNumber": "081200001111"})
            assert _problem(response, 403)["errors"][0]["message"].endswith("channel_off")


# ---------------------------------------------------------------------------------------------
# malformed input: always a 4xx


async def test_malformed_requests_get_a_4xx_never_a_5xx(intake, infra, topics):
    service, client = intake
    limit = service.settings.max_request_bytes
    _problem(await client.post("/v1/complaints", json={"body": TEXT}, headers={"Idempotency-Key": "k" * 201}), 400)
    _problem(
        await client.post("/v1/complaints", content=b"\xff\xfe{", headers={"content-type": "application/json"}), 400
    )
    _problem(await client.post("/v1/complaints", json=[1, 2]), 422)
    _problem(await client.post("/v1/complaints", json={"body": 5, "reporter": "x"}), 422)
    _problem(await client.post("/v1/complaints", content=b"x" * (limit + 1)), 413)

    async def chunks():  # type: ignore[no-untyped-def]
        for _ in range(limit // 1024 + 2):
            yield b"x" * 1024

    _problem(await client.post("/v1/complaints", content=chunks()), 413)  # no Content-Length: streaming cap
    big_form = await client.post(
        "/open311/v2/requests.json",
        content=b"a=" + b"x" * (limit + 1),
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert big_form.status_code == 413 and big_form.json()[0]["code"] == 413
    _problem(
        await client.post("/v1/complaints", content=b"[" * 100_000, headers={"content-type": "application/json"}), 400
    )


async def test_same_idempotency_key_with_another_body_is_a_conflict(intake):
    _, client = intake
    first = await client.post("/v1/complaints", json={"body": TEXT}, headers={"Idempotency-Key": "idem-1"})
    again = await client.post("/v1/complaints", json={"body": TEXT}, headers={"Idempotency-Key": "idem-1"})
    assert first.status_code == again.status_code == 202
    assert first.json()["tracking_number"] == again.json()["tracking_number"]
    _problem(
        await client.post("/v1/complaints", json={"body": TEXT + " Tolong."}, headers={"Idempotency-Key": "idem-1"}),
        409,
    )


async def test_rate_limits_answer_429_with_retry_after(service_env):
    service = build(intake_settings(service_env, rate_limit_ip_per_min=2, lookup_rate_limit_per_min=1))
    async with running(service):
        transport = httpx.ASGITransport(app=service.asgi())
        async with httpx.AsyncClient(transport=transport, base_url="http://intake") as client:
            codes = [(await client.post("/v1/complaints", json={"body": TEXT})).status_code for _ in range(3)]
            assert codes == [202, 202, 429]
            limited = await client.post("/v1/complaints", json={"body": TEXT})
            assert int(limited.headers["Retry-After"]) >= 1
            _problem(limited, 429)
            assert (await client.get("/v1/complaints/LPG-000000-XXXXXXXX")).status_code == 404
            assert (await client.get("/v1/complaints/LPG-000000-XXXXXXXX")).status_code == 429


# ---------------------------------------------------------------------------------------------
# anonim / rahasia


ANON = {
    "title": "Pungli di kantor kelurahan, hubungi 0812-7777-1234",
    "body": "Saya dimintai uang Rp 500.000 oleh petugas. NIK saya 1871 0123 4567 0001, e-mail saya "
    "warga.rahasia@example.com, kirim balik ke rek BRI 0123 4567 8901 23 atau telp (0721) 481234.",
    "reporter": {"name": "Siti Rahasia", "phone": "081277771234", "email": "warga.rahasia@example.com"},
}
SECRETS_IN_ANON = ("Siti Rahasia", "7777", "77771234", "1871", "warga.rahasia", "481234", "0123 4567 8901")


async def test_anonymous_complaint_leaves_intake_without_identity_and_masked(intake, infra, topics, database_url):
    _, client = intake
    response = await client.post(
        "/v1/complaints", json={**ANON, "anonymous": True}, headers={"Idempotency-Key": "anon-1"}
    )
    assert response.status_code == 202 and "access_token" not in response.json()
    accepted = (await read_topic(infra.kafka, topics.accepted, expect=1))[0]["payload"]
    assert accepted["reporter"] is None
    assert accepted["reply_handle"].startswith("rh_")
    text = json.dumps(accepted)
    for secret in SECRETS_IN_ANON:
        assert secret not in text
    for mark in ("[NIK]", "[TELEPON]", "[EMAIL]", "[REKENING]"):
        assert mark in accepted["body"] + accepted["title"]
    conn = await asyncpg.connect(database_url)
    try:
        row = await conn.fetchrow("SELECT * FROM intake.reporters WHERE reply_handle = $1", accepted["reply_handle"])
    finally:
        await conn.close()
    assert row["name"] == "Siti Rahasia" and "1871 0123 4567 0001" in row["original_body"]


async def test_confidential_lookup_needs_the_access_token(intake, infra, topics):
    _, client = intake
    answer = await client.post(
        "/v1/complaints", json={**ANON, "confidential": True}, headers={"Idempotency-Key": "conf-1"}
    )
    token = answer.json()["access_token"]
    tracking = answer.json()["tracking_number"]
    accepted = (await read_topic(infra.kafka, topics.accepted, expect=1))[0]["payload"]
    assert accepted["reporter"] is None and accepted["reply_handle"]  # the identity stays in intake
    assert "1871" not in accepted["body"] and "[NIK]" in accepted["body"]

    async def with_token() -> int | None:
        r = await client.get(f"/v1/complaints/{tracking}", headers={"X-Access-Token": token})
        return r.status_code if r.status_code == 200 else None

    assert await eventually(with_token) == 200
    unknown = await client.get("/v1/complaints/LPG-000000-XXXXXXXX")
    for headers in ({}, {"X-Access-Token": "0" * 32}):
        not_yours = await client.get(f"/v1/complaints/{tracking}", headers=headers)
        assert not_yours.status_code == unknown.status_code == 404
        assert not_yours.json() == unknown.json()


async def test_rejected_messages_are_masked_on_the_topic_and_kept_unmasked_in_intake(
    intake, infra, topics, database_url
):
    _, client = intake
    response = await gateways(client).sms({"message": "tlp08120000999", "phoneNumber": "081200009999"})
    assert response.status_code == 202 and response.json()["rejected"]
    rejected = (await read_topic(infra.kafka, topics.rejected, expect=1))[0]["payload"]
    text = json.dumps(rejected)
    assert "08120000999" not in text and "081200009999" not in text
    assert rejected["raw"]["message"] == "tlp[TELEPON]"

    async def stored() -> str | None:
        conn = await asyncpg.connect(database_url)
        try:
            return await conn.fetchval(
                "SELECT raw::text FROM intake.rejections WHERE channel_message_id = $1", rejected["channel_message_id"]
            )
        finally:
            await conn.close()

    assert "081200009999" in (await eventually(stored) or "")


async def test_unmasked_rejected_copies_are_purged_after_the_retention(intake, database_url):
    service, client = intake
    await gateways(client).sms({"message": "tlp08120000999", "phoneNumber": "081200008888"})
    conn = await asyncpg.connect(database_url)
    try:

        async def kept() -> int:
            return await conn.fetchval("SELECT count(*) FROM intake.rejections WHERE raw::text LIKE '%081200008888%'")

        assert await eventually(kept) == 1
        handlers_purge = next(h for h in service.on_start if getattr(h, "__name__", "") == "announce").__self__
        await handlers_purge.purge()
        assert await kept() == 1  # younger than the retention: kept
        await conn.execute(
            "UPDATE intake.rejections SET rejected_at = now() - interval '31 days'"
            " WHERE raw::text LIKE '%081200008888%'"
        )
        await handlers_purge.purge()
        assert await kept() == 0
        assert (
            await conn.fetchval(  # the rejection itself stays, without its raw copy
                "SELECT count(*) FROM intake.rejections WHERE raw IS NULL AND rejected_at < now() - interval '30 days'"
            )
            >= 1
        )
    finally:
        await conn.close()
