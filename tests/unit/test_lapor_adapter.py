"""LaporClient against the real simulator over HTTP: wire format and error classification."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest

from services.forwarder.lapor import (
    LaporClient,
    LaporPermanentError,
    LaporReport,
    LaporRetryableError,
    LaporTimeoutError,
    _retry_after,
)
from simulators.lapor.server import SimulatorServer

KEY = "adapter-key"


@pytest.fixture(scope="module")
def sim() -> Iterator[SimulatorServer]:
    with SimulatorServer(api_key=KEY) as server:
        yield server


@pytest.fixture(autouse=True)
def fresh(sim: SimulatorServer) -> None:
    sim.state.reset()


@pytest.fixture
async def lapor(sim: SimulatorServer) -> AsyncIterator[LaporClient]:
    async with LaporClient(sim.base_url, KEY, timeout_s=2.0) as client:
        yield client


def report(**overrides: Any) -> LaporReport:
    fields: dict[str, Any] = {
        "reference": "aduan-42",
        "title": "Puskesmas tutup di jam layanan",
        "content": "Puskesmas Kedaton tutup pukul 10 pagi pada hari kerja, pasien disuruh pulang.",
        "incident_date": date(2025, 6, 2),
        "category": "Kesehatan",
        "agency_code": "KOTA-BDL",
        "region_code": "18.71",
        "level": "kabkota",
        "anonymous": False,
        "confidential": True,
        "channel": "sms",
        "location": {"text": "Kedaton, Bandar Lampung"},
        "reporter": {"name": "Budi", "phone": "+6281234567890", "email": None},
        "attachments": [{"url": "https://files.example.org/p.jpg", "media_type": "image/jpeg", "size_bytes": 2048}],
    }
    fields.update(overrides)
    return LaporReport(**fields)


async def test_create_then_find_get_and_sync(lapor: LaporClient, sim: SimulatorServer) -> None:
    receipt = await lapor.create_report(report())
    assert receipt.reference == "aduan-42"
    assert receipt.status == "menunggu_verifikasi"
    assert receipt.tracking_id.isdigit()

    assert await lapor.find_by_reference("aduan-42") == receipt
    assert await lapor.find_by_reference("aduan-unknown") is None

    stored = await lapor.get_report(receipt.tracking_id)
    assert stored["incident_date"] == "2025-06-02"
    assert stored["confidential"] is True
    assert stored["attachments"][0]["size_bytes"] == 2048

    sim.state.advance(receipt.tracking_id, "verified", "ok")
    sim.state.advance(receipt.tracking_id, "disposed", None)
    page = await lapor.status_page(0, 10)
    assert [(c.tracking_id, c.status.value, c.reference) for c in page.changes] == [
        (receipt.tracking_id, "verified", "aduan-42"),
        (receipt.tracking_id, "disposed", "aduan-42"),
    ]
    assert page.next_after == page.changes[-1].seq and not page.more  # the creation step is read past
    assert (await lapor.status_page(page.next_after, 10)).changes == []


async def test_the_status_feed_is_paged(lapor: LaporClient, sim: SimulatorServer) -> None:
    receipt = await lapor.create_report(report())
    for status in ("verified", "disposed", "followed_up", "closed"):
        sim.state.advance(receipt.tracking_id, status, None)
    seen, after, pages = [], 0, 0
    while True:
        page = await lapor.status_page(after, 2)
        seen += [c.status.value for c in page.changes]
        after, pages = page.next_after, pages + 1
        if not page.more:
            break
    assert seen == ["verified", "disposed", "followed_up", "closed"] and pages == 3


async def test_an_anonymous_report_sends_no_identity_and_lapor_refuses_one_that_does(
    lapor: LaporClient, sim: SimulatorServer
) -> None:
    with pytest.raises(LaporPermanentError) as refused:
        await lapor.create_report(report(anonymous=True))
    assert refused.value.status == 422 and "anonymous" in refused.value.body
    receipt = await lapor.create_report(report(anonymous=True, reporter=None))
    assert (await lapor.get_report(receipt.tracking_id))["reporter"] is None


async def test_find_by_reference_returns_the_oldest_duplicate(lapor: LaporClient) -> None:
    first = await lapor.create_report(report())
    await lapor.create_report(report())
    assert (await lapor.find_by_reference("aduan-42")) == first


@pytest.mark.parametrize("status", [500, 502, 503, 408])
async def test_server_errors_are_retryable(lapor: LaporClient, sim: SimulatorServer, status: int) -> None:
    sim.state.set_faults({"fail_next": 1, "error_status": status})
    with pytest.raises(LaporRetryableError) as caught:
        await lapor.create_report(report())
    assert not isinstance(caught.value, LaporTimeoutError)
    assert caught.value.status == status


async def test_rate_limit_is_retryable_with_retry_after(lapor: LaporClient, sim: SimulatorServer) -> None:
    sim.state.set_faults({"rate_limit_rate": 1.0})
    with pytest.raises(LaporRetryableError) as caught:
        await lapor.find_by_reference("aduan-42")
    assert (caught.value.status, caught.value.retry_after) == (429, 1.0)


async def test_invalid_report_is_permanent(lapor: LaporClient, sim: SimulatorServer) -> None:
    with pytest.raises(LaporPermanentError) as caught:
        await lapor.create_report(report(content="pendek"))
    assert caught.value.status == 422
    assert "content" in caught.value.body
    assert sim.state.stats()["reports"] == 0


async def test_rejected_report_is_permanent(lapor: LaporClient, sim: SimulatorServer) -> None:
    sim.state.set_faults({"reject_next": 1})
    with pytest.raises(LaporPermanentError) as caught:
        await lapor.create_report(report())
    assert caught.value.status == 422


async def test_wrong_key_is_permanent(sim: SimulatorServer) -> None:
    async with LaporClient(sim.base_url, "wrong") as client:
        with pytest.raises(LaporPermanentError) as caught:
            await client.create_report(report())
    assert caught.value.status == 401


async def test_unknown_tracking_id_is_permanent_404(lapor: LaporClient) -> None:
    with pytest.raises(LaporPermanentError) as caught:
        await lapor.get_report("1")
    assert caught.value.status == 404


async def test_slow_create_times_out_but_the_lookup_finds_it(sim: SimulatorServer) -> None:
    sim.state.set_faults({"slow_create_rate": 1.0, "slow_create_ms": 300})
    async with LaporClient(sim.base_url, KEY, timeout_s=0.1) as impatient:
        with pytest.raises(LaporTimeoutError):
            await impatient.create_report(report())
    # the lookup is an ordinary call: on a busy machine it may take longer than the impatient create
    async with LaporClient(sim.base_url, KEY, timeout_s=10) as patient:
        found = await patient.find_by_reference("aduan-42")
    assert found is not None
    assert sim.state.stats()["reports"] == 1


async def test_connection_refused_is_retryable_not_doubtful() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    async with LaporClient(f"http://127.0.0.1:{port}", KEY) as client:
        with pytest.raises(LaporRetryableError) as caught:
            await client.create_report(report())
    assert not isinstance(caught.value, LaporTimeoutError)


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    assert _retry_after("7") == 7.0
    assert _retry_after(None) is None
    assert _retry_after("soon") is None
    later = _retry_after(format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True))
    assert later is not None and 25 < later <= 30


# ---------------------------------------------------------------------------------------------
# the legacy form (XML addstream)


async def test_the_legacy_form_creates_with_the_flags_and_reads_trackingid_and_transaksiid(
    sim: SimulatorServer,
) -> None:
    from services.forwarder.lapor_legacy import LegacyLaporClient, to_xml

    body = to_xml(report(anonymous=True, reporter=None, confidential=True), "sim-token").decode()
    assert 'anonim="1"' in body and 'rahasia="1"' in body and 'token="sim-token"' in body
    assert "Budi" not in body and "+62812" not in body  # an anonymous reporter's identity never travels
    async with LegacyLaporClient(sim.base_url, "sim-token", KEY, timeout_s=2.0) as legacy:
        receipt = await legacy.create_report(report(reference="aduan-legacy"))
        assert receipt.tracking_id.isdigit() and receipt.transaction_id == f"trx-{receipt.tracking_id}"
        assert await legacy.find_by_reference("aduan-legacy") == receipt.model_copy(
            update={"transaction_id": None, "status": "menunggu_verifikasi"}
        )
        stored = await legacy.get_report(receipt.tracking_id)
        assert stored["reporter"] == {"name": "Budi", "phone": "+6281234567890", "email": None}
        assert (stored["anonymous"], stored["confidential"]) == (False, True)
        hidden = await legacy.create_report(report(reference="aduan-anon", anonymous=True, reporter=None))
        assert (await legacy.get_report(hidden.tracking_id))["reporter"] is None
    async with LegacyLaporClient(sim.base_url, "wrong-token", KEY) as wrong:
        with pytest.raises(LaporPermanentError) as refused:
            await wrong.create_report(report())
    assert refused.value.status == 401


async def test_an_unreadable_legacy_answer_is_a_doubt_not_a_failure(sim: SimulatorServer) -> None:
    from services.forwarder.lapor_legacy import LegacyLaporClient

    sim.state.set_faults({"malformed": 1.0})
    async with LegacyLaporClient(sim.base_url, "sim-token", KEY) as legacy:
        with pytest.raises(LaporTimeoutError) as doubt:
            await legacy.create_report(report())
    assert doubt.value.maybe_applied and sim.state.stats()["reports"] == 1
