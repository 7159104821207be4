from __future__ import annotations

from shared.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    http_port: int = 8080
    group_id: str = "aduan-intake"
    tracking_prefix: str = "LPG"
    # Web form bodies above this size are refused before parsing (bytes).
    max_request_bytes: int = 256 * 1024
