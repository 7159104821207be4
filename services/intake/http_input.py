"""Reading an HTTP request without trusting it: the size (Content-Length first, then a streaming
cap), the encoding, the JSON or form shape. Each failure is a `BadInput` naming a 4xx."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import UploadFile
from starlette.requests import Request

MAX_FIELDS = 200
MAX_HEADER_ID_CHARS = 200


class BadInput(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, refused with 413 as soon as it is known to exceed `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit() or len(declared) > 20:
            raise BadInput(400, "invalid_header", "Content-Length is not a number")
        if int(declared) > limit:
            raise BadInput(413, "too_large", f"at most {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BadInput(413, "too_large", f"at most {limit} bytes")
        chunks.append(chunk)
    body = b"".join(chunks)
    request._body = body  # starlette reads the cached body from here (request.form())
    return body


def json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):  # invalid UTF-8 is a ValueError too
        raise BadInput(400, "invalid_json", "the body is not valid UTF-8 JSON") from None
    if not isinstance(value, dict):
        raise BadInput(422, "invalid_format", "expected a JSON object")
    return value


async def form_fields(request: Request, body: bytes, *, max_part_size: int = 1024 * 1024) -> list[tuple[str, str]]:
    """The fields of a form-encoded or multipart body, in order (files are left out); a multipart field
    may hold at most `max_part_size` bytes (Mailgun's `body-mime` holds a whole e-mail)."""
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        try:
            form = await request.form(max_files=20, max_fields=MAX_FIELDS, max_part_size=max_part_size)
        except Exception:  # python-multipart raises several types for a broken body
            raise BadInput(400, "invalid_form", "the multipart body cannot be read") from None
        return [(k, v) for k, v in form.multi_items() if not isinstance(v, UploadFile)]
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise BadInput(400, "invalid_form", "the form is not valid UTF-8 url-encoded data") from None


def is_json(request: Request) -> bool:
    return request.headers.get("content-type", "").split(";")[0].strip().lower() in (
        "application/json",
        "text/json",
    ) or request.headers.get("content-type", "").endswith("+json")


def header_id(request: Request, name: str) -> str | None:
    """An id a caller gives in a header: printable ASCII, at most 200 characters."""
    value = request.headers.get(name)
    if value is None:
        return None
    if not value or len(value) > MAX_HEADER_ID_CHARS or not value.isascii() or not value.isprintable():
        raise BadInput(400, "invalid_header", f"{name} must be 1–{MAX_HEADER_ID_CHARS} printable ASCII characters")
    return value


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"
