"""The reporter's messages as LAPOR! responses (services/forwarder/forward.py): a follow-up's text with
its attachments as links, and the messages that waited for the agency's follow-up as one response."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from services.forwarder.forward import (
    RESPONSE_MAX_CHARS,
    QueuedMessage,
    message_text,
    response_batch,
    response_reference,
)

AT = datetime(2026, 8, 12, 3, 15, tzinfo=UTC)  # 10:15 WIB


def queued(body: str, minutes: int = 0) -> QueuedMessage:
    return QueuedMessage(uuid.uuid4(), body, AT + timedelta(minutes=minutes))


def test_a_follow_ups_attachments_are_appended_as_links() -> None:
    urls = ["https://aduan.example/v1/attachments/a1?expires=1&signature=x", "https://aduan.example/v1/attachments/a2"]
    text = message_text("  Jalan masih berlubang.\n", urls)
    assert text == f"Jalan masih berlubang.\n\nLampiran: {urls[0]}\n\nLampiran: {urls[1]}"


def test_a_follow_up_with_only_an_attachment_is_its_link_and_one_with_nothing_is_empty() -> None:
    assert message_text("", ["https://x/1"]) == "Lampiran: https://x/1"
    assert message_text(" \n ", []) == ""


def test_one_message_goes_as_it_is_under_its_own_reference() -> None:
    only = queued("Belum selesai, jalan masih berlubang.")
    batch, text = response_batch([only])
    assert batch == [only] and text == "Belum selesai, jalan masih berlubang."
    assert response_reference(only) == f"resp-{only.event_id}"


def test_messages_that_waited_together_go_as_one_response_oldest_first_each_with_its_time() -> None:
    first, second = queued("Pertama."), queued("Kedua.", minutes=90)
    batch, text = response_batch([first, second])
    assert batch == [first, second]
    assert text == "[12-08-2026 10:15 WIB]\nPertama.\n\n---\n\n[12-08-2026 11:45 WIB]\nKedua."
    assert response_reference(batch[0]) == f"resp-{first.event_id}"


def test_a_message_that_would_pass_lapors_limit_waits_for_the_next_response() -> None:
    first, second, third = queued("a" * 6000), queued("b" * 6000, 1), queued("c", 2)
    batch, text = response_batch([first, second, third])
    assert batch == [first]  # not the third either: the order is kept
    assert len(text) <= RESPONSE_MAX_CHARS and text.endswith("a")


def test_a_single_message_longer_than_lapors_limit_is_cut_to_fit() -> None:
    long = queued("x" * 9995 + "\n\nLampiran: https://x/1")
    batch, text = response_batch([long])
    assert batch == [long] and len(text) <= RESPONSE_MAX_CHARS and text.endswith("x […]")
    first_too_long = response_batch([queued("y" * RESPONSE_MAX_CHARS), queued("z")])
    assert len(first_too_long[0]) == 1 and len(first_too_long[1]) <= RESPONSE_MAX_CHARS


def test_nothing_queued_is_no_response() -> None:
    assert response_batch([]) == ([], "")


async def test_a_duplicate_follow_up_or_an_empty_one_is_not_passed_on_and_touches_nothing() -> None:
    from prometheus_client import REGISTRY

    from services.forwarder.handlers import ForwarderHandlers
    from services.forwarder.settings import ForwarderSettings
    from shared.events import Channel, EventType, FollowUp, FollowUpKind, new_envelope

    def sample(outcome: str) -> float:
        return REGISTRY.get_sample_value("aduan_reporter_messages_total", {"outcome": outcome}) or 0.0

    # no database, no LAPOR!, no publisher: anything the handler touched would fail
    handlers = ForwarderHandlers(None, None, None, ForwarderSettings(), None)  # type: ignore[arg-type]

    def follow_up(kind: FollowUpKind, text: str) -> object:
        payload = FollowUp(
            tracking_number="LPG-261129-ABCDEF01",
            kind=kind,
            channel=Channel.EMAIL,
            channel_message_id="<m@x>",
            received_at=AT,
            text=text,
            reason="similar text",
        )
        return new_envelope(EventType.FOLLOW_UP, payload, producer="test", complaint_id=uuid.uuid4())

    duplicates, empties = sample("skipped_duplicate"), sample("skipped_empty")
    await handlers.on_follow_up(follow_up(FollowUpKind.DUPLICATE, "Jalan rusak juga di Natar."))  # type: ignore[arg-type]
    await handlers.on_follow_up(follow_up(FollowUpKind.MESSAGE, "   "))  # type: ignore[arg-type]
    assert (sample("skipped_duplicate"), sample("skipped_empty")) == (duplicates + 1, empties + 1)
