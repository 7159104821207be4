"""The citizen's timeline without a broker: texts, order, the next deadline and what GeoReport may keep."""

from __future__ import annotations

import tomllib
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from services.intake import timeline
from shared.events import Channel, ChannelHints, Complaint, Location, Reporter

POLICY = Path(__file__).parents[2] / "services" / "notifier" / "policy.toml"
T0 = datetime(2026, 8, 3, 2, 0, tzinfo=UTC)


def test_the_clocks_end_on_the_notifiers_own_events() -> None:
    clocks = tomllib.loads(POLICY.read_text(encoding="utf-8"))["clocks"]
    assert set(timeline.TEXTS.clocks) == set(clocks)
    for name, clock in clocks.items():
        ends = {e for key in ("stops_on", "restarts_on", "pauses_on", "resumes_on") for e in clock.get(key, [])}
        assert set(timeline.TEXTS.clocks[name].ends_on) == ends, name


def test_texts_with_a_placeholder_no_step_fills_are_refused(tmp_path: Path) -> None:
    text = timeline.TEXTS_PATH.read_text(encoding="utf-8").replace("{agency_name}.", "{agency}.", 1)
    (tmp_path / "t.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match="unknown placeholders"):
        timeline.load_texts(tmp_path / "t.toml")


def test_step_texts_name_the_agency_and_the_lapor_id_or_say_it_plainly() -> None:
    assert timeline.step_text("routed", {"agency_name": "Pemerintah Kota Metro"}) == (
        "Diteruskan kepada Pemerintah Kota Metro."
    )
    assert timeline.step_text("routed", {}) == "Diteruskan kepada instansi yang berwenang."
    assert "9300001" in timeline.step_text("forwarded", {"lapor_tracking_id": "9300001"})
    followed = timeline.step_text("followed_up", {"agency_name": "Dinas PUPR", "note": "Jalan sudah ditambal."})
    assert followed == "Ditindaklanjuti oleh Dinas PUPR: Jalan sudah ditambal."


def _step(step: str, at: datetime, **facts: str) -> dict[str, object]:
    return {
        "step": step,
        "at": at,
        "recorded_at": at,
        "agency_code": facts.get("agency_code"),
        "lapor_tracking_id": facts.get("lapor_tracking_id"),
        "note": facts.get("note"),
        "duplicate_of": facts.get("duplicate_of"),
    }


def test_entries_are_in_time_order_with_received_and_accepted_first() -> None:
    row = {"received_at": T0, "accepted_at": T0}
    steps = [
        _step("forwarded", T0 + timedelta(minutes=2), agency_code="kota-metro", lapor_tracking_id="77"),
        _step("routed", T0 + timedelta(minutes=1), agency_code="kota-metro"),
        _step("verified", T0 + timedelta(minutes=2)),  # same instant: the earlier stage first
    ]
    out = timeline.entries(row, steps)
    assert [e["step"] for e in out] == ["received", "accepted", "routed", "forwarded", "verified"]
    assert out[2]["agency_name"] == "Pemerintah Kota Metro" and out[3]["lapor_tracking_id"] == "77"
    assert all(e["text"] for e in out)


def _deadline(clock: str, kind: str, due: datetime, announced: datetime) -> dict[str, object]:
    return {"clock": clock, "kind": kind, "due_at": due, "announced_at": announced}


def test_the_next_deadline_is_the_earliest_no_later_step_ended() -> None:
    warned = _deadline("verification", "warning", T0 + timedelta(days=3), T0 + timedelta(days=2))
    decision = _deadline("decision", "warning", T0 + timedelta(days=50), T0 + timedelta(days=2))
    nxt = timeline.next_deadline([warned, decision], [])
    assert nxt is not None and nxt["clock"] == "verification" and nxt["overdue"] is False
    assert nxt["label"] == "verifikasi" and "06-08-2026 09:00 WIB" in nxt["text"]
    # disposed after the announcement ends verification; the decision clock is next
    disposed = _step("disposed", T0 + timedelta(days=2, hours=1))
    after = timeline.next_deadline([warned, decision], [disposed])
    assert after is not None and after["clock"] == "decision"
    # closed ends everything
    assert timeline.next_deadline([warned, decision], [_step("closed", T0 + timedelta(days=9))]) is None


def test_a_breached_deadline_is_overdue_and_a_step_before_the_announcement_does_not_end_it() -> None:
    breach = _deadline("follow_up", "breach", T0 + timedelta(days=8), T0 + timedelta(days=8))
    reopened_before = _step("reopened", T0 + timedelta(days=1))
    nxt = timeline.next_deadline([breach], [reopened_before])
    assert nxt is not None and nxt["overdue"] is True and "terlampaui" in nxt["text"]


def _complaint(**changes: object) -> Complaint:
    base: dict[str, object] = {
        "complaint_id": uuid.uuid4(),
        "tracking_number": "LPG-AAAA-BBBB-CCCC",
        "channel": Channel.OPEN311,
        "channel_message_id": "m1",
        "received_at": T0,
        "title": "Jalan rusak",
        "body": "Jalan rusak di depan rumah Rina Wati, hubungi 081234567890.",
        "original_body": "x",
        "reporter": Reporter(name="Rina Wati", phone="+6281234567890"),
        "location": Location(text="Jl. Pagar Alam", lat=-5.4, lon=105.2),
        "hints": ChannelHints(category="jalan"),
    }
    return Complaint.model_validate({**base, **changes})


def test_public_facts_mask_the_reporter_and_keep_nothing_of_a_confidential_complaint() -> None:
    facts = timeline.public_facts(_complaint())
    assert facts["service_code"] == "pekerjaan_umum"  # the first code, as its urusan
    assert "Rina" not in facts["description"] and "081234567890" not in facts["description"]
    assert (facts["address"], facts["lat"], facts["lon"]) == ("Jl. Pagar Alam", -5.4, 105.2)
    secret = timeline.public_facts(_complaint(confidential=True))
    assert secret == {"service_code": "pekerjaan_umum", "description": None, "address": None, "lat": None, "lon": None}
    assert timeline.public_facts(_complaint(channel=Channel.WEB))["service_code"] is None
