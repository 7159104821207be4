from __future__ import annotations

from typing import Literal

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
    status_page_size: int = Field(default=200, ge=1, le=1000)
    # Which LAPOR! interface: "json" (the contract in docs/lapor-integration.md) or "legacy" (the
    # public XML form POST /api/stream/addstream with a token).
    lapor_api: Literal["json", "legacy"] = "json"
    lapor_legacy_token: str | None = None
    # How long LAPOR! may take to carry out a create it did not answer (timeout, lost answer, 5xx):
    # until then a lookup that finds nothing does not allow a second create.
    doubt_settle_s: float = Field(default=30.0, ge=0)
    # The longest a handler waits in place (Retry-After, rate limit, a retry not yet due); longer
    # waits go back onto a retry topic, far below the consumer's max_poll_interval.
    max_wait_s: float = Field(default=10.0, ge=0)
    # How often complaints parked "in doubt" are looked up in LAPOR! again.
    reconcile_interval_s: float = Field(default=60.0, gt=0)
    # Circuit breaker, rate limit and concurrency towards LAPOR!
    breaker_failures: int = Field(default=5, ge=1)
    breaker_open_s: float = Field(default=15.0, gt=0)
    lapor_rate_per_s: float = Field(default=200.0, gt=0)
    lapor_burst: int = Field(default=50, ge=1)
    lapor_max_in_flight: int = Field(default=32, ge=1)
    # Every forward holds one connection across its LAPOR! call (the per-complaint lock); forwards
    # beyond this many wait for a connection.
    db_pool_max: int = 20

    @field_validator("retry_delays_s")
    @classmethod
    def _one_delay_per_retry_topic(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if not 1 <= len(value) <= FORWARD_RETRY_LEVELS or any(d < 0 for d in value):
            raise ValueError(f"give 1 to {FORWARD_RETRY_LEVELS} non-negative delays, one per retry topic")
        return value
