"""intake's keys derived from ADUAN_PII_HASH_KEY: the confidential complaint's access token and the
digest behind an Idempotency-Key or a content key."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

from services.intake.settings import IntakeSettings
from shared.pii import keyed_digest


@dataclass(frozen=True)
class IntakeKeys:
    pii_key: str
    pii_key_set: bool
    digest_key: str

    @classmethod
    def from_settings(cls, settings: IntakeSettings) -> IntakeKeys:
        key = settings.pii_hash_key.get_secret_value() if settings.pii_hash_key else None
        return cls(
            pii_key=key or secrets.token_hex(32),  # access tokens then last until a restart
            pii_key_set=key is not None,
            # the body digest behind an Idempotency-Key must survive a restart, key or not
            digest_key=key or "aduan-idempotency",
        )

    def access_token(self, complaint_id: uuid.UUID) -> str:
        return keyed_digest(self.pii_key, "access-token", complaint_id)[:32]
