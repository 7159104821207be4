"""`make demo`: the whole pipeline on the sample complaints, then a readable summary.

Starts Kafka, PostgreSQL, the LAPOR! simulator and the four services; sends every sample through
its own channel (web form, Open311, SMS/WhatsApp/e-mail gateway webhooks over HTTP, and the mobile
app straight to Kafka); plays the human triage desk for complaints routing was unsure of; waits
until each accepted complaint is in LAPOR!; prints the summary, writes var/demo-summary.json, and
stops what it started.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from aduan import stack
from services.intake.channels import REGISTRY
from services.intake.gammu import GammuSms, messages_from_environment
from services.routing.decide import UNKNOWN_KABKOTA
from shared.agencies import KABKOTA_BY_REGION
from shared.events import Channel, EventType, InboundMessage, complaint_id_for, new_envelope, utcnow
from shared.kafka import Publisher
from shared.topics import Topics
from simulators.gateways import Gateways, GatewaySecrets, whatsapp_webhook
from simulators.local_channels import SECRET_ENV, LocalChannels

SUMMARY_PATH = stack.VAR / "demo-summary.json"


@dataclass
class Sample:
    id: str
    channel: str
    raw: dict[str, Any]
    expect: dict[str, Any]
    tracking_number: str | None = None
    rejected_reasons: list[str] = field(default_factory=list)
    channel_message_id: str | None = None


def registered_channels() -> list[str]:
    """The channels intake's registry knows (services/intake/channels), in its order."""
    return [channel.value for spec in REGISTRY for channel in spec.channels]


def load_samples(path: Path, run: str) -> list[Sample]:
    """Samples with their channel message ids made unique to this run, so a rerun is new work."""
    samples = []
    for line in path.read_text().splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        s = Sample(row["id"], row["channel"], dict(row["raw"]), row.get("expect", {}))
        if s.channel == "whatsapp":
            s.raw["id"] = f"{s.raw['id']}.{run}"
        elif s.channel == "email":
            s.raw["message_id"] = f"{run}.{s.raw['message_id']}"
        elif s.channel == "sms":
            s.raw["messageId"] = f"sms-{run}-{s.id}"
        elif s.channel == "open311" and s.raw.get("description"):
            # GeoReport has no idempotency key: intake keys a request by its reporter and text, so the same
            # sample sent by an earlier run within the repeat window would be that run's complaint
            s.raw["description"] = f"{s.raw['description']} (demo {run})"
        if s.channel == "sms_gammu":
            s.raw["smsd_ids"] = [f"IN{run}_{s.id}_{n:02d}" for n in range(1, len(s.raw["parts"]) + 1)]
        s.channel_message_id = {
            "whatsapp": s.raw.get("id"),
            "email": s.raw.get("message_id"),
            "sms": s.raw.get("messageId"),
            "sms_gammu": _gammu_message(s).channel_message_id if s.channel == "sms_gammu" else None,
        }.get(s.channel) or f"{s.channel}-{run}-{s.id}"
        samples.append(s)
    return samples


async def send(samples: list[Sample], intake_url: str, kafka: str, topics: Topics, intake_env: dict[str, str]) -> None:
    async with (
        Publisher(kafka, "demo-mobile-app") as publisher,
        httpx.AsyncClient(base_url=intake_url, timeout=30) as http,
    ):
        gateways = signed_gateways(http)
        for s in samples:
            if s.channel == "sms_gammu":
                await send_gammu(s, intake_env)
            else:
                await _send_one(s, http, gateways, publisher, topics)


def _smsd_environment(s: Sample) -> dict[str, str]:
    """What Gammu SMSD sets for RunOnReceive when the parts of one long SMS came in (gammu-smsd-run(7))."""
    parts: list[str] = s.raw["parts"]
    env = {"SMS_MESSAGES": str(len(parts)), "PHONE_ID": "demo-modem"}
    for n, text in enumerate(parts, 1):
        env[f"SMS_{n}_NUMBER"], env[f"SMS_{n}_TEXT"] = s.raw["number"], text
    return env


def _gammu_message(s: Sample) -> GammuSms:
    (message,) = messages_from_environment(_smsd_environment(s), s.raw["smsd_ids"])
    return message


