"""The topic declaration (shared/topics.py, DESIGN.md §2): legal, unique Kafka names, the prefix, and
one topic per Lampung body."""

from __future__ import annotations

import re

import pytest

from shared.agencies import AGENCIES, KABKOTA, PROVINSI, agency_topic
from shared.events import Level
from shared.topics import ALL_TOPICS, FORWARD_RETRY_LEVELS, Topics, forward_retry

# Kafka's own rule (org.apache.kafka.common.internals.Topic): at most 249 of [a-zA-Z0-9._-], not "." or "..".
LEGAL = re.compile(r"^[a-zA-Z0-9._-]{1,249}$")
PREFIXES = ["", "t1a2b3c4d5e.", "staging-", "x" * 100 + "."]


def names(topics: Topics) -> list[str]:
    return [t.name for t in topics.specs()]


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_name_is_a_legal_kafka_topic(prefix: str) -> None:
    for name in names(Topics(prefix)):
        assert LEGAL.match(name), name
        assert name not in (".", "..")


@pytest.mark.parametrize("prefix", PREFIXES)
def test_no_duplicates_and_no_metric_collisions(prefix: str) -> None:
    all_names = names(Topics(prefix))
    assert len(all_names) == len(set(all_names))
    # Kafka refuses a topic whose name equals another's with "." and "_" swapped (metric names collide)
    assert len({n.replace(".", "_") for n in all_names}) == len(all_names)


def test_declared_names() -> None:
    declared = {t.name for t in ALL_TOPICS}
    for name in (
        "complaints.inbound",
        "complaints.accepted",
        "complaints.rejected",
        "complaints.routed",
        "complaints.triage",
        "complaints.forwarded",
        "complaints.status",
        "complaints.forward.dlq",
        "sla.alerts",
        "aduan.parked",
    ):
        assert name in declared
    for level in range(1, FORWARD_RETRY_LEVELS + 1):
        assert f"complaints.forward.retry.{level}" in declared
    assert f"complaints.forward.retry.{FORWARD_RETRY_LEVELS + 1}" not in declared


def test_specs_are_sane() -> None:
    for spec in ALL_TOPICS:
        assert spec.partitions >= 1
        assert spec.retention_ms > 0
        assert spec.cleanup_policy in ("delete", "compact", "compact,delete")
        assert spec.config() == {"retention.ms": str(spec.retention_ms), "cleanup.policy": spec.cleanup_policy}


@pytest.mark.parametrize("prefix", ["", "t1a2b3c4d5e."])
def test_prefix_applied_to_every_name(prefix: str) -> None:
    t = Topics(prefix)
    specs = t.specs()
    assert len(specs) == len(ALL_TOPICS)
    for spec, base in zip(specs, ALL_TOPICS, strict=True):
        assert spec.name == prefix + base.name
        assert (spec.partitions, spec.retention_ms, spec.cleanup_policy) == (
            base.partitions,
            base.retention_ms,
            base.cleanup_policy,
        )
    properties = [
        t.inbound,
        t.accepted,
        t.rejected,
        t.routed,
        t.triage,
        t.forwarded,
        t.status,
        t.forward_dlq,
        t.sla_alerts,
        t.parked,
        t.forward_retry(1),
        t.agency("kota-metro"),
    ]
    assert len(set(properties)) == len(properties)
    declared = {s.name for s in specs}
    for name in properties:
        assert name.startswith(prefix)
        assert name in declared, f"{name} is used but not declared"


def test_prefix_isolates_deployments() -> None:
    assert not {s.name for s in Topics("a.").specs()} & {s.name for s in Topics("b.").specs()}
    assert Topics("a.").inbound == "a.complaints.inbound"
    assert Topics().inbound == "complaints.inbound"


def test_every_retry_level_topic_is_declared() -> None:
    declared = {s.name for s in Topics("p.").specs()}
    for level in range(1, FORWARD_RETRY_LEVELS + 1):
        assert Topics("p.").forward_retry(level) == "p." + forward_retry(level)
        assert Topics("p.").forward_retry(level) in declared


def test_every_lampung_body_has_an_agency_topic() -> None:
    declared = {t.name for t in ALL_TOPICS}
    lampung = [a for a in AGENCIES.values() if a.level in (Level.KABKOTA, Level.PROVINSI)]
    # all 15 kabupaten/kota and every provincial body are in AGENCIES
    assert len([a for a in lampung if a.level is Level.KABKOTA]) == 15
    assert {a.code for a in KABKOTA} | {a.code for a in PROVINSI} == {a.code for a in lampung}
    for agency in lampung:
        assert agency_topic(agency.code) in declared, agency.code
        assert Topics("p.").agency(agency.code) in {s.name for s in Topics("p.").specs()}


def test_no_national_body_or_state_company_has_a_topic() -> None:
    declared = {t.name for t in ALL_TOPICS}
    national = [a for a in AGENCIES.values() if a.level in (Level.PUSAT, Level.BUMN)]
    assert national  # the list is not empty, so the check below means something
    for agency in national:
        assert agency_topic(agency.code) not in declared, agency.code
    agency_topics = {n for n in declared if n.startswith("agency.") and n.endswith(".complaints")}
    assert len(agency_topics) == len([a for a in AGENCIES.values() if a.level in (Level.KABKOTA, Level.PROVINSI)])
    assert not {n for n in agency_topics if n.startswith(("agency.pusat-", "agency.bumn-"))}


def test_agency_topic_shape() -> None:
    assert agency_topic("kota-bandar-lampung") == "agency.kota-bandar-lampung.complaints"
