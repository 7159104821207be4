"""The citizen kept informed: intake sends the notifier's `citizen.message` events to the reporter.

Only intake knows who a reply handle addresses, so only intake sends. Each event is handled once: the claim
(shared/idempotency.py) and its `intake.outbound` row commit in one transaction, after the send. A send that
fails for now (server unreachable, 4xx/5xx worth retrying) raises, so the transaction with the claim rolls back
and the batch is redelivered; a permanent refusal is recorded `failed` and not tried again. A message with no
address (`no_contact`), an unknown handle (`unknown_handle`) or a channel whose server is not configured
(`not_configured`) is recorded and the consumer moves on. Which way a reporter is answered depends on the channel
they wrote on (reply_routes.toml). The e-mail and SMS senders are the notifier's (services/notifier/delivery.py
`Channels`), fed by intake's settings under the same ADUAN_SMTP_* / ADUAN_SMS_* names; WhatsApp replies go through
the Cloud API (whatsapp_reply.py).
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field

from services.intake import store
from services.intake.settings import IntakeSettings
from services.intake.whatsapp_reply import WhatsAppSender
from services.notifier.delivery import Channels, DeliveryError
from services.notifier.settings import NotifierSettings
from shared.db import Database
from shared.events import Channel, CitizenMessage, Envelope, derived_id
from shared.idempotency import once
from shared.logging import get_logger

log = get_logger(__name__)

REPLY_ROUTES_PATH = Path(__file__).with_name("reply_routes.toml")

Way = Literal["whatsapp", "sms", "email"]
PHONE_WAYS = frozenset({"whatsapp", "sms"})

SUBJECTS = {"id": "Pengaduan {tracking}", "en": "Complaint {tracking}"}


class ReplyRoutes(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1]
    default: tuple[Way, ...] = Field(min_length=1)
    channels: dict[Channel, tuple[Way, ...]] = Field(default_factory=dict)

    def ways(self, channel: Channel) -> tuple[Way, ...]:
        return self.channels.get(channel, self.default)


@cache
def load_reply_routes(path: Path = REPLY_ROUTES_PATH) -> ReplyRoutes:
    return ReplyRoutes.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))


def route(
    channel: Channel,
    phone: str | None,
    email: str | None,
    *,
    configured: frozenset[str] = frozenset({"whatsapp", "sms", "email"}),
    routes: ReplyRoutes | None = None,
) -> tuple[str, str] | None:
    """How to reach the reporter: (way, address), the first way of the channel's list with an address and a
    configured server, else the first with an address; None when the reporter left no address."""
    candidates = [
        (way, address)
        for way in (routes or load_reply_routes()).ways(channel)
        if (address := phone if way in PHONE_WAYS else email)
    ]
    for way, address in candidates:
        if way in configured:
            return way, address
    return candidates[0] if candidates else None


class Outbound:
    def __init__(self, db: Database, settings: IntakeSettings) -> None:
        self.db = db
        self.settings = settings
        # the notifier's senders read the same setting names, which intake's settings carry
        self.channels = Channels(cast(NotifierSettings, settings))
        self.whatsapp = WhatsAppSender(settings)

    def configured(self) -> dict[str, bool]:
        s = self.settings
        return {
            "email": bool(s.smtp_host),
            "sms": bool(s.sms_gateway_url and s.sms_userkey and s.sms_passkey is not None),
            "whatsapp": self.whatsapp.configured,
        }

    async def announce(self) -> None:
        off = [via for via, on in self.configured().items() if not on]
        if off:
            log.warning("citizen replies off: server not configured", channels=off)

    async def aclose(self) -> None:
        await self.channels.aclose()
        await self.whatsapp.aclose()

    async def on_message(self, envelope: Envelope[CitizenMessage]) -> None:
        msg = envelope.payload
        async with once(self.db.pool, store.SCHEMA, "citizen-outbound", envelope.event_id) as conn:
            if conn is None:
                return
            contact = await store.contact_of(conn, msg.reply_handle)
            via: str | None = None
            configured = self.configured()
            if contact is None:
                outcome = "unknown_handle"
            else:
                on = frozenset(way for way, yes in configured.items() if yes)
                target = route(msg.channel, contact["phone"], contact["email"], configured=on)
                if target is None:
                    outcome = "no_contact"
                else:
                    via, address = target
                    outcome = await self._send(via, address, msg, envelope) if configured[via] else "not_configured"
                    if via == "email" and outcome == "sent":
                        # a reply naming this Message-ID joins the complaint (services/intake/linking.py)
                        await store.record_mail_thread(
                            conn,
                            self.message_id(envelope),
                            complaint_id=contact["complaint_id"],
                            tracking_number=msg.tracking_number,
                        )
            await store.record_outbound(
                conn,
                event_id=envelope.event_id,
                tracking_number=msg.tracking_number,
                kind=msg.kind.value,
                channel=msg.channel.value,
                via=via,
                outcome=outcome,
            )
        log.info(
            "citizen message handled",
            tracking_number=msg.tracking_number,
            channel=msg.channel.value,
            via=via,
            outcome=outcome,
            kind=msg.kind.value,
        )

    def message_id(self, envelope: Envelope[Any]) -> str:
        """The Message-ID of the e-mail for this event: derived, so a resend is the same message."""
        domain = self.settings.smtp_from.rpartition("@")[2].strip(" >") or "aduan.intake"
        return f"<{derived_id('citizen-mail', envelope.event_id)}@{domain}>"

    async def _send(self, via: str, address: str, msg: CitizenMessage, envelope: Envelope[Any]) -> str:
        subject = SUBJECTS.get(msg.language, SUBJECTS["id"]).format(tracking=msg.tracking_number)
        row = {
            "channel": via,
            "recipient": address,
            "subject": subject,
            "body": msg.text,
            "idem_key": f"citizen:{envelope.event_id}",
            "message_id": self.message_id(envelope),
        }
        try:
            if via == "whatsapp":
                await self.whatsapp.send(address, msg.text)
            else:
                await self.channels.send(row)
        except DeliveryError as exc:
            if not exc.permanent:
                raise  # rolls the claim back: the batch comes again
            log.warning("citizen message refused", tracking_number=msg.tracking_number, via=via, error=str(exc))
            return "failed"
        return "sent"
