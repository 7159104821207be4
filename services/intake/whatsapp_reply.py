"""Answering a reporter on WhatsApp: one text message through the Cloud API's send endpoint
(POST {ADUAN_WHATSAPP_API_URL}/{phone_number_id}/messages, Bearer token), simulators/whatsapp_cloud locally.

Errors follow the Graph API's classes: a network failure, a 5xx, throttling (429, code 130429/80007/4) and a
refused token (401, code 190: our configuration, fixed and then retried) are worth another try; any other
4xx is final for this message — 131047 in particular, a number outside the 24-hour customer-service window,
which only a pre-approved template could reach; intake then falls back to nothing (recorded `failed`)."""

from __future__ import annotations

import json
import re

import aiohttp

from services.intake.settings import IntakeSettings
from services.notifier.delivery import DeliveryError

MAX_BODY = 4096
_RETRY_CODES = frozenset({4, 80007, 130429, 131048, 131056, 190})
_NOT_DIGIT = re.compile(r"[^0-9]")


def wa_id(phone: str) -> str:
    """A phone number as the Cloud API addresses it: digits only, country code first (0812… → 62812…)."""
    digits = _NOT_DIGIT.sub("", phone)
    return "62" + digits[1:] if digits.startswith("0") else digits


class WhatsAppSender:
    def __init__(self, settings: IntakeSettings) -> None:
        self.settings = settings
        self._http: aiohttp.ClientSession | None = None

    @property
    def configured(self) -> bool:
        return bool(self.settings.whatsapp_phone_number_id and self.settings.whatsapp_access_token)

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    def _session(self) -> aiohttp.ClientSession:
        # created on first use, inside the running event loop
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.settings.delivery_timeout_s))
        return self._http

    async def send(self, phone: str, text: str) -> str:
        """Send one text; the Cloud API's message id (wamid…) on success, else a DeliveryError."""
        s = self.settings
        if not self.configured or s.whatsapp_access_token is None:
            raise DeliveryError("WhatsApp not configured (ADUAN_WHATSAPP_PHONE_NUMBER_ID/ACCESS_TOKEN)")
        url = f"{s.whatsapp_api_url.rstrip('/')}/{s.whatsapp_phone_number_id}/messages"
        body = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": wa_id(phone),
            "type": "text",
            "text": {"preview_url": False, "body": text[:MAX_BODY]},
        }
        headers = {"Authorization": f"Bearer {s.whatsapp_access_token.get_secret_value()}"}
        try:
            async with self._session().post(url, json=body, headers=headers) as response:
                status, content = response.status, await response.content.read(65536)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DeliveryError(f"WhatsApp Cloud API unreachable: {type(exc).__name__}") from None
        try:
            answer = json.loads(content)
        except ValueError:
            answer = {}
        answer = answer if isinstance(answer, dict) else {}
        if status == 200:
            messages = answer.get("messages")
            if isinstance(messages, list) and messages and isinstance(messages[0], dict) and messages[0].get("id"):
                return str(messages[0]["id"])
            raise DeliveryError("WhatsApp Cloud API answered 200 without a message id")
        error = answer.get("error") if isinstance(answer.get("error"), dict) else {}
        code = error.get("code") if isinstance(error, dict) else None
        permanent = 400 <= status < 500 and status != 429 and code not in _RETRY_CODES
        raise DeliveryError(f"WhatsApp Cloud API answered {status} (code {code})", permanent=permanent)
