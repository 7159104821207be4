"""The notifier delivers through its outbox to real local servers: an aiosmtpd SMTP server, the Zenziva-style SMS
gateway simulator and the webhook sink (which verifies every signature). Two replicas run against one database
and one consumer group; each e-mail, SMS and webhook must arrive exactly once. Also: the citizen's messages on
citizen.outbound, the deadline history API, and the Ombudsman route when the agency never answers."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client import REGISTRY

from services.notifier.app import build
from services.notifier.settings import NotifierSettings
from shared.events import ComplaintStatus, EventType, StatusChanged, new_envelope, utcnow
from simulators.local_channels import SECRET_ENV, LocalChannels
from tests.factories import accepted_event, complaint, decision, routed_event
from tests.support import eventually, publish_events, read_topic, running

pytestmark = pytest.mark.integration

AGENCY, REGION = "kota-metro", "18.72"


@pytest.fixture
def channels(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    with LocalChannels() as local:
        monkeypatch.setenv(SECRET_ENV, local.webhook_secret)
        local.recipients_path = local.write_recipients(tmp_path / "recipients.toml", AGENCY, REGION)
        yield local


def notifier_settings(service_env, channels, **extra):  # type: ignore[no-untyped-def]
    return NotifierSettings(
        **service_env,
        scan_interval_s=0.3,
        delivery_interval_s=0.2,
        delivery_backoff_s=0.2,
        sms_quiet_hours="",
        **channels.settings(channels.recipients_path),
        **extra,
    )


async def wait_for(channels: LocalChannels, expected: dict[str, int], timeout: float) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and any(channels.received()[c] < n for c, n in expected.items()):
        await asyncio.sleep(0.2)
    await asyncio.sleep(2.0)  # a late duplicate would show now
    return channels.received()


async def route_then_accept(infra, topics, database_url, complaints, agency=AGENCY, region=REGION):  # type: ignore[no-untyped-def]
    """Routed first (the agency is known), then accepted: the clocks open with the agency's recipients."""
    import asyncpg

    await publish_events(
        infra.kafka,
        topics.routed,
        *(routed_event(c, decision(agency, region, urusan="pekerjaan_umum")) for c in complaints),
    )
    conn = await asyncpg.connect(database_url)
    try:
        ids = [c.complaint_id for c in complaints]

        async def known():  # type: ignore[no-untyped-def]
            return await conn.fetchval(
                "SELECT count(*) FROM notifier.complaints WHERE complaint_id = ANY($1::uuid[])"
                " AND agency_code IS NOT NULL",
                ids,
            ) == len(ids)

        assert await eventually(known, timeout=30)
    finally:
        await conn.close()
    await publish_events(infra.kafka, topics.accepted, *(accepted_event(c) for c in complaints))


def _deliveries(channel: str, outcome: str) -> float:
    return REGISTRY.get_sample_value("aduan_alert_deliveries_total", {"channel": channel, "outcome": outcome}) or 0.0


async def test_two_replicas_deliver_each_email_sms_and_webhook_exactly_once(
    service_env, channels, infra, topics, database_url
):
    n = 10
    # three weeks old: both accepted-clocks are past warning, breach and both escalation levels
    complaints = [complaint(received_at=utcnow() - timedelta(days=21)) for _ in range(n)]
    channels.webhook_faults.fail_next = 3  # the first webhooks answer 503: retried with backoff
    a, b = build(notifier_settings(service_env, channels)), build(notifier_settings(service_env, channels))
    sent_before = {c: _deliveries(c, "sent") for c in ("email", "sms", "webhook")}
    async with running(a), running(b):
        await route_then_accept(infra, topics, database_url, complaints)
        # per clock: warning and breach to the admin (e-mail + SMS), level 1 to the head (webhook),
        # level 2 to the Admin Koordinator (e-mail) and the Inspektorat (webhook); two clocks per complaint
        expected = {
            "email": 6 * n,
            "sms": 4 * n,
            "webhook": 4 * n,
            "whatsapp": 0,
        }  # the notifier never writes on WhatsApp
        received = await wait_for(channels, expected, timeout=90)
    stats = channels.stats()
    assert received == expected, stats
    assert all(s["duplicates"] == 0 for s in stats.values()), stats
    # the metric the dashboard reads: one sent per message (both replicas run in this process)
    assert {c: _deliveries(c, "sent") - sent_before[c] for c in sent_before} == {c: expected[c] for c in sent_before}
    assert _deliveries("webhook", "retry") >= 3
    assert stats["webhook"]["refused"] == 3  # the three 503s, nothing refused for a bad signature
    emails = channels.smtp.recorder.messages
    assert {tuple(m["to"]) for m in emails} == {
        (f"admin.lapor@{AGENCY}.example",),
        (f"koordinator.lapor@{AGENCY}.example",),
    }
    assert {m["from"] for m in emails} == {"aduan-notifier@localhost"}, emails[0]
    assert all(m["subject"].startswith("[ADUAN]") for m in emails), [m["subject"] for m in emails][:8]
    hooks = channels.webhooks.app.state.recorder.messages
    assert {m["hook"] for m in hooks} == {f"{AGENCY}-head", f"{AGENCY}-inspektorat"}
    assert {(m["payload"]["kind"], m["payload"]["level"]) for m in hooks} == {("escalation", 1), ("escalation", 2)}
    assert {m["to"] for m in channels.sms.app.state.recorder.messages} == {"+6281234500001"}


