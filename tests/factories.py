"""Small builders of valid domain objects for tests."""

from __future__ import annotations

import uuid

from shared.events import (
    Channel,
    Complaint,
    Envelope,
    EventType,
    Level,
    Location,
    Reporter,
    RoutedComplaint,
    RoutingDecision,
    new_envelope,
    utcnow,
)


def complaint(
    body: str = "Jalan di Kecamatan Natar rusak parah dan berlubang, mohon segera diperbaiki.", **overrides: object
) -> Complaint:
    complaint_id = uuid.uuid4()
    fields: dict[str, object] = dict(
        complaint_id=complaint_id,
        tracking_number=f"LPG-261129-{complaint_id.hex[:8].upper()}",
        channel=Channel.WEB,
        channel_message_id=str(complaint_id),
        received_at=utcnow(),
        title=body[:60],
        body=body,
        original_body=body,
        reporter=Reporter(name="Warga Contoh", phone="+6281200001111", email="warga@example.com"),
        location=Location(text="Natar, Lampung Selatan"),
    )
    fields.update(overrides)
    return Complaint(**fields)  # type: ignore[arg-type]


def decision(
    agency_code: str = "kab-lampung-selatan",
    region_code: str = "18.01",
    level: Level = Level.KABKOTA,
    urusan: str = "pekerjaan_umum",
) -> RoutingDecision:
    return RoutingDecision(
        level=level,
        urusan=urusan,
        region_code=region_code,
        agency_code=agency_code,
        confidence=0.9,
        reasons=("test decision",),
    )


def routed_event(c: Complaint | None = None, d: RoutingDecision | None = None) -> Envelope[RoutedComplaint]:
    c = c or complaint()
    return new_envelope(
        EventType.ROUTED,
        RoutedComplaint(complaint=c, decision=d or decision()),
        producer="test-routing",
        complaint_id=c.complaint_id,
    )


def accepted_event(c: Complaint | None = None) -> Envelope[Complaint]:
    c = c or complaint()
    return new_envelope(EventType.ACCEPTED, c, producer="test-intake", complaint_id=c.complaint_id)
