"""The producers' JSON Schema of complaints.inbound (aduan/schema.py, docs/schemas/, docs/PRODUCERS.md)."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from aduan.schema import SCHEMA_PATH, build_schema, render, write_or_check
from services.intake.channels import parse_raw
from shared.events import Channel, Envelope, EventType, InboundMessage, new_envelope

PRODUCERS_DOC = Path(__file__).resolve().parents[2] / "docs" / "PRODUCERS.md"
VALIDATOR = jsonschema.Draft202012Validator(build_schema(), format_checker=jsonschema.FormatChecker())


def _doc_example() -> dict[str, Any]:
    block = re.search(r"```json\n(.*?)```", PRODUCERS_DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert block, "docs/PRODUCERS.md lost its example envelope"
    return json.loads(block.group(1))


def test_the_committed_schema_is_what_the_models_say() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == render(), "run `aduan schema` and commit the result"
    jsonschema.Draft202012Validator.check_schema(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def test_the_check_command_tells_a_stale_file(tmp_path: Path) -> None:
    stale = tmp_path / "schema.json"
    stale.write_text("{}\n", encoding="utf-8")
    assert write_or_check(check=True, path=stale) == 1
    assert write_or_check(check=False, path=stale) == 0
    assert write_or_check(check=True, path=stale) == 0


def test_the_documented_example_is_valid_for_the_schema_and_for_intake() -> None:
    example = _doc_example()
    VALIDATOR.validate(example)
    envelope = Envelope[InboundMessage].model_validate(example)
    message = parse_raw(envelope.payload.channel, envelope.payload.raw)
    assert message.model_dump()["body"].startswith("Lampu penerangan jalan")


@pytest.mark.parametrize(
    "raw_by_channel",
    [
        (Channel.APP, {"body": "Lampu jalan mati di Kedaton sejak kemarin."}),
        (Channel.SMS, {"message": "Jalan rusak di Natar", "phoneNumber": "081234567890"}),
        (Channel.SMS_GAMMU, {"message": "LAPOR#Lamsel#Jalan rusak", "phoneNumber": "+6281234567890"}),
        (Channel.WHATSAPP, {"from": "6281234567890", "id": "wamid.X", "text": {"body": "Sampah menumpuk"}}),
        (Channel.EMAIL, {"message_id": "<a@b>", "from": "warga@gmail.com", "text": "Banjir di Teluk Betung"}),
        (Channel.OPEN311, {"service_code": "jalan", "description": "Lubang besar di Jl. Pagar Alam"}),
    ],
)
def test_what_the_project_publishes_is_valid(raw_by_channel: tuple[Channel, dict[str, Any]]) -> None:
    channel, raw = raw_by_channel
    inbound = InboundMessage(channel=channel, channel_message_id="m-1", received_at=datetime.now(UTC), raw=raw)
    envelope = new_envelope(EventType.RECEIVED, inbound, producer="test")
    VALIDATOR.validate(json.loads(envelope.model_dump_json()))


def _broken(change: str) -> dict[str, Any]:
    example = copy.deepcopy(_doc_example())
    payload = example["payload"]
    if change == "no body for the app channel":
        del payload["raw"]["body"]
    elif change == "an SMS shape on the app channel":
        payload["raw"] = {"message": "Jalan rusak", "phoneNumber": "0812"}
    elif change == "an unknown channel":
        payload["channel"] = "pigeon"
    elif change == "another event type":
        example["event_type"] = "complaint.accepted"
    elif change == "an unknown envelope field":
        example["priority"] = "high"
    elif change == "no channel message id":
        del payload["channel_message_id"]
    elif change == "an SMS without phone number":
        payload["channel"], payload["raw"] = "sms", {"message": "Jalan rusak"}
    return example


@pytest.mark.parametrize(
    "change",
    [
        "no body for the app channel",
        "an SMS shape on the app channel",
        "an unknown channel",
        "another event type",
        "an unknown envelope field",
        "no channel message id",
        "an SMS without phone number",
    ],
)
def test_what_intake_cannot_read_the_schema_refuses(change: str) -> None:
    with pytest.raises(jsonschema.ValidationError):
        VALIDATOR.validate(_broken(change))