async def send_gammu(s: Sample, intake_env: dict[str, str]) -> None:
    """Run `aduan gammu-receive` the way SMSD's RunOnReceive does: the parts in the environment, the message ids
    as arguments; exit status 0 means Kafka acknowledged (the tracking number is read from intake afterwards)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "aduan.cli",
        "gammu-receive",
        *s.raw["smsd_ids"],
        env={**os.environ, **intake_env, **_smsd_environment(s)},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    if await proc.wait() != 0:
        s.rejected_reasons = [f"gammu-receive exited {proc.returncode}"]


def signed_gateways(http: httpx.AsyncClient) -> Gateways:
    """The demo signs its sample traffic the way the real gateways do, with the stack's channel secrets."""
    return Gateways(http, GatewaySecrets.from_env(stack.channel_secrets()))


async def _send_one(
    s: Sample, http: httpx.AsyncClient, gateways: Gateways, publisher: Publisher, topics: Topics
) -> None:
    if s.channel == "app":
        # A channel that speaks Kafka publishes the inbound event itself.
        inbound = InboundMessage(
            channel=Channel.APP, channel_message_id=s.channel_message_id or s.id, received_at=utcnow(), raw=s.raw
        )
        envelope = new_envelope(
            EventType.RECEIVED,
            inbound,
            producer="demo-mobile-app",
            complaint_id=complaint_id_for("app", inbound.channel_message_id),
        )
        await publisher.publish(topics.inbound, envelope, key=inbound.channel_message_id)
        return
    if s.channel == "web":
        r = await http.post("/v1/complaints", json=s.raw, headers={"Idempotency-Key": s.channel_message_id or ""})
        body = r.json()
        if r.status_code == 202:
            s.tracking_number = body["tracking_number"]
        else:
            s.rejected_reasons = [e["code"] for e in body.get("errors", [])] or [str(r.status_code)]
        return
    if s.channel == "open311":
        r = await gateways.open311({k: str(v) for k, v in s.raw.items() if v is not None})
        if r.status_code == 201:
            s.tracking_number = r.json()[0]["service_request_id"]
        else:
            s.rejected_reasons = ["invalid"] if r.status_code == 400 else [str(r.status_code)]
        return
    if s.channel == "sms":
        r = await gateways.sms(s.raw, event_id=s.channel_message_id)
    elif s.channel == "whatsapp":
        message = {k: v for k, v in s.raw.items() if k != "profile_name"}
        r = await gateways.whatsapp(whatsapp_webhook(message, s.raw.get("profile_name")))
    else:
        r = await gateways.email({k: str(v) for k, v in s.raw.items() if v is not None})
    r.raise_for_status()
    body = r.json()
    if body["accepted"]:
        s.tracking_number = body["accepted"][0]
    else:
        s.rejected_reasons = [e["code"] for e in body["rejected"][0]]


RAW_EMAILS = stack.ROOT / "samples" / "email"


async def send_raw_email(intake_url: str, run: str) -> tuple[Sample, dict[str, Any]]:
    """A citizen's e-mail as it was sent (Mailgun's raw-MIME forward, a photo attached), then the citizen's
    reply quoting its tracking number in the subject: the reply joins the complaint, it is no new one."""
    sample = Sample("mail-raw", "email_raw", {}, {"region_code": "18.06", "level": "kabkota"})
    sent = {"raw_emails": 1, "replies_sent": 0}
    complaint_id = f"raw.{run}@example.org"
    message = (RAW_EMAILS / "complaint.eml").read_bytes().replace(b"{message_id}", complaint_id.encode())
    async with httpx.AsyncClient(base_url=intake_url, timeout=30) as http:
        gateways = signed_gateways(http)
        r = await gateways.email_mime(message)
        r.raise_for_status()
        body = r.json()
        if not body["accepted"]:
            sample.rejected_reasons = [e["code"] for e in body["rejected"][0]] or ["rejected"]
            return sample, sent
        sample.tracking_number = body["accepted"][0]
        reply = (
            (RAW_EMAILS / "reply.eml")
            .read_bytes()
            .replace(b"{message_id}", f"reply.{run}@example.org".encode())
            .replace(b"{in_reply_to}", complaint_id.encode())
            .replace(b"{tracking}", sample.tracking_number.encode())
        )
        # the complaint must be recorded before its reply can join it
        await asyncio.sleep(0.5)
        r = await gateways.email_mime(reply)
        r.raise_for_status()
        sent["replies_sent"] = 1
    return sample, sent


async def count_replies_joined(pool: asyncpg.Pool, sample: Sample, deadline: float) -> int:
    """How many replies joined the raw e-mail's complaint (intake.follow_ups), waiting a little for them."""
    joined = 0
    while sample.tracking_number and time.monotonic() < deadline:
        joined = await pool.fetchval(
            "SELECT count(*) FROM intake.follow_ups f JOIN intake.complaints c USING (complaint_id)"
            " WHERE c.tracking_number = $1",
            sample.tracking_number,
        )
        if joined:
            break
        await asyncio.sleep(0.5)
    return int(joined)


