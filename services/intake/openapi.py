"""intake's OpenAPI 3.1 description, served at /openapi.json. Request schemas come from the channel
models and the examples from the channels' samples (channels/), so the description cannot drift from
what intake validates."""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.intake.channels import REGISTRY, EmailMessage, Open311Request, SmsMessage, WebForm, WhatsAppMessage
from shared.events import Channel


class SmsGatewayEvent(BaseModel):
    """android-sms-gateway's webhook: signed with X-Signature and X-Timestamp."""

    model_config = ConfigDict(title="SmsGatewayEvent")
    id: str = Field(description="the event's own id (intake's message id)")
    event: str = Field(description="sms:received becomes a complaint; other events are acknowledged")
    payload: SmsMessage | dict[str, Any]


class WhatsAppWebhook(BaseModel):
    """A WhatsApp Cloud API webhook: entry[].changes[].value.messages[] (see Meta's reference)."""

    object: str = "whatsapp_business_account"
    entry: list[dict[str, Any]]


class TwilioForm(BaseModel):
    From: str
    Body: str = ""
    MessageSid: str
    NumMedia: str | None = None
    MediaUrl0: str | None = None


class MailgunSignature(BaseModel):
    timestamp: str = Field(description="Unix seconds; within ±5 min of intake's clock")
    token: str = Field(description="random, used once")
    signature: str = Field(description="hex HMAC-SHA256(ADUAN_EMAIL_WEBHOOK_SECRET, timestamp + token)")


class MailgunForm(MailgunSignature, EmailMessage):
    pass


class MailgunRawForm(MailgunSignature):
    """Mailgun's raw-MIME forward (a route whose URL ends in `mime`): the e-mail exactly as it was sent."""

    body_mime: str = Field(alias="body-mime", description="the whole RFC 822 message, attachments included")
    recipient: str | None = None
    sender: str | None = None


class Open311Form(Open311Request):
    api_key: str = Field(description="a key of ADUAN_OPEN311_API_KEYS")


class Accepted(BaseModel):
    tracking_number: str
    complaint_id: str
    status: str
    access_token: str | None = Field(default=None, description="confidential complaints only; shown once")
    duplicate_of: str | None = Field(default=None, description="a near-duplicate: the first complaint's number")
    message: str | None = Field(default=None, description="what the reporter is told of the duplicate")


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

