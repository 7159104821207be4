"""The pipeline's domain metrics, counted where every event passes: at its publication.

`Publisher.publish` calls `observe_published` for each envelope, so routing decisions per agency,
triage, forwards, retries, parked forwards, status steps and SLA alerts are counted in one place,
whichever service publishes them; the Grafana dashboard and the alert rules of deploy/observability
read these names (docs/operations.md lists every metric). Kafka consumer lag and topic sizes come
from Strimzi's Kafka Exporter (`kafka_consumergroup_lag`, `kafka_topic_partition_current_offset`).

Three gauges/counters are set by the services that own the state: the forwarder's LAPOR! circuit
breaker (`BREAKER_STATE`) and the reporter's messages it passes to LAPOR! (`REPORTER_MESSAGES`), and
the notifier's alert deliveries (`ALERT_DELIVERIES`). Every service counts the idempotency claims its
retention job dropped (`CLAIMS_PRUNED`).
"""

from __future__ import annotations

from typing import Any

from prometheus_client import Counter, Gauge

from shared.events import EventType

DECISIONS = Counter("aduan_routing_decisions_total", "Routing decisions", ["agency_code", "level", "outcome"])
FORWARDS = Counter("aduan_forwards_total", "Forward outcomes announced (created, failed)", ["outcome"])
FORWARD_RETRIES = Counter("aduan_forward_retries_total", "Forwards scheduled on a delayed retry topic", ["level"])
FORWARDS_PARKED = Counter("aduan_forwards_parked_total", "Forwards parked on the DLQ", ["permanent"])
STATUS_CHANGES = Counter("aduan_status_changes_total", "Complaint status steps published", ["status"])
SLA_ALERTS = Counter("aduan_sla_alerts_total", "Deadline warnings, breaches and escalations", ["clock", "kind"])
REJECTIONS = Counter("aduan_rejections_total", "Channel messages answered with a rejection", ["channel"])
# 0 closed, 1 half-open, 2 open (the forwarder's breaker towards LAPOR!)
BREAKER_STATE = Gauge("aduan_lapor_breaker_state", "LAPOR! circuit breaker: 0 closed, 1 half-open, 2 open")
# the reporter's messages for LAPOR! (complaints.responses, complaints.follow_ups): queued, sent, waiting
# (for the agency's follow-up), refused, skipped_duplicate / skipped_empty (follow-ups not passed on)
REPORTER_MESSAGES = Counter("aduan_reporter_messages_total", "The reporter's messages for LAPOR!", ["outcome"])
CLAIMS_PRUNED = Counter("aduan_claims_pruned_total", "Idempotency claims past their redelivery horizon, dropped")
ALERT_DELIVERIES = Counter("aduan_alert_deliveries_total", "SLA alerts delivered to people", ["channel", "outcome"])


def observe_published(topic: str, envelope: Any) -> None:
    """Count the domain fact an envelope announces on `topic` (once per publication: an event
    published again after a redelivery is counted again, as it is sent again)."""
    payload, kind = envelope.payload, envelope.event_type
    if topic.endswith(".complaints") and ".agency." in f".{topic}":
        return  # the agency's copy of a routed complaint: the decision was counted on complaints.routed
    if kind in (EventType.ROUTED, EventType.TRIAGE):
        d = payload.decision if kind is EventType.ROUTED else payload.suggestion
        outcome = "routed" if kind is EventType.ROUTED else "triage"
        DECISIONS.labels(agency_code=d.agency_code, level=d.level.value, outcome=outcome).inc()
    elif kind is EventType.FORWARDED:
        FORWARDS.labels(outcome=payload.outcome.value).inc()
    elif kind is EventType.FORWARD_RETRY:
        FORWARD_RETRIES.labels(level=str(payload.level)).inc()
    elif kind is EventType.FORWARD_PARKED:
        FORWARDS_PARKED.labels(permanent=str(payload.permanent).lower()).inc()
    elif kind is EventType.STATUS_CHANGED:
        STATUS_CHANGES.labels(status=payload.status.value).inc()
    elif kind is EventType.SLA_ALERT:
        SLA_ALERTS.labels(clock=payload.clock, kind=payload.kind.value).inc()
    elif kind is EventType.REJECTED:
        REJECTIONS.labels(channel=str(getattr(payload, "channel", "unknown"))).inc()
