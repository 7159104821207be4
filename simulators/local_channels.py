"""The outside channels, run locally: an SMTP server, the SMS gateway, the webhook sink and the WhatsApp Cloud
API, with a recipients file pointing one agency's people at them and the settings to reach them (the notifier's
alerts; intake's replies to reporters). Used by the tests, the demo and the bench."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shared.agencies import AGENCIES, KABKOTA
from simulators.serve import ThreadedServer
from simulators.sms_gateway.app import create_app as sms_app
from simulators.smtp_sink.server import SMTPSink
from simulators.webhook_sink.app import create_app as webhook_app
from simulators.whatsapp_cloud.app import create_app as whatsapp_app

SECRET_ENV = "ADUAN_WEBHOOK_SECRET_LOCAL"


@dataclass
class LocalChannels:
    smtp_user: str = "notifier"
    smtp_password: str = field(default_factory=lambda: secrets.token_hex(8))
    webhook_secret: str = field(default_factory=lambda: secrets.token_hex(16))
    sms_userkey: str = "sim-user"
    sms_passkey: str = field(default_factory=lambda: secrets.token_hex(8))
    whatsapp_phone_number_id: str = "100200300"
    whatsapp_access_token: str = field(default_factory=lambda: secrets.token_hex(16))

    def __post_init__(self) -> None:
        self.smtp = SMTPSink(user=self.smtp_user, password=self.smtp_password)
        self.sms = ThreadedServer(sms_app(self.sms_userkey, self.sms_passkey), name="sms-gateway")
        self.webhooks = ThreadedServer(webhook_app(self.webhook_secret), name="webhook-sink")
        self.whatsapp = ThreadedServer(
            whatsapp_app(self.whatsapp_phone_number_id, self.whatsapp_access_token), name="whatsapp-cloud"
        )

    def start(self) -> LocalChannels:
        self.smtp.start()
        self.sms.start()
        self.webhooks.start()
        self.whatsapp.start()
        return self

    def stop(self) -> None:
        for part in (self.whatsapp, self.webhooks, self.sms, self.smtp):
            part.stop()

    def __enter__(self) -> LocalChannels:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what arrived -------------------------------------------------------------------------

    def stats(self) -> dict[str, dict[str, Any]]:
        return {
            "email": self.smtp.recorder.stats(),
            "sms": self.sms.app.state.recorder.stats(),
            "webhook": self.webhooks.app.state.recorder.stats(),
            "whatsapp": self.whatsapp.app.state.recorder.stats(),
        }

    def received(self) -> dict[str, int]:
        return {channel: s["received"] for channel, s in self.stats().items()}

    @property
    def webhook_faults(self) -> Any:
        return self.webhooks.app.state.faults

    # -- how the notifier reaches them --------------------------------------------------------

    def env(self, recipients_path: Path) -> dict[str, str]:
        """Environment variables for a notifier process."""
        return {
            "ADUAN_SMTP_HOST": "127.0.0.1",
            "ADUAN_SMTP_PORT": str(self.smtp.port),
            "ADUAN_SMTP_USER": self.smtp_user,
            "ADUAN_SMTP_PASSWORD": self.smtp_password,
            "ADUAN_SMTP_STARTTLS": "false",
            "ADUAN_SMTP_FROM": "aduan-notifier@lampungprov.example",
            "ADUAN_SMS_GATEWAY_URL": f"{self.sms.base_url}/reguler/api/sendsms/",
            "ADUAN_SMS_USERKEY": self.sms_userkey,
            "ADUAN_SMS_PASSKEY": self.sms_passkey,
            "ADUAN_RECIPIENTS_PATH": str(recipients_path),
            SECRET_ENV: self.webhook_secret,
        }

    def intake_env(self) -> dict[str, str]:
        """Environment variables for an intake process: its replies to reporters go to these servers too."""
        return {
            "ADUAN_SMTP_HOST": "127.0.0.1",
            "ADUAN_SMTP_PORT": str(self.smtp.port),
            "ADUAN_SMTP_USER": self.smtp_user,
            "ADUAN_SMTP_PASSWORD": self.smtp_password,
            "ADUAN_SMTP_STARTTLS": "false",
            "ADUAN_SMTP_FROM": "aduan@lampungprov.example",
            "ADUAN_SMS_GATEWAY_URL": f"{self.sms.base_url}/reguler/api/sendsms/",
            "ADUAN_SMS_USERKEY": self.sms_userkey,
            "ADUAN_SMS_PASSKEY": self.sms_passkey,
            "ADUAN_WHATSAPP_API_URL": f"{self.whatsapp.base_url}/v21.0",
            "ADUAN_WHATSAPP_PHONE_NUMBER_ID": self.whatsapp_phone_number_id,
            "ADUAN_WHATSAPP_ACCESS_TOKEN": self.whatsapp_access_token,
        }

    def intake_settings(self) -> dict[str, Any]:
        """The same as IntakeSettings keyword arguments."""
        return {key.removeprefix("ADUAN_").lower(): value for key, value in self.intake_env().items()}

    def settings(self, recipients_path: Path) -> dict[str, Any]:
        """The same as NotifierSettings keyword arguments (the webhook secret still comes from the env)."""
        return {
            "smtp_host": "127.0.0.1",
            "smtp_port": self.smtp.port,
            "smtp_user": self.smtp_user,
            "smtp_password": self.smtp_password,
            "smtp_starttls": False,
            "sms_gateway_url": f"{self.sms.base_url}/reguler/api/sendsms/",
            "sms_userkey": self.sms_userkey,
            "sms_passkey": self.sms_passkey,
            "recipients_path": recipients_path,
        }

    def write_recipients(
        self, path: Path, agency_code: str, region_code: str, *, escalation_hours: float = 0.0
    ) -> Path:
        """A recipients file: the agency's admin by e-mail and SMS, its head by webhook, the region's Admin
        Koordinator by e-mail and its Inspektorat by webhook."""
        hook = self.webhooks.base_url + "/hooks"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            f'''version = 1
ombudsman_clocks = ["follow_up"]
[alerts]
warning = ["agency_admin"]
breach = ["agency_admin"]
[[escalation]]
level = 1
to = ["agency_head"]
after_hours = 0
[[escalation]]
level = 2
to = ["admin_koordinator", "inspektorat"]
after_hours = {escalation_hours}
tell_citizen_ombudsman = true
[digest]
enabled = false
[agencies.{agency_code}.admin]
email = "admin.lapor@{agency_code}.example"
phone = "+6281234500001"
[agencies.{agency_code}.head]
webhook = {{ url = "{hook}/{agency_code}-head", secret_env = "{SECRET_ENV}" }}
[regions."{region_code}".admin_koordinator]
email = "koordinator.lapor@{agency_code}.example"
[regions."{region_code}".inspektorat]
webhook = {{ url = "{hook}/{agency_code}-inspektorat", secret_env = "{SECRET_ENV}" }}
''',
            encoding="utf-8",
        )
        return path

    def write_recipients_all(self, path: Path, *, escalation_hours: float = 0.0) -> Path:
        """A recipients file for every agency, kab/kota and the province, all pointing at these local servers."""
        hook = self.webhooks.base_url + "/hooks"
        lines = [
            "version = 1",
            'ombudsman_clocks = ["follow_up"]',
            "[[escalation]]",
            "level = 1",
            'to = ["agency_head"]',
            "after_hours = 0",
            "[[escalation]]",
            "level = 2",
            'to = ["admin_koordinator", "inspektorat"]',
            f"after_hours = {escalation_hours}",
            "tell_citizen_ombudsman = true",
            "[digest]",
            "enabled = false",
            "[province.admin_koordinator]",
            'email = "koordinator.lapor@lampungprov.example"',
            'phone = "+6281234500099"',
            "[province.inspektorat]",
            f'webhook = {{ url = "{hook}/inspektorat-provinsi", secret_env = "{SECRET_ENV}" }}',
        ]
        for i, code in enumerate(sorted(AGENCIES)):
            lines += [
                f"[agencies.{code}.admin]",
                f'email = "admin.lapor@{code}.example"',
                f'phone = "+62812345{i:05d}"',
                f"[agencies.{code}.head]",
                f'webhook = {{ url = "{hook}/{code}-head", secret_env = "{SECRET_ENV}" }}',
            ]
        for a in KABKOTA:
            lines += [
                f'[regions."{a.region_code}".admin_koordinator]',
                f'email = "koordinator.lapor@{a.code}.example"',
                f'[regions."{a.region_code}".inspektorat]',
                f'webhook = {{ url = "{hook}/inspektorat-{a.code}", secret_env = "{SECRET_ENV}" }}',
            ]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
