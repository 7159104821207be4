"""Gammu SMSD RunOnReceive environment → messages (services/intake/gammu.py)."""

from __future__ import annotations

import uuid

import pytest

from services.intake.channels import parse_raw
from services.intake.gammu import (
    EXIT_BAD_ENVIRONMENT,
    BadEnvironment,
    inbound_of,
    messages_from_environment,
    receive,
)
from services.intake.normalise import normalise
from services.intake.settings import IntakeSettings
from shared.events import Channel

SENDER = "+6281234567890"
# A 3-part concatenated SMS as SMSD hands it over: each part cut at 153 characters, mid-word.
PARTS = [
    "LAPOR#Lamsel#Jalan poros Desa Hajimena Kecamatan Natar rusak parah sepanjang kurang lebih dua kilometer, "
    "lubangnya dalam dan sudah banyak pengendara mo",
    "tor yang jatuh terutama malam hari karena lampu jalan juga mati. Sudah dilaporkan ke kepala desa tetapi "
    "belum ada tindak lanjut dari dinas terkait sa",
    "mpai sekarang. Mohon segera diperbaiki.",
]


def gammu_env(parts: list[str], *, sender: str = SENDER, decoded: bool = True, **extra: str) -> dict[str, str]:
    env = {"SMS_MESSAGES": str(len(parts)), "PHONE_ID": "modem-1", **extra}
    for n, text in enumerate(parts, 1):
        env[f"SMS_{n}_NUMBER"] = sender
        env[f"SMS_{n}_TEXT"] = text
        env[f"SMS_{n}_CLASS"] = "-1"
    if decoded:
        env["DECODED_PARTS"] = "1"
        env["DECODED_1_TEXT"] = "".join(parts)
    return env


def test_a_three_part_message_is_one_message_with_the_parts_joined_in_order() -> None:
    for decoded in (True, False):  # SMSD linked it, or only the physical parts are there
        [sms] = messages_from_environment(gammu_env(PARTS, decoded=decoded), ["IN1", "IN2", "IN3"])
        assert sms.text == PARTS[0] + PARTS[1] + PARTS[2]
        assert "pengendara motor yang jatuh" in sms.text and "sampai sekarang" in sms.text
        assert (sms.sender, sms.parts) == (SENDER, 3)


def test_the_channel_message_id_is_the_same_on_a_rerun_and_differs_for_another_message() -> None:
    env = gammu_env(PARTS)
    first = messages_from_environment(env, ["IN1", "IN2", "IN3"])[0].channel_message_id
    assert messages_from_environment(dict(env), ["IN1", "IN2", "IN3"])[0].channel_message_id == first
    assert first.startswith("gammu-")
    assert messages_from_environment(env, ["IN4", "IN5", "IN6"])[0].channel_message_id != first  # SMSD's ids
    other_text = gammu_env([*PARTS[:2], "mpai sekarang."])
    assert messages_from_environment(other_text, ["IN1", "IN2", "IN3"])[0].channel_message_id != first
    other_sender = gammu_env(PARTS, sender="+6281299990000")
    assert messages_from_environment(other_sender, ["IN1", "IN2", "IN3"])[0].channel_message_id != first


def test_parts_of_two_senders_are_two_messages() -> None:
    env = {
        "SMS_MESSAGES": "3",
        "SMS_1_NUMBER": "+6281111111111", "SMS_1_TEXT": "Sampah menumpuk di ",
        "SMS_2_NUMBER": "+6282222222222", "SMS_2_TEXT": "Lampu jalan mati di Way Halim",
        "SMS_3_NUMBER": "+6281111111111", "SMS_3_TEXT": "Pasar Tugu sejak seminggu",
    }  # fmt: skip
    found = messages_from_environment(env)
    assert [(m.sender, m.text, m.parts) for m in found] == [
        ("+6281111111111", "Sampah menumpuk di Pasar Tugu sejak seminggu", 2),
        ("+6282222222222", "Lampu jalan mati di Way Halim", 1),
    ]


def test_text_that_is_not_utf8_is_kept_with_a_replacement_character() -> None:
    broken = b"Jalan rusak \xff di Natar".decode("utf-8", "surrogateescape")
    [sms] = messages_from_environment({"SMS_MESSAGES": "1", "SMS_1_NUMBER": SENDER, "SMS_1_TEXT": broken})
    assert sms.text == "Jalan rusak \ufffd di Natar"
    inbound_of(sms).model_dump_json()  # serialisable


@pytest.mark.parametrize(
    "env",
    [
        {},
        {"SMS_MESSAGES": ""},
        {"SMS_MESSAGES": "dua"},
        {"SMS_MESSAGES": "-1"},
        {"SMS_MESSAGES": "1", "SMS_1_TEXT": "tanpa pengirim"},
        {"SMS_MESSAGES": "1", "SMS_1_NUMBER": SENDER, "SMS_1_TEXT": "x", "DECODED_PARTS": "satu"},
    ],
)
def test_an_environment_smsd_did_not_set_is_refused(env: dict[str, str]) -> None:
    with pytest.raises(BadEnvironment):
        messages_from_environment(env)
    assert receive(env, [], IntakeSettings(kafka_bootstrap_servers="127.0.0.1:1")) == EXIT_BAD_ENVIRONMENT


def test_the_published_message_normalises_as_an_sms_with_its_keyword_region() -> None:
    [sms] = messages_from_environment(gammu_env(PARTS), ["IN1", "IN2", "IN3"])
    inbound = inbound_of(sms)
    assert inbound.channel is Channel.SMS_GAMMU
    message = parse_raw(inbound.channel, inbound.raw)
    c = normalise(
        inbound.channel,
        message,
        complaint_id=uuid.uuid4(),
        channel_message_id=inbound.channel_message_id,
        received_at=inbound.received_at,
    )
    assert c.channel is Channel.SMS_GAMMU
    assert c.location.region_code == "18.01"
    assert c.body.startswith("Jalan poros Desa Hajimena") and c.body.endswith("Mohon segera diperbaiki.")
    assert c.reporter is not None and c.reporter.phone == SENDER
