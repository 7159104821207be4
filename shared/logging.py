"""Structured JSON logs with complaint_id and correlation_id on every line, and no personal data.

A reporter's name, phone, e-mail or NIK never reaches a log in clear text: known personal keys are
dropped to a fingerprint, and free text is scrubbed of anything shaped like a phone number, an
e-mail address or a 16-digit NIK before it is rendered.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import structlog
from pydantic import BaseModel

PERSONAL_KEYS = frozenset({"reporter", "name", "phone", "email", "nik", "reporter_name", "reporter_phone",
                           "reporter_email", "phoneNumber", "from", "first_name", "last_name"})

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_NIK = re.compile(r"(?<!\d)\d{16}(?!\d)")
_PHONE = re.compile(r"(?<![\w+])(\+?62[\s-]?|0)8[\d\s-]{7,14}\d(?!\d)")


def fingerprint(value: object) -> str:
    """A short stable digest, so logs can still tell whether two lines concern the same person."""
    return "sha256:" + hashlib.sha256(str(value).encode()).hexdigest()[:12]


def scrub(text: str) -> str:
    text = _EMAIL.sub("[email]", text)
    text = _NIK.sub("[nik]", text)
    return _PHONE.sub("[phone]", text)


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, BaseModel):  # a whole model (a Complaint) must not slip through as its repr
        return _redact(value.model_dump(mode="json"))
    if isinstance(value, int) and not isinstance(value, bool) and len(str(abs(value))) >= 10:
        return scrub(str(value))  # a NIK or a phone number logged as a number
    if isinstance(value, dict):
        return {k: (fingerprint(v) if k in PERSONAL_KEYS and v else _redact(v)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_redact(v) for v in value]
    return value


def redact_personal_data(_logger: Any, _method: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    return _redact(event_dict)


def configure_logging(service: str, level: str = "INFO", json: bool = True) -> None:
    renderer: Any = structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    shared_processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        redact_personal_data,
    ]
    structlog.configure(
        processors=[*shared_processors, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
    # Libraries (aiokafka, uvicorn, faststream) log through stdlib logging: same JSON, same scrubbing.
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared_processors],
    ))
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
