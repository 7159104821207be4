"""Tracking numbers: derived from the complaint id, checked, read forgivingly (services/intake/tracking.py)."""

from __future__ import annotations

import itertools
import uuid

from hypothesis import given
from hypothesis import strategies as st

from services.intake.tracking import (
    ALPHABET,
    check_character,
    find_numbers,
    numbers,
    passes_check,
    prefix_of,
    read,
    strip_numbers,
    tracking_number,
)

CID = uuid.UUID("3f2b9c1e-8d7a-4b6c-9e5f-1a2b3c4d5e6f")
NUMBER = tracking_number(CID, prefix="LPG")
CODE = NUMBER.removeprefix("LPG-").replace("-", "")


def test_the_number_has_three_groups_of_four_and_a_passing_check() -> None:
    groups = NUMBER.split("-")
    assert groups[0] == "LPG"
    assert [len(g) for g in groups[1:]] == [4, 4, 4]
    assert passes_check(CODE)
    assert CODE[-1] == check_character(CODE[:-1])


def test_every_single_substitution_fails_the_check() -> None:
    for i, symbol in itertools.product(range(len(CODE)), ALPHABET):
        if symbol != CODE[i]:
            assert not passes_check(CODE[:i] + symbol + CODE[i + 1 :]), (i, symbol)


def test_every_swap_of_neighbours_or_across_one_fails_the_check() -> None:
    for gap in (1, 2):
        for i in range(len(CODE) - gap):
            if CODE[i] != CODE[i + gap]:
                swapped = list(CODE)
                swapped[i], swapped[i + gap] = swapped[i + gap], swapped[i]
                assert not passes_check("".join(swapped)), (gap, i)


@given(st.text(alphabet=ALPHABET, min_size=2, max_size=20), st.data())
def test_check_detects_any_single_substitution_and_adjacent_swap(data: str, draw: st.DataObject) -> None:
    code = data + check_character(data)
    assert passes_check(code)
    i = draw.draw(st.integers(0, len(code) - 1))
    other = draw.draw(st.sampled_from([s for s in ALPHABET if s != code[i]]))
    assert not passes_check(code[:i] + other + code[i + 1 :])
    j = draw.draw(st.integers(0, len(code) - 2))
    if code[j] != code[j + 1]:
        assert not passes_check(code[:j] + code[j + 1] + code[j] + code[j + 2 :])


def test_twin_errors_fail_the_check() -> None:
    data = "7K3M9QQ2HTA"  # "QQ" read as "RR"
    code = data + check_character(data)
    assert not passes_check(code.replace("QQ", "RR"))


def test_the_number_depends_on_the_complaint_id_only() -> None:
    assert tracking_number(uuid.UUID(str(CID)), prefix="LPG") == NUMBER
    assert tracking_number(uuid.uuid4(), prefix="LPG") != NUMBER
    assert tracking_number(CID, prefix="TST") == "TST" + NUMBER.removeprefix("LPG")


def test_longer_numbers_extend_the_first_and_each_passes_its_check() -> None:
    chain = list(numbers(CID, prefix="LPG"))
    assert chain[0] == NUMBER
    assert len(chain) == len(set(chain)) == 4
    assert [len(n.replace("-", "")) - 3 for n in chain] == [12, 16, 20, 24]
    for shorter, longer in itertools.pairwise(chain):
        # the data characters of a longer number start with those of the shorter
        assert longer.replace("-", "")[3:].startswith(shorter.replace("-", "")[3:-1])
    for n in chain:
        assert read(n, prefix="LPG").number == n


def test_reading_forgives_case_spaces_dashes_and_look_alikes() -> None:
    lowered = NUMBER.lower()
    assert read(lowered, prefix="LPG").number == NUMBER
    assert read(" " + " ".join(CODE) + " ", prefix="LPG").number == NUMBER  # spelled out, no prefix
    assert read(f"lpg {CODE[:4]} {CODE[4:8]}-{CODE[8:]}", prefix="LPG").number == NUMBER
    assert read(f"1pg{CODE}", prefix="LPG").number == NUMBER  # the prefix typed with a one
    # O for 0, I and L for 1, wherever the number has a 0 or a 1
    code = "0123456789A"
    number = "LPG-" + "-".join([(c := code + check_character(code))[:4], c[4:8], c[8:]])
    assert read("LPG-O1234567-89A" + c[-1], prefix="LPG").number == number
    assert read("lpg-oi23-4567-89a" + c[-1].lower(), prefix="LPG").number == number
    assert read("LPG-0L23-4567-89A" + c[-1], prefix="LPG").number == number


def test_a_failed_check_suggests_the_numbers_one_slip_away() -> None:
    i = 5
    wrong = next(s for s in ALPHABET if s != CODE[i])
    typo = CODE[:i] + wrong + CODE[i + 1 :]
    reading = read(typo, prefix="LPG")
    assert reading.number is None
    assert NUMBER in reading.suggestions
    assert all(passes_check(s.removeprefix("LPG-").replace("-", "")) for s in reading.suggestions)
    # exactly one symbol fits each position, so a substitution yields one candidate per position at most
    assert len(reading.suggestions) <= 12 + 11 + 13 + 13


def test_swapped_missing_and_extra_characters_are_suggested() -> None:
    swapped = CODE[:2] + CODE[3] + CODE[2] + CODE[4:]
    missing = CODE[:7] + CODE[8:]
    extra = CODE[:7] + "Z" + CODE[7:]
    for slip in (swapped, missing, extra):
        if slip != CODE:
            assert NUMBER in read(slip, prefix="LPG").suggestions, slip
    assert read(swapped, prefix="LPG").suggestions[0] == NUMBER or CODE[2] == CODE[3]


def test_a_foreign_character_is_answered_with_the_one_that_fits() -> None:
    reading = read(CODE[:3] + "U" + CODE[4:], prefix="LPG")
    assert reading.number is None
    assert NUMBER in reading.suggestions


def test_text_that_is_no_number_has_no_suggestions_and_looks_up_as_typed() -> None:
    assert read("halo", prefix="LPG") == read("halo", prefix="LPG")
    reading = read("halo", prefix="LPG")
    assert (reading.number, reading.suggestions, reading.lookup_key) == (None, (), "HALO")
    # an older number (date format) is looked up as it is, upper-cased
    assert read("lpg-261129-abcd1234", prefix="LPG").lookup_key == "LPG-261129-ABCD1234"


def test_numbers_quoted_in_a_text_are_found_checked_and_made_canonical() -> None:
    other = tracking_number(uuid.UUID("11111111-2222-3333-4444-666666666666"), prefix="LPG")
    wrong = NUMBER[:-1] + ("Z" if NUMBER[-1] != "Z" else "Y")
    text = f"Menanyakan nomor {NUMBER.lower().replace('-', ' ')}, juga {other}; bukan {wrong}. Lagi: {NUMBER}"
    assert find_numbers(text, prefix="LPG") == (NUMBER, other)
    assert find_numbers("tidak ada nomor di sini, LPG 3 kg langka", prefix="LPG") == ()
    assert NUMBER not in strip_numbers(f"Re: [{NUMBER}] Lampu mati", prefix="LPG")


def test_any_prefix_is_found_again_and_read_back() -> None:
    for prefix in ("LPG", "TST", "LPG-BDL", ""):
        number = tracking_number(CID, prefix=prefix)
        assert prefix_of(number) == prefix
        assert next(numbers(CID, prefix=prefix_of(number))) == number
        assert read(number.lower(), prefix=prefix).number == number
