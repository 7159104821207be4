"""The Kafka access declaration (shared/kafka_access.py) is exactly what each service's code does:
the topics and consumer groups it subscribes to, and the topics it publishes to. The Strimzi users,
the local SASL broker's ACLs and the AsyncAPI documents are generated from that declaration."""

from __future__ import annotations

import importlib
import re

import pytest

from shared.kafka_access import SERVICES, agency
from shared.topics import PARKED, STATUS, Topics, agency_topic
from tests.deploy.conftest import ROOT

NAMES = Topics()


def built(service: str):  # type: ignore[no-untyped-def]
    return importlib.import_module(f"services.{service}.app").build()


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_declared_reads_are_the_services_subscriptions(service: str) -> None:
    declared = SERVICES[service]
    code = {(topic, group) for topic, _, group in built(service).subscriptions}
    assert code == {(s.topic, declared.group(NAMES, s.subscription)) for s in declared.reads}


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_declared_topics_are_the_ones_its_code_names(service: str) -> None:
    # every `topics.<name>` the service's modules use, read or written
    used: set[str] = set()
    for module in (ROOT / "services" / service).glob("*.py"):
        used |= set(re.findall(r"\btopics\.(\w+)", module.read_text()))
    declared = SERVICES[service]
    names = {s.topic for s in declared.reads} | set(declared.writes)
    by_attribute = {
        attribute
        for attribute in dir(NAMES)
        if not attribute.startswith("_")
        and isinstance(getattr(NAMES, attribute), str)
        and getattr(NAMES, attribute) in names
    }
    if any(n.startswith("complaints.forward.retry.") for n in names):
        by_attribute.add("forward_retry")
    if any(n.startswith("agency.") for n in names):
        by_attribute.add("agency")
    # aduan.parked is written by the shared subscriber plumbing, not named in a service's own modules
    assert used - {"name", "prefix", "parked"} == by_attribute - {"parked"}
    assert PARKED in declared.writes


def test_an_agency_reads_only_its_own_topic_and_writes_only_status() -> None:
    code = "kab-lampung-selatan"
    principal = agency(code)
    assert [s.topic for s in principal.reads] == [agency_topic(code)]
    assert principal.writes == (STATUS,)
    with pytest.raises(KeyError):
        agency("pusat-generic")
