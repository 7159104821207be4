"""On arbitrary input, intake's parsers and normaliser raise nothing but their rejection types
(pydantic's ValidationError from the channel models, `Rejected` from the normaliser, `BadInput` from
the HTTP reader), and what leaves intake for an anonymous complaint has no reporter."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from services.intake.channels import RAW_MODEL, parse_raw
from services.intake.channels.base import message_id as _message_id
from services.intake.channels.whatsapp import whatsapp_messages as _whatsapp_messages
from services.intake.http_input import BadInput, json_object
from services.intake.normalise import Rejected, normalise
from services.intake.privacy import masked_raw, protected
from services.intake.verdict import judge
from shared.events import Channel, Complaint

FIELD_NAMES = sorted(
    {
        alias
        for model in RAW_MODEL.values()
        for name, f in model.model_fields.items()
        for alias in (name, *(getattr(f.validation_alias, "choices", None) or []))
        if isinstance(alias, str)
    }
    | {"text", "image", "location", "entry", "payload", "type"}
)
SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=60)
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=8), children, max_size=6)
    ),
    max_leaves=25,
)
MESSAGES = st.dictionaries(st.sampled_from(FIELD_NAMES), JSON, max_size=10)
RECEIVED = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(channel=st.sampled_from(list(Channel)), raw=MESSAGES)
def test_parsers_and_normaliser_raise_only_their_rejection_types(channel: Channel, raw: dict[str, Any]) -> None:
    try:
        message = parse_raw(channel, raw)
    except ValidationError:
        return
    try:
        complaint = normalise(
            channel, message, complaint_id=uuid.uuid4(), channel_message_id="m-1", received_at=RECEIVED
        )
    except Rejected as exc:
        assert exc.reasons
        return
    assert Complaint.model_validate(complaint.model_dump(mode="json")) == complaint


@settings(max_examples=300)
@given(channel=st.sampled_from(list(Channel)), raw=MESSAGES, anonymous=st.booleans(), confidential=st.booleans())
def test_judge_gives_a_verdict_and_what_leaves_intake_is_a_valid_complaint(
    channel: Channel, raw: dict[str, Any], anonymous: bool, confidential: bool
) -> None:
    verdict = judge(channel, raw, uuid.uuid4(), "m-1", RECEIVED, "LPG")
    assert (verdict.complaint is None) == bool(verdict.reasons)
    if verdict.complaint is not None:
        c = verdict.complaint.model_copy(update={"anonymous": anonymous, "confidential": confidential})
        out = Complaint.model_validate(json.loads(protected(c, "rh_x").model_dump_json()))
        if anonymous:
            assert out.reporter is None
    json.dumps(masked_raw(raw), default=str)  # the rejected copy is always serialisable


@settings(max_examples=300)
@given(body=JSON)
def test_the_whatsapp_webhook_walker_never_trusts_the_shape(body: Any) -> None:
    if isinstance(body, dict):
        messages, others = _whatsapp_messages(body)
        assert all(isinstance(m, dict) for m in messages) and others >= 0


@given(data=st.binary(max_size=200) | JSON.map(lambda v: json.dumps(v).encode()))
def test_reading_a_json_body_raises_only_bad_input(data: bytes) -> None:
    try:
        assert isinstance(json_object(data), dict)
    except BadInput as exc:
        assert 400 <= exc.status < 500


@given(value=JSON)
def test_channel_message_ids_are_always_usable(value: Any) -> None:
    message_id = _message_id(value)
    assert 0 < len(message_id) <= 200 and message_id.isprintable()


TEXT = st.text(min_size=1, max_size=300)
PHONEISH = st.text(alphabet="+0123456789 -()", max_size=20) | st.text(max_size=20)
SHAPED: dict[Channel, st.SearchStrategy[dict[str, Any]]] = {
    Channel.WEB: st.fixed_dictionaries(
        {"body": TEXT},
        optional={
            "title": TEXT,
            "anonymous": st.booleans(),
            "confidential": st.booleans(),
            "reporter": st.fixed_dictionaries({}, optional={"name": TEXT, "phone": PHONEISH, "email": TEXT}),
            "incident_date": st.dates().map(str),
            "location": st.fixed_dictionaries(
                {}, optional={"text": TEXT, "lat": st.floats(-90, 90), "lon": st.floats(-180, 180)}
            ),
            "attachments": st.lists(
                st.fixed_dictionaries({"url": TEXT}, optional={"size_bytes": st.integers(0, 10**8)}), max_size=3
            ),
        },
    ),
    Channel.SMS: st.fixed_dictionaries(
        {"message": TEXT, "phoneNumber": PHONEISH},
        optional={"receivedAt": st.datetimes(timezones=st.just(UTC)).map(str)},
    ),
    Channel.WHATSAPP: st.fixed_dictionaries(
        {"from": PHONEISH, "id": TEXT},
        optional={
            "type": st.sampled_from(["text", "image", "audio", "location", "reaction", "x"]),
            "text": st.fixed_dictionaries({"body": TEXT}),
            "image": st.fixed_dictionaries({"id": TEXT}, optional={"caption": TEXT, "mime_type": TEXT}),
            "location": st.fixed_dictionaries(
                {"latitude": st.floats(-90, 90), "longitude": st.floats(-180, 180)}, optional={"name": TEXT}
            ),
            "profile_name": TEXT,
        },
    ),
    Channel.EMAIL: st.fixed_dictionaries(
        {"message_id": TEXT, "from": TEXT}, optional={"subject": TEXT, "text": TEXT, "html": TEXT}
    ),
    Channel.OPEN311: st.fixed_dictionaries(
        {"service_code": TEXT, "description": TEXT},
        optional={
            "email": TEXT,
            "phone": PHONEISH,
            "first_name": TEXT,
            "lat": st.floats(-90, 90),
            "long": st.floats(-180, 180),
            "media_url": TEXT,
        },
    ),
}


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), channel=st.sampled_from(sorted(SHAPED)))
def test_channel_shaped_messages_get_a_verdict_and_masked_copies(data: st.DataObject, channel: Channel) -> None:
    raw = data.draw(SHAPED[channel])
    verdict = judge(channel, raw, uuid.uuid4(), "m-1", RECEIVED, "LPG")
    assert (verdict.complaint is None) == bool(verdict.reasons)
    if verdict.complaint is not None:
        c = verdict.complaint.model_copy(update={"anonymous": True})
        out = Complaint.model_validate(json.loads(protected(c, "rh_x").model_dump_json()))
        assert out.reporter is None and out.original_body == out.body