async def resolve_kafka_samples(samples: list[Sample], pool: asyncpg.Pool, deadline: float) -> None:
    """Samples published straight to Kafka learn their fate from intake's tables."""
    pending = [s for s in samples if s.channel in ("app", "sms_gammu") and not s.rejected_reasons]
    while pending and time.monotonic() < deadline:
        for s in list(pending):
            tracking = await pool.fetchval(
                "SELECT tracking_number FROM intake.complaints WHERE channel = $1 AND channel_message_id = $2",
                s.channel,
                s.channel_message_id,
            )
            codes = await pool.fetchval(
                "SELECT reason_codes FROM intake.rejections WHERE channel = $1 AND channel_message_id = $2",
                s.channel,
                s.channel_message_id,
            )
            if tracking or codes:
                s.tracking_number, s.rejected_reasons = tracking, list(codes or [])
                pending.remove(s)
        await asyncio.sleep(0.3)


def desk_choice(suggested: str, expected_region: str | None) -> str:
    """The triage desk's answer: routing's suggestion, or, where routing knew the matter is a kab/kota's
    but not which one, the kab/kota the sample was written for (a human would read it from the text or
    ask the reporter)."""
    if suggested != UNKNOWN_KABKOTA:
        return suggested
    region = expected_region if expected_region in KABKOTA_BY_REGION else "18.71"  # else Bandar Lampung
    return KABKOTA_BY_REGION[region].code


async def settle(
    tracking: list[str], pool: asyncpg.Pool, routing_url: str, deadline: float, expected_region: dict[str, str | None]
) -> list[str]:
    """Wait until every accepted complaint is in LAPOR! (or parked). Complaints routing sent to triage
    are decided by the demo's triage desk (`desk_choice`)."""
    decided: set[str] = set()
    async with httpx.AsyncClient(base_url=routing_url, timeout=10) as http:
        while time.monotonic() < deadline:
            done = await pool.fetchval(
                "SELECT count(*) FROM forwarder.reports WHERE tracking_number = ANY($1) AND state <> 'pending'",
                tracking,
            )
            if done == len(tracking):
                break
            triage = await pool.fetch(
                "SELECT DISTINCT tracking_number, agency_code FROM routing.decisions"
                " WHERE tracking_number = ANY($1) AND outcome = 'triage'",
                tracking,
            )
            for row in triage:
                if row["tracking_number"] not in decided:
                    r = await http.post(
                        f"/v1/triage/{row['tracking_number']}",
                        json={
                            "agency_code": desk_choice(row["agency_code"], expected_region.get(row["tracking_number"])),
                            "operator": "demo-triage-desk",
                            "note": "suggestion confirmed",
                        },
                    )
                    if r.status_code in (200, 202):
                        decided.add(row["tracking_number"])
            await asyncio.sleep(0.5)
    return sorted(decided)


