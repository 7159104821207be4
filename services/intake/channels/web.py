"""The web form: JSON posted to `POST /v1/complaints`, and apps that publish the same shape to
complaints.inbound as channel `app`. Interactive: the caller is told the verdict at once."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from services.intake import openapi_parts as oa
from services.intake.channels.base import ChannelSpec, Endpoint, RawModel, samples
from services.intake.channels.edge import ChannelEdge
from services.intake.http_input import client_ip, header_id, json_object, read_body
from services.intake.problems import problem
from shared.events import Channel, RejectReason, utcnow


class WebReporter(RawModel):
    name: Annotated[str, Field(max_length=120)] | None = None
    phone: Annotated[str, Field(max_length=40)] | None = None
    email: Annotated[str, Field(max_length=200)] | None = None


class WebLocation(RawModel):
    text: Annotated[str, Field(max_length=300)] | None = None
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    lon: Annotated[float, Field(ge=-180, le=180)] | None = None


class WebAttachment(RawModel):
    url: Annotated[str, Field(min_length=1, max_length=2000)]
    media_type: str | None = None
    size_bytes: Annotated[int, Field(ge=0)] | None = None


class WebForm(RawModel):
    """The JSON web form (and apps that publish the same shape straight to Kafka)."""

    title: Annotated[str, Field(max_length=150)] | None = None
    body: Annotated[str, Field(min_length=1, max_length=10_000)]
    reporter: WebReporter | None = None
    anonymous: bool = False
    confidential: bool = False
    incident_date: date | None = None
    location: WebLocation | None = None
    attachments: list[WebAttachment] = []
    category: Annotated[str, Field(max_length=100)] | None = None
    target_agency: Annotated[str, Field(max_length=100)] | None = None


class Accepted(BaseModel):
    tracking_number: str
    complaint_id: str
    status: str
    access_token: str | None = Field(default=None, description="confidential complaints only; shown once")
    duplicate_of: str | None = Field(default=None, description="a near-duplicate: the first complaint's number")
    message: str | None = Field(default=None, description="what the reporter is told of the duplicate")


IDEMPOTENCY_CONFLICT = RejectReason(
    code="idempotency_conflict",
    field="Idempotency-Key",
    message="this key was sent before with a different body; use a new key",
)


async def submit_complaint(edge: ChannelEdge, request: Request) -> Response:
    """POST /v1/complaints: the JSON web form. `Idempotency-Key` makes a retry safe; without it, the same
    reporter's same text within the duplicate window is the same complaint."""
    edge.limited("ip", client_ip(request))
    key = header_id(request, "idempotency-key")
    raw = json_object(await read_body(request, edge.settings.max_request_bytes))
    received_at = utcnow()
    verdict = edge.judge(Channel.WEB, raw, key or "content", received_at)
    if verdict.complaint is None:
        return problem(422, "The complaint is not valid", verdict.reasons)
    if key is None:
        channel_message_id = edge.content_key(Channel.WEB, verdict.complaint, client_ip(request))
        verdict = edge.judge(Channel.WEB, raw, channel_message_id, received_at)
    elif await edge.claim_idempotency_key(key, raw):
        channel_message_id = key
    else:
        return problem(409, "Idempotency-Key already used for another request", [IDEMPOTENCY_CONFLICT])
    complaint = verdict.complaint
    if complaint is None:  # the same input judged again under its content key: cannot happen
        return problem(422, "The complaint is not valid", verdict.reasons)
    await edge.publish(Channel.WEB, raw, channel_message_id, verdict, received_at)
    answer: dict[str, Any] = {
        "tracking_number": complaint.tracking_number,
        "complaint_id": str(complaint.complaint_id),
        "status": "received",
    }
    if complaint.confidential:
        answer["access_token"] = edge.access_token(complaint.complaint_id)
    answer.update(await edge.duplicate_answer(complaint))
    return JSONResponse(answer, status_code=202, headers={"Location": f"/v1/complaints/{complaint.tracking_number}"})


SAMPLES = samples("web")
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "maxLength": 200},
}

SPEC = ChannelSpec(
    channels=(Channel.WEB, Channel.APP),
    raw_model=WebForm,
    interactive=True,
    message_id="the Idempotency-Key header, else a content key (the same reporter's same text within the window)",
    endpoints=(
        Endpoint(
            "POST",
            "/v1/complaints",
            submit_complaint,
            {
                "operationId": "submitComplaint",
                "summary": "The web form: a complaint as JSON",
                "parameters": [IDEMPOTENCY_KEY],
                "requestBody": oa.json_body("WebForm", SAMPLES["form"]),
                "responses": {**oa.ok(202, "Accepted", "durable in Kafka"), **oa.errors(400, 409, 413, 422, 429, 503)},
            },
        ),
    ),
    samples=SAMPLES,
    schemas=(WebForm, Accepted),
)
