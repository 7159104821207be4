"""Personal data typed into text is masked (shared/pii.py): examples worked out by hand, and
properties over generated NIKs, phone numbers, e-mail addresses and account numbers."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.pii import fingerprint, mask, mask_value, patterns

# text that holds no personal data of its own: letters, spaces and punctuation, no digits, no '@'
PLAIN = st.text(alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyz ABCDEFGHIJ,.;:!?()"), max_size=40)
SEP = st.sampled_from(["", " ", "-", "."])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("NIK saya 1871012345670001 ya", "NIK saya [NIK] ya"),
        ("nik 1871 0123 4567 0001.", "nik [NIK]."),
        ("NIK: 18.71.01.234567.0001", "NIK: [NIK]"),
        ("hp 0812-3456-7890", "hp [TELEPON]"),
        ("wa:081234567890", "wa:[TELEPON]"),
        ("+62 812 3456 7890 (Budi)", "[TELEPON] (Budi)"),
        ("6281234567890", "[TELEPON]"),
        ("telp (0721) 481234", "telp [TELEPON]"),
        ("kantor 0721-481234", "kantor [TELEPON]"),
        ("+62 721 481234", "[TELEPON]"),
        ("balas ke budi.s+aduan@mail.co.id", "balas ke [EMAIL]"),
        ("transfer ke rek BRI 0123 4567 8901 23", "transfer ke rek BRI [REKENING]"),
        ("No. Rekening: 1234567890", "No. Rekening: [REKENING]"),
        ("Bank Lampung a.n. Budi 380.01.02345", "Bank Lampung a.n. Budi [REKENING]"),
        ("mandiri 1400012345678", "mandiri [REKENING]"),
    ],
)
def test_examples(text: str, expected: str) -> None:
    assert mask(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "tanggal 01-02-2024 jam 10.30",
        "Rp 1.500.000 dan Rp 250.000",
        "RT 05 RW 02 Kel. Kedaton, 3 bulan",
        "Jl. Teuku Umar No. 12, kode pos 35141",
        "SDN 1 Kedaton kelas 6",
    ],
)
def test_what_is_not_personal_data_stays(text: str) -> None:
    assert mask(text) == text


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@st.composite
def niks(draw: st.DrawFn) -> str:
    digits = draw(st.text(alphabet="0123456789", min_size=16, max_size=16))
    sep = draw(SEP)
    return (
        sep.join([digits[:2], digits[2:4], digits[4:6], digits[6:12], digits[12:]])
        if sep == "."
        else sep.join(digits[i : i + 4] for i in range(0, 16, 4))
    )


@st.composite
def phones(draw: st.DrawFn) -> str:
    """Mobile numbers (08…, +62 8…, 62 8…: 9 to 12 digits after the 0) and landlines (area code and
    6 to 8 digits), written with or without separators."""
    sep = draw(SEP)
    if draw(st.booleans()):
        prefix = draw(st.sampled_from(["08", "+628", "628", "+62 8", "+62-8"]))
        rest = draw(st.text(alphabet="0123456789", min_size=8, max_size=11))
    else:
        area = draw(st.sampled_from(["721", "725", "729", "21"]))
        prefix = draw(st.sampled_from([f"0{area}", f"(0{area}) ", f"+62 {area} ", f"0{area}-"]))
        rest = draw(st.text(alphabet="123456789", min_size=1, max_size=1)) + draw(
            st.text(alphabet="0123456789", min_size=5, max_size=7)
        )
    return prefix + sep.join(rest[i : i + 4] for i in range(0, len(rest), 4))


@given(before=PLAIN, nik=niks(), after=PLAIN)
def test_any_nik_is_masked(before: str, nik: str, after: str) -> None:
    masked = mask(f"{before} {nik} {after}")
    assert _digits(nik) not in _digits(masked)
    # after a bank's name or an account word ("ACC", "BCA", "rek") the same digits read as an account
    assert "[NIK]" in masked or "[TELEPON]" in masked or "[REKENING]" in masked


@given(before=PLAIN, phone=phones(), after=PLAIN)
def test_any_indonesian_phone_number_is_masked(before: str, phone: str, after: str) -> None:
    masked = mask(f"{before} {phone} {after}")
    assert "[TELEPON]" in masked or "[NIK]" in masked  # 16 digits read as a NIK: masked all the same
    assert not re.search(r"\d{5}", _digits(masked)), masked


@given(before=PLAIN, email=st.emails(), after=PLAIN)
@settings(max_examples=200)
def test_any_email_address_is_masked(before: str, email: str, after: str) -> None:
    masked = mask(f"{before} {email} {after}")
    assert "@" not in masked and "[EMAIL]" in masked


@given(
    word=st.sampled_from(sorted({*patterns().account_words, *patterns().bank_names})),
    account=st.text(alphabet="0123456789", min_size=8, max_size=16),
    gap=st.sampled_from([" ", ": ", " no. ", " "]),
)
def test_an_account_number_after_a_bank_word_is_masked(word: str, account: str, gap: str) -> None:
    masked = mask(f"kirim ke {word}{gap}{account} ya")
    assert account not in masked
    assert "[REKENING]" in masked or "[TELEPON]" in masked or "[NIK]" in masked


@given(text=st.text(max_size=300))
def test_masking_never_fails_and_is_idempotent(text: str) -> None:
    once = mask(text)
    assert mask(once) == once
    assert not re.search(r"(?<!\d)\d{16}(?!\d)", once)


@given(text=PLAIN)
def test_text_without_digits_or_at_signs_is_untouched(text: str) -> None:
    assert mask(text) == text


def test_mask_value_drops_personal_keys_and_masks_every_string() -> None:
    raw = {
        "reporter": {"name": "Budi"},
        "from": "6281234567890",
        "message": "hp 081234567890",
        "items": [{"text": "budi@example.com"}],
        "n": 1871012345670001,
        "ok": True,
    }
    assert mask_value(raw, frozenset({"reporter", "from"})) == {
        "reporter": "[DIHAPUS]",
        "from": "[DIHAPUS]",
        "message": "hp [TELEPON]",
        "items": [{"text": "[EMAIL]"}],
        "n": "[NIK]",
        "ok": True,
    }


def test_fingerprints_depend_on_the_key() -> None:
    assert fingerprint("+6281234567890", key=b"a") == fingerprint("+6281234567890", key=b"a")
    assert fingerprint("+6281234567890", key=b"a") != fingerprint("+6281234567890", key=b"b")
    assert fingerprint("+6281234567890", key=b"a").startswith("hmac:")


def test_the_reporters_own_name_is_masked_in_full_and_by_word() -> None:
    from shared.pii import mask_names

    text = "Saya Budi Santoso. Pak Budi sudah lapor; budiman bukan nama."
    assert mask_names(text, ["Budi Santoso"]) == "Saya [NAMA]. Pak [NAMA] sudah lapor; budiman bukan nama."
    assert mask_names(text, [None]) == text
