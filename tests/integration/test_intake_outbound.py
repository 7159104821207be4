"""intake sends the notifier's messages to the reporter (citizen.outbound): real broker, real database, the local
SMTP sink and the Zenziva-style SMS gateway simulator. Each message arrives once although it is published twice;
an unknown reply handle is recorded and does not stop the consumer."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import httpx
import pytest

from services.intake.app import build
from shared.events import Channel, CitizenMessage, CitizenMessageKind, EventType, new_envelope
from simulators.local_channels import LocalChannels
from tests.intake_support import intake_settings
from tests.support import eventually, publish_events, running

pytestmark = pytest.mark.integration

FORM = {
    "title": "Jalan berlubang di Kedaton",
    "body": "Jalan di depan pasar Kedaton berlubang besar, sudah tiga bulan tidak diperbaiki.",
    "location": {"text": "Jl. Teuku Umar, Kedaton, Bandar Lampung"},
}


def outbound_settings(local: LocalChannels) -> dict[str, Any]:
    return local.intake_settings()


def message(handle: str, tracking: str, channel: Channel) -> Any:
    text = f"Pengaduan {tracking} sudah diterima dan diteruskan."
    payload = CitizenMessage(
        reply_handle=handle, channel=channel, tracking_number=tracking, kind=CitizenMessageKind.ROUTED, text=text
    )
    return new_envelope(EventType.CITIZEN_MESSAGE, payload, producer="notifier")


async def test_each_reporter_gets_one_sms_or_one_email_and_an_unknown_handle_changes_nothing(
    service_env, infra, topics, database_url
):  # type: ignore[no-untyped-def]
    with LocalChannels() as local:
        service = build(intake_settings(service_env, **outbound_settings(local)))
        async with running(service):
            transport = httpx.ASGITransport(app=service.asgi())
            async with httpx.AsyncClient(transport=transport, base_url="http://intake") as client:
                by_phone = await client.post(
                    "/v1/complaints",
                    headers={"Idempotency-Key": "out-sms"},
                    json={**FORM, "reporter": {"name": "Rina", "phone": "0812-0000-7777"}},
                )
                by_mail = await client.post(
                    "/v1/complaints",
                    headers={"Idempotency-Key": "out-mail"},
                    json={**FORM, "reporter": {"email": "budi@example.com"}},
                )
            assert by_phone.status_code == by_mail.status_code == 202
            sms_tracking, mail_tracking = by_phone.json()["tracking_number"], by_mail.json()["tracking_number"]

            conn = await asyncpg.connect(database_url)
            try:

                async def handles() -> dict[str, str]:
                    rows = await conn.fetch(
                        "SELECT c.tracking_number, r.reply_handle FROM intake.reporters r"
                        " JOIN intake.complaints c USING (complaint_id) WHERE c.tracking_number = ANY($1::text[])",
                        [sms_tracking, mail_tracking],
                    )
                    return {r["tracking_number"]: r["reply_handle"] for r in rows} if len(rows) == 2 else {}

                found = await eventually(handles, timeout=30)
                assert found, "intake did not record both reporters"

                unknown = message("rh_nobody", "LPG-000000-NOBODY", Channel.SMS)
                to_phone = message(found[sms_tracking], sms_tracking, Channel.WEB)
                to_mail = message(found[mail_tracking], mail_tracking, Channel.EMAIL)
                # each one twice, as a redelivery would bring it; the unknown handle first
                await publish_events(
                    infra.kafka, topics.citizen_outbound, unknown, to_phone, to_mail, to_phone, to_mail
                )

                async def both_arrived() -> bool:
                    return local.received()["sms"] >= 1 and local.received()["email"] >= 1

                assert await eventually(both_arrived, timeout=40)
                await asyncio.sleep(3.0)  # a late duplicate would show now

                sms = local.sms.app.state.recorder.messages
                assert [m["to"] for m in sms] == ["+6281200007777"]
                assert sms_tracking in sms[0]["message"]
                mails = local.smtp.recorder.messages
                assert [m["to"] for m in mails] == [["budi@example.com"]]
                assert mail_tracking in mails[0]["body"] and mail_tracking in mails[0]["subject"]

                rows = await conn.fetch(
                    "SELECT tracking_number, via, outcome FROM intake.outbound WHERE tracking_number = ANY($1::text[])",
                    ["LPG-000000-NOBODY", sms_tracking, mail_tracking],
                )
                outcomes = {r["tracking_number"]: (r["via"], r["outcome"]) for r in rows}
                assert len(rows) == 3
                assert outcomes == {
                    "LPG-000000-NOBODY": (None, "unknown_handle"),
                    sms_tracking: ("sms", "sent"),
                    mail_tracking: ("email", "sent"),
                }
            finally:
                await conn.close()


async def test_a_channel_whose_server_is_not_configured_is_recorded_not_sent(service_env, infra, topics, database_url):  # type: ignore[no-untyped-def]
    service = build(intake_settings(service_env))
    async with running(service):
        transport = httpx.ASGITransport(app=service.asgi())
        async with httpx.AsyncClient(transport=transport, base_url="http://intake") as client:
            response = await client.post(
                "/v1/complaints",
                headers={"Idempotency-Key": "out-off"},
                json={**FORM, "reporter": {"phone": "0812-0000-8888"}},
            )
        tracking = response.json()["tracking_number"]
        conn = await asyncpg.connect(database_url)
        try:

            async def handle() -> str | None:
                return await conn.fetchval(
                    "SELECT r.reply_handle FROM intake.reporters r JOIN intake.complaints c USING (complaint_id)"
                    " WHERE c.tracking_number = $1",
                    tracking,
                )

            reply_handle = await eventually(handle, timeout=30)
            assert reply_handle
            await publish_events(infra.kafka, topics.citizen_outbound, message(reply_handle, tracking, Channel.SMS))

            async def outcome() -> str | None:
                return await conn.fetchval("SELECT outcome FROM intake.outbound WHERE tracking_number = $1", tracking)

            assert await eventually(outcome, timeout=40) == "not_configured"
        finally:
            await conn.close()


async def test_a_whatsapp_reporter_is_answered_once_on_whatsapp_through_the_cloud_api(
    service_env, infra, topics, database_url
):  # type: ignore[no-untyped-def]
    with LocalChannels() as local:
        service = build(intake_settings(service_env, **outbound_settings(local)))
        async with running(service):
            transport = httpx.ASGITransport(app=service.asgi())
            async with httpx.AsyncClient(transport=transport, base_url="http://intake") as client:
                response = await client.post(
                    "/v1/complaints",
                    headers={"Idempotency-Key": "out-wa"},
                    json={**FORM, "reporter": {"phone": "0812-0000-6666", "email": "wa@example.com"}},
                )
            tracking = response.json()["tracking_number"]
            conn = await asyncpg.connect(database_url)
            try:

                async def handle() -> str | None:
                    return await conn.fetchval(
                        "SELECT r.reply_handle FROM intake.reporters r JOIN intake.complaints c USING (complaint_id)"
                        " WHERE c.tracking_number = $1",
                        tracking,
                    )

                reply_handle = await eventually(handle, timeout=30)
                assert reply_handle
                to_whatsapp = message(reply_handle, tracking, Channel.WHATSAPP)
                await publish_events(infra.kafka, topics.citizen_outbound, to_whatsapp, to_whatsapp)

                async def arrived() -> bool:
                    return local.received()["whatsapp"] >= 1

                assert await eventually(arrived, timeout=40)
                await asyncio.sleep(2.0)  # a late duplicate would show now
                [sent] = local.whatsapp.app.state.recorder.messages
                assert sent["to"] == "6281200006666" and tracking in sent["message"]
                assert local.received()["sms"] == local.received()["email"] == 0
                row = await conn.fetchrow(
                    "SELECT via, outcome FROM intake.outbound WHERE tracking_number = $1", tracking
                )
                assert (row["via"], row["outcome"]) == ("whatsapp", "sent")
            finally:
                await conn.close()
