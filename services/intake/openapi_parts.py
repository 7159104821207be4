"""The pieces of intake's OpenAPI description that channel modules and openapi.py both use: references,
request bodies, answers, error answers (problem+json, or GeoReport's own error list)."""

from __future__ import annotations

from typing import Any

ERROR_MEANING = {
    400: "malformed request",
    401: "no credentials",
    403: "wrong credentials or channel off",
    404: "unknown (or not yours)",
    409: "Idempotency-Key reused with another body",
    413: "body too large",
    422: "invalid fields",
    429: "rate limited (Retry-After)",
    503: "Kafka unavailable; retry (Retry-After)",
}
# what a gateway webhook may be answered besides its 2xx
GATEWAY_ERRORS = (400, 401, 403, 413, 422, 429, 503)

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["type", "title", "status", "detail", "errors"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "field": {"type": ["string", "null"]},
                    "message": {"type": "string"},
                },
            },
        },
    },
}
GEOREPORT_ERROR_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
    },
}
# a GeoReport path's `{fmt}`: `.json` or `.xml`, as the spec lets clients choose
FORMAT: dict[str, Any] = {
    "name": "fmt",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "enum": ["json", "xml"]},
}
JURISDICTION: dict[str, Any] = {
    "name": "jurisdiction_id",
    "in": "query",
    "required": False,
    "schema": {"type": "string"},
}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def errors(*statuses: int, georeport: bool = False) -> dict[str, Any]:
    schema = ref("GeoReportErrors") if georeport else ref("Problem")
    media = "application/json" if georeport else "application/problem+json"
    return {str(s): {"description": ERROR_MEANING[s], "content": {media: {"schema": schema}}} for s in statuses}


def json_body(schema: str, example: Any, media: str = "application/json") -> dict[str, Any]:
    return {"required": True, "content": {media: {"schema": ref(schema), "example": example}}}


def ok(status: int, schema: str, description: str, media: str = "application/json") -> dict[str, Any]:
    return {str(status): {"description": description, "content": {media: {"schema": ref(schema)}}}}


def geo(status: int, schema: str, description: str) -> dict[str, Any]:
    """A GeoReport answer: JSON for `.json`, the spec's XML for `.xml`."""
    content = {"application/json": {"schema": ref(schema)}, "application/xml": {"schema": {"type": "string"}}}
    return {str(status): {"description": description, "content": content}}


def geo_errors(*statuses: int) -> dict[str, Any]:
    out = errors(*statuses, georeport=True)
    for answer in out.values():
        answer["content"]["application/xml"] = {"schema": {"type": "string"}}
    return out
