"""Gammu SMSD's `RunOnReceive` bridge: the SMS SMSD just received, published to complaints.inbound.

SMSD runs `aduan gammu-receive <ids…>` once per received message, with the message's parts in the
environment (gammu-smsd-run(7)): `SMS_MESSAGES` physical parts with `SMS_<n>_NUMBER` and
`SMS_<n>_TEXT`, and, when SMSD linked a multipart message, `DECODED_PARTS` with `DECODED_<n>_TEXT`;
`PHONE_ID` names the modem; the arguments are SMSD's own ids of the parts. The parts of one sender
are joined in order into one message, published as one `complaint.received` envelope on channel
`sms_gammu` (the text in the android-sms-gateway shape, so intake normalises it like any SMS).

The channel message id is derived from the modem, SMSD's ids, the sender and the text, and the
event id from the channel message id: SMSD running the command again for the same message (after a
failure) publishes the same event, which intake accepts once. The command returns 0 only once Kafka
acknowledged every message (idempotent producer, acks=all, via shared.kafka.Publisher); otherwise
non-zero, so that SMSD keeps the message and runs the command again.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from services.intake.settings import IntakeSettings
from shared.events import Channel, EventType, InboundMessage, complaint_id_for, derived_id, new_envelope, utcnow
from shared.kafka import Publisher
from shared.logging import configure_logging, get_logger

log = get_logger(__name__)
PRODUCER = "intake-gammu"
CHANNEL = Channel.SMS_GAMMU
EXIT_OK, EXIT_NOT_PUBLISHED, EXIT_BAD_ENVIRONMENT = 0, 1, 2
_STOP_TIMEOUT_S = 5.0


class BadEnvironment(ValueError):
    """The environment is not one SMSD sets for RunOnReceive."""


@dataclass(frozen=True)
class GammuSms:
    """One message as the citizen sent it: every part of one sender, joined in order."""

    sender: str
    text: str
    parts: int
    channel_message_id: str


def _clean(value: str) -> str:
    # Gammu writes the text in the locale's encoding; what Python could not decode is replaced.
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _count(env: Mapping[str, str], name: str, *, required: bool) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        if required:
            raise BadEnvironment(f"{name} is not set: not run by Gammu SMSD's RunOnReceive")
        return 0
    try:
        value = int(raw)
    except ValueError:
        raise BadEnvironment(f"{name} is not a number") from None
    if value < 0:
        raise BadEnvironment(f"{name} is negative")
    return value


def messages_from_environment(env: Mapping[str, str], ids: Sequence[str] = ()) -> list[GammuSms]:
    """The messages of one RunOnReceive call. Parts are grouped by sender in the order SMSD numbered
    them; SMSD's decoded text (multipart already linked) is taken when there is one sender."""
    count = _count(env, "SMS_MESSAGES", required=True)
    parts: list[tuple[str, str]] = []
    for n in range(1, count + 1):
        sender = _clean(env.get(f"SMS_{n}_NUMBER", "")).strip()
        if not sender:
            raise BadEnvironment(f"SMS_{n}_NUMBER is not set")
        parts.append((sender, _clean(env.get(f"SMS_{n}_TEXT", ""))))
    senders = list(dict.fromkeys(sender for sender, _ in parts))
    decoded = [
        _clean(env.get(f"DECODED_{n}_TEXT", "")) for n in range(1, _count(env, "DECODED_PARTS", required=False) + 1)
    ]
    phone_id = env.get("PHONE_ID", "")
    found: list[GammuSms] = []
    for sender in senders:
        texts = [text for s, text in parts if s == sender]
        text = "".join(decoded) if len(senders) == 1 and any(decoded) else "".join(texts)
        digest = hashlib.sha256("\x1f".join([phone_id, *ids, sender, text]).encode()).hexdigest()[:32]
        found.append(GammuSms(sender=sender, text=text, parts=len(texts), channel_message_id=f"gammu-{digest}"))
    return found


def inbound_of(sms: GammuSms) -> InboundMessage:
    return InboundMessage(
        channel=CHANNEL,
        channel_message_id=sms.channel_message_id,
        received_at=utcnow(),
        raw={"message": sms.text, "phoneNumber": sms.sender, "messageId": sms.channel_message_id, "parts": sms.parts},
    )


async def publish(messages: Sequence[GammuSms], settings: IntakeSettings) -> None:
    """Publish every message; returns once Kafka acknowledged all, raises otherwise."""
    publisher = Publisher(
        settings.kafka_bootstrap_servers, f"aduan-{PRODUCER}", request_timeout_ms=settings.kafka_request_timeout_ms
    )
    try:
        await publisher.start()
        for sms in messages:
            envelope = new_envelope(
                EventType.RECEIVED,
                inbound_of(sms),
                producer=PRODUCER,
                complaint_id=complaint_id_for(CHANNEL.value, sms.channel_message_id),
                event_id=derived_id("gammu", sms.channel_message_id),
            )
            await publisher.publish(settings.topics.inbound, envelope, key=sms.channel_message_id)
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(publisher.stop(), _STOP_TIMEOUT_S)


def receive(env: Mapping[str, str], ids: Sequence[str], settings: IntakeSettings | None = None) -> int:
    """The command: publish what SMSD received; the exit status SMSD reads."""
    settings = settings or IntakeSettings()
    configure_logging(PRODUCER, settings.log_level, settings.log_json)
    try:
        messages = messages_from_environment(env, ids)
    except BadEnvironment as exc:
        log.error("gammu-receive: not a RunOnReceive environment", error=str(exc))
        return EXIT_BAD_ENVIRONMENT
    try:
        asyncio.run(asyncio.wait_for(publish(messages, settings), settings.publish_timeout_s))
    except Exception as exc:  # any failure means "not acknowledged": SMSD must keep the message
        log.error(
            "gammu-receive: Kafka did not acknowledge; SMSD keeps the message",
            error_type=type(exc).__name__,
            messages=len(messages),
        )
        return EXIT_NOT_PUBLISHED
    log.info("gammu-receive: published", messages=len(messages), parts=sum(m.parts for m in messages))
    return EXIT_OK
