"""The event envelope and the v1 payloads every topic carries (DESIGN.md §2–4).

These models are the single definition of what travels between services. A consumer parses
`Envelope[Payload]`; anything else (unknown schema_version, wrong shape) is parked, never guessed at.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, model_validator

SCHEMA_VERSION = 1
KNOWN_SCHEMA_VERSIONS = frozenset({1})

# Namespace for ids derived from other ids: the same input always yields the same id, so a
# redelivered message produces byte-identical outputs that downstream consumers dedupe.
ADUAN_NAMESPACE = uuid.UUID("7b0c6f52-5a43-4f0e-9d55-2f4d1e6b8a10")


def derived_id(*parts: object) -> uuid.UUID:
    """A stable UUID for a derived fact (an output event of an input event, a complaint of a channel message)."""
    return uuid.uuid5(ADUAN_NAMESPACE, "\x1f".join(str(p) for p in parts))


def complaint_id_for(channel: str, channel_message_id: str) -> uuid.UUID:
    """The complaint id of a channel message: the same message always becomes the same complaint."""
    return derived_id("complaint", channel, channel_message_id)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class EventType(StrEnum):
    RECEIVED = "complaint.received"
    ACCEPTED = "complaint.accepted"
    REJECTED = "complaint.rejected"
    ROUTED = "complaint.routed"
    TRIAGE = "complaint.triage"
    FORWARDED = "complaint.forwarded"
    FORWARD_RETRY = "complaint.forward_retry"
    FORWARD_PARKED = "complaint.forward_parked"
    STATUS_CHANGED = "complaint.status_changed"
    REPORTER_RESPONDED = "complaint.reporter_responded"
    FOLLOW_UP = "complaint.follow_up"
    SLA_ALERT = "sla.alert"
    CITIZEN_MESSAGE = "citizen.message"


class Channel(StrEnum):
    WEB = "web"
    SMS = "sms"
    WHATSAPP = "whatsapp"
    EMAIL = "email"
    OPEN311 = "open311"
    # channels that publish straight to complaints.inbound in the web-form shape (mobile apps, kiosks)
    APP = "app"
    # SMS received by a Gammu SMSD modem, published by `aduan gammu-receive` (android-sms-gateway's shape)
    SMS_GAMMU = "sms_gammu"


# ---------------------------------------------------------------------------------------------
# complaints.inbound


class InboundMessage(Model):
    """A raw channel message as it arrived. `raw` is the channel's own format, validated by intake."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    channel: Channel
    channel_message_id: Annotated[str, Field(min_length=1, max_length=200)]
    received_at: AwareDatetime
    raw: dict[str, Any]
    # Set when intake's HTTP edge already answered the caller with a tracking number.
    tracking_number: str | None = None


# ---------------------------------------------------------------------------------------------
# complaints.accepted: the normalised complaint (§3)


class Reporter(Model):
    name: str | None = None
    phone: str | None = Field(default=None, description="E.164, e.g. +6281234567890")
    email: EmailStr | None = None


class Location(Model):
    text: str | None = None
    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    region_code: str | None = Field(default=None, description="Kemendagri kab/kota code once known, e.g. 18.71")
    kecamatan_code: str | None = None


class Attachment(Model):
    url: str
    media_type: str | None = None
    size_bytes: int | None = Field(default=None, ge=0)
    name: str | None = Field(default=None, description="the file name the reporter gave")


class ChannelHints(Model):
    category: str | None = None
    target_agency: str | None = None


class Complaint(Model):
    complaint_id: uuid.UUID
    tracking_number: str
    channel: Channel
    channel_message_id: str
    received_at: AwareDatetime
    title: str
    body: str
    original_title: str | None = None
    original_body: str
    reporter: Reporter | None = None
    anonymous: bool = False  # LAPOR!: identity hidden from the agency and the public
    confidential: bool = False  # LAPOR!: the whole report hidden from the public
    incident_date: date | None = None
    location: Location = Location()
    attachments: tuple[Attachment, ...] = ()
    hints: ChannelHints = ChannelHints()
    language: str = "id"
    reply_handle: str | None = None  # opaque; only intake resolves it to the reporter's contact
    # A near-duplicate: the tracking number of the first complaint of the same matter, which alone is
    # routed and forwarded (complaints.follow_ups carries the link).
    duplicate_of: str | None = None


class RejectReason(Model):
    code: str = Field(description="machine-readable, e.g. missing_field, invalid_phone, too_short")
    field: str | None = None
    message: str


