"""The domain metrics count what each published envelope announces (shared/metrics.py)."""

from __future__ import annotations

from prometheus_client import REGISTRY

from shared.events import EventType, SlaAlert, SlaAlertKind, utcnow
from shared.metrics import observe_published
from tests.factories import routed_event


def _value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_a_routing_decision_is_counted_once_per_agency_not_again_for_the_agency_copy() -> None:
    event = routed_event()
    labels = {
        "agency_code": event.payload.decision.agency_code,
        "level": event.payload.decision.level.value,
        "outcome": "routed",
    }
    before = _value("aduan_routing_decisions_total", **labels)
    observe_published("p.complaints.routed", event)
    observe_published(f"p.agency.{labels['agency_code']}.complaints", event)
    assert _value("aduan_routing_decisions_total", **labels) == before + 1


def test_sla_alerts_are_counted_by_clock_and_kind() -> None:
    event = routed_event().follow(
        EventType.SLA_ALERT,
        SlaAlert(tracking_number="LPG-1", clock="verification", kind=SlaAlertKind.BREACH, due_at=utcnow()),
        producer="notifier",
    )
    before = _value("aduan_sla_alerts_total", clock="verification", kind="breach")
    observe_published("sla.alerts", event)
    assert _value("aduan_sla_alerts_total", clock="verification", kind="breach") == before + 1
