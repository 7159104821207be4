"""Reporters' names tidied (services/intake/names.py)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from services.intake.channels import parse_raw
from services.intake.names import MAX_NAME_CHARS, NAMES_PATH, load_name_forms, tidy_name
from services.intake.normalise import normalise
from shared.events import Channel


@pytest.mark.parametrize(
    ("typed", "tidied"),
    [
        ("budi santoso", "Budi Santoso"),
        ("BUDI SANTOSO", "Budi Santoso"),
        ("  Budi \t Santoso  ", "Budi Santoso"),
        ('"Budi Santoso"', "Budi Santoso"),  # an e-mail display name in quotes
        ("HJ. SITI AMINAH, S.PD", "Hj. Siti Aminah, S.Pd."),
        ("dr. sri wahyuni, m.kes.", "dr. Sri Wahyuni, M.Kes."),
        ("AHMAD BIN YUSUF", "Ahmad bin Yusuf"),
        ("siti-nur aini", "Siti-Nur Aini"),
        ("KH. MA'RUF AMIN", "KH. Ma'ruf Amin"),
        ("Rina (0812-3456-7890)", "Rina"),  # a phone number typed into the name
        ("Rina rina.w@gmail.com", "Rina"),  # an address typed into the name
        ("Budi 😀🙏", "Budi"),
        # mixed case is the citizen's own spelling
        ("McDonald", "McDonald"),
        ("Nur'aini binti Umar", "Nur'aini binti Umar"),
        ("Ir. H. Bambang Sutrisno", "Ir. H. Bambang Sutrisno"),
    ],
)
def test_names_are_tidied(typed: str, tidied: str) -> None:
    assert tidy_name(typed) == tidied


@pytest.mark.parametrize("typed", [None, "", "   ", "0812345678", "rina@gmail.com", "😀", "-- .."])
def test_nothing_of_a_name_is_no_name(typed: str | None) -> None:
    assert tidy_name(typed) is None


def test_a_long_name_is_cut() -> None:
    tidied = tidy_name("budi " * 60)
    assert tidied is not None and len(tidied) <= MAX_NAME_CHARS and tidied.startswith("Budi Budi")


def test_normalise_tidies_every_channels_name() -> None:
    received = datetime(2026, 8, 20, 3, 0, tzinfo=UTC)
    web = {"body": "Jalan berlubang di depan pasar Natar.", "reporter": {"name": "BUDI SANTOSO 081234567890"}}
    c = normalise(
        Channel.WEB,
        parse_raw(Channel.WEB, web),
        complaint_id=uuid.uuid4(),
        channel_message_id="w",
        received_at=received,
    )
    assert c.reporter is not None and c.reporter.name == "Budi Santoso"
    wa = {
        "from": "6281234567890",
        "id": "wamid.1",
        "text": {"body": "Sampah menumpuk di pasar Tugu"},
        "profile_name": "🌸 siti aminah 🌸",
    }
    c = normalise(
        Channel.WHATSAPP,
        parse_raw(Channel.WHATSAPP, wa),
        complaint_id=uuid.uuid4(),
        channel_message_id="w",
        received_at=received,
    )
    assert c.reporter is not None and c.reporter.name == "Siti Aminah"
    only_noise = {"body": "Jalan berlubang di depan pasar Natar.", "reporter": {"name": "😀"}}
    c = normalise(
        Channel.WEB,
        parse_raw(Channel.WEB, only_noise),
        complaint_id=uuid.uuid4(),
        channel_message_id="w",
        received_at=received,
    )
    assert c.reporter is None


def test_name_forms_must_be_valid(tmp_path: Path) -> None:
    broken = tmp_path / "names.toml"
    broken.write_text(NAMES_PATH.read_text(encoding="utf-8").replace("version = 1", "version = 2"), encoding="utf-8")
    with pytest.raises(ValueError, match="not valid name forms"):
        load_name_forms(broken)
