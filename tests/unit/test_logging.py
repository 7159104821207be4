"""Structured JSON logs without personal data (shared/logging.py).

Each test configures logging for real (structlog and the stdlib root handler), writes through both,
reads the JSON lines from stdout and searches them for the reporter's data in clear text. A fixture
puts structlog, the stdlib root logger and the context variables back as they were afterwards.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from shared.logging import bound, configure_logging, get_logger
from shared.pii import set_hash_key

NAME = "Budi Santoso"
EMAIL = "budi.santoso@gmail.com"
NIK = "1871012345670001"
PHONE_DIGITS = "81234567890"  # what every spelling of the number below shares
PHONES = [
    "081234567890",
    "0812-3456-7890",
    "0812 3456 7890",
    "+6281234567890",
    "6281234567890",
    "+62 812-3456-7890",
    "+62 812 3456 7890",  # phonenumbers' INTERNATIONAL format
]


# A stdlib logger as a library would use one. A name of our own: other tests may give well-known
# library loggers (uvicorn's, faststream's) handlers of their own that stop propagation to the root.
LIBRARY = "tests.unit.some_library"


KEY = "test-pii-hash-key"


def hmac_fingerprint(value: object) -> str:
    """Worked out here, independently of the module: HMAC-SHA256(key, str(value)), first 16 hex digits."""
    return "hmac:" + hmac.new(KEY.encode(), str(value).encode(), hashlib.sha256).hexdigest()[:16]


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """Put structlog, the stdlib root logger and the bound context back as they were."""
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    aiokafka_level = logging.getLogger("aiokafka").level
    saved_config = structlog.get_config()
    structlog.contextvars.clear_contextvars()
    try:
        yield
    finally:
        structlog.contextvars.clear_contextvars()
        structlog.reset_defaults()
        structlog.configure(**saved_config)
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        logging.getLogger("aiokafka").setLevel(aiokafka_level)


def read_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


class Logs:
    """`start()` configures logging inside the test itself: configure_logging binds the sys.stdout of
    that moment, which must be the one capsys replaced for the test's call phase."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self._capsys = capsys

    def start(self, service: str = "intake", level: str = "DEBUG") -> None:
        set_hash_key(KEY)
        configure_logging(service, level=level)
        self._capsys.readouterr()

    def lines(self) -> list[dict[str, Any]]:
        return read_lines(self._capsys)


@pytest.fixture
def logs(restore_logging: None, capsys: pytest.CaptureFixture[str]) -> Logs:
    return Logs(capsys)


def digit_runs(text: str) -> list[str]:
    """Every run of digits that spaces or dashes may split (how phone numbers are written), joined."""
    return [re.sub(r"[\s-]", "", run) for run in re.findall(r"\d[\d\s-]*\d", text)]


def assert_clean(lines: list[dict[str, Any]], *secrets: str) -> None:
    raw = "\n".join(json.dumps(line, ensure_ascii=False) for line in lines)
    for secret in secrets:
        assert secret not in raw, f"{secret!r} leaked: {raw}"
    # no spelling of the phone number either: look at the digits of each line's values
    assert not [run for run in digit_runs(raw) if PHONE_DIGITS in run], raw


def test_lines_are_json_with_service_and_level(logs: Logs) -> None:
    logs.start()
    get_logger("t").info("service started", topic_prefix="p.")
    logging.getLogger(LIBRARY).warning("library says %s", "hello")
    lines = logs.lines()
    assert len(lines) == 2
    assert lines[0]["event"] == "service started" and lines[0]["topic_prefix"] == "p."
    assert lines[0]["service"] == "intake" and lines[0]["level"] == "info"
    assert "timestamp" in lines[0]
    assert lines[1]["event"] == "library says hello" and lines[1]["logger"] == LIBRARY
    assert lines[1]["service"] == "intake" and lines[1]["level"] == "warning"


@pytest.mark.parametrize("phone", PHONES)
def test_phone_in_free_text_is_scrubbed(logs: Logs, phone: str) -> None:
    logs.start()
    log = get_logger("t")
    log.info(f"sms dari {phone} diterima")
    log.info("sms diterima", note=f"pengirim {phone}, mohon ditelepon")
    log.info("sms dari %s diterima", phone)
    logging.getLogger(LIBRARY).warning("sms dari %s", phone)
    logging.getLogger(LIBRARY).warning(f"pengirim: {phone}.")
    lines = logs.lines()
    assert len(lines) == 5
    assert_clean(lines, phone)