async def collect(
    samples: list[Sample], pool: asyncpg.Pool, sim_url: str, triaged: list[str], elapsed: float
) -> dict[str, Any]:
    accepted = [s for s in samples if s.tracking_number]
    tracking = [s.tracking_number for s in accepted]
    routed = {
        r["tracking_number"]: r
        for r in await pool.fetch(
            "SELECT DISTINCT ON (tracking_number) * FROM routing.decisions WHERE tracking_number = ANY($1)"
            " AND outcome = 'routed' ORDER BY tracking_number, decided_at DESC",
            tracking,
        )
    }
    reports = {
        r["tracking_number"]: r
        for r in await pool.fetch("SELECT * FROM forwarder.reports WHERE tracking_number = ANY($1)", tracking)
    }
    deadlines = await pool.fetch(
        "SELECT clock, count(*) AS n FROM notifier.deadlines WHERE tracking_number = ANY($1)"
        " AND stopped_at IS NULL GROUP BY clock ORDER BY clock",
        tracking,
    )
    async with httpx.AsyncClient(timeout=10) as http:
        sim = (await http.get(f"{sim_url}/_sim/stats")).json()

    created = {number for number, r in reports.items() if r["state"] == "created"}
    # every channel intake registers has its row, so one the samples do not cover shows as sent 0
    per_channel: dict[str, Counter[str]] = {channel: Counter() for channel in registered_channels()}
    for s in samples:
        c = per_channel.setdefault(s.channel, Counter())
        c["sent"] += 1
        c["accepted"] += bool(s.tracking_number)
        c["rejected"] += bool(s.rejected_reasons)
        c["forwarded"] += bool(s.tracking_number and s.tracking_number in created)
    per_agency = Counter(f"{r['level']:<8} {r['agency_code']}" for r in routed.values())
    agree = [s for s in accepted if s.tracking_number in routed and s.expect.get("region_code")]
    region_ok = sum(routed[s.tracking_number]["region_code"] == s.expect["region_code"] for s in agree)
    level_ok = sum(routed[s.tracking_number]["level"] == s.expect.get("level") for s in agree)
    forwarded = sum(1 for r in reports.values() if r["state"] == "created")
    return {
        "sent": len(samples),
        "accepted": len(accepted),
        "rejected": sum(1 for s in samples if s.rejected_reasons),
        "routed": len(routed),
        "triaged": len(triaged),
        "forwarded": forwarded,
        "parked": sum(1 for r in reports.values() if r["state"] == "parked"),
        "lapor_reports": sim["reports"],
        "lapor_duplicates": sim["duplicates"],
        "open_deadlines": {r["clock"]: r["n"] for r in deadlines},
        "routing_agreement": {"compared": len(agree), "region": region_ok, "level": level_ok},
        "per_channel": {k: dict(v) for k, v in sorted(per_channel.items())},
        "per_agency": dict(per_agency.most_common()),
        "rejections": {s.id: s.rejected_reasons for s in samples if s.rejected_reasons},
        "elapsed_s": round(elapsed, 1),
    }


def render(summary: dict[str, Any]) -> str:
    lines = [
        "",
        "aduan demo — summary",
        "=" * 60,
        f"{'channel':<10}{'sent':>6}{'accepted':>10}{'rejected':>10}{'forwarded':>11}",
    ]
    for channel, c in summary["per_channel"].items():
        lines.append(
            f"{channel:<10}{c.get('sent', 0):>6}{c.get('accepted', 0):>10}{c.get('rejected', 0):>10}"
            f"{c.get('forwarded', 0):>11}"
        )
    lines += ["-" * 60, f"{'level    agency':<44}{'complaints':>12}"]
    lines += [f"{agency:<44}{n:>12}" for agency, n in summary["per_agency"].items()]
    agreement = summary["routing_agreement"]
    lines += [
        "-" * 60,
        f"sent {summary['sent']} · accepted {summary['accepted']} · rejected {summary['rejected']} · "
        f"routed {summary['routed']} (of which via triage {summary['triaged']})",
        f"forwarded {summary['forwarded']} · parked {summary['parked']} · LAPOR! reports "
        f"{summary['lapor_reports']} · duplicates {summary['lapor_duplicates']}",
        "open deadlines: " + ", ".join(f"{k} {v}" for k, v in summary["open_deadlines"].items()),
        *_render_email(summary.get("email")),
        f"routing vs the samples' expectations: region {agreement['region']}/{agreement['compared']}, "
        f"level {agreement['level']}/{agreement['compared']}",
        "rejected samples: " + "; ".join(f"{k} ({', '.join(v)})" for k, v in summary["rejections"].items()),
        f"elapsed {summary['elapsed_s']} s · summary written to {SUMMARY_PATH}",
        "",
    ]
    return "\n".join(lines)


def _render_email(mail: dict[str, Any] | None) -> list[str]:
    if not mail:
        return []
    return [
        f"e-mail as sent: raw messages {mail['raw_emails']} (row email_raw) · replies {mail['replies_sent']}, "
        f"joined to their complaint {mail['replies_joined']} (no new complaint)"
    ]


