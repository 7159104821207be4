"""The web form: JSON posted to `POST /v1/complaints`, and apps that publish the same shape to
complaints.inbound as channel `app`. Interactive: the caller is told the verdict at once."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import Field

from services.intake.channels.base import ChannelSpec, Endpoint, RawModel, samples
from shared.events import Channel


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


SPEC = ChannelSpec(
    channels=(Channel.WEB, Channel.APP),
    raw_model=WebForm,
    interactive=True,
    message_id="the Idempotency-Key header, else a content key (the same reporter's same text within the window)",
    endpoints=(Endpoint("POST", "/v1/complaints", "submit_complaint"),),
    samples=samples("web"),
)
