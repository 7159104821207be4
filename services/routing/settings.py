from __future__ import annotations

from pathlib import Path

from pydantic import Field

from shared.settings import ServiceSettings


class RoutingSettings(ServiceSettings):
    http_port: int = 8081
    group_id: str = "aduan-routing"
    # Below this confidence a complaint goes to human triage instead of an agency (DESIGN.md §4).
    triage_threshold: float = Field(default=0.3, ge=0, le=1)
    # After this many "bukan wewenang" answers for one complaint, a human decides (triage).
    max_declines: int = Field(default=2, ge=1)
    # Directory with places.toml, taxonomy.toml, directory.toml and wilayah_lampung_18.csv (default: the built-in).
    rules_dir: Path | None = None