def test_email_and_nik_in_free_text_are_scrubbed(logs: Logs) -> None:
    logs.start()
    log = get_logger("t")
    log.info(f"balasan ke {EMAIL} untuk NIK {NIK}")
    log.warning("gagal", error=f"lapor said: reporter {EMAIL} nik={NIK} invalid", items=[EMAIL, {"x": NIK}])
    logging.getLogger(LIBRARY).error("mail from <%s> nik %s", EMAIL, NIK)
    lines = logs.lines()
    assert len(lines) == 3
    assert_clean(lines, EMAIL, NIK, "budi.santoso@")


@pytest.mark.parametrize("key", ["reporter", "phone", "email", "name", "nik"])
def test_personal_keys_become_fingerprints(logs: Logs, key: str) -> None:
    logs.start()
    value = {
        "reporter": {"name": NAME, "phone": "+6281234567890"},
        "phone": "+6281234567890",
        "email": EMAIL,
        "name": NAME,
        "nik": NIK,
    }[key]
    log = get_logger("t")
    log.info("first", **{key: value})
    log.info("second", **{key: value})
    log.info("message parked", reason={"raw": {key: value}})  # under an allowed field, nested
    lines = logs.lines()
    assert_clean(lines, NAME, EMAIL, NIK, "Budi", "Santoso")
    expected = hmac_fingerprint(value)
    assert lines[0][key] == expected
    assert lines[1][key] == expected  # the same person reads the same in every line
    assert lines[2]["reason"]["raw"][key] == expected


def test_fingerprints_tell_people_apart(logs: Logs) -> None:
    logs.start()
    log = get_logger("t")
    log.info("a", name="Budi Santoso")
    log.info("b", name="Siti Aminah")
    first, second = logs.lines()
    assert first["name"] != second["name"]
    assert first["name"].startswith("hmac:") and second["name"].startswith("hmac:")


def test_integer_nik_under_its_key_is_fingerprinted(logs: Logs) -> None:
    logs.start()
    get_logger("t").info("lookup", nik=int(NIK))
    (line,) = logs.lines()
    assert line["nik"] == hmac_fingerprint(int(NIK))
    assert_clean([line], NIK)


def test_exception_text_is_scrubbed(logs: Logs) -> None:
    logs.start()
    log = get_logger("t")
    try:
        raise ValueError(f"reporter {EMAIL} / {PHONES[1]} / {NIK} rejected")
    except ValueError:
        log.exception("handler failed")
        logging.getLogger(LIBRARY).exception("consumer failed")
    lines = logs.lines()
    assert len(lines) == 2
    assert all("ValueError" in line["exception"] for line in lines)
    assert_clean(lines, EMAIL, NIK)


def test_non_personal_values_are_kept(logs: Logs) -> None:
    logs.start()
    get_logger("t").info(
        "forwarded to LAPOR!",
        tracking_number="LPG-260310-ABCD1234",
        channel="sms",
        attempts=3,
        agency_code="kota-bandar-lampung",
    )
    (line,) = logs.lines()
    assert line["tracking_number"] == "LPG-260310-ABCD1234"
    assert line["channel"] == "sms" and line["attempts"] == 3
    assert line["agency_code"] == "kota-bandar-lampung"
    assert "dropped_fields" not in line


def test_fields_not_declared_for_the_event_are_dropped_by_name(logs: Logs) -> None:
    logs.start()
    get_logger("t").info(
        "complaint accepted",
        tracking_number="LPG-1",
        body="Jalan rusak, hubungi Pak Budi",
        title="Jalan",
        note="free text",
    )
    get_logger("t").info("forwarded to LAPOR!", attempts=2, body="x")
    logging.getLogger(LIBRARY).warning("library %s", "line", extra={"body": "free text"})
    first, second, library = logs.lines()
    assert first["tracking_number"] == "LPG-1"
    assert first["dropped_fields"] == ["body", "note", "title"]
    assert "Budi" not in json.dumps(first) and "free text" not in json.dumps(first)
    assert second["attempts"] == 2 and second["dropped_fields"] == ["body"]  # allowed per event, not globally
    assert "free text" not in json.dumps(library)


def test_fingerprints_are_keyed(logs: Logs) -> None:
    logs.start()
    get_logger("t").info("a", phone="+6281234567890")
    (line,) = logs.lines()
    bare = hashlib.sha256(b"+6281234567890").hexdigest()
    assert bare[:12] not in line["phone"] and bare[:16] not in line["phone"]
    set_hash_key("another key")
    assert hmac_fingerprint("+6281234567890") == line["phone"]
    get_logger("t").info("b", phone="+6281234567890")
    assert logs.lines()[0]["phone"] != line["phone"]


