from __future__ import annotations

from pydantic import Field

from shared.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    http_port: int = 8080
    group_id: str = "aduan-intake"
    tracking_prefix: str = "LPG"
    # How long an HTTP caller waits for Kafka to take its complaint before a 503 (seconds).
    publish_timeout_s: float = Field(default=10.0, gt=0)
    # Web form bodies above this size are refused before parsing (bytes).
    max_request_bytes: int = 256 * 1024
