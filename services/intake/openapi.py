"""intake's OpenAPI 3.1 description, served at /openapi.json. Request schemas come from the channel
models and the examples from the channels' samples (channels/), so the description cannot drift from
what intake validates."""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel, Field

from services.intake import openapi_parts as oa
from services.intake.channels import REGISTRY, ChannelSpec
from services.intake.openapi_parts import FORMAT, JURISDICTION


class GatewayAnswer(BaseModel):
    accepted: list[str] = []
    rejected: list[list[dict[str, Any]]] = []
    acknowledged: bool | None = None
    follow_ups: list[str] = Field(default=[], description="e-mail replies: the complaint each one joined")


class TimelineStep(BaseModel):
    step: str = Field(description="received, accepted, in_triage, routed, forwarded, verified, disposed, …")
    at: str
    text: str = Field(description="what the step means, in Indonesian")
    agency_code: str | None
    agency_name: str | None
    lapor_tracking_id: str | None
    note: str | None = Field(description="the agency's answer (follow-up, request for detail)")
    duplicate_of: str | None


class NextDeadline(BaseModel):
    clock: str
    label: str
    due_at: str
    overdue: bool
    text: str


class Lookup(BaseModel):
    tracking_number: str
    channel: str
    received_at: str
    accepted_at: str
    status: str
    status_text: str
    agency_code: str | None
    lapor_tracking_id: str | None
    updated_at: str
    agency_name: str | None = None
    timeline: list[TimelineStep] = []
    next_deadline: NextDeadline | None = Field(default=None, description="once the notifier announced one")
    duplicate_of: str | None = None


def _geo_get(operation: str, summary: str, schema: str, *params: dict[str, Any]) -> dict[str, Any]:
    return {
        "get": {
            "operationId": operation,
            "summary": summary,
            "parameters": [FORMAT, JURISDICTION, *params],
            "responses": {**oa.geo(200, schema, "the answer"), **oa.geo_errors(400, 404, 429)},
        }
    }


