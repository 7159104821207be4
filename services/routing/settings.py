from __future__ import annotations

from pydantic import Field

from shared.settings import ServiceSettings


class RoutingSettings(ServiceSettings):
    http_port: int = 8081
    group_id: str = "aduan-routing"
    # Below this confidence a complaint goes to human triage instead of an agency (DESIGN.md §4).
    triage_threshold: float = Field(default=0.3, ge=0, le=1)