class Rejection(Model):
    channel: str
    channel_message_id: str | None
    raw: Any
    reasons: tuple[RejectReason, ...]


# ---------------------------------------------------------------------------------------------
# complaints.routed / complaints.triage / agency.<code>.complaints (§4)


class Level(StrEnum):
    KABKOTA = "kabkota"
    PROVINSI = "provinsi"
    PUSAT = "pusat"
    BUMN = "bumn"


class Place(Model):
    """Where a complaint happened, as far as routing could tell (Kemendagri codes)."""

    kabkota: str | None = None
    kecamatan: str | None = None
    desa: str | None = None  # a desa or kelurahan


class RoutingDecision(Model):
    level: Level
    urusan: str
    # The responsible government's region: kab/kota code for kabkota, "18" for provinsi, null for pusat and bumn.
    region_code: str | None
    agency_code: str
    confidence: float = Field(ge=0, le=1)
    reasons: tuple[str, ...]
    excluded_agencies: tuple[str, ...] = ()
    place: Place | None = None  # where it happened, apart from who is responsible
    rule_version: str | None = None  # the routing rule set that made the decision


class RoutedComplaint(Model):
    complaint: Complaint
    decision: RoutingDecision
    reroute_of: uuid.UUID | None = None  # event id of the earlier complaints.routed event this decision replaces


class TriageRequest(Model):
    complaint: Complaint
    suggestion: RoutingDecision
    why: str


# ---------------------------------------------------------------------------------------------
# complaints.forwarded / complaints.status


class ForwardOutcome(StrEnum):
    CREATED = "created"
    FAILED = "failed"
    # Parked after a try that may have reached LAPOR!: the report may exist; a periodic lookup settles it.
    IN_DOUBT = "in_doubt"


class Forwarded(Model):
    tracking_number: str
    agency_code: str
    outcome: ForwardOutcome
    lapor_tracking_id: str | None = None
    attempts: int = Field(ge=1)
    error: str | None = None

    @model_validator(mode="after")
    def _created_has_id(self) -> Forwarded:
        if self.outcome == ForwardOutcome.CREATED and not self.lapor_tracking_id:
            raise ValueError("a created report carries its LAPOR! tracking id")
        return self


class ForwardRetry(Model):
    """A forward that failed in a way that may pass: try again on or after `not_before`."""

    routed: RoutedComplaint
    level: int = Field(ge=1, description="which complaints.forward.retry.<n> topic carries it")
    attempts: int = Field(ge=1)
    not_before: AwareDatetime
    last_error: str
    # The complaints.routed event this retry carries out (a re-route is applied once, by this id).
    routed_event_id: uuid.UUID | None = None


class ForwardParked(Model):
    """A forward that will not pass as it is (or ran out of retries): parked for a human, replayable."""

    routed: RoutedComplaint
    attempts: int = Field(ge=0)
    reason: str
    permanent: bool


class ComplaintStatus(StrEnum):
    VERIFIED = "verified"
    DISPOSED = "disposed"
    FOLLOWED_UP = "followed_up"
    CLOSED = "closed"
    NOT_OUR_AUTHORITY = "not_our_authority"
    # The reporter answered the agency's follow-up ("belum selesai"): LAPOR! reopened the report.
    REOPENED = "reopened"
    DETAIL_REQUESTED = "detail_requested"  # the agency asks the reporter for more detail (docs/agencies.md)


class StatusChanged(Model):
    tracking_number: str
    status: ComplaintStatus
    agency_code: str | None = None
    note: str | None = None
    changed_at: AwareDatetime


class ReporterResponse(Model):
    """complaints.responses: the citizen answered the agency's follow-up (threaded by intake).

    `text` is already masked by intake (no name, phone, e-mail or NIK)."""

    tracking_number: str
    text: Annotated[str, Field(min_length=1, max_length=10_000)]
    responded_at: AwareDatetime


class FollowUpKind(StrEnum):
    MESSAGE = "message"  # the reporter wrote again on the complaint (a reply to our e-mail, its number quoted)
    DUPLICATE = "duplicate"  # another complaint of the same matter (same place, similar text), linked to it


class FollowUp(Model):
    """complaints.follow_ups: something new on an existing complaint that is not a complaint of its own.

    The envelope's complaint_id is the existing complaint's. `text` is masked by intake (no name, phone,
    e-mail or NIK); attachments are intake's signed URLs. For a duplicate, `duplicate` is the second
    complaint as it leaves intake (reporter withheld as for anonymous complaints)."""

    tracking_number: str = Field(description="the existing complaint's number")
    kind: FollowUpKind
    channel: Channel
    channel_message_id: str
    received_at: AwareDatetime
    text: Annotated[str, Field(max_length=10_000)]
    attachments: tuple[Attachment, ...] = ()
    reason: str = Field(description="why it joined: In-Reply-To, the number in the subject, similar text …")
    duplicate: Complaint | None = None