def _query(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": {"type": "string"}, "description": description}


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def channel_notes(spec: ChannelSpec) -> str:
    """What every operation of a channel says of it: how its messages are answered and keyed."""
    answer = (
        "Interactive: a message that is not a valid complaint is answered with a 4xx naming each field."
        if spec.interactive
        else "Not interactive: every authenticated message is answered 2xx and published; one that is not a valid "
        "complaint is answered on complaints.rejected."
    )
    return f"{answer} Message id: {spec.message_id}."


def spec() -> dict[str, Any]:
    models: list[type[BaseModel]] = [*(model for spec in REGISTRY for model in spec.schemas), GatewayAnswer, Lookup]
    schemas: dict[str, Any] = {}
    for model in models:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    schemas["Problem"] = oa.PROBLEM_SCHEMA
    schemas["GeoReportErrors"] = oa.GEOREPORT_ERROR_SCHEMA
    schemas["Open311Created"] = {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["service_request_id", "token"],
            "properties": {
                "service_request_id": {"type": "string"},
                "token": {"type": "string"},
                "service_notice": {"type": "string"},
                "account_id": {"type": "null"},
                "access_token": {"type": "string", "description": "confidential requests only: X-Access-Token"},
            },
        },
    }
    schemas["Open311Services"] = {
        "type": "array",
        "items": {"type": "object", "required": ["service_code", "service_name", "metadata", "type"]},
    }
    schemas["Open311Discovery"] = {"type": "object", "required": ["changeset", "contact", "endpoints"]}
    schemas["Open311ServiceDefinition"] = {
        "type": "object",
        "required": ["service_code", "attributes"],
        "properties": {"service_code": {"type": "string"}, "attributes": {"type": "array"}},
    }
    schemas["Open311Requests"] = {
        "type": "array",
        "items": {
            "type": "object",
            "required": ["service_request_id", "status", "service_code", "requested_datetime"],
            "properties": {
                "service_request_id": {"type": "string"},
                "status": {"enum": ["open", "closed"]},
                "status_notes": {"type": ["string", "null"]},
                "service_name": {"type": "string"},
                "service_code": {"type": "string"},
                "description": {"type": ["string", "null"]},
                "agency_responsible": {"type": ["string", "null"]},
                "requested_datetime": {"type": "string"},
                "updated_datetime": {"type": "string"},
                "expected_datetime": {"type": ["string", "null"], "description": "the next announced deadline"},
                "address": {"type": ["string", "null"]},
                "lat": {"type": ["number", "null"]},
                "long": {"type": ["number", "null"]},
            },
        },
    }
    schemas["Open311Tokens"] = {
        "type": "array",
        "items": {"type": "object", "required": ["service_request_id", "token"]},
    }
    paths: dict[str, Any] = {
        "/v1/complaints/{tracking_number}": {
            "get": {
                "operationId": "lookupComplaint",
                "summary": "How far a complaint has come (a confidential one needs X-Access-Token)",
                "parameters": [
                    {
                        "name": "tracking_number",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                        "example": "LPG-314F-EA1F-MET5",
                    },
                    {"name": "X-Access-Token", "in": "header", "required": False, "schema": {"type": "string"}},
                ],
                "responses": {**oa.ok(200, "Lookup", "the citizen's view"), **oa.errors(404, 429)},
            }
        },
        "/v1/attachments/{attachment_id}": {
            "get": {
                "operationId": "getAttachment",
                "summary": "a file of a complaint, by the signed, expiring URL the complaint carries",
                "parameters": [
                    {"name": "attachment_id", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "expires", "in": "query", "required": True, "schema": {"type": "string"}},
                    {"name": "signature", "in": "query", "required": True, "schema": {"type": "string"}},
                ],
                "responses": {
                    "200": {"description": "the file", "content": {"application/octet-stream": {}}},
                    **oa.errors(403, 404),
                },
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "this description",
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.1",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
        "/open311/discovery.{fmt}": _geo_get(
            "open311Discovery", "GeoReport v2 service discovery: this endpoint and its formats", "Open311Discovery"
        ),
        "/open311/v2/services.{fmt}": _geo_get(
            "open311Services", "GeoReport v2 service list: the urusan", "Open311Services"
        ),
        "/open311/v2/services/{code}.{fmt}": _geo_get(
            "open311ServiceDefinition", "GeoReport v2 service definition", "Open311ServiceDefinition", _path("code")
        ),
        "/open311/v2/requests/{id}.{fmt}": _geo_get(
            "open311GetRequest",
            "GeoReport v2: one request (a confidential one needs X-Access-Token)",
            "Open311Requests",
            _path("id"),
            {"name": "X-Access-Token", "in": "header", "required": False, "schema": {"type": "string"}},
        ),
        "/open311/v2/tokens/{token}.{fmt}": _geo_get(
            "open311Token", "GeoReport v2: the service_request_id of a token", "Open311Tokens", _path("token")
        ),
        "/open311/v2/requests.{fmt}": {
            "get": _geo_get(
                "open311Requests",
                "GeoReport v2 request search: at most 1000, the last 90 days by default",
                "Open311Requests",
                _query("service_request_id", "comma-delimited; overrides every other argument"),
                _query("service_code", "comma-delimited"),
                _query("start_date", "W3C date-time, e.g. 2026-01-01T00:00:00Z"),
                _query("end_date", "W3C date-time; at most 90 days after start_date"),
                _query("status", "open, closed or both, comma-delimited"),
            )["get"],
        },
    }
    for spec in REGISTRY:  # each channel's endpoints, as its module describes them
        for endpoint in spec.endpoints:
            operation = copy.deepcopy(dict(endpoint.operation))  # the description is the caller's to change
            if endpoint.method == "POST":  # a message's way in (not a gateway's subscription check)
                operation["description"] = channel_notes(spec)
            paths.setdefault(endpoint.path, {})[endpoint.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "aduan intake",
            "version": "1",
            "description": "Every channel into the complaint pipeline. Errors are application/problem+json "
            "(GeoReport's own list on Open311). See docs/privacy.md.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                name: dict(scheme) for spec in REGISTRY for name, scheme in spec.security_schemes.items()
            },
        },
    }
