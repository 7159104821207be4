"""Who may do what on Kafka: each service's and each agency's topics and consumer groups, declared once.

The Strimzi `KafkaUser` resources (deploy/k8s, `aduan k8s`), the local SASL broker's ACLs
(deploy/local/kafka-sasl.sh) and the AsyncAPI documents are generated from this declaration; tests
prove that each service's subscriptions and publications in its code are exactly what is declared
here, and that on a real broker with these ACLs nobody can do more.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.agencies import agency_topic
from shared.topics import (
    ACCEPTED,
    AGENCY_CODES,
    CITIZEN_OUTBOUND,
    FOLLOW_UPS,
    FORWARD_DLQ,
    FORWARD_RETRY_LEVELS,
    FORWARDED,
    INBOUND,
    PARKED,
    REJECTED,
    RESPONSES,
    ROUTED,
    SLA_ALERTS,
    STATUS,
    TRIAGE,
    Topics,
    forward_retry,
)

SERVICE_GROUP_ID = "aduan-{service}"  # each service's settings.group_id


@dataclass(frozen=True, slots=True)
class Subscription:
    topic: str  # declared (unprefixed) name
    subscription: str  # the consumer group is <group_id>.<subscription>


@dataclass(frozen=True, slots=True)
class Principal:
    """A Kafka user: what it reads (each in its own group), what it writes, which group prefix it owns."""

    name: str
    reads: tuple[Subscription, ...]
    writes: tuple[str, ...]
    group_prefix: str  # consumer groups the user may join: every group whose id starts with this

    def read_topics(self, topics: Topics) -> list[str]:
        return sorted({topics.name(s.topic) for s in self.reads})

    def write_topics(self, topics: Topics) -> list[str]:
        return sorted({topics.name(t) for t in self.writes})

    def group(self, topics: Topics, subscription: str) -> str:
        return f"{topics.prefix}{self.group_prefix}{subscription}"


def _service(name: str, reads: tuple[Subscription, ...], writes: tuple[str, ...]) -> Principal:
    # every subscription parks what it cannot read on aduan.parked
    return Principal(f"aduan-{name}", reads, (*writes, PARKED), SERVICE_GROUP_ID.format(service=name) + ".")


_RETRIES = tuple(forward_retry(n) for n in range(1, FORWARD_RETRY_LEVELS + 1))

SERVICES: dict[str, Principal] = {
    "intake": _service(
        "intake",
        (
            Subscription(INBOUND, "inbound"),
            # its own accepted complaints: what GeoReport may show of each (services/intake/timeline.py)
            Subscription(ACCEPTED, "accepted"),
            Subscription(ROUTED, "routed"),
            Subscription(TRIAGE, "triage"),
            Subscription(FORWARDED, "forwarded"),
            Subscription(STATUS, "status"),
            Subscription(SLA_ALERTS, "sla-alerts"),  # the next deadline on the citizen's timeline
            Subscription(CITIZEN_OUTBOUND, "citizen-outbound"),
        ),
        (INBOUND, ACCEPTED, REJECTED, FOLLOW_UPS, CITIZEN_OUTBOUND),
    ),
    "routing": _service(
        "routing",
        (Subscription(ACCEPTED, "accepted"), Subscription(STATUS, "status")),
        (ROUTED, TRIAGE, *(agency_topic(code) for code in AGENCY_CODES)),
    ),
    "forwarder": _service(
        "forwarder",
        (
            Subscription(ROUTED, "routed"),
            *(Subscription(t, f"retry-{n}") for n, t in enumerate(_RETRIES, 1)),
            Subscription(RESPONSES, "responses"),
            Subscription(FOLLOW_UPS, "follow-ups"),
        ),
        (*_RETRIES, FORWARD_DLQ, FORWARDED, STATUS),
    ),
    "notifier": _service(
        "notifier",
        (
            Subscription(ACCEPTED, "accepted"),
            Subscription(ROUTED, "routed"),
            Subscription(FORWARDED, "forwarded"),
            Subscription(STATUS, "status"),
        ),
        (SLA_ALERTS, CITIZEN_OUTBOUND),
    ),
}


def agency(code: str) -> Principal:
    """An agency reads only its complaints (in groups `agency-<code>.*`) and writes only its answers,
    which go on complaints.status (docs/agencies.md says why there and not on a topic of its own)."""
    if code not in AGENCY_CODES:
        raise KeyError(f"no Lampung agency with the code {code!r}")
    return Principal(
        f"agency-{code}",
        (Subscription(agency_topic(code), "complaints"),),
        (STATUS,),
        f"agency-{code}.",
    )


# The operator's DLQ tools (`aduan replay-dlq`, `aduan dlq replay`): read the forwarder's dead letters in
# the operator's own groups and send the parked complaints through the forwarder again. Nothing else.
OPERATOR = Principal("aduan-ops", (Subscription(FORWARD_DLQ, "replay-dlq"),), (ROUTED,), "aduan-ops.")


def principals() -> tuple[Principal, ...]:
    return (*SERVICES.values(), OPERATOR, *(agency(code) for code in AGENCY_CODES))


@dataclass(frozen=True, slots=True)
class LagReader:
    """A user that only describes topics and consumer groups: KEDA, reading the lag it scales on."""

    name: str
    group_prefix: str

    def topics(self, topics: Topics) -> list[str]:
        return sorted({t for p in SERVICES.values() for t in p.read_topics(topics)})


KEDA = LagReader("aduan-keda", "aduan-")
