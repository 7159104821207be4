from __future__ import annotations

from pydantic import Field, field_validator

from shared.settings import ServiceSettings
from shared.topics import FORWARD_RETRY_LEVELS


class ForwarderSettings(ServiceSettings):
    http_port: int = 8082
    group_id: str = "aduan-forwarder"
    lapor_base_url: str = "http://127.0.0.1:8090"
    lapor_api_key: str | None = "sim-key"
    lapor_timeout_s: float = Field(default=5.0, gt=0)
    # Tries within one delivery before handing over to the delayed retry topics.
    inline_attempts: int = Field(default=3, ge=1)
    inline_backoff_s: float = Field(default=0.2, ge=0)
    # Delay before each retry level (complaints.forward.retry.1, .2, .3); then the DLQ.
    retry_delays_s: tuple[float, ...] = (5.0, 30.0, 120.0)
    # How often LAPOR!'s status changes are brought back onto complaints.status.
    status_sync_interval_s: float = Field(default=30.0, gt=0)

    @field_validator("retry_delays_s")
    @classmethod
    def _one_delay_per_retry_topic(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not 1 <= len(value) <= FORWARD_RETRY_LEVELS or any(d < 0 for d in value):
            raise ValueError(f"give 1 to {FORWARD_RETRY_LEVELS} non-negative delays, one per retry topic")
        return value
