"""The daily per-agency digest: open deadlines, due soon, breached; once per agency per local day."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from services.notifier import store
from services.notifier.handlers import agency_name
from services.notifier.messages import Messages
from services.notifier.recipients import Recipients
from shared.db import Database
from shared.events import utcnow


async def send_digests(
    db: Database, recipients: Recipients, messages: Messages, timezone: str, now: datetime | None = None
) -> int:
    """Queue today's digest for every agency with contacts, once the configured hour has come; return how many
    agencies got one. The claim of (agency, day) and its outbox rows commit together."""
    cfg = recipients.digest
    now = now or utcnow()
    local = now.astimezone(ZoneInfo(timezone))
    if not cfg.enabled or local.hour < cfg.hour or not recipients.agencies:
        return 0
    codes = sorted(recipients.agencies)
    queued = 0
    async with db.pool.acquire() as conn, conn.transaction():
        counts = await store.digest_counts(conn, codes, now, now + timedelta(days=cfg.due_soon_days))
        for code in codes:
            deliveries = recipients.deliveries(cfg.to, code)
            if not deliveries or not await store.claim_digest(conn, code, local.date()):
                continue
            c = counts.get(code, {"open": 0, "due_soon": 0, "breached": 0})
            fields = {
                "agency_name": agency_name(code),
                "day": local.date().isoformat(),
                "due_soon_days": cfg.due_soon_days,
                **c,
            }
            subject, body = messages.digest.subject.format(**fields), messages.digest.body.format(**fields)
            payload = {"type": "sla.digest", "agency_code": code, "day": fields["day"], **c, "text": body}
            await store.enqueue(
                conn,
                [
                    (
                        f"digest:{code}:{fields['day']}:{d.key}",
                        d.channel,
                        d.address,
                        d.role,
                        subject,
                        body,
                        payload,
                        d.secret_env,
                        utcnow(),  # due now, whatever moment `now` stands for
                    )
                    for d in deliveries
                ],
            )
            queued += 1
    return queued
