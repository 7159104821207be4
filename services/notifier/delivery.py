"""Sending the outbox: e-mail over SMTP (aiosmtplib), SMS through a Zenziva-style HTTP gateway, and signed
webhooks, each message once per recipient per alert.

A worker round leases a batch of due messages (committed before anything is sent, SKIP LOCKED so replicas
take different rows), sends them, and records each outcome as soon as it is known: sent, retried later
with exponential backoff, or dead after a permanent refusal or too many attempts. A process killed
mid-send leaves its leased rows to be tried again once the lease ends; only a message the receiver had
accepted in the instant before the kill, before its outcome was written, can go out twice, which is why
webhooks carry X-Aduan-Delivery for receivers to dedupe (docs/webhooks.md).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import os
import random
import time as _time
from collections.abc import Mapping
from datetime import datetime, time, timedelta
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import aiosmtplib
import asyncpg

from services.notifier import store
from services.notifier.settings import NotifierSettings
from shared.db import Database
from shared.events import derived_id, utcnow
from shared.logging import get_logger
from shared.metrics import ALERT_DELIVERIES

log = get_logger(__name__)

# how often a sent message's record is tried again while the database does not answer
RECORD_RETRY_FIRST_S = 0.2
RECORD_RETRY_MAX_S = 2.0
# What the database being away looks like to asyncpg: refused or reset connections, a server shutting down, and
# a connection the outage left mid-operation ("cannot switch to state …", seen when PostgreSQL stopped mid-write).
DATABASE_AWAY: tuple[type[Exception], ...] = (
    OSError,
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
)

__all__ = ["Deliverer", "DeliveryError", "parse_quiet_hours", "quiet_until", "sign", "verify"]

SIGNATURE_HEADER = "X-Aduan-Signature"
TIMESTAMP_HEADER = "X-Aduan-Timestamp"
DELIVERY_HEADER = "X-Aduan-Delivery"
_SMTP_RETRY_CODES = frozenset({530, 534, 535, 538, 552})


class DeliveryError(Exception):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


# ---------------------------------------------------------------------------------------------
# pure helpers


def parse_quiet_hours(value: str) -> tuple[time, time] | None:
    """ "21:00-07:00" -> (21:00, 07:00); "" -> None. A window may wrap past midnight."""
    value = value.strip()
    if not value:
        return None
    try:
        start_s, end_s = value.split("-")
        start, end = time.fromisoformat(start_s.strip()), time.fromisoformat(end_s.strip())
    except ValueError:
        raise ValueError(f"quiet hours must look like 21:00-07:00, got {value!r}") from None
    if start == end:
        raise ValueError("quiet hours must not start and end at the same time")
    return start, end


def quiet_until(now: datetime, quiet: tuple[time, time] | None, tz: ZoneInfo) -> datetime | None:
    """The end of the quiet window `now` falls in (aware UTC), or None outside it."""
    if quiet is None:
        return None
    start, end = quiet
    local = now.astimezone(tz)
    t = local.time().replace(tzinfo=None)
    inside = (start <= t or t < end) if start > end else (start <= t < end)
    if not inside:
        return None
    day = local.date() if t < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=tz).astimezone(now.tzinfo)


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """v1=<hex HMAC-SHA256 of "<timestamp>.<body>" keyed by the shared secret>."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def verify(
    secret: str, timestamp: str, body: bytes, signature: str, *, tolerance_s: int = 300, now: float | None = None
) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent (no replay)."""
    try:
        age = abs((now if now is not None else _time.time()) - int(timestamp))
    except ValueError:
        return False
    return age <= tolerance_s and hmac.compare_digest(sign(secret, timestamp, body), signature)


def backoff(attempts: int, base_s: float, max_s: float, rng: random.Random | None = None) -> timedelta:
    """Exponential with ±20 % jitter: base, 2·base, 4·base … capped at max."""
    delay = min(max_s, base_s * 2 ** max(0, attempts - 1))
    return timedelta(seconds=delay * (rng or random).uniform(0.8, 1.2))


# ---------------------------------------------------------------------------------------------
# the channels


class Channels:
    def __init__(self, settings: NotifierSettings, environ: Mapping[str, str] | None = None) -> None:
        self.settings = settings
        self.environ = os.environ if environ is None else environ
        self._http: aiohttp.ClientSession | None = None

    @property
    def http(self) -> aiohttp.ClientSession:
        # created on first use, inside the running event loop
        if self._http is None:
            self._http = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.settings.delivery_timeout_s),
                connector=aiohttp.TCPConnector(limit=self.settings.delivery_concurrency * 2),
            )
        return self._http

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def _post(self, url: str, what: str, **kwargs: Any) -> tuple[int, bytes]:
        """POST and read at most 64 KiB of the answer; a network failure or timeout is a DeliveryError to retry."""
        try:
            async with self.http.post(url, **kwargs) as response:
                return response.status, await response.content.read(65536)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DeliveryError(f"{what} unreachable: {type(exc).__name__}") from None

    async def send(self, row: dict[str, Any]) -> None:
        channel = row["channel"]
        if channel == "email":
            await self.email(row)
        elif channel == "sms":
            await self.sms(row)
        elif channel == "webhook":
            await self.webhook(row)
        else:
            raise DeliveryError(f"unknown channel {channel!r}", permanent=True)

    async def email(self, row: dict[str, Any]) -> None:
        s = self.settings
        if not s.smtp_host:
            raise DeliveryError("ADUAN_SMTP_HOST is not set")
        msg = EmailMessage()
        msg["From"] = s.smtp_from
        msg["To"] = row["recipient"]
        msg["Subject"] = row["subject"]
        msg["Date"] = formatdate(localtime=False)
        # the same message always has the same Message-ID, so a mail system can spot a repeat
        msg["Message-ID"] = row.get("message_id") or f"<{derived_id('outbox', row['idem_key'])}@aduan.notifier>"
        msg["X-Aduan-Delivery"] = str(derived_id("outbox", row["idem_key"]))
        msg.set_content(row["body"])
        try:
            await aiosmtplib.send(
                msg,
                hostname=s.smtp_host,
                port=s.smtp_port,
                username=s.smtp_user,
                password=s.smtp_password.get_secret_value() if s.smtp_password else None,
                use_tls=s.smtp_tls,
                cert_bundle=str(s.smtp_ca_file) if s.smtp_ca_file else None,
                start_tls=None if s.smtp_tls else s.smtp_starttls,
                timeout=s.delivery_timeout_s,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            raise DeliveryError(f"recipient refused: {type(exc).__name__}", permanent=True) from None
        except aiosmtplib.SMTPResponseException as exc:
            # 5xx is final for this message, except a refused login or TLS (our configuration: fixed, then retried)
            # and 552 (mailbox full for now)
            permanent = 500 <= exc.code < 600 and exc.code not in _SMTP_RETRY_CODES
            raise DeliveryError(f"SMTP {exc.code}", permanent=permanent) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
            raise DeliveryError(f"SMTP unreachable: {type(exc).__name__}") from None

    async def sms(self, row: dict[str, Any]) -> None:
        s = self.settings
        if not s.sms_gateway_url or not s.sms_userkey or s.sms_passkey is None:
            raise DeliveryError("SMS gateway not configured (ADUAN_SMS_GATEWAY_URL/USERKEY/PASSKEY)")
        form = {
            "userkey": s.sms_userkey,
            "passkey": s.sms_passkey.get_secret_value(),
            "to": row["recipient"],
            "message": row["body"][:459],
        }  # three concatenated SMS at most
        status, content = await self._post(s.sms_gateway_url, "SMS gateway", data=form)
        if status >= 500 or status == 429:
            raise DeliveryError(f"SMS gateway answered {status}")
        try:
            answer = json.loads(content)
        except ValueError:
            raise DeliveryError(f"SMS gateway answered {status} without JSON") from None
        if not isinstance(answer, dict) or str(answer.get("status")) != "1":
            answer = answer if isinstance(answer, dict) else {}
            # Zenziva: status "1" is sent; anything else carries a reason in "text" ("saldo": out of credit)
            permanent = status < 500 and "saldo" not in str(answer.get("text", "")).lower()
            raise DeliveryError(f"SMS gateway refused: {str(answer.get('text'))[:100]}", permanent=permanent)

    async def webhook(self, row: dict[str, Any]) -> None:
        secret_env = row["secret_env"]
        secret = self.environ.get(secret_env or "")
        if not secret:
            raise DeliveryError(f"webhook secret {secret_env} is not set", permanent=False)
        body = json.dumps(
            row["payload"] if isinstance(row["payload"], dict) else json.loads(row["payload"]),
            separators=(",", ":"),
            sort_keys=True,
        ).encode()
        ts = str(int(_time.time()))
        headers = {
            "Content-Type": "application/json",
            TIMESTAMP_HEADER: ts,
            SIGNATURE_HEADER: sign(secret, ts, body),
            DELIVERY_HEADER: str(derived_id("outbox", row["idem_key"])),
        }
        status, _ = await self._post(row["recipient"], "webhook", data=body, headers=headers)
        if status >= 300:
            permanent = 400 <= status < 500 and status not in (408, 409, 425, 429)
            raise DeliveryError(f"webhook answered {status}", permanent=permanent)


# ---------------------------------------------------------------------------------------------
# the worker


class SentRecorder:
    """Records sent messages in group commits: each caller waits until its own row is recorded, and every row
    that became sent while one UPDATE ran goes into the next one. So a sending slot still does send → record →
    next, but a busy outbox costs one UPDATE per round trip instead of one per message."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._pending: list[tuple[int, asyncio.Future[None]]] = []
        self._task: asyncio.Task[None] | None = None

    async def record(self, row_id: int) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((row_id, future))
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._flush())
        await future

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                await self._record(batch)
            except Exception as exc:  # not an outage: the rows stay leased, the caller logs it
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
            else:
                for _, future in batch:
                    if not future.done():
                        future.set_result(None)

    async def _record(self, batch: list[tuple[int, asyncio.Future[None]]]) -> None:
        """Write the batch as sent, trying again until the database takes it: these messages went out, and a
        row left leased would go out a second time once its lease ends (a PostgreSQL outage would double every
        message in flight). Meanwhile the senders wait, so this worker leases nothing new; only a kill (or a
        stop) leaves the rows to their lease."""
        pause = RECORD_RETRY_FIRST_S
        while True:
            try:
                await store.mark_sent_many(self.db.pool, [row_id for row_id, _ in batch], utcnow())
                return
            except DATABASE_AWAY as exc:
                log.warning("delivery record failed", rows=len(batch), error_type=type(exc).__name__)
                await asyncio.sleep(pause)
                pause = min(pause * 2, RECORD_RETRY_MAX_S)


