"""`aduan agency listen|answer`: the example agency client (docs/agencies.md), on the project's own
code path: the same envelopes, the same Kafka authentication, the agency's own credentials.

An agency (Kafka user `agency-<code>`) reads only `agency.<code>.complaints` and writes only
`complaints.status` (shared/kafka_access.py). Its answers are `StatusChanged` events:

  tindak-lanjut     followed_up        the agency acted on the complaint
  bukan-wewenang    not_our_authority  the complaint is not the agency's to handle (re-routing)
  minta-keterangan  detail_requested   the agency asks the reporter for more detail

`answer` finds the complaint on the agency's own topic by its tracking number, so that the answer
carries the complaint's id and its correlation id (the chain stays unbroken), and derives the
event id from the complaint, the kind and the note: answering twice the same way is one answer.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from aiokafka import AIOKafkaConsumer

from shared.events import ComplaintStatus, Envelope, EventType, RoutedComplaint, StatusChanged, derived_id, utcnow
from shared.kafka import Publisher, Unreadable, parse_envelope
from shared.kafka_access import agency
from shared.kafka_auth import KafkaAuth
from shared.settings import ServiceSettings
from shared.topics import Topics

KINDS: dict[str, ComplaintStatus] = {
    "tindak-lanjut": ComplaintStatus.FOLLOWED_UP,
    "bukan-wewenang": ComplaintStatus.NOT_OUR_AUTHORITY,
    "minta-keterangan": ComplaintStatus.DETAIL_REQUESTED,
}
NOTE_MAX = 4000


def summary(envelope: Envelope[RoutedComplaint]) -> dict[str, Any]:
    """What an agency's operator needs of one routed complaint, as one JSON object."""
    complaint, decision = envelope.payload.complaint, envelope.payload.decision
    return {
        "tracking_number": complaint.tracking_number,
        "complaint_id": str(complaint.complaint_id),
        "correlation_id": envelope.correlation_id,
        "received_at": complaint.received_at.isoformat(),
        "channel": complaint.channel.value,
        "urusan": decision.urusan,
        "confidence": decision.confidence,
        "reasons": list(decision.reasons),
        "title": complaint.title,
        "body": complaint.body,
        "location": complaint.location.model_dump(exclude_none=True),
        "anonymous": complaint.anonymous,
    }


class AgencyClient:
    def __init__(self, code: str, bootstrap: str, auth: KafkaAuth, topics: Topics | None = None) -> None:
        self.principal = agency(code)  # KeyError for a code without a topic
        self.code, self.bootstrap, self.auth = code, bootstrap, auth
        self.topics = topics or Topics()

    def _consumer(self, group: str | None) -> AIOKafkaConsumer:
        return AIOKafkaConsumer(
            self.topics.agency(self.code),
            bootstrap_servers=self.bootstrap,
            group_id=None if group is None else self.principal.group(self.topics, group),
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            **self.auth.aiokafka(),
        )

    async def listen(
        self,
        on_complaint: Callable[[Envelope[RoutedComplaint]], None],
        *,
        group: str = "complaints",
        limit: int | None = None,
        idle_timeout: float | None = None,
    ) -> int:
        """Hand each complaint routed to this agency to `on_complaint`, committing after each batch
        (a restart continues after the last complaint handed over); stop after `limit` complaints
        or `idle_timeout` seconds without one. Returns how many were handed over."""
        consumer = self._consumer(group)
        await consumer.start()
        seen, last = 0, time.monotonic()
        try:
            while limit is None or seen < limit:
                batch = await consumer.getmany(timeout_ms=500, max_records=limit - seen if limit else None)
                for records in batch.values():
                    for record in records:
                        try:
                            on_complaint(parse_envelope(record.value, RoutedComplaint))
                        except Unreadable:
                            continue  # not ours to repair; intake and routing park what they cannot read
                        seen += 1
                if batch:
                    await consumer.commit()
                    last = time.monotonic()
                elif idle_timeout is not None and time.monotonic() - last > idle_timeout:
                    break
            return seen
        finally:
            await consumer.stop()

    async def find(self, tracking_number: str, *, timeout: float = 30.0) -> Envelope[RoutedComplaint] | None:
        """The complaint with this tracking number on the agency's topic (read from the beginning,
        without a group, so that the listener's position is not disturbed)."""
        consumer = self._consumer(None)
        await consumer.start()
        try:
            await consumer.seek_to_beginning()
            ends = await consumer.end_offsets(list(consumer.assignment()))
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    for record in records:
                        try:
                            envelope = parse_envelope(record.value, RoutedComplaint)
                        except Unreadable:
                            continue
                        if envelope.payload.complaint.tracking_number == tracking_number:
                            return envelope
                positions = {tp: await consumer.position(tp) for tp in ends}
                if all(positions[tp] >= end for tp, end in ends.items()):
                    return None
            return None
        finally:
            await consumer.stop()

    async def answer(self, tracking_number: str, kind: str, note: str) -> Envelope[StatusChanged]:
        """Publish the agency's answer on complaints.status; LookupError when the complaint was never
        routed to this agency."""
        status = KINDS[kind]
        if not note.strip() or len(note) > NOTE_MAX:
            raise ValueError(f"an answer needs a note of 1 to {NOTE_MAX} characters")
        routed = await self.find(tracking_number)
        if routed is None:
            raise LookupError(f"{tracking_number} was not routed to {self.code}")
        complaint = routed.payload.complaint
        event = Envelope[StatusChanged](
            event_id=derived_id(routed.event_id, "agency-answer", status.value, note),
            event_type=EventType.STATUS_CHANGED,
            occurred_at=utcnow(),
            complaint_id=complaint.complaint_id,
            correlation_id=routed.correlation_id,
            producer=self.principal.name,
            payload=StatusChanged(
                tracking_number=tracking_number,
                status=status,
                agency_code=self.code,
                note=note,
                changed_at=utcnow(),
            ),
        )
        async with Publisher(self.bootstrap, self.principal.name, auth=self.auth) as publisher:
            await publisher.publish(self.topics.status, event)
        return event


