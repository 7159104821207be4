"""`aduan asyncapi`: one AsyncAPI 3.0 document per service (and one for the agencies), from the code.

What a service receives comes from its own subscriptions (each service is built, not started, and
`Service.subscriptions` says topic, payload type and consumer group); what it sends, and what an
agency may read and write, comes from shared/kafka_access.py (proven against the code by
tests/deploy/test_access.py); the message schemas are the pydantic models of shared/events.py inside
their envelope; partitions and retention come from shared/topics.py. The documents are committed
under docs/asyncapi/ and tests/deploy/test_asyncapi.py fails when they are not current.
"""

from __future__ import annotations

import argparse
import importlib
import json
from importlib.metadata import version
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from shared import events as ev
from shared.kafka_access import SERVICES, Principal, agency
from shared.topics import (
    ACCEPTED,
    AGENCY_CODES,
    ALL_TOPICS,
    CITIZEN_OUTBOUND,
    FOLLOW_UPS,
    FORWARD_DLQ,
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
)

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "asyncapi"
AGENCY_PARAMETER = "{agency_code}"
AGENCY_ADDRESS = f"agency.{AGENCY_PARAMETER}.complaints"
EXAMPLE_AGENCY = "kab-lampung-selatan"

# What each topic carries: the envelope's event type and its payload model.
TOPIC_MESSAGES: dict[str, tuple[ev.EventType, type[BaseModel]]] = {
    INBOUND: (ev.EventType.RECEIVED, ev.InboundMessage),
    ACCEPTED: (ev.EventType.ACCEPTED, ev.Complaint),
    REJECTED: (ev.EventType.REJECTED, ev.Rejection),
    ROUTED: (ev.EventType.ROUTED, ev.RoutedComplaint),
    TRIAGE: (ev.EventType.TRIAGE, ev.TriageRequest),
    FORWARDED: (ev.EventType.FORWARDED, ev.Forwarded),
    STATUS: (ev.EventType.STATUS_CHANGED, ev.StatusChanged),
    FORWARD_DLQ: (ev.EventType.FORWARD_PARKED, ev.ForwardParked),
    SLA_ALERTS: (ev.EventType.SLA_ALERT, ev.SlaAlert),
    CITIZEN_OUTBOUND: (ev.EventType.CITIZEN_MESSAGE, ev.CitizenMessage),
    RESPONSES: (ev.EventType.REPORTER_RESPONDED, ev.ReporterResponse),
    FOLLOW_UPS: (ev.EventType.FOLLOW_UP, ev.FollowUp),
    AGENCY_ADDRESS: (ev.EventType.ROUTED, ev.RoutedComplaint),
}
RETRY_MESSAGE = (ev.EventType.FORWARD_RETRY, ev.ForwardRetry)

HEADERS = {
    "type": "object",
    "required": ["event_type", "schema_version", "correlation_id", "content-type"],
    "properties": {
        "event_type": {"type": "string", "description": "the envelope's event_type"},
        "schema_version": {"type": "string", "description": "the envelope's schema_version"},
        "correlation_id": {"type": "string", "description": "the id set at complaints.inbound, on every later event"},
        "content-type": {"const": "application/json"},
    },
}
PARKED_MESSAGE = {
    "name": "parked",
    "title": "A record a consumer could not read, as it was, with the reason in its headers",
    "contentType": "application/octet-stream",
    "headers": {
        "type": "object",
        "properties": {
            k: {"type": "string"}
            for k in ("parked_by", "parked_reason", "source_topic", "source_partition", "source_offset", "parked_id")
        },
    },
    "payload": {"description": "the unreadable record's bytes, unchanged"},
}


def _address(topic: str) -> str:
    return AGENCY_ADDRESS if topic.startswith("agency.") and topic.endswith(".complaints") else topic


def _message_of(topic: str) -> tuple[ev.EventType, type[BaseModel]]:
    if topic.startswith("complaints.forward.retry."):
        return RETRY_MESSAGE
    return TOPIC_MESSAGES[_address(topic)]


def _key(address: str) -> str:
    return address.replace(AGENCY_PARAMETER, "agency").replace(".", "_").replace("-", "_")