class SlaAlertKind(StrEnum):
    WARNING = "warning"
    BREACH = "breach"
    ESCALATION = "escalation"


class SlaAlert(Model):
    tracking_number: str
    clock: str
    kind: SlaAlertKind
    due_at: AwareDatetime
    agency_code: str | None = None
    # escalation step of the chain (1: head of agency, 2: Admin Koordinator / Inspektorat, ...); 0 otherwise
    level: int = Field(default=0, ge=0)


# ---------------------------------------------------------------------------------------------
# citizen.outbound: what the reporter is told, addressed only by intake's opaque reply handle


class CitizenMessageKind(StrEnum):
    ACKNOWLEDGED = "acknowledged"
    ROUTED = "routed"
    FOLLOWED_UP = "followed_up"
    CLOSED = "closed"
    OMBUDSMAN = "ombudsman"


class CitizenMessage(Model):
    """A message for the reporter. Carries no reporter data: intake resolves `reply_handle` and sends it
    over `channel` (the one the complaint came in on)."""

    reply_handle: str = Field(min_length=1, max_length=200)
    channel: Channel
    tracking_number: str
    kind: CitizenMessageKind
    language: str = "id"
    text: str = Field(min_length=1, max_length=1000)


# ---------------------------------------------------------------------------------------------
# The envelope

P = TypeVar("P", bound=BaseModel)


class Envelope(BaseModel, Generic[P]):
    model_config = ConfigDict(extra="forbid", frozen=True)

    event_id: uuid.UUID
    event_type: EventType
    schema_version: int = SCHEMA_VERSION
    occurred_at: AwareDatetime
    # Absent only on complaints.inbound from a channel that did not compute it: intake derives it.
    complaint_id: uuid.UUID | None = None
    correlation_id: str
    producer: str
    payload: P

    def follow(
        self,
        event_type: EventType,
        payload: BaseModel,
        *,
        producer: str,
        complaint_id: uuid.UUID | None = None,
        discriminator: str = "",
    ) -> Envelope[Any]:
        """The next event caused by this one: same correlation, an id derived from this event's id.

        Deriving the id (instead of a fresh uuid4) means a redelivered input produces the very same
        output event, which every consumer dedupes on event_id.
        """
        # parametrized by the payload's class, known only at run time: no static type can say that
        return Envelope[type(payload)](  # type: ignore[misc,operator]
            event_id=derived_id(self.event_id, event_type.value, discriminator),
            event_type=event_type,
            occurred_at=utcnow(),
            complaint_id=complaint_id or self.complaint_id,
            correlation_id=self.correlation_id,
            producer=producer,
            payload=payload,
        )


def new_envelope(
    event_type: EventType,
    payload: BaseModel,
    *,
    producer: str,
    complaint_id: uuid.UUID | None = None,
    correlation_id: str | None = None,
    event_id: uuid.UUID | None = None,
) -> Envelope[Any]:
    """The first event of a chain (a channel message, a human triage decision)."""
    event_id = event_id or uuid.uuid4()
    # parametrized by the payload's class, known only at run time: no static type can say that
    return Envelope[type(payload)](  # type: ignore[misc,operator]
        event_id=event_id,
        event_type=event_type,
        occurred_at=utcnow(),
        complaint_id=complaint_id,
        correlation_id=correlation_id or str(event_id),
        producer=producer,
        payload=payload,
    )


PAYLOAD_OF: dict[EventType, type[BaseModel]] = {
    EventType.RECEIVED: InboundMessage,
    EventType.ACCEPTED: Complaint,
    EventType.REJECTED: Rejection,
    EventType.ROUTED: RoutedComplaint,
    EventType.TRIAGE: TriageRequest,
    EventType.FORWARDED: Forwarded,
    EventType.FORWARD_RETRY: ForwardRetry,
    EventType.FORWARD_PARKED: ForwardParked,
    EventType.STATUS_CHANGED: StatusChanged,
    EventType.REPORTER_RESPONDED: ReporterResponse,
    EventType.FOLLOW_UP: FollowUp,
    EventType.SLA_ALERT: SlaAlert,
    EventType.CITIZEN_MESSAGE: CitizenMessage,
}
