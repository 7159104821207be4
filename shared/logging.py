"""Structured JSON logs with complaint_id and correlation_id on every line, and no personal data.

What a line may carry is an allow-list per log event (shared/log_fields.toml), not a scrubber that
hopes to catch everything: a field not declared for its event is dropped, only its name kept in
`dropped_fields`. Reporter keys (name, phone, e-mail, NIK, reporter …) become keyed fingerprints
(HMAC with ADUAN_PII_HASH_KEY, shared/pii.py). As a second line of defence every value, and the
free text of library messages and exceptions, is masked of NIK, phone, e-mail and account numbers.
"""

from __future__ import annotations

import logging
import re
import sys
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any
from uuid import UUID

import structlog
from pydantic import BaseModel, ConfigDict

from shared.pii import fingerprint, mask

FIELDS_PATH = Path(__file__).with_name("log_fields.toml")

PERSONAL_KEYS = frozenset(
    {
        "reporter",
        "name",
        "phone",
        "email",
        "nik",
        "reporter_name",
        "reporter_phone",
        "reporter_email",
        "phoneNumber",
        "from",
        "first_name",
        "last_name",
    }
)
# structlog's internal keys on the way through the stdlib formatter
_INTERNAL = frozenset({"_record", "_from_structlog"})
# an id (complaint, event, correlation) is kept whole: its digit runs can look like a phone number or a
# NIK to the masker ("08123456-5ae4-…" became "[TELEPON]ae4-…"), and a UUID carries no personal data
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class LogFields(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    common: frozenset[str]
    events: dict[str, frozenset[str]]
    # a field whose whole value matches its pattern is an identifier that names no person: kept whole
    identifiers: dict[str, re.Pattern[str]] = {}


@cache
def log_fields(path: Path = FIELDS_PATH) -> LogFields:
    return LogFields.model_validate(tomllib.loads(path.read_text()))


def scrub(text: str) -> str:
    return mask(text)


def _redact(value: Any) -> Any:
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, str):
        return value if _UUID.fullmatch(value) else mask(value)
    if isinstance(value, BaseModel):  # a whole model (a Complaint) must not slip through as its repr
        return _redact(value.model_dump(mode="json"))
    if isinstance(value, int) and not isinstance(value, bool) and len(str(abs(value))) >= 9:
        return mask(str(value))  # a NIK or a phone number logged as a number
    if isinstance(value, dict):
        return {k: (fingerprint(v) if k in PERSONAL_KEYS and v else _redact(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact(v) for v in value]
    return value


def allow_listed(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """Keep the fields declared for this event (and the common ones); name the others."""
    fields = log_fields()
    foreign = event_dict.get("_from_structlog") is False
    allowed = fields.common if foreign else fields.common | fields.events.get(str(event_dict.get("event")), frozenset())
    kept: dict[str, Any] = {}
    dropped: list[str] = []
    for key, value in event_dict.items():
        if key in allowed or key in _INTERNAL:
            kept[key] = value
        elif key in PERSONAL_KEYS:
            kept[key] = fingerprint(value) if value else value
        else:
            dropped.append(key)
    if dropped:
        kept["dropped_fields"] = sorted(dropped)
    return kept


def redact_personal_data(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    identifiers = log_fields().identifiers
    return {
        k: (v if k in _INTERNAL or _is_identifier(identifiers.get(k), v) else _redact(v)) for k, v in event_dict.items()
    }


def _is_identifier(pattern: re.Pattern[str] | None, value: Any) -> bool:
    return pattern is not None and isinstance(value, str) and pattern.fullmatch(value) is not None


def configure_logging(service: str, level: str = "INFO", json: bool = True) -> None:
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    shared_processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        allow_listed,
        redact_personal_data,
    ]
    structlog.configure(
        processors=[*shared_processors, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
    # Libraries (aiokafka, uvicorn, faststream) log through stdlib logging: same JSON, same allow-list.
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared_processors],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))


@contextmanager
def bound(**values: Any) -> Iterator[None]:
    """Bind values (complaint_id, correlation_id, event_id) to every log line inside the block."""
    with structlog.contextvars.bound_contextvars(**{k: str(v) for k, v in values.items() if v is not None}):
        yield


def get_logger(name: str | None = None) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)
