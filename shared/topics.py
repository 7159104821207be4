"""Every Kafka topic aduan uses, declared once: name, partitions, retention, cleanup policy.

`deploy/` and the local scripts create topics from this declaration (`aduan topics create`), and the
services read their names from here, so a topic cannot exist under two spellings. A deployment may
prefix every name (`ADUAN_TOPIC_PREFIX`), e.g. to run isolated test pipelines on one cluster.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from shared.agencies import AGENCIES, agency_topic
from shared.events import Level

DAY_MS = 24 * 60 * 60 * 1000


@dataclass(frozen=True, slots=True)
class TopicSpec:
    name: str
    partitions: int = 6
    retention_ms: int = 14 * DAY_MS
    cleanup_policy: str = "delete"

    def config(self) -> dict[str, str]:
        return {"retention.ms": str(self.retention_ms), "cleanup.policy": self.cleanup_policy}


INBOUND = "complaints.inbound"
ACCEPTED = "complaints.accepted"
REJECTED = "complaints.rejected"
ROUTED = "complaints.routed"
TRIAGE = "complaints.triage"
FORWARDED = "complaints.forwarded"
STATUS = "complaints.status"
RESPONSES = "complaints.responses"  # the citizen's answer to an agency's follow-up, threaded by intake
FOLLOW_UPS = "complaints.follow_ups"  # a reporter's further message on a complaint, a linked near-duplicate
FORWARD_DLQ = "complaints.forward.dlq"
SLA_ALERTS = "sla.alerts"
CITIZEN_OUTBOUND = "citizen.outbound"  # messages for reporters, addressed by reply handle (intake sends them)
PARKED = "aduan.parked"  # events a consumer could not read (unknown schema_version, bad JSON)


# Kafka deletes a log segment only once its newest record is past the topic's retention, and it rolls a new
# segment at the latest after `segment.ms` (7 days, the broker's default, which these topics keep): a record
# can still be read for up to its retention plus that long after it was written.
SEGMENT_ROLL_MS = 7 * DAY_MS


def forward_retry(attempt: int) -> str:
    return f"complaints.forward.retry.{attempt}"


FORWARD_RETRY_LEVELS = 3

_BASE: tuple[TopicSpec, ...] = (
    TopicSpec(INBOUND, retention_ms=30 * DAY_MS),
    TopicSpec(ACCEPTED, retention_ms=30 * DAY_MS),
    TopicSpec(REJECTED, partitions=3, retention_ms=90 * DAY_MS),
    TopicSpec(ROUTED, retention_ms=30 * DAY_MS),
    TopicSpec(TRIAGE, partitions=3, retention_ms=90 * DAY_MS),
    TopicSpec(FORWARDED, retention_ms=30 * DAY_MS),
    TopicSpec(STATUS, retention_ms=90 * DAY_MS),
    TopicSpec(RESPONSES, retention_ms=90 * DAY_MS),
    TopicSpec(FOLLOW_UPS, retention_ms=90 * DAY_MS),
    TopicSpec(FORWARD_DLQ, partitions=3, retention_ms=365 * DAY_MS),
    TopicSpec(SLA_ALERTS, partitions=3, retention_ms=90 * DAY_MS),
    TopicSpec(CITIZEN_OUTBOUND, partitions=3, retention_ms=30 * DAY_MS),
    TopicSpec(PARKED, partitions=1, retention_ms=365 * DAY_MS),
    *(TopicSpec(forward_retry(n), partitions=3) for n in range(1, FORWARD_RETRY_LEVELS + 1)),
)

# Lampung bodies subscribe to their own topic; 3 partitions is plenty for one agency's load.
_AGENCY: tuple[TopicSpec, ...] = tuple(
    TopicSpec(agency_topic(a.code), partitions=3, retention_ms=90 * DAY_MS)
    for a in AGENCIES.values()
    if a.level in (Level.KABKOTA, Level.PROVINSI)
)

ALL_TOPICS: tuple[TopicSpec, ...] = (*_BASE, *_AGENCY)


@dataclass(frozen=True, slots=True)
class Topics:
    """Topic names as one deployment sees them: the declared names behind an optional prefix."""

    prefix: str = ""

    def name(self, base: str) -> str:
        return f"{self.prefix}{base}"

    @property
    def inbound(self) -> str:
        return self.name(INBOUND)

    @property
    def accepted(self) -> str:
        return self.name(ACCEPTED)

    @property
    def rejected(self) -> str:
        return self.name(REJECTED)

    @property
    def routed(self) -> str:
        return self.name(ROUTED)

    @property
    def triage(self) -> str:
        return self.name(TRIAGE)

    @property
    def forwarded(self) -> str:
        return self.name(FORWARDED)

    @property
    def status(self) -> str:
        return self.name(STATUS)

    @property
    def responses(self) -> str:
        return self.name(RESPONSES)

    @property
    def follow_ups(self) -> str:
        return self.name(FOLLOW_UPS)

    @property
    def forward_dlq(self) -> str:
        return self.name(FORWARD_DLQ)

    @property
    def sla_alerts(self) -> str:
        return self.name(SLA_ALERTS)

    @property
    def citizen_outbound(self) -> str:
        return self.name(CITIZEN_OUTBOUND)

    @property
    def parked(self) -> str:
        return self.name(PARKED)

    def forward_retry(self, attempt: int) -> str:
        return self.name(forward_retry(attempt))

    def agency(self, agency_code: str) -> str:
        return self.name(agency_topic(agency_code))

    def specs(self) -> tuple[TopicSpec, ...]:
        return tuple(TopicSpec(self.name(t.name), t.partitions, t.retention_ms, t.cleanup_policy) for t in ALL_TOPICS)

    def readable_for_ms(self, names: Iterable[str]) -> int:
        """How long after it was written a record of any of the topics `names` may still be read (so
        redelivered): the longest of their retentions plus a segment's roll time. A name not declared here
        counts as the longest retention of all."""
        retention = {s.name: s.retention_ms for s in self.specs()}
        longest = max(retention.values())
        return max((retention.get(n, longest) for n in names), default=longest) + SEGMENT_ROLL_MS


# The Lampung bodies with a topic of their own (shared/kafka_access.py gives each a Kafka user).
AGENCY_CODES: tuple[str, ...] = tuple(a.code for a in AGENCIES.values() if a.level in (Level.KABKOTA, Level.PROVINSI))