async def test_the_citizen_is_told_and_the_history_is_served(service_env, channels, infra, topics, database_url):
    c = complaint(reply_handle="rh-test-0001")
    service = build(notifier_settings(service_env, channels, api_key="test-key"))
    async with running(service):
        await publish_events(infra.kafka, topics.accepted, accepted_event(c))
        await publish_events(infra.kafka, topics.routed, routed_event(c, decision(AGENCY, REGION)))
        await read_topic(infra.kafka, topics.citizen_outbound, expect=2, timeout=30)
        t0 = utcnow()
        for i, status in enumerate(
            (
                ComplaintStatus.DISPOSED,
                ComplaintStatus.FOLLOWED_UP,
                ComplaintStatus.REOPENED,
                ComplaintStatus.FOLLOWED_UP,
                ComplaintStatus.CLOSED,
            )
        ):
            change = StatusChanged(
                tracking_number=c.tracking_number,
                status=status,
                agency_code=AGENCY,
                changed_at=t0 + timedelta(seconds=i),
            )
            await publish_events(
                infra.kafka,
                topics.status,
                new_envelope(EventType.STATUS_CHANGED, change, producer="test-lapor-sync", complaint_id=c.complaint_id),
            )
            await asyncio.sleep(0.5)  # one status after the other, as LAPOR! reports them
        messages = await read_topic(infra.kafka, topics.citizen_outbound, expect=5, timeout=30, settle=2.0)
        app = service.asgi()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://notifier") as http:

            async def history_done():  # type: ignore[no-untyped-def]
                r = await http.get(f"/v1/deadlines/{c.tracking_number}", headers={"X-Api-Key": "test-key"})
                return (
                    r
                    if r.status_code == 200
                    and any(h["kind"] == "met" and h["clock"] == "decision" for h in r.json()["history"])
                    else None
                )

            answer = await eventually(history_done, timeout=20)
            assert answer is not None
            unauthenticated = await http.get(f"/v1/deadlines/{c.tracking_number}")
            unknown = await http.get("/v1/deadlines/LPG-000000-NOTHING", headers={"X-Api-Key": "test-key"})
            malformed = await http.get("/v1/deadlines/%3Cscript%3E", headers={"X-Api-Key": "test-key"})
    kinds = [m["payload"]["kind"] for m in messages]
    # each follow-up is its own message (the second one after the reopen too); each message once
    assert sorted(kinds) == sorted(["acknowledged", "routed", "followed_up", "followed_up", "closed"]), kinds
    assert len({m["event_id"] for m in messages}) == len(messages)
    for m in messages:
        assert m["payload"]["reply_handle"] == "rh-test-0001" and m["payload"]["channel"] == "web"
        assert "Warga Contoh" not in str(m) and "+6281200001111" not in str(m)  # no reporter data travels
    assert c.tracking_number in next(m for m in messages if m["payload"]["kind"] == "acknowledged")["payload"]["text"]
    assert "Pemerintah Kota Metro" in next(m for m in messages if m["payload"]["kind"] == "routed")["payload"]["text"]
    body = answer.json()
    steps = [(h["clock"], h["kind"]) for h in body["history"]]
    assert ("verification", "started") in steps and ("verification", "met") in steps
    assert ("follow_up", "started") in steps and ("follow_up", "restarted") in steps
    assert ("decision", "paused") in steps and ("decision", "resumed") in steps and ("decision", "met") in steps
    follow_up = next(x for x in body["clocks"] if x["clock"] == "follow_up")
    assert follow_up["cycle"] == 1 and follow_up["state"] == "met"  # restarted on reopen, met by the second follow-up
    assert unauthenticated.status_code == 401
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith("application/problem+json")
    assert malformed.status_code == 400