class _Document:
    def __init__(self, title: str, description: str) -> None:
        self.doc: dict[str, Any] = {
            "asyncapi": "3.0.0",
            "info": {"title": title, "version": version("aduan"), "description": description},
            "defaultContentType": "application/json",
            "servers": {
                "cluster": {
                    "host": "aduan-kafka-kafka-bootstrap:9093",
                    "protocol": "kafka-secure",
                    "description": "Strimzi, SASL/SCRAM-SHA-512 over TLS; every principal has its own user",
                    "security": [{"$ref": "#/components/securitySchemes/scram"}],
                },
                "local": {"host": "127.0.0.1:9092", "protocol": "kafka", "description": "deploy/local/kafka.sh"},
            },
            "channels": {},
            "operations": {},
            "components": {
                "messages": {},
                "schemas": {},
                "securitySchemes": {"scram": {"type": "scramSha512"}},
            },
        }

    def _message(self, topic: str) -> str:
        if topic == PARKED:
            self.doc["components"]["messages"]["parked"] = PARKED_MESSAGE
            return "parked"
        event_type, payload = _message_of(topic)
        name = event_type.value.replace(".", "_")
        schema = ev.Envelope[payload].model_json_schema(ref_template="#/components/schemas/{model}")  # type: ignore[valid-type]
        self.doc["components"]["schemas"].update(schema.pop("$defs", {}))
        self.doc["components"]["schemas"][f"Envelope_{payload.__name__}"] = schema
        self.doc["components"]["messages"][name] = {
            "name": event_type.value,
            "title": (payload.__doc__ or payload.__name__).strip().splitlines()[0],
            "contentType": "application/json",
            "headers": HEADERS,
            "payload": {"$ref": f"#/components/schemas/Envelope_{payload.__name__}"},
            "bindings": {"kafka": {"key": {"type": "string", "description": "the complaint id (its events in order)"}}},
        }
        return name

    def channel(self, topic: str) -> str:
        address = _address(topic)
        key = _key(address)
        if key not in self.doc["channels"]:
            message = self._message(topic)
            spec = next(t for t in ALL_TOPICS if t.name == topic)
            channel: dict[str, Any] = {
                "address": address,
                "messages": {message: {"$ref": f"#/components/messages/{message}"}},
                "bindings": {
                    "kafka": {
                        "partitions": spec.partitions,
                        "topicConfiguration": {
                            "cleanup.policy": [spec.cleanup_policy],
                            "retention.ms": spec.retention_ms,
                        },
                    }
                },
            }
            if address == AGENCY_ADDRESS:
                channel["parameters"] = {
                    "agency_code": {"description": "a Lampung body's code", "enum": list(AGENCY_CODES)}
                }
            self.doc["channels"][key] = channel
        return key

    def operation(self, action: str, topic: str, group: str | None = None, summary: str = "") -> None:
        key = self.channel(topic)
        channel = self.doc["channels"][key]
        operation: dict[str, Any] = {
            "action": action,
            "channel": {"$ref": f"#/channels/{key}"},
            "messages": [{"$ref": f"#/channels/{key}/messages/{m}"} for m in channel["messages"]],
        }
        if summary:
            operation["summary"] = summary
        if group is not None:
            operation["bindings"] = {"kafka": {"groupId": {"type": "string", "enum": [group]}}}
        self.doc["operations"][f"{action}_{key}" + (f"_{group.rsplit('.', 1)[-1]}" if group else "")] = operation


def service_document(name: str) -> dict[str, Any]:
    service = importlib.import_module(f"services.{name}.app").build()
    declared: Principal = SERVICES[name]
    document = _Document(f"aduan {name}", f"What the {name} service receives and sends on Kafka.")
    for topic, payload, group in sorted(service.subscriptions, key=lambda s: (s[0], s[2])):
        expected = _message_of(topic)[1]
        if payload is not expected:
            raise ValueError(f"{name} reads {topic} as {payload.__name__}, the topic carries {expected.__name__}")
        document.operation("receive", topic, group)
    for topic in sorted(set(declared.writes)):
        # every agency topic is one parameterised channel, so its send operation is written once
        summary = "one copy of each routed complaint on its agency's topic" if topic.startswith("agency.") else ""
        document.operation("send", topic, summary=summary)
    return document.doc


def agency_document() -> dict[str, Any]:
    principal = agency(EXAMPLE_AGENCY)
    document = _Document(
        "aduan for agencies",
        "What a Lampung agency (OPD or kabupaten/kota) reads with its own credentials and how it answers. "
        "Its Kafka user agency-<code> may read only agency.<code>.complaints, in consumer groups "
        "agency-<code>.*, and write only complaints.status (docs/agencies.md).",
    )
    topics = Topics()
    for subscription in principal.reads:
        document.operation(
            "receive",
            topics.name(subscription.topic),
            principal.group(topics, subscription.subscription),
            "the complaints routed to this agency",
        )
    for topic in principal.writes:
        document.operation("send", topic, summary="the agency's answer: tindak lanjut, bukan wewenang, or a question")
    return document.doc


def documents() -> dict[Path, str]:
    out = {OUT / f"{name}.json": service_document(name) for name in SERVICES}
    out[OUT / "agency.json"] = agency_document()
    return {path: json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=False) + "\n" for path, doc in out.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="aduan asyncapi", description="write docs/asyncapi/*.json from the code")
    parser.add_argument("--check", action="store_true", help="only say whether the committed documents are current")
    args = parser.parse_args(argv)
    stale = [p for p, text in documents().items() if not p.exists() or p.read_text() != text]
    if args.check:
        for path in stale:
            print(f"stale: {path.relative_to(ROOT)}")
        return 1 if stale else 0
    OUT.mkdir(parents=True, exist_ok=True)
    for path, text in documents().items():
        path.write_text(text)
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