def test_bound_puts_ids_on_every_line_inside_the_block_only(logs: Logs) -> None:
    logs.start()
    log = get_logger("t")
    log.info("before")
    with bound(complaint_id="c-123", correlation_id="corr-9", event_id=None):
        log.info("inside structlog")
        logging.getLogger(LIBRARY).warning("inside stdlib")
        log.info("inside with own keys", agency_code="prov-dinkes")
    log.info("after")
    logging.getLogger(LIBRARY).warning("after stdlib")
    lines = logs.lines()
    assert [line["event"] for line in lines] == [
        "before",
        "inside structlog",
        "inside stdlib",
        "inside with own keys",
        "after",
        "after stdlib",
    ]
    for line in lines[1:4]:
        assert line["complaint_id"] == "c-123"
        assert line["correlation_id"] == "corr-9"
        assert "event_id" not in line  # None values are not bound
        assert line["service"] == "intake"
    for line in (lines[0], *lines[4:]):
        assert "complaint_id" not in line and "correlation_id" not in line
        assert line["service"] == "intake"


def test_bound_blocks_nest_and_restore(logs: Logs) -> None:
    logs.start()
    log = get_logger("t")
    cid = uuid.uuid4()
    with bound(complaint_id=cid, correlation_id="outer"):
        with bound(correlation_id="inner"):
            log.info("deep")
        log.info("back")
    deep, back = logs.lines()
    assert deep["complaint_id"] == str(cid) and deep["correlation_id"] == "inner"
    assert back["complaint_id"] == str(cid) and back["correlation_id"] == "outer"


@pytest.mark.parametrize(
    "value",
    [
        "08123456-5ae4-4929-8d20-be06bc176812",  # masked as a phone number before
        "62812345-1234-4234-8234-123456789012",  # masked as a NIK before
        uuid.UUID("08123456-5ae4-4929-8d20-be06bc176812"),
    ],
)
def test_ids_whose_digits_look_like_a_phone_or_a_nik_are_kept_whole(logs: Logs, value: object) -> None:
    logs.start()
    with bound(complaint_id=value, correlation_id=value):
        get_logger("t").info("complaint accepted", tracking_number="LPG-1")
    (line,) = logs.lines()
    assert line["complaint_id"] == line["correlation_id"] == str(value)


def test_only_a_whole_id_is_kept_a_phone_number_in_a_field_is_still_masked(logs: Logs) -> None:
    logs.start()
    with bound(complaint_id="08123456-5ae4-4929-8d20-be06bc176812", correlation_id="081234567890"):
        get_logger("t").info("complaint accepted", tracking_number="08123456-5ae4-4929-8d20-be06bc176812 081234567890")
    (line,) = logs.lines()
    assert line["complaint_id"] == "08123456-5ae4-4929-8d20-be06bc176812"
    assert "081234567890" not in json.dumps(line)


@pytest.mark.parametrize("report", ["1764700812345678", "3171234567890001", "LPR-2026-000123"])
def test_a_lapor_report_number_is_logged_whole_though_its_digits_look_like_a_nik(logs: Logs, report: str) -> None:
    logs.start()
    get_logger("t").info("forwarded to LAPOR!", attempts=1, lapor_tracking_id=report)
    (line,) = logs.lines()
    assert line["lapor_tracking_id"] == report


def test_an_identifier_field_that_holds_free_text_is_still_masked(logs: Logs) -> None:
    logs.start()
    get_logger("t").info("forwarded to LAPOR!", attempts=1, lapor_tracking_id="hubungi 081234567890")
    (line,) = logs.lines()
    assert "081234567890" not in json.dumps(line)


def test_bound_values_are_cleared_even_when_the_block_raises(logs: Logs) -> None:
    logs.start()
    log = get_logger("t")
    with pytest.raises(RuntimeError), bound(complaint_id="c-1", correlation_id="k-1"):
        raise RuntimeError("boom")
    log.info("after")
    (line,) = logs.lines()
    assert "complaint_id" not in line and "correlation_id" not in line


def test_level_filters(logs: Logs) -> None:
    logs.start("forwarder", level="WARNING")
    get_logger("t").info("hidden")
    get_logger("t").warning("shown")
    logging.getLogger(LIBRARY).info("hidden too")
    lines = logs.lines()
    assert [line["event"] for line in lines] == ["shown"]
    assert lines[0]["service"] == "forwarder"
