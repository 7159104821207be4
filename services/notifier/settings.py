from __future__ import annotations

from pathlib import Path

from pydantic import Field

from shared.settings import ServiceSettings


class NotifierSettings(ServiceSettings):
    http_port: int = 8083
    group_id: str = "aduan-notifier"
    policy_path: Path | None = None  # default: services/notifier/policy.toml
    # How often open deadlines are checked for warnings, breaches and escalations.
    scan_interval_s: float = Field(default=30.0, gt=0)
