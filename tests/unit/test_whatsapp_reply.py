"""intake's WhatsApp sender against the Cloud API simulator over real HTTP: a text arrives once with the
number in the Cloud API's form; the Graph API's error classes decide between retry and give up."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.intake.settings import IntakeSettings
from services.intake.whatsapp_reply import WhatsAppSender, wa_id
from services.notifier.delivery import DeliveryError
from simulators.serve import ThreadedServer
from simulators.whatsapp_cloud.app import create_app


@pytest.fixture
def cloud() -> Iterator[ThreadedServer]:
    with ThreadedServer(create_app("555001", "tok-1"), name="whatsapp-cloud") as server:
        yield server


def sender(server: ThreadedServer, token: str = "tok-1", phone_number_id: str = "555001") -> WhatsAppSender:
    return WhatsAppSender(
        IntakeSettings(
            whatsapp_api_url=f"{server.base_url}/v21.0",
            whatsapp_phone_number_id=phone_number_id,
            whatsapp_access_token=token,
        )
    )


@pytest.mark.parametrize(
    ("given", "expected"),
    [("+62 812-0000-1111", "6281200001111"), ("0812 0000 1111", "6281200001111"), ("6281200001111", "6281200001111")],
)
def test_numbers_are_written_as_the_cloud_api_wants_them(given: str, expected: str) -> None:
    assert wa_id(given) == expected


async def test_a_reply_arrives_once_as_a_text_message(cloud: ThreadedServer) -> None:
    s = sender(cloud)
    try:
        message_id = await s.send("0812-0000-1111", "Pengaduan LPG-XXXX sudah diterima.")
    finally:
        await s.aclose()
    assert message_id.startswith("wamid.")
    [received] = cloud.app.state.recorder.messages
    assert (received["to"], received["message"]) == ("6281200001111", "Pengaduan LPG-XXXX sudah diterima.")


async def test_a_wrong_token_is_retried_later_and_a_closed_window_is_final(cloud: ThreadedServer) -> None:
    bad = sender(cloud, token="wrong")
    try:
        with pytest.raises(DeliveryError) as refused:
            await bad.send("6281200001111", "halo")
    finally:
        await bad.aclose()
    assert not refused.value.permanent  # our configuration: fixed, then the message goes out

    cloud.app.state.faults.closed_window = ["6281200002222"]
    s = sender(cloud)
    try:
        with pytest.raises(DeliveryError) as closed:
            await s.send("6281200002222", "halo")
        cloud.app.state.faults.fail_next = 1
        with pytest.raises(DeliveryError) as down:
            await s.send("6281200001111", "halo")
    finally:
        await s.aclose()
    assert closed.value.permanent and "131047" in str(closed.value)
    assert not down.value.permanent
    assert cloud.app.state.recorder.messages == []


async def test_without_settings_it_is_not_configured() -> None:
    s = WhatsAppSender(IntakeSettings())
    assert not s.configured
    with pytest.raises(DeliveryError):
        await s.send("6281200001111", "halo")