class Deliverer:
    def __init__(
        self, db: Database, settings: NotifierSettings, timezone: str, environ: Mapping[str, str] | None = None
    ) -> None:
        self.db = db
        self.settings = settings
        self.tz = ZoneInfo(timezone)
        self.quiet = parse_quiet_hours(settings.sms_quiet_hours)
        self.channels = Channels(settings, environ)
        self._gate = asyncio.Semaphore(settings.delivery_concurrency)
        self._sent = SentRecorder(db)

    async def aclose(self) -> None:
        await self.channels.aclose()

    async def deliver_once(self) -> int:
        """Send every message due now (batch after batch); return how many were delivered."""
        delivered = 0
        while True:
            now = utcnow()
            # a message still waiting for a sending slot when its lease ends is skipped (`_one`), not sent late
            lease = now + timedelta(seconds=self.settings.delivery_timeout_s * 3 + 5)
            async with self.db.pool.acquire() as conn, conn.transaction():
                rows = await store.claim_batch(conn, now, self.settings.delivery_batch, lease)
            if not rows:
                return delivered
            # Every message of the batch settles before this round ends, whatever one of them raised: a round that
            # returned early would let the next one lease a row still being sent here, once its lease ran out.
            outcomes = await asyncio.gather(*(self._one(row, now) for row in rows), return_exceptions=True)
            failed = next((o for o in outcomes if isinstance(o, BaseException)), None)
            if failed is not None:
                raise failed
            delivered += sum(o for o in outcomes if o is True)
            if len(rows) < self.settings.delivery_batch:
                return delivered

    async def _one(self, row: dict[str, Any], now: datetime) -> bool:
        pool = self.db.pool
        if row["channel"] == "sms":
            until = quiet_until(now, self.quiet, self.tz)
            if until is not None:
                await store.defer(pool, row["id"], until)
                return False
        async with self._gate:
            if utcnow() >= row["next_attempt_at"]:
                # its lease ran out while it waited for a sending slot: another replica may have it by now
                return False
            try:
                await self.channels.send(row)
            except DeliveryError as exc:
                give_up = exc.permanent or row["attempts"] >= self.settings.delivery_max_attempts
                retry_at = (
                    None
                    if give_up
                    else utcnow()
                    + backoff(row["attempts"], self.settings.delivery_backoff_s, self.settings.delivery_backoff_max_s)
                )
                await store.mark_failed(pool, row["id"], str(exc), retry_at)
                ALERT_DELIVERIES.labels(channel=row["channel"], outcome="dead" if give_up else "retry").inc()
                log.warning(
                    "delivery failed",
                    channel=row["channel"],
                    outbox_id=row["id"],
                    attempts=row["attempts"],
                    error=str(exc),
                    gave_up=give_up,
                )
                return False
            # recorded before this slot sends anything else: a kill can only double a message in this instant
            await self._sent.record(row["id"])
            ALERT_DELIVERIES.labels(channel=row["channel"], outcome="sent").inc()
            return True
