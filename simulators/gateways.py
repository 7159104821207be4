"""Clients that post to intake the way the real gateways do, signatures included: android-sms-gateway,
Twilio, WhatsApp Cloud API, Mailgun routes and an Open311 client. The demo and the tests send through
these, so what they exercise is what production receives."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

import httpx

from services.intake import signatures

# Demo secrets: `make demo` / `make up` set these unless the environment already has its own.
DEMO_SECRETS = {
    "ADUAN_SMSGATE_SIGNING_KEY": "demo-smsgate-signing-key",
    "ADUAN_TWILIO_AUTH_TOKEN": "demo-twilio-auth-token",
    "ADUAN_WHATSAPP_VERIFY_TOKEN": "demo-whatsapp-verify-token",
    "ADUAN_WHATSAPP_APP_SECRET": "demo-whatsapp-app-secret",
    "ADUAN_EMAIL_WEBHOOK_SECRET": "demo-mailgun-signing-key",
    "ADUAN_OPEN311_API_KEYS": "demo-client:demo-open311-key",
    "ADUAN_PII_HASH_KEY": "demo-pii-hash-key-not-for-production",
}


@dataclass(frozen=True)
class GatewaySecrets:
    smsgate_key: str
    twilio_token: str
    whatsapp_secret: str
    email_secret: str
    open311_key: str

    @classmethod
    def from_env(cls, env: dict[str, str]) -> GatewaySecrets:
        first_key = env["ADUAN_OPEN311_API_KEYS"].split(",")[0].partition(":")[2]
        return cls(
            env["ADUAN_SMSGATE_SIGNING_KEY"],
            env["ADUAN_TWILIO_AUTH_TOKEN"],
            env["ADUAN_WHATSAPP_APP_SECRET"],
            env["ADUAN_EMAIL_WEBHOOK_SECRET"],
            first_key,
        )


def _now() -> str:
    return str(int(time.time()))


def smsgate_request(key: str, event: dict[str, Any], *, timestamp: str | None = None) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(event, ensure_ascii=False).encode()
    ts = timestamp or _now()
    return body, {
        "content-type": "application/json",
        "x-timestamp": ts,
        "x-signature": signatures.smsgate_signature(key, body, ts),
    }


def whatsapp_request(secret: str, webhook: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(webhook, ensure_ascii=False).encode()
    return body, {
        "content-type": "application/json",
        "x-hub-signature-256": signatures.whatsapp_signature(secret, body),
    }


def mailgun_fields(
    secret: str, fields: dict[str, str], *, token: str | None = None, timestamp: str | None = None
) -> dict[str, str]:
    ts, tok = timestamp or _now(), token or uuid.uuid4().hex
    return {**fields, "timestamp": ts, "token": tok, "signature": signatures.mailgun_signature(secret, ts, tok)}


def twilio_headers(token: str, url: str, params: dict[str, str]) -> dict[str, str]:
    return {"x-twilio-signature": signatures.twilio_signature(token, url, params.items())}


def whatsapp_webhook(message: dict[str, Any], profile_name: str | None) -> dict[str, Any]:
    """A Cloud API webhook around one message, as Meta sends it."""
    contact = {"wa_id": message.get("from"), "profile": {"name": profile_name}}
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "0",
                "changes": [
                    {
                        "field": "messages",
                        "value": {"messaging_product": "whatsapp", "contacts": [contact], "messages": [message]},
                    }
                ],
            }
        ],
    }


class Gateways:
    """Posts to an intake at `http`'s base URL as each gateway would."""

    def __init__(self, http: httpx.AsyncClient, secrets: GatewaySecrets) -> None:
        self.http = http
        self.secrets = secrets

    async def sms(self, payload: dict[str, Any], *, event_id: str | None = None) -> httpx.Response:
        event = {"id": event_id or uuid.uuid4().hex, "event": "sms:received", "payload": payload}
        body, headers = smsgate_request(self.secrets.smsgate_key, event)
        return await self.http.post("/v1/channels/sms", content=body, headers=headers)

    async def twilio(self, params: dict[str, str]) -> httpx.Response:
        url = str(self.http.base_url).rstrip("/") + "/v1/channels/twilio"
        return await self.http.post(
            "/v1/channels/twilio", data=params, headers=twilio_headers(self.secrets.twilio_token, url, params)
        )

    async def whatsapp(self, webhook: dict[str, Any]) -> httpx.Response:
        body, headers = whatsapp_request(self.secrets.whatsapp_secret, webhook)
        return await self.http.post("/v1/channels/whatsapp", content=body, headers=headers)

    async def email(self, fields: dict[str, str]) -> httpx.Response:
        return await self.http.post("/v1/channels/email", data=mailgun_fields(self.secrets.email_secret, fields))

    async def email_mime(self, message: bytes, *, recipient: str = "aduan@lampungprov.go.id") -> httpx.Response:
        """Mailgun's raw-MIME forward: multipart/form-data, the whole message in the `body-mime` field."""
        fields = mailgun_fields(self.secrets.email_secret, {"recipient": recipient})
        form: dict[str, tuple[None, str | bytes]] = {name: (None, value) for name, value in fields.items()}
        form["body-mime"] = (None, message)
        return await self.http.post("/v1/channels/email", files=form)

    async def open311(self, form: dict[str, str]) -> httpx.Response:
        return await self.http.post("/open311/v2/requests.json", data={**form, "api_key": self.secrets.open311_key})
