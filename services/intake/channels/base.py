"""What every channel module declares (`ChannelSpec`), the base of the raw models, and how a channel's
own message id becomes the one intake keys it by."""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, TypeAdapter

from shared.events import Channel

if TYPE_CHECKING:
    from services.intake.channels.edge import Handler

SAMPLES_PATH = Path(__file__).with_name("samples.toml")
# channel → sample name → payload
_SAMPLES = TypeAdapter(dict[str, dict[str, dict[str, Any]]])


class RawModel(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


@dataclass(frozen=True)
class Endpoint:
    """An HTTP endpoint of a channel: its handler (edge.py's `Handler`, given intake's HTTP edge and the
    request) and its OpenAPI operation (openapi_parts.py has the pieces)."""

    method: str
    path: str
    handler: Handler
    operation: Mapping[str, Any]


@dataclass(frozen=True)
class ChannelSpec:
    """One channel as intake knows it.

    `channels`: the `Channel` values whose messages `raw_model` reads (the first one is the channel's own).
    `interactive`: the HTTP answer carries the verdict (a 4xx for a bad complaint); otherwise the message
    is published whatever its verdict and the consumer answers a bad one on complaints.rejected.
    `message_id`: where the channel message id comes from (it makes the complaint id and tracking number).
    `auth`: the signature checks of auth.py (`channel_verifier` names) its endpoints apply; none on Kafka.
    `endpoints`: its HTTP endpoints; none for a channel that publishes to complaints.inbound itself.
    `samples`: example payloads by name (samples.toml), for the OpenAPI description.
    `schemas`: the models its endpoints' OpenAPI operations refer to (components/schemas, by class name).
    `security_schemes`: the OpenAPI security schemes its endpoints' operations name.
    """

    channels: tuple[Channel, ...]
    raw_model: type[RawModel]
    interactive: bool
    message_id: str
    auth: tuple[str, ...] = ()
    endpoints: tuple[Endpoint, ...] = ()
    samples: Mapping[str, Any] = field(default_factory=dict)
    schemas: tuple[type[BaseModel], ...] = ()
    security_schemes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def channel(self) -> Channel:
        return self.channels[0]


def digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:32]


def message_id(value: object) -> str:
    """A channel's message id as intake keys it: the id itself, or a digest of one too long or odd to keep."""
    text = str(value)
    if 0 < len(text) <= 200 and text.isprintable():
        return text
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@cache
def _all_samples() -> dict[str, dict[str, dict[str, Any]]]:
    with SAMPLES_PATH.open("rb") as f:
        return _SAMPLES.validate_python(tomllib.load(f))


def samples(channel: str) -> dict[str, dict[str, Any]]:
    """The example payloads of one channel module (samples.toml's table of that name)."""
    return _all_samples()[channel]
