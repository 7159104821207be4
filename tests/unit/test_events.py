"""The event envelope and its payloads (shared/events.py, DESIGN.md §2) and reading them off Kafka
(`shared.kafka.parse_envelope`)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from shared.events import (
    PAYLOAD_OF,
    SCHEMA_VERSION,
    Attachment,
    Channel,
    CitizenMessage,
    CitizenMessageKind,
    Complaint,
    ComplaintStatus,
    Envelope,
    EventType,
    FollowUp,
    FollowUpKind,
    Forwarded,
    ForwardOutcome,
    ForwardParked,
    ForwardRetry,
    InboundMessage,
    Level,
    Location,
    Rejection,
    RejectReason,
    Reporter,
    ReporterResponse,
    RoutedComplaint,
    RoutingDecision,
    SlaAlert,
    SlaAlertKind,
    StatusChanged,
    TriageRequest,
    complaint_id_for,
    new_envelope,
)
from shared.kafka import Unreadable, parse_envelope

AT = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)
CID = uuid.UUID("0f8e3a52-0c1d-4c59-9a0e-6f2b1d3c4e5a")


def complaint(**overrides: Any) -> Complaint:
    fields: dict[str, Any] = dict(
        complaint_id=CID,
        tracking_number="LPG-260310-ABCD1234",
        channel=Channel.WEB,
        channel_message_id="web-1",
        received_at=AT,
        title="Jalan rusak",
        body="Jalan di depan pasar berlubang besar.",
        original_title="Jalan rusak",
        original_body="<p>Jalan di depan pasar berlubang besar.</p>",
        reporter=Reporter(name="Budi", phone="+6281234567890", email="budi@gmail.com"),
        anonymous=True,
        confidential=False,
        incident_date=date(2026, 3, 9),
        location=Location(text="Pasar Tugu", lat=-5.4, lon=105.27, region_code="18.71", kecamatan_code="18.71.01"),
        attachments=(Attachment(url="https://x/a.jpg", media_type="image/jpeg", size_bytes=1200),),
    )
    fields.update(overrides)
    return Complaint(**fields)


def decision() -> RoutingDecision:
    return RoutingDecision(
        level=Level.KABKOTA,
        urusan="pekerjaan_umum",
        region_code="18.71",
        agency_code="kota-bandar-lampung",
        confidence=0.9,
        reasons=("kata kunci: jalan",),
        excluded_agencies=("prov-bmbk",),
    )


def routed() -> RoutedComplaint:
    return RoutedComplaint(complaint=complaint(), decision=decision())


SAMPLES: dict[EventType, BaseModel] = {
    EventType.RECEIVED: InboundMessage(
        channel=Channel.SMS,
        channel_message_id="sms-1",
        received_at=AT,
        raw={"message": "Jalan rusak", "phoneNumber": "0812", "nested": [1, {"a": None}]},
    ),
    EventType.ACCEPTED: complaint(),
    EventType.REJECTED: Rejection(
        channel="web",
        channel_message_id=None,
        raw={"body": ""},
        reasons=(RejectReason(code="too_short", field="body", message="terlalu pendek"),),
    ),
    EventType.ROUTED: routed(),
    EventType.TRIAGE: TriageRequest(complaint=complaint(), suggestion=decision(), why="confidence 0.4 < 0.6"),
    EventType.FORWARDED: Forwarded(
        tracking_number="LPG-260310-ABCD1234",
        agency_code="kota-bandar-lampung",
        outcome=ForwardOutcome.CREATED,
        lapor_tracking_id="LAPOR-123",
        attempts=2,
    ),
    EventType.FORWARD_RETRY: ForwardRetry(
        routed=routed(),
        level=2,
        attempts=4,
        not_before=AT + timedelta(seconds=30),
        last_error="503 Service Unavailable",
    ),
    EventType.FORWARD_PARKED: ForwardParked(
        routed=routed(), attempts=0, reason="422 kategori tidak dikenal", permanent=True
    ),
    EventType.STATUS_CHANGED: StatusChanged(
        tracking_number="LPG-260310-ABCD1234",
        status=ComplaintStatus.DISPOSED,
        agency_code="prov-bmbk",
        note="didisposisikan",
        changed_at=AT,
    ),
    EventType.REPORTER_RESPONDED: ReporterResponse(
        tracking_number="LPG-260310-ABCD1234", text="Belum selesai, jalan masih berlubang.", responded_at=AT
    ),
    EventType.FOLLOW_UP: FollowUp(
        tracking_number="LPG-260310-ABCD1234",
        kind=FollowUpKind.MESSAGE,
        channel=Channel.EMAIL,
        channel_message_id="<reply-1@mail.example>",
        received_at=AT,
        text="Sampai hari ini lampu masih mati.",
        attachments=(Attachment(url="https://aduan.example/v1/attachments/x?expires=1&signature=s", name="a.jpg"),),
        reason="In-Reply-To names our e-mail",
    ),
    EventType.SLA_ALERT: SlaAlert(
        tracking_number="LPG-260310-ABCD1234",
        clock="verification",
        kind=SlaAlertKind.WARNING,
        due_at=AT + timedelta(days=3),
    ),
    EventType.CITIZEN_MESSAGE: CitizenMessage(
        reply_handle="rh_3f9a",
        channel=Channel.SMS,
        tracking_number="LPG-260310-ABCD1234",
        kind=CitizenMessageKind.ACKNOWLEDGED,
        text="Aduan Anda telah diterima.",
    ),
}


def test_samples_cover_every_event_type() -> None:
    assert set(SAMPLES) == set(EventType) == set(PAYLOAD_OF)
    for event_type, payload in SAMPLES.items():
        assert isinstance(payload, PAYLOAD_OF[event_type])


@pytest.mark.parametrize("event_type", list(EventType))
def test_envelope_round_trips_through_json(event_type: EventType) -> None:
    env = new_envelope(event_type, SAMPLES[event_type], producer="test", complaint_id=CID, correlation_id="corr-1")
    wire = env.model_dump_json()
    assert json.loads(wire)["event_type"] == event_type.value
    back = Envelope[PAYLOAD_OF[event_type]].model_validate_json(wire)  # type: ignore[misc]
    assert back == env
    assert back.payload == SAMPLES[event_type]
    assert type(back.payload) is PAYLOAD_OF[event_type]
    # and through parse_envelope, as a consumer reads it
    parsed = parse_envelope(wire.encode(), PAYLOAD_OF[event_type])
    assert parsed == env


def test_new_envelope_starts_a_chain() -> None:
    env = new_envelope(EventType.RECEIVED, SAMPLES[EventType.RECEIVED], producer="intake")
    assert env.schema_version == SCHEMA_VERSION == 1
    assert env.correlation_id == str(env.event_id)  # the first event is its own correlation
    assert env.complaint_id is None
    assert env.occurred_at.tzinfo is not None
    other = new_envelope(EventType.RECEIVED, SAMPLES[EventType.RECEIVED], producer="intake")
    assert other.event_id != env.event_id


def test_new_envelope_keeps_given_ids() -> None:
    eid = uuid.uuid4()
    env = new_envelope(
        EventType.RECEIVED, SAMPLES[EventType.RECEIVED], producer="intake", event_id=eid, correlation_id="from-http"
    )
    assert env.event_id == eid and env.correlation_id == "from-http"


# ---------------------------------------------------------------------------------------------
# follow()


def inbound() -> Envelope[Any]:
    return new_envelope(EventType.RECEIVED, SAMPLES[EventType.RECEIVED], producer="http", correlation_id="corr-7")


def test_follow_keeps_correlation_and_complaint() -> None:
    first = new_envelope(EventType.ACCEPTED, complaint(), producer="intake", complaint_id=CID, correlation_id="c-1")
    nxt = first.follow(EventType.ROUTED, routed(), producer="routing")
    assert nxt.correlation_id == "c-1"
    assert nxt.complaint_id == CID
    assert nxt.producer == "routing"
    assert nxt.event_type is EventType.ROUTED
    assert nxt.payload == routed()
    assert nxt.event_id != first.event_id


def test_follow_can_set_the_complaint_id() -> None:
    env = inbound()
    nxt = env.follow(EventType.ACCEPTED, complaint(), producer="intake", complaint_id=CID)
    assert nxt.complaint_id == CID and nxt.correlation_id == "corr-7"


def test_follow_derives_a_deterministic_event_id() -> None:
    env = inbound()
    redelivered = Envelope[InboundMessage].model_validate_json(env.model_dump_json())
    a = env.follow(EventType.ACCEPTED, complaint(), producer="intake", discriminator="x")
    b = redelivered.follow(EventType.ACCEPTED, complaint(), producer="intake", discriminator="x")
    assert a.event_id == b.event_id
    # a different discriminator, event type or input event gives a different id
    assert env.follow(EventType.ACCEPTED, complaint(), producer="intake", discriminator="y").event_id != a.event_id
    assert env.follow(EventType.ACCEPTED, complaint(), producer="intake").event_id != a.event_id
    assert (
        env.follow(EventType.REJECTED, SAMPLES[EventType.REJECTED], producer="intake", discriminator="x").event_id
        != a.event_id
    )
    assert (
        inbound().follow(EventType.ACCEPTED, complaint(), producer="intake", discriminator="x").event_id != a.event_id
    )


def test_follow_result_round_trips() -> None:
    nxt = inbound().follow(EventType.FORWARDED, SAMPLES[EventType.FORWARDED], producer="forwarder")
    assert parse_envelope(nxt.model_dump_json().encode(), Forwarded) == nxt


# ---------------------------------------------------------------------------------------------
# ids


def test_complaint_id_is_deterministic_per_channel_message() -> None:
    a = complaint_id_for("sms", "msg-1")
    assert a == complaint_id_for("sms", "msg-1")
    assert a == complaint_id_for(Channel.SMS, "msg-1")  # the enum and its value name the same channel
    assert a != complaint_id_for("sms", "msg-2")
    assert a != complaint_id_for("whatsapp", "msg-1")
    assert isinstance(a, uuid.UUID)


def test_complaint_id_parts_do_not_run_together() -> None:
    # plain concatenation would make both "webab"
    assert complaint_id_for("web", "ab") != complaint_id_for("we", "bab")


# ---------------------------------------------------------------------------------------------
# validation


def test_forwarded_created_requires_the_lapor_tracking_id() -> None:
    base = dict(tracking_number="LPG-260310-ABCD1234", agency_code="kota-metro", attempts=1)
    with pytest.raises(ValidationError):
        Forwarded(**base, outcome=ForwardOutcome.CREATED, lapor_tracking_id=None)
    with pytest.raises(ValidationError):
        Forwarded(**base, outcome=ForwardOutcome.CREATED, lapor_tracking_id="")
    # leaving the field out is the same as not having an id
    with pytest.raises(ValidationError):
        Forwarded(**base, outcome=ForwardOutcome.CREATED)
    with pytest.raises(ValidationError):
        Forwarded.model_validate_json(json.dumps({**base, "outcome": "created"}))
    assert Forwarded(**base, outcome=ForwardOutcome.CREATED, lapor_tracking_id="L-1").lapor_tracking_id == "L-1"
    failed = Forwarded(**base, outcome=ForwardOutcome.FAILED, error="422")
    assert failed.lapor_tracking_id is None


@pytest.mark.parametrize("event_type", list(EventType))
def test_payloads_are_frozen(event_type: EventType) -> None:
    payload = SAMPLES[event_type]
    name = next(iter(type(payload).model_fields))
    with pytest.raises(ValidationError):
        setattr(payload, name, getattr(payload, name))


def test_envelope_is_frozen() -> None:
    env = inbound()
    with pytest.raises(ValidationError):
        env.correlation_id = "other"  # type: ignore[misc]


@pytest.mark.parametrize("event_type", list(EventType))
def test_payloads_reject_unknown_fields(event_type: EventType) -> None:
    data = SAMPLES[event_type].model_dump(mode="json")
    data["unexpected"] = 1
    with pytest.raises(ValidationError):
        PAYLOAD_OF[event_type].model_validate(data)


def test_nested_models_reject_unknown_fields() -> None:
    data = complaint().model_dump(mode="json")
    data["reporter"]["nik"] = "1871012345670001"
    with pytest.raises(ValidationError):
        Complaint.model_validate(data)


def test_envelope_rejects_unknown_fields() -> None:
    data = json.loads(inbound().model_dump_json())
    data["extra"] = True
    with pytest.raises(ValidationError):
        Envelope[InboundMessage].model_validate(data)


def test_naive_datetimes_rejected() -> None:
    naive = datetime(2026, 3, 10, 10, 0)
    with pytest.raises(ValidationError):
        complaint(received_at=naive)
    with pytest.raises(ValidationError):
        InboundMessage(channel=Channel.WEB, channel_message_id="w", received_at=naive, raw={})
    with pytest.raises(ValidationError):
        StatusChanged(tracking_number="t", status=ComplaintStatus.CLOSED, changed_at=naive)
    with pytest.raises(ValidationError):
        SlaAlert(tracking_number="t", clock="c", kind=SlaAlertKind.BREACH, due_at=naive)
    with pytest.raises(ValidationError):
        ForwardRetry(routed=routed(), level=1, attempts=1, not_before=naive, last_error="x")
    data = json.loads(inbound().model_dump_json())
    data["occurred_at"] = "2026-03-10T10:00:00"
    with pytest.raises(ValidationError):
        Envelope[InboundMessage].model_validate(data)


def test_field_limits() -> None:
    with pytest.raises(ValidationError):
        Location(lat=91)
    with pytest.raises(ValidationError):
        Attachment(url="u", size_bytes=-1)
    with pytest.raises(ValidationError):
        RoutingDecision(level=Level.PUSAT, urusan="u", region_code="", agency_code="a", confidence=1.5, reasons=())
    with pytest.raises(ValidationError):
        Reporter(email="bukan-email")
    with pytest.raises(ValidationError):
        InboundMessage(channel=Channel.WEB, channel_message_id="", received_at=AT, raw={})
    with pytest.raises(ValidationError):
        InboundMessage(channel="fax", channel_message_id="f", received_at=AT, raw={})  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------
# parse_envelope


def wire(env: Envelope[Any], **changes: Any) -> bytes:
    data = json.loads(env.model_dump_json())
    data.update(changes)
    return json.dumps(data).encode()


def test_parse_envelope_reads_a_good_message() -> None:
    env = new_envelope(EventType.ACCEPTED, complaint(), producer="intake", complaint_id=CID)
    parsed = parse_envelope(env.model_dump_json().encode(), Complaint)
    assert parsed == env
    assert isinstance(parsed.payload, Complaint)
    assert parsed.payload.reporter is not None and parsed.payload.reporter.phone == "+6281234567890"


@pytest.mark.parametrize("body", [b"", b"not json", b'{"event_id": ', b"\xff\xfe\x00", b"null", b"[]", b"42"])
def test_parse_envelope_bad_json_or_not_an_object(body: bytes) -> None:
    with pytest.raises(Unreadable):
        parse_envelope(body, Complaint)


def test_parse_envelope_wrong_shape() -> None:
    env = new_envelope(EventType.ACCEPTED, complaint(), producer="intake", complaint_id=CID)
    data = json.loads(env.model_dump_json())
    for broken in (
        {k: v for k, v in data.items() if k != "correlation_id"},
        {**data, "event_type": "complaint.unknown"},
        {**data, "event_id": "not-a-uuid"},
        {**data, "payload": {"title": "only a title"}},
        {**data, "payload": []},
        {**data, "surprise": 1},
    ):
        with pytest.raises(Unreadable):
            parse_envelope(json.dumps(broken).encode(), Complaint)
    # a well-formed envelope of another payload type is the wrong shape too
    forwarded = new_envelope(EventType.FORWARDED, SAMPLES[EventType.FORWARDED], producer="forwarder")
    with pytest.raises(Unreadable):
        parse_envelope(forwarded.model_dump_json().encode(), Complaint)


@pytest.mark.parametrize("version", [0, 2, 99, -1])
def test_parse_envelope_unknown_schema_version(version: int) -> None:
    env = new_envelope(EventType.ACCEPTED, complaint(), producer="intake", complaint_id=CID)
    with pytest.raises(Unreadable, match="schema_version"):
        parse_envelope(wire(env, schema_version=version), Complaint)


def test_parse_envelope_explicit_known_version() -> None:
    env = new_envelope(EventType.ACCEPTED, complaint(), producer="intake", complaint_id=CID)
    assert parse_envelope(wire(env, schema_version=1), Complaint) == env
