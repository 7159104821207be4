"""Settings every service shares; each service extends them in its own settings.py.

Environment variables carry the `ADUAN_` prefix (ADUAN_LOG_LEVEL, ADUAN_HTTP_PORT, ...). The two
connection strings also answer to the conventional KAFKA_BOOTSTRAP_SERVERS and DATABASE_URL, so one
export points the whole project (services, tests, demo, bench) at the same infrastructure.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.kafka_auth import KafkaAuth
from shared.topics import Topics


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ADUAN_", extra="ignore", populate_by_name=True)

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "ADUAN_KAFKA_BOOTSTRAP_SERVERS"),
    )
    database_url: str = Field(
        default="postgresql://aduan:aduan@127.0.0.1:55432/aduan",
        validation_alias=AliasChoices("DATABASE_URL", "ADUAN_DATABASE_URL"),
    )
    kafka_request_timeout_ms: int = Field(default=15_000, ge=1_000)
    # how long the producer waits to gather records into one request (docs/BENCHMARKS.md): fewer requests
    # for the broker to handle, at the price of as much latency per publish
    kafka_linger_ms: int = Field(default=20, ge=0, le=1_000)
    topic_prefix: str = ""
    group_id: str = "aduan"  # each service sets its own; see consumer_group()
    log_level: str = "INFO"
    log_json: bool = True
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    db_pool_min: int = 1
    db_pool_max: int = 10
    # complaints handled at once per subscription (one complaint's events always in order)
    handler_concurrency: int = Field(default=16, ge=1)
    # on SIGTERM each subscriber finishes (and commits) the batch in hand within this many seconds;
    # a Kubernetes terminationGracePeriodSeconds must be larger (deploy/k8s)
    shutdown_grace_s: float = Field(default=20.0, gt=0)
    # Kafka authentication (Strimzi KafkaUser with SCRAM-SHA-512); PLAINTEXT needs none of it
    kafka_security_protocol: Literal["PLAINTEXT", "SASL_PLAINTEXT", "SASL_SSL", "SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = "SCRAM-SHA-512"
    kafka_sasl_username: str = ""
    kafka_sasl_password: SecretStr = SecretStr("")
    kafka_ssl_cafile: str = ""  # the cluster CA (Strimzi: <cluster>-cluster-ca-cert), for SSL / SASL_SSL
    # idempotency claims are kept as long as Kafka may still redeliver a record of a topic the service
    # consumes (shared/idempotency.py `prune`); this may ask for longer, never for shorter
    claims_retention_days: int = Field(default=0, ge=0)
    claims_prune_interval_s: float = Field(default=3600.0, gt=0)
    # key of every personal-data fingerprint (logs, request digests): HMAC, not a bare hash (shared/pii.py)
    pii_hash_key: SecretStr | None = None

    @field_validator("database_url")
    @classmethod
    def _postgres_url(cls, value: str) -> str:
        if not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("DATABASE_URL must be a postgresql:// URL")
        return value

    @field_validator("topic_prefix")
    @classmethod
    def _topic_safe(cls, value: str) -> str:
        if value and not all(c.isalnum() or c in "._-" for c in value):
            raise ValueError("ADUAN_TOPIC_PREFIX may hold only letters, digits, '.', '_' and '-'")
        return value

    @property
    def kafka_auth(self) -> KafkaAuth:
        return KafkaAuth(
            self.kafka_security_protocol,
            self.kafka_sasl_mechanism,
            self.kafka_sasl_username,
            self.kafka_sasl_password.get_secret_value(),
            self.kafka_ssl_cafile,
        )

    @property
    def topics(self) -> Topics:
        return Topics(self.topic_prefix)

    def consumer_group(self, subscription: str) -> str:
        """One consumer group per subscription (a member joining one never rebalances the others),
        behind the topic prefix (isolated pipelines never share a group)."""
        return f"{self.topic_prefix}{self.group_id}.{subscription}"
