"""docs/asyncapi/ is what the code does: regenerated from the services and compared with the
committed documents (`aduan asyncapi` rewrites them), and each document is sound: AsyncAPI 3.0,
every reference resolves, every operation names a channel and messages of that channel."""

from __future__ import annotations

import importlib
import json
from typing import Any

import pytest

from aduan import asyncapi
from shared.kafka_access import SERVICES
from shared.topics import Topics

DOCS = sorted(asyncapi.documents().items())


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [node["$ref"]] if "$ref" in node else [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


@pytest.mark.parametrize(("path", "text"), DOCS, ids=[p.name for p, _ in DOCS])
def test_committed_document_is_current(path, text) -> None:  # type: ignore[no-untyped-def]
    assert path.exists() and path.read_text() == text, f"{path.name} is stale: run `aduan asyncapi`"


@pytest.mark.parametrize(("path", "text"), DOCS, ids=[p.name for p, _ in DOCS])
def test_document_is_sound(path, text) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(text)
    assert doc["asyncapi"] == "3.0.0"
    for ref in _refs(doc):
        _resolve(doc, ref)  # raises when a reference points nowhere
    for name, operation in doc["operations"].items():
        assert operation["action"] in ("send", "receive"), name
        channel_ref = operation["channel"]["$ref"]
        for message in operation["messages"]:
            assert message["$ref"].startswith(channel_ref + "/messages/"), name


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_each_service_document_receives_exactly_its_subscriptions(service: str) -> None:
    doc = asyncapi.service_document(service)
    received = {
        (_resolve(doc, op["channel"]["$ref"])["address"], op["bindings"]["kafka"]["groupId"]["enum"][0])
        for op in doc["operations"].values()
        if op["action"] == "receive"
    }
    built = importlib.import_module(f"services.{service}.app").build()
    assert received == {(asyncapi._address(t), g) for t, _, g in built.subscriptions}
    operations = doc["operations"].values()
    sent = {_resolve(doc, op["channel"]["$ref"])["address"] for op in operations if op["action"] == "send"}
    assert sent == {asyncapi._address(Topics().name(t)) for t in SERVICES[service].writes}


def test_agency_document_offers_only_its_topic_and_status() -> None:
    doc = asyncapi.agency_document()
    addresses = {c["address"] for c in doc["channels"].values()}
    assert addresses == {asyncapi.AGENCY_ADDRESS, "complaints.status"}