# each channel's example payloads, as its module declares them (channels/samples.toml)
SAMPLES: dict[Channel, Any] = {spec.channel: spec.samples for spec in REGISTRY}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _errors(*statuses: int, georeport: bool = False) -> dict[str, Any]:
    schema = _ref("GeoReportErrors") if georeport else _ref("Problem")
    media = "application/json" if georeport else "application/problem+json"
    meaning = {
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
    return {str(s): {"description": meaning[s], "content": {media: {"schema": schema}}} for s in statuses}


def _json_body(schema: str, example: Any, media: str = "application/json") -> dict[str, Any]:
    return {"required": True, "content": {media: {"schema": _ref(schema), "example": example}}}


def _geo(status: int, schema: str, description: str) -> dict[str, Any]:
    """A GeoReport answer: JSON for `.json`, the spec's XML for `.xml`."""
    content = {"application/json": {"schema": _ref(schema)}, "application/xml": {"schema": {"type": "string"}}}
    return {str(status): {"description": description, "content": content}}


def _geo_errors(*statuses: int) -> dict[str, Any]:
    out = _errors(*statuses, georeport=True)
    for answer in out.values():
        answer["content"]["application/xml"] = {"schema": {"type": "string"}}
    return out


FORMAT = {"name": "fmt", "in": "path", "required": True, "schema": {"type": "string", "enum": ["json", "xml"]}}
JURISDICTION = {"name": "jurisdiction_id", "in": "query", "required": False, "schema": {"type": "string"}}


def _geo_get(operation: str, summary: str, schema: str, *params: dict[str, Any]) -> dict[str, Any]:
    return {
        "get": {
            "operationId": operation,
            "summary": summary,
            "parameters": [FORMAT, JURISDICTION, *params],
            "responses": {**_geo(200, schema, "the answer"), **_geo_errors(400, 404, 429)},
        }
    }


def _query(name: str, description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": {"type": "string"}, "description": description}


def _path(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _ok(status: int, schema: str, description: str, media: str = "application/json") -> dict[str, Any]:
    return {str(status): {"description": description, "content": {media: {"schema": _ref(schema)}}}}


GATEWAY_ERRORS = (400, 401, 403, 413, 422, 429, 503)


def spec() -> dict[str, Any]:
    samples = copy.deepcopy(SAMPLES)  # the description is the caller's to change
    models: list[type[BaseModel]] = [
        WebForm,
        SmsGatewayEvent,
        WhatsAppWebhook,
        WhatsAppMessage,
        TwilioForm,
        MailgunForm,
        MailgunRawForm,
        Open311Form,
        Accepted,
        GatewayAnswer,
        Lookup,
    ]
    schemas: dict[str, Any] = {}
    for model in models:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[model.__name__] = schema
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas["GeoReportErrors"] = GEOREPORT_ERROR_SCHEMA
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
        "/v1/complaints": {
            "post": {
                "operationId": "submitComplaint",
                "summary": "The web form: a complaint as JSON",
                "parameters": [
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string", "maxLength": 200},
                    }
                ],
                "requestBody": _json_body("WebForm", samples[Channel.WEB]["form"]),
                "responses": {**_ok(202, "Accepted", "durable in Kafka"), **_errors(400, 409, 413, 422, 429, 503)},
            }
        },
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
                "responses": {**_ok(200, "Lookup", "the citizen's view"), **_errors(404, 429)},
            }
        },
        "/v1/channels/sms": {
            "post": {
                "operationId": "smsGatewayWebhook",
                "summary": "android-sms-gateway webhook",
                "security": [{"smsgateSignature": [], "smsgateTimestamp": []}],
                "requestBody": _json_body("SmsGatewayEvent", samples[Channel.SMS]["smsgate"]),
                "responses": {**_ok(202, "GatewayAnswer", "published (or acknowledged)"), **_errors(*GATEWAY_ERRORS)},
            }
        },
        "/v1/channels/twilio": {
            "post": {
                "operationId": "twilioWebhook",
                "summary": "Twilio-style SMS/MMS webhook",
                "security": [{"twilioSignature": []}],
                "requestBody": _json_body(
                    "TwilioForm", samples[Channel.SMS]["twilio"], media="application/x-www-form-urlencoded"
                ),
                "responses": {
                    "200": {"description": "TwiML", "content": {"application/xml": {"schema": {"type": "string"}}}},
                    **_errors(*GATEWAY_ERRORS),
                },
            }
        },
        "/v1/channels/whatsapp": {
            "get": {
                "operationId": "whatsappVerify",
                "summary": "Meta's subscription check: echoes hub.challenge",
                "security": [{"whatsappVerifyToken": []}],
                "parameters": [
                    {
                        "name": "hub.mode",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string", "enum": ["subscribe"]},
                    },
                    {
                        "name": "hub.challenge",
                        "in": "query",
                        "required": True,
                        "schema": {"type": "string", "maxLength": 200},
                        "example": "1158201444",
                    },
                ],
                "responses": {
                    "200": {"description": "the challenge", "content": {"text/plain": {"schema": {"type": "string"}}}},
                    **_errors(400, 401, 403),
                },
            },
            "post": {
                "operationId": "whatsappWebhook",
                "summary": "WhatsApp Cloud API webhook",
                "security": [{"whatsappSignature": []}],
                "requestBody": _json_body("WhatsAppWebhook", samples[Channel.WHATSAPP]["webhook"]),
                "responses": {**_ok(202, "GatewayAnswer", "published"), **_errors(*GATEWAY_ERRORS)},
            },
        },
        "/v1/channels/email": {
            "post": {
                "operationId": "emailWebhook",
                "summary": "inbound e-mail (Mailgun route: parsed fields, or the raw MIME in `body-mime`), signed "
                "with timestamp, token and signature fields",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": _ref("MailgunForm"),
                            "example": samples[Channel.EMAIL]["mailgun"],
                        },
                        "multipart/form-data": {
                            "schema": _ref("MailgunRawForm"),
                            "example": samples[Channel.EMAIL]["mailgun_raw"],
                        },
                    },
                },
                "responses": {**_ok(202, "GatewayAnswer", "published"), **_errors(*GATEWAY_ERRORS)},
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
                    **_errors(403, 404),
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
            "post": {
                "operationId": "open311Request",
                "summary": "GeoReport v2 service request",
                "parameters": [FORMAT],
                "security": [{"open311ApiKey": []}],
                "requestBody": _json_body(
                    "Open311Form", samples[Channel.OPEN311]["form"], media="application/x-www-form-urlencoded"
                ),
                "responses": {
                    **_geo(201, "Open311Created", "created"),
                    **_geo_errors(400, 401, 403, 404, 413, 422, 429, 503),
                },
            },
        },
    }
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
                "smsgateSignature": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-Signature",
                    "description": "hex HMAC-SHA256(ADUAN_SMSGATE_SIGNING_KEY, body + X-Timestamp)",
                },
                "smsgateTimestamp": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-Timestamp",
                    "description": "Unix seconds, within ±5 min",
                },
                "twilioSignature": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-Twilio-Signature",
                    "description": "Twilio's HMAC-SHA1 of URL + sorted form fields",
                },
                "whatsappSignature": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-Hub-Signature-256",
                    "description": "sha256=HMAC-SHA256(ADUAN_WHATSAPP_APP_SECRET, body)",
                },
                "whatsappVerifyToken": {"type": "apiKey", "in": "query", "name": "hub.verify_token"},
                "open311ApiKey": {
                    "type": "apiKey",
                    "in": "query",
                    "name": "api_key",
                    "description": "or the api_key form field",
                },
            },
        },
    }