async def test_an_agency_that_never_answers_sends_the_citizen_to_the_ombudsman_once(
    service_env, channels, infra, topics
):
    c = complaint(reply_handle="rh-test-0002", received_at=utcnow() - timedelta(days=25))
    service = build(notifier_settings(service_env, channels))
    async with running(service):
        await publish_events(infra.kafka, topics.accepted, accepted_event(c))
        change = StatusChanged(
            tracking_number=c.tracking_number,
            status=ComplaintStatus.DISPOSED,
            agency_code=AGENCY,
            changed_at=utcnow() - timedelta(days=20),
        )
        await publish_events(
            infra.kafka,
            topics.status,
            new_envelope(EventType.STATUS_CHANGED, change, producer="test-lapor-sync", complaint_id=c.complaint_id),
        )
        messages = await read_topic(infra.kafka, topics.citizen_outbound, expect=2, timeout=40, settle=3.0)
    kinds = sorted(m["payload"]["kind"] for m in messages)
    assert kinds == ["acknowledged", "ombudsman"], kinds
    text = next(m for m in messages if m["payload"]["kind"] == "ombudsman")["payload"]["text"]
    assert "Ombudsman RI Perwakilan Lampung" in text and c.tracking_number in text


async def test_the_daily_digest_goes_out_once_per_agency_and_day(service_env, channels, infra, topics, database_url):
    from datetime import UTC, datetime

    from services.notifier import store
    from services.notifier.digest import send_digests
    from services.notifier.messages import load_messages
    from services.notifier.recipients import load_recipients

    # an agency of its own: the session's database holds the other tests' clocks too
    agency, region = "kab-mesuji", "18.11"
    # The service runs with its own digest off (its loop uses the real clock: past 07:00 WIB it would send
    # today's digest before this test's complaint exists); the test sends the digest at chosen times.
    channels.write_recipients(channels.recipients_path, agency, region)
    with_digest = channels.recipients_path.with_name("recipients-digest.toml")
    with_digest.write_text(
        channels.recipients_path.read_text().replace("[digest]\nenabled = false", "[digest]\nenabled = true\nhour = 7")
    )
    recipients = load_recipients(with_digest)
    c = complaint(received_at=utcnow() - timedelta(days=1))
    service = build(notifier_settings(service_env, channels))
    tomorrow = (datetime.now(UTC) + timedelta(hours=7)).date() + timedelta(days=1)  # the next day in WIB
    at_hour = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 1, 0, tzinfo=UTC)  # 08:00 WIB
    async with running(service):
        # earlier tests of the session may have left clocks of this agency: the digest counts them too
        async with service.db.pool.acquire() as conn:
            earlier = (await store.digest_counts(conn, [agency], at_hour, at_hour + timedelta(days=2))).get(agency, {})
        await route_then_accept(infra, topics, database_url, [c], agency=agency, region=region)

        async def opened():  # type: ignore[no-untyped-def]
            return await service.db.pool.fetchval(
                "SELECT count(*) FROM notifier.deadlines WHERE complaint_id = $1", c.complaint_id
            )

        assert await eventually(opened)
        before_hour = at_hour - timedelta(hours=2)  # 06:00 WIB: not yet
        assert await send_digests(service.db, recipients, load_messages(), "Asia/Jakarta", now=before_hour) == 0
        assert await send_digests(service.db, recipients, load_messages(), "Asia/Jakarta", now=at_hour) == 1
        assert await send_digests(service.db, recipients, load_messages(), "Asia/Jakarta", now=at_hour) == 0

        async def digest_mail():  # type: ignore[no-untyped-def]
            return [m for m in channels.smtp.recorder.messages if "Ringkasan harian" in m["subject"]]

        mails = await eventually(digest_mail, timeout=30)
    assert len(mails) == 1 and mails[0]["to"] == [f"admin.lapor@{agency}.example"]
    assert "Pemerintah Kabupaten Mesuji" in mails[0]["subject"]
    # this complaint adds its two clocks (verification and completeness_answer) to what was open
    assert f"{earlier.get('open', 0) + 2} batas waktu berjalan" in mails[0]["body"]