def _client(args: argparse.Namespace) -> AgencyClient:
    settings = ServiceSettings()
    auth = settings.kafka_auth
    if auth.uses_sasl and not auth.username:
        auth = KafkaAuth(
            auth.security_protocol, auth.sasl_mechanism, f"agency-{args.agency}", auth.password, auth.ssl_cafile
        )
    return AgencyClient(args.agency, settings.kafka_bootstrap_servers, auth, settings.topics)


def _print(out: TextIO, raw: bool) -> Callable[[Envelope[RoutedComplaint]], None]:
    def show(envelope: Envelope[RoutedComplaint]) -> None:
        if raw and envelope.payload.complaint.anonymous:  # an anonymous reporter's identity is not shown
            complaint = envelope.payload.complaint.model_copy(update={"reporter": None})
            payload = envelope.payload.model_copy(update={"complaint": complaint})
            envelope = envelope.model_copy(update={"payload": payload})
        line = envelope.model_dump_json() if raw else json.dumps(summary(envelope), ensure_ascii=False)
        out.write(line + "\n")
        out.flush()

    return show


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="aduan agency",
        description="an agency's client: read its routed complaints, answer them (docs/agencies.md). Kafka "
        "and credentials from KAFKA_BOOTSTRAP_SERVERS, ADUAN_KAFKA_SECURITY_PROTOCOL, ADUAN_KAFKA_SASL_USERNAME "
        "(default agency-<code>) and ADUAN_KAFKA_SASL_PASSWORD.",
    )
    sub = parser.add_subparsers(dest="action", required=True)
    p = sub.add_parser("listen", help="print each complaint routed to the agency as one JSON line")
    p.add_argument("--agency", required=True, help="the agency's code, e.g. kab-lampung-selatan")
    p.add_argument("--group", default="complaints", help="consumer group suffix (agency-<code>.<group>)")
    p.add_argument("--limit", type=int, default=None, help="stop after this many complaints")
    p.add_argument("--idle-timeout", type=float, default=None, help="stop after this many seconds without one")
    p.add_argument("--raw", action="store_true", help="print the whole envelope instead of a summary")
    p = sub.add_parser("answer", help="answer one complaint on complaints.status")
    p.add_argument("--agency", required=True)
    p.add_argument("--tracking-number", required=True)
    p.add_argument("--kind", required=True, choices=sorted(KINDS))
    p.add_argument("--note", required=True, help="what was done, why it is not ours, or what we need to know")
    args = parser.parse_args(argv)
    try:
        client = _client(args)
    except KeyError as exc:
        print(f"aduan agency: {exc.args[0]}", file=sys.stderr)
        return 2
    if args.action == "listen":
        count = asyncio.run(
            client.listen(
                _print(sys.stdout, args.raw), group=args.group, limit=args.limit, idle_timeout=args.idle_timeout
            )
        )
        print(f"{count} complaints", file=sys.stderr)
        return 0
    try:
        event = asyncio.run(client.answer(args.tracking_number, args.kind, args.note))
    except (LookupError, ValueError) as exc:
        print(f"aduan agency: {exc}", file=sys.stderr)
        return 1
    print(
        json.dumps(
            {
                "event_id": str(event.event_id),
                "status": event.payload.status.value,
                "tracking_number": args.tracking_number,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
