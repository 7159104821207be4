from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydantic import Field, SecretStr, field_validator

from services.intake.duplicates import DuplicatePolicy
from shared.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    http_port: int = 8080
    group_id: str = "aduan-intake"
    tracking_prefix: str = "LPG"
    # How long an HTTP caller waits for Kafka to take its complaint before a 503 (seconds).
    publish_timeout_s: float = Field(default=10.0, gt=0)
    # Request bodies above this size are refused before parsing, on every path (bytes).
    max_request_bytes: int = 256 * 1024
    # An e-mail as it was sent (Mailgun's raw-MIME forward, attachments included) may be larger (bytes).
    max_email_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)

    # Attachments (services/intake/attachments.py): kept by intake, linked from complaints by a signed URL.
    attachments_max_bytes: int = Field(default=2 * 1024 * 1024, ge=0)  # per complaint (LAPOR!'s 2 MB)
    attachments_max_count: int = Field(default=10, ge=0)  # per complaint
    attachment_url_key: SecretStr | None = None  # HMAC key of the URLs; unset: ADUAN_PII_HASH_KEY, else random
    attachment_url_ttl_s: int = Field(default=30 * 24 * 3600, ge=60)  # a URL is good this long after receipt

    # Duplicates and follow-ups (services/intake/duplicates.py, linking.py).
    repeat_window_s: int = Field(default=24 * 3600, ge=1)  # same reporter, same text → the same complaint
    duplicate_linking: bool = True  # near-duplicates (same place, similar text) join the first
    duplicate_window_s: int = Field(default=14 * 24 * 3600, ge=1)
    duplicate_similar_text: float = Field(default=80.0, ge=0, le=100)  # rapidfuzz token_sort_ratio
    duplicate_same_place_m: float = Field(default=300.0, gt=0)
    duplicate_similar_place: float = Field(default=85.0, ge=0, le=100)
    duplicate_min_chars: int = Field(default=25, ge=1)
    follow_up_window_s: int = Field(default=30 * 24 * 3600, ge=1)  # a reporter's open complaint it may join
    follow_up_similar_text: float = Field(default=75.0, ge=0, le=100)  # rapidfuzz token_set_ratio

    # Channel secrets (docs/privacy.md, README "Configuration"): a channel whose secret is unset is off.
    smsgate_signing_key: SecretStr | None = None
    twilio_auth_token: SecretStr | None = None
    whatsapp_verify_token: SecretStr | None = None
    whatsapp_app_secret: SecretStr | None = None
    email_webhook_secret: SecretStr | None = None
    # Open311 clients as comma-separated `name:key` pairs, so that one client can be revoked.
    open311_api_keys: SecretStr | None = None
    # GeoReport v2: the jurisdiction this endpoint serves (a request naming another is refused).
    open311_jurisdiction_id: str = "lampungprov.go.id"
    # The public URL intake is reached at behind a proxy (Twilio signs the URL it called).
    public_base_url: str | None = None
    # How far a signed timestamp may lie from intake's clock (seconds).
    signature_tolerance_s: int = Field(default=300, ge=1)

    # Requests per minute per source; 0 turns a limit off.
    rate_limit_ip_per_min: int = Field(default=120, ge=0)
    rate_limit_phone_per_min: int = Field(default=10, ge=0)
    rate_limit_api_key_per_min: int = Field(default=600, ge=0)
    lookup_rate_limit_per_min: int = Field(default=30, ge=0)
    # How long the unmasked copy of a rejected message stays in intake's store (days).
    rejected_raw_retention_days: int = Field(default=30, ge=1)

    # Messages for reporters (citizen.outbound): the same servers and setting names as the notifier's.
    smtp_host: str | None = None  # no host: e-mail replies are recorded not_configured
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "aduan@localhost"
    smtp_starttls: bool = True
    smtp_tls: bool = False
    smtp_ca_file: Path | None = None
    sms_gateway_url: str | None = None  # Zenziva-style; unset: SMS replies are recorded not_configured
    sms_userkey: str | None = None
    sms_passkey: SecretStr | None = None
    # WhatsApp replies through the Cloud API (POST {url}/{phone_number_id}/messages, Bearer token); unset: a
    # WhatsApp reporter is answered by SMS instead
    whatsapp_api_url: str = "https://graph.facebook.com/v21.0"
    whatsapp_phone_number_id: str | None = None
    whatsapp_access_token: SecretStr | None = None
    delivery_timeout_s: float = Field(default=10.0, gt=0)
    delivery_concurrency: int = Field(default=8, ge=1, le=512)

    def duplicate_policy(self) -> DuplicatePolicy:
        return DuplicatePolicy(
            repeat_window=timedelta(seconds=self.repeat_window_s),
            duplicate_window=timedelta(seconds=self.duplicate_window_s),
            similar_text=self.duplicate_similar_text,
            min_chars=self.duplicate_min_chars,
            same_place_m=self.duplicate_same_place_m,
            similar_place=self.duplicate_similar_place,
            follow_up_window=timedelta(seconds=self.follow_up_window_s),
            follow_up_text=self.follow_up_similar_text,
        )

    @field_validator("open311_api_keys")
    @classmethod
    def _key_pairs(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value().strip():
            for pair in value.get_secret_value().split(","):
                name, _, key = pair.strip().partition(":")
                if not name or not key:
                    raise ValueError("ADUAN_OPEN311_API_KEYS must be comma-separated name:key pairs")
        return value

    def open311_clients(self) -> dict[str, str]:
        """Each Open311 client's name by its key."""
        if self.open311_api_keys is None:
            return {}
        pairs = [p.strip().partition(":") for p in self.open311_api_keys.get_secret_value().split(",") if p.strip()]
        return {key: name for name, _, key in pairs}
