"""Open311 GeoReport v2: `POST /open311/v2/requests.{fmt}` with a client's api_key (its reads and answers
are services/intake/open311.py). Interactive: the client is told the verdict at once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import AliasChoices, Field
from starlette.requests import Request
from starlette.responses import Response

from services.intake import open311 as georeport
from services.intake import openapi_parts as oa
from services.intake.channels.base import ChannelSpec, Endpoint, RawModel, samples
from services.intake.channels.edge import ChannelEdge
from services.intake.http_input import form_fields, is_json, json_object, read_body
from shared.events import Channel, utcnow

if TYPE_CHECKING:
    from services.intake.verdict import Verdict


class Open311Request(RawModel):
    """GeoReport v2 `POST requests` fields."""

    service_code: Annotated[str, Field(min_length=1, max_length=100)]
    description: Annotated[str, Field(min_length=1, max_length=4_000)]
    lat: Annotated[float, Field(ge=-90, le=90)] | None = None
    long: Annotated[float, Field(ge=-180, le=180)] | None = None
    address_string: Annotated[str, Field(max_length=500)] | None = None
    email: Annotated[str, Field(max_length=200)] | None = None
    first_name: Annotated[str, Field(max_length=100)] | None = None
    last_name: Annotated[str, Field(max_length=100)] | None = None
    phone: Annotated[str, Field(max_length=40)] | None = None
    media_url: Annotated[str, Field(max_length=2000)] | None = None
    # GeoReport's attribute[] fields: the anonim / rahasia choices of the client's form
    anonymous: bool = Field(default=False, validation_alias=AliasChoices("attribute[anonymous]", "anonymous"))
    confidential: bool = Field(default=False, validation_alias=AliasChoices("attribute[confidential]", "confidential"))


OPEN311_SERVICES: dict[str, str] = {
    "jalan": "Jalan dan jembatan rusak",
    "sampah": "Sampah dan kebersihan",
    "penerangan": "Penerangan jalan umum",
    "drainase": "Drainase dan banjir",
    "lainnya": "Pengaduan lainnya",
}


class Open311Form(Open311Request):
    api_key: str = Field(description="a key of ADUAN_OPEN311_API_KEYS")


def invalid(request: Request, verdict: Verdict) -> Response:
    """A request that is not a complaint: GeoReport's 400 naming each field."""
    reasons = "; ".join(f"{r.field or 'request'}: {r.message}" for r in verdict.reasons)
    return georeport.error(georeport.format_of(request), 400, reasons or "the request cannot be read")


async def open311_request(edge: ChannelEdge, request: Request) -> Response:
    """POST /open311/v2/requests.{json,xml}: GeoReport v2, form-encoded or JSON, with a client's api_key."""
    body = await read_body(request, edge.settings.max_request_bytes)
    if is_json(request):
        raw = json_object(body)
        fields = [(k, v) for k, v in raw.items() if isinstance(v, str)]
    else:
        fields = await form_fields(request, body)
        raw = dict(fields)
    fields += [(k, v) for k, v in request.query_params.multi_items() if k == "api_key"]
    await edge.authenticate("open311", request, body, fields)
    client = next((v for k, v in fields if k == "api_key"), "")
    edge.limited("api_key", client)
    raw = {k: v for k, v in raw.items() if k not in ("api_key", "jurisdiction_id")}
    refused = edge.open311.refuse_post(request, {**raw, **dict(fields)})  # format, jurisdiction, service code
    if refused is not None:
        return refused
    received_at = utcnow()
    verdict = edge.judge(Channel.OPEN311, raw, "content", received_at)
    if verdict.complaint is None:
        return invalid(request, verdict)
    # GeoReport has no idempotency key: the same client's same reporter and text within the window is the
    # same request (a client's retry after a timeout gets the number it missed, not a second complaint)
    name = edge.settings.open311_clients().get(client, "unknown")
    channel_message_id = edge.content_key(Channel.OPEN311, verdict.complaint, f"open311-client:{name}")
    verdict = edge.judge(Channel.OPEN311, raw, channel_message_id, received_at)
    complaint = verdict.complaint
    if complaint is None:  # the same input judged again under its content key: cannot happen
        return invalid(request, verdict)
    await edge.publish(Channel.OPEN311, raw, channel_message_id, verdict, received_at)
    token = edge.access_token(complaint.complaint_id) if complaint.confidential else None
    return edge.open311.created(request, complaint.tracking_number, complaint.complaint_id, token)


SAMPLES = samples("open311")

SPEC = ChannelSpec(
    channels=(Channel.OPEN311,),
    raw_model=Open311Request,
    interactive=True,
    message_id="a content key: the same client's same reporter and text within the window (GeoReport has no key)",
    auth=("open311",),
    endpoints=(
        Endpoint(
            "POST",
            "/open311/v2/requests.{fmt}",
            open311_request,
            {
                "operationId": "open311Request",
                "summary": "GeoReport v2 service request",
                "parameters": [oa.FORMAT],
                "security": [{"open311ApiKey": []}],
                "requestBody": oa.json_body("Open311Form", SAMPLES["form"], media="application/x-www-form-urlencoded"),
                "responses": {
                    **oa.geo(201, "Open311Created", "created"),
                    **oa.geo_errors(400, 401, 403, 404, 413, 422, 429, 503),
                },
            },
        ),
    ),
    samples=SAMPLES,
    schemas=(Open311Form,),
    security_schemes={
        "open311ApiKey": {
            "type": "apiKey",
            "in": "query",
            "name": "api_key",
            "description": "or the api_key form field",
        },
    },
)