def run_demo(samples_path: str, *, timeout: float = 180.0) -> int:
    started = time.monotonic()
    run = uuid.uuid4().hex[:8]
    infra = stack.infra_up()
    # A run of its own: fresh topics under a prefix, so nothing left from an earlier run is counted.
    topics = Topics(f"demo-{run}.")
    stack.create_topics(infra.kafka, topics.prefix)
    # ports of its own: the demo runs beside `make up` or another checkout's services
    local = stack.Stack(infra, topic_prefix=topics.prefix, ports=stack.free_ports())
    channels = start_notifier_channels(local, run)
    citizens = start_citizen_channels(local)
    # every run sends the same samples again into the same database: no linking them to the last run's
    local.procs["intake"].env["ADUAN_DUPLICATE_LINKING"] = "false"
    print("starting the LAPOR! simulator and the four services …", flush=True)
    try:
        local.start()
        summary = asyncio.run(_run(samples_path, run, topics, local, infra, timeout, started, channels, citizens))
    finally:
        local.stop()
        channels.stop()
        citizens.stop()
        stack.drop_topics(infra.kafka, topics.prefix)
        stack.infra_down(infra)
    SUMMARY_PATH.parent.mkdir(parents=True, exist_ok=True)
    SUMMARY_PATH.write_text(json.dumps(summary, indent=2, ensure_ascii=False))
    print(render(summary))
    print(render_notifier(summary))
    complete = (
        summary["forwarded"] == summary["accepted"] == summary["lapor_reports"]
        and summary["lapor_duplicates"] == 0
        and summary["email"]["replies_joined"] == summary["email"]["replies_sent"]
    )
    if not complete:
        print("NOT COMPLETE: some accepted complaints did not reach LAPOR! exactly once; see var/log/")
    return 0 if complete else 1


async def _run(
    samples_path: str,
    run: str,
    topics: Topics,
    local: stack.Stack,
    infra: stack.Infra,
    timeout: float,
    started: float,
    channels: LocalChannels,
    citizens: LocalChannels,
) -> dict[str, Any]:
    samples = load_samples(Path(samples_path), run)
    deadline = time.monotonic() + timeout
    print(
        f"sending {len(samples)} sample complaints through {len(Counter(s.channel for s in samples))} channels …",
        flush=True,
    )
    await send(samples, local.url("intake"), infra.kafka, topics, local.procs["intake"].env)
    raw_mail, mail_sent = await send_raw_email(local.url("intake"), run)
    samples.append(raw_mail)
    samples.append(await send_overdue_complaint(infra.kafka, topics, run))
    pool = await asyncpg.create_pool(infra.database_url, min_size=1, max_size=2)
    try:
        await resolve_kafka_samples(samples, pool, deadline)
        tracking = [s.tracking_number for s in samples if s.tracking_number]
        print(f"{len(tracking)} accepted; waiting until each is in LAPOR! …", flush=True)
        expected = {s.tracking_number: s.expect.get("region_code") for s in samples if s.tracking_number}
        triaged = await settle(tracking, pool, local.url("routing"), deadline, expected)
        alerts = await collect_notifier(channels, citizens, pool, infra.kafka, topics, deadline)
        mail = {
            "raw_emails": mail_sent["raw_emails"],
            "replies_sent": mail_sent["replies_sent"],
            "replies_joined": await count_replies_joined(pool, raw_mail, deadline),
        }
        summary = await collect(samples, pool, local.url("lapor-sim"), triaged, time.monotonic() - started)
        return {**summary, **alerts, "email": mail}
    finally:
        await pool.close()


# ---------------------------------------------------------------------------------------------
# the notifier's part (issue 10): alerts delivered to a local SMTP server, SMS gateway and webhook sink


def start_notifier_channels(local: stack.Stack, run: str) -> LocalChannels:
    """Start the three local channels and point the notifier at them: every agency, kab/kota and the province
    has recipients there; the scan runs every second; quiet hours are off so the demo's SMS go out at any hour."""
    channels = LocalChannels().start()
    recipients = channels.write_recipients_all(stack.VAR / f"demo-recipients-{run}.toml")
    local.procs["notifier"].env.update(
        {
            **channels.env(recipients),
            "ADUAN_SCAN_INTERVAL_S": "1",
            "ADUAN_DELIVERY_INTERVAL_S": "0.5",
            "ADUAN_SMS_QUIET_HOURS": "",
            SECRET_ENV: channels.webhook_secret,
        }
    )
    return channels


def start_citizen_channels(local: stack.Stack) -> LocalChannels:
    """The reporters' side: intake answers them through servers of their own (an SMTP server, the SMS gateway
    and the WhatsApp Cloud API simulator), so what reached citizens is counted apart from the alerts."""
    citizens = LocalChannels().start()
    local.procs["intake"].env.update(citizens.intake_env())
    return citizens


