from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr, field_validator

from shared.settings import ServiceSettings


class NotifierSettings(ServiceSettings):
    http_port: int = 8083
    group_id: str = "aduan-notifier"
    policy_path: Path | None = None  # default: services/notifier/policy.toml
    recipients_path: Path | None = None  # default: services/notifier/recipients.toml (the chain, no contacts)
    messages_path: Path | None = None  # default: services/notifier/messages.toml
    # How often open deadlines are checked for warnings, breaches and escalations.
    scan_interval_s: float = Field(default=30.0, gt=0)
    scan_batch: int = Field(default=500, ge=1, le=10_000)
    # the outbox: how often it is polled, how many messages per round, retries with exponential backoff
    delivery_interval_s: float = Field(default=1.0, gt=0)
    delivery_batch: int = Field(default=200, ge=1, le=5_000)
    delivery_concurrency: int = Field(default=48, ge=1, le=512)
    delivery_max_attempts: int = Field(default=12, ge=1)
    delivery_backoff_s: float = Field(default=5.0, gt=0)
    delivery_backoff_max_s: float = Field(default=3600.0, gt=0)
    delivery_timeout_s: float = Field(default=10.0, gt=0)
    digest_interval_s: float = Field(default=300.0, gt=0)
    # e-mail (SMTP through aiosmtplib); no host: e-mail deliveries wait in the outbox
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "aduan-notifier@localhost"
    smtp_starttls: bool = True  # upgrade with STARTTLS (port 587); ignored when smtp_tls
    smtp_tls: bool = False  # implicit TLS (port 465)
    smtp_ca_file: Path | None = None  # CA bundle the SMTP server's certificate is checked against (default: system)
    # SMS through a Zenziva-style HTTP gateway (POST form userkey, passkey, to, message)
    sms_gateway_url: str | None = None  # e.g. https://console.zenziva.net/reguler/api/sendsms/
    sms_userkey: str | None = None
    sms_passkey: SecretStr | None = None
    # no SMS between these local times (HH:MM-HH:MM, in the policy's timezone); empty: any time
    sms_quiet_hours: str = "21:00-07:00"
    # GET /v1/deadlines/{tracking_number}: when set, callers send it as X-Api-Key
    api_key: SecretStr | None = None

    @field_validator("sms_quiet_hours")
    @classmethod
    def _quiet_hours(cls, value: str) -> str:
        from services.notifier.delivery import parse_quiet_hours

        parse_quiet_hours(value)
        return value
