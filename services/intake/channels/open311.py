"""Open311 GeoReport v2: `POST /open311/v2/requests.{fmt}` with a client's api_key (its reads and answers
are services/intake/open311.py). Interactive: the client is told the verdict at once."""

from __future__ import annotations

from typing import Annotated

from pydantic import AliasChoices, Field

from services.intake.channels.base import ChannelSpec, Endpoint, RawModel, samples
from shared.events import Channel


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


SPEC = ChannelSpec(
    channels=(Channel.OPEN311,),
    raw_model=Open311Request,
    interactive=True,
    message_id="a content key: the same client's same reporter and text within the window (GeoReport has no key)",
    auth=("open311",),
    endpoints=(Endpoint("POST", "/open311/v2/requests.{fmt}", "open311_request"),),
    samples=samples("open311"),
)