async def send_overdue_complaint(kafka: str, topics: Topics, run: str) -> Sample:
    """Accelerated time: one app complaint received 20 days ago, so its clocks warn, breach and escalate now."""
    raw = {
        "title": "Jembatan desa putus",
        "body": (
            "Jembatan gantung penghubung Desa Sukamaju di Kecamatan Gadingrejo, Pringsewu putus sejak tiga minggu "
            "lalu. Anak sekolah harus memutar sejauh 8 km. Sudah dilaporkan ke desa tetapi belum ada tindakan."
        ),
        "reporter": {"name": "Demo Warga", "phone": "+6281200099901"},
        "location": {"text": "Gadingrejo, Pringsewu"},
    }
    sample = Sample("overdue-demo", "app", raw, {}, channel_message_id=f"app-{run}-overdue")
    inbound = InboundMessage(
        channel=Channel.APP,
        channel_message_id=sample.channel_message_id or "",
        received_at=utcnow() - timedelta(days=20),
        raw=raw,
    )
    envelope = new_envelope(
        EventType.RECEIVED,
        inbound,
        producer="demo-mobile-app",
        complaint_id=complaint_id_for("app", inbound.channel_message_id),
    )
    async with Publisher(kafka, "demo-mobile-app") as publisher:
        await publisher.publish(topics.inbound, envelope, key=inbound.channel_message_id)
    return sample


async def collect_notifier(
    channels: LocalChannels, citizens: LocalChannels, pool: asyncpg.Pool, kafka: str, topics: Topics, deadline: float
) -> dict[str, Any]:
    """Wait until a warning, a breach and an escalation were delivered on every channel (or the deadline), then
    count what arrived at the local servers and the citizen messages on citizen.outbound."""
    wanted = {"warning", "breach", "escalation"}
    kinds: dict[str, set[str]] = {}
    while time.monotonic() < deadline:
        rows = await pool.fetch(
            "SELECT DISTINCT channel, payload->>'kind' AS kind FROM notifier.outbox WHERE state = 'sent'"
        )
        kinds = {}
        for r in rows:
            kinds.setdefault(r["channel"], set()).add(r["kind"])
        if any(wanted <= k for k in kinds.values()) and set(kinds) >= {"email", "sms", "webhook"}:
            break
        await asyncio.sleep(0.5)
    await asyncio.sleep(1.0)
    from aiokafka import AIOKafkaConsumer

    consumer = AIOKafkaConsumer(
        topics.citizen_outbound, bootstrap_servers=kafka, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        citizen: set[str] = set()
        for _ in range(10):
            batch = await consumer.getmany(timeout_ms=300)
            citizen.update(json.loads(r.value)["event_id"] for records in batch.values() for r in records)
    finally:
        await consumer.stop()
    replies = await citizen_replies(pool, sorted(citizen), deadline)
    stats = channels.stats()
    return {
        "alerts_delivered": {c: stats[c]["received"] for c in ("email", "sms", "webhook")},
        "alert_duplicates": sum(s["duplicates"] for s in stats.values()),
        "alert_kinds_delivered": {c: sorted(k) for c, k in sorted(kinds.items())},
        "citizen_messages": len(citizen),
        "citizen_replies": replies,
        "citizen_messages_delivered": {c: n for c, n in citizens.received().items() if c != "webhook"},
        "citizen_duplicates": sum(s["duplicates"] for s in citizens.stats().values()),
    }


async def citizen_replies(pool: asyncpg.Pool, event_ids: list[str], deadline: float) -> dict[str, int]:
    """What intake did with this run's citizen messages once each is recorded: sent by way (e-mail, SMS,
    WhatsApp), or the outcome that kept it from going out (no_contact for anonymous reporters, …)."""
    rows: list[asyncpg.Record] = []
    while time.monotonic() < deadline:
        rows = await pool.fetch("SELECT via, outcome FROM intake.outbound WHERE event_id = ANY($1::uuid[])", event_ids)
        if len(rows) >= len(event_ids):
            break
        await asyncio.sleep(0.5)
    counted = Counter(f"sent_{r['via']}" if r["outcome"] == "sent" else r["outcome"] for r in rows)
    return dict(sorted(counted.items()))


def render_notifier(summary: dict[str, Any]) -> str:
    delivered = summary.get("alerts_delivered", {})
    return (
        f"notifier: alerts delivered e-mail {delivered.get('email', 0)} · SMS {delivered.get('sms', 0)} · "
        f"webhook {delivered.get('webhook', 0)} (duplicates {summary.get('alert_duplicates', 0)}); kinds "
        f"{summary.get('alert_kinds_delivered', {})}\n"
        f"citizens: {summary.get('citizen_messages', 0)} messages; delivered "
        f"{summary.get('citizen_messages_delivered', {})} (duplicates {summary.get('citizen_duplicates', 0)}); "
        f"by outcome {summary.get('citizen_replies', {})}\n"
    )
