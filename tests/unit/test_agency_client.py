"""The agency client's pure parts: what it prints of a complaint, and which answers it refuses."""

from __future__ import annotations

import io
import json

import pytest

from aduan.agency import KINDS, AgencyClient, _print, summary
from shared.events import ComplaintStatus, Reporter
from shared.kafka_auth import KafkaAuth
from tests.factories import complaint, routed_event


def test_the_three_answers_are_the_statuses_the_pipeline_knows() -> None:
    assert KINDS == {
        "tindak-lanjut": ComplaintStatus.FOLLOWED_UP,
        "bukan-wewenang": ComplaintStatus.NOT_OUR_AUTHORITY,
        "minta-keterangan": ComplaintStatus.DETAIL_REQUESTED,
    }


def test_an_anonymous_reporter_is_never_printed() -> None:
    secret = Reporter(name="Siti Rahayu", phone="+6281234567890")
    event = routed_event(complaint().model_copy(update={"reporter": secret, "anonymous": True}))
    for raw in (False, True):
        out = io.StringIO()
        _print(out, raw)(event)
        assert "Siti" not in out.getvalue() and "81234567890" not in out.getvalue()
    assert json.loads(json.dumps(summary(event)))["tracking_number"] == event.payload.complaint.tracking_number


def test_no_client_for_a_body_without_a_topic() -> None:
    with pytest.raises(KeyError):
        AgencyClient("pusat-generic", "127.0.0.1:1", KafkaAuth())


async def test_an_answer_needs_a_note() -> None:
    client = AgencyClient("kab-lampung-selatan", "127.0.0.1:1", KafkaAuth())
    with pytest.raises(ValueError, match="note"):
        await client.answer("LPG-1", "tindak-lanjut", "   ")
