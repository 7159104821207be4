"""Duplicates and follow-ups by content (services/intake/duplicates.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from services.intake.duplicates import (
    Candidate,
    DuplicatePolicy,
    Place,
    content_message_id,
    find_duplicate,
    find_follow_up,
    normalised_text,
    reporter_key,
    same_place,
)
from services.intake.tracking import tracking_number

POLICY = DuplicatePolicy()
T0 = datetime(2026, 8, 20, 3, 0, tzinfo=UTC)
HOLE = "Jalan di depan SDN 1 Hajimena berlubang besar, sudah banyak yang jatuh"
HOLE_AGAIN = "jalan depan SDN 1 hajimena berlubang besar sekali, banyak pengendara jatuh"
LAMP = "Lampu jalan di depan SDN 1 Hajimena mati sejak seminggu"
NATAR = Place(region_code="18.01", kecamatan_code="18.01.04", text="Desa Hajimena, Natar")


def complaint(
    text: str, *, at: datetime = T0, place: Place = NATAR, reporter: str | None = None, open_: bool = True
) -> Candidate:
    cid = uuid.uuid4()
    return Candidate(cid, tracking_number(cid, prefix="LPG"), at, text, place, reporter, open_)


def test_the_same_reporter_and_text_in_one_window_is_one_channel_message() -> None:
    budi = reporter_key(phone="+6281234567890")
    first = content_message_id(channel="web", reporter=budi, text=HOLE, received_at=T0, window=timedelta(hours=24))
    # whitespace, case and punctuation do not make another message
    again = content_message_id(
        channel="web",
        reporter=budi,
        text=f"  {HOLE.upper()}!! ",
        received_at=T0 + timedelta(minutes=5),
        window=timedelta(hours=24),
    )
    assert again == first and first.startswith("content-")
    other_reporter = content_message_id(
        channel="web",
        reporter=reporter_key(phone="+6281299990000"),
        text=HOLE,
        received_at=T0,
        window=timedelta(hours=24),
    )
    other_text = content_message_id(channel="web", reporter=budi, text=LAMP, received_at=T0, window=timedelta(hours=24))
    next_window = content_message_id(
        channel="web", reporter=budi, text=HOLE, received_at=T0 + timedelta(days=2), window=timedelta(hours=24)
    )
    other_channel = content_message_id(
        channel="open311", reporter=budi, text=HOLE, received_at=T0, window=timedelta(hours=24)
    )
    assert len({first, other_reporter, other_text, next_window, other_channel}) == 5


def test_reporter_keys_hide_the_identity_and_match_an_address_in_any_case() -> None:
    key = reporter_key(email="Rina@Gmail.com")
    assert key == reporter_key(email="rina@gmail.com")
    assert key is not None and "rina" not in key
    assert reporter_key() is None


def test_a_similar_text_at_the_same_place_is_a_duplicate_of_the_first() -> None:
    first = complaint(HOLE)
    second = complaint(HOLE, at=T0 + timedelta(days=1))
    new = complaint(HOLE_AGAIN, at=T0 + timedelta(days=2))
    link = find_duplicate(new, [second, first], POLICY)
    assert link is not None
    assert (link.complaint_id, link.tracking_number) == (first.complaint_id, first.tracking_number)
    assert link.score >= POLICY.similar_text and "kecamatan" in link.reason


@pytest.mark.parametrize(
    ("why", "new"),
    [
        ("another problem at the same place", complaint(LAMP, at=T0 + timedelta(hours=1))),
        (
            "the same words elsewhere",
            complaint(HOLE, at=T0 + timedelta(hours=1), place=Place(region_code="18.71", kecamatan_code="18.71.01")),
        ),
        ("no place at all", complaint(HOLE, at=T0 + timedelta(hours=1), place=Place())),
        ("outside the window", complaint(HOLE, at=T0 + timedelta(days=15))),
        ("earlier than the first", complaint(HOLE, at=T0 - timedelta(hours=1))),
        ("too short to tell", complaint("jalan rusak", at=T0 + timedelta(hours=1))),
    ],
)
def test_not_a_duplicate(why: str, new: Candidate) -> None:
    earlier = [complaint(HOLE), complaint("jalan rusak")]
    assert find_duplicate(new, earlier, POLICY) is None, why


def test_places_are_the_same_by_distance_kecamatan_or_alike_location_text() -> None:
    a = Place(lat=-5.3500, lon=105.2300)
    assert same_place(a, Place(lat=-5.3510, lon=105.2310), POLICY) is not None  # ~160 m
    assert same_place(a, Place(lat=-5.3600, lon=105.2300), POLICY) is None  # ~1.1 km
    assert (
        same_place(
            Place(region_code="18.01", text="Jl. Raya Hajimena, Natar"),
            Place(region_code="18.01", text="jl raya hajimena natar"),
            POLICY,
        )
        is not None
    )
    assert (
        same_place(
            Place(region_code="18.01", text="Jl. Raya Hajimena"),
            Place(region_code="18.71", text="Jl. Raya Hajimena"),
            POLICY,
        )
        is None
    )
    assert same_place(Place(), Place(), POLICY) is None


def test_the_thresholds_come_from_the_policy() -> None:
    first = complaint(HOLE)
    new = complaint(HOLE_AGAIN, at=T0 + timedelta(hours=2))
    assert find_duplicate(new, [first], DuplicatePolicy(similar_text=95)) is None
    assert find_duplicate(new, [first], DuplicatePolicy(similar_text=70)) is not None
    assert find_duplicate(new, [first], DuplicatePolicy(duplicate_window=timedelta(hours=1))) is None


def test_a_message_quoting_the_tracking_number_follows_up_that_complaint() -> None:
    target, other = complaint(HOLE), complaint(LAMP)
    spoken = target.tracking_number.lower().replace("-", " ")
    new = complaint(
        f"Menanyakan pengaduan nomor {spoken}, belum ada perbaikan", at=T0 + timedelta(days=3), place=Place()
    )
    link = find_follow_up(new, [other, target], POLICY, tracking_prefix="LPG")
    assert link is not None and link.complaint_id == target.complaint_id and "tracking number" in link.reason


def test_the_same_reporter_on_the_same_matter_follows_up_the_latest_open_complaint() -> None:
    rina = reporter_key(phone="+6281200001234")
    older = complaint(HOLE, reporter=rina)
    latest = complaint(HOLE, reporter=rina, at=T0 + timedelta(days=1))
    closed = complaint(HOLE, reporter=rina, at=T0 + timedelta(days=2), open_=False)
    new = complaint(
        "jalan berlubang di depan SDN 1 Hajimena masih belum diperbaiki",
        reporter=rina,
        at=T0 + timedelta(days=4),
        place=Place(),
    )
    link = find_follow_up(new, [older, latest, closed], POLICY, tracking_prefix="LPG")
    assert link is not None and link.complaint_id == latest.complaint_id
    # another matter of the same reporter is a new complaint
    assert (
        find_follow_up(
            complaint("Sampah di Pasar Tugu menumpuk dan berbau", reporter=rina, at=T0 + timedelta(days=4)),
            [latest],
            POLICY,
            tracking_prefix="LPG",
        )
        is None
    )
    # another reporter, or an anonymous one, does not follow up someone else's complaint
    other = complaint(new.text, reporter=reporter_key(phone="+6281299990000"), at=T0 + timedelta(days=4))
    assert find_follow_up(other, [latest], POLICY, tracking_prefix="LPG") is None
    anonymous = complaint(new.text, at=T0 + timedelta(days=4))
    assert find_follow_up(anonymous, [latest], POLICY, tracking_prefix="LPG") is None
    # past the window it is a new complaint
    late = complaint(new.text, reporter=rina, at=T0 + timedelta(days=40))
    assert find_follow_up(late, [latest], POLICY, tracking_prefix="LPG") is None


def test_text_is_compared_without_case_accents_and_punctuation() -> None:
    assert normalised_text("  Jalan RUSAK, di Désa  Hajimena!! ") == "jalan rusak di desa hajimena"
