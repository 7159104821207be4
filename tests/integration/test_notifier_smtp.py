"""E-mail over a real aiosmtpd server that requires STARTTLS and AUTH, as a Pemda's mail relay would: the notifier
upgrades, authenticates and its message arrives; without STARTTLS, or with a wrong password, it is refused and
retried (not lost)."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
import trustme

from services.notifier.delivery import Channels, DeliveryError
from services.notifier.settings import NotifierSettings
from simulators.smtp_sink.server import SMTPSink

pytestmark = pytest.mark.integration


@pytest.fixture
def tls_sink(tmp_path: Path):  # type: ignore[no-untyped-def]
    ca = trustme.CA()
    server_cert = ca.issue_cert("127.0.0.1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_cert.configure_cert(context)
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    with SMTPSink(user="notifier", password="s3cret", tls_context=context) as sink:
        yield sink, ca_file


def row(n: int) -> dict[str, object]:
    return {
        "channel": "email",
        "recipient": "admin.lapor@kota-metro.example",
        "idem_key": f"smtp-test-{n}",
        "subject": "[ADUAN] Batas waktu tindak lanjut terlampaui: LPG-1",
        "body": "Mohon segera ditindaklanjuti.",
    }


def settings(sink: SMTPSink, ca_file: Path, **extra: object) -> NotifierSettings:
    fields: dict[str, object] = {
        "smtp_host": "127.0.0.1",
        "smtp_port": sink.port,
        "smtp_user": "notifier",
        "smtp_password": "s3cret",
        "smtp_starttls": True,
        "smtp_ca_file": ca_file,
        "smtp_from": "aduan@lampungprov.example",
        "delivery_timeout_s": 5,
        **extra,
    }
    return NotifierSettings(**fields)  # type: ignore[arg-type]


async def test_starttls_and_auth_deliver_the_message(tls_sink) -> None:  # type: ignore[no-untyped-def]
    sink, ca_file = tls_sink
    channels = Channels(settings(sink, ca_file))
    await channels.email(row(1))
    [message] = sink.recorder.messages
    assert message["to"] == ["admin.lapor@kota-metro.example"] and message["from"] == "aduan@lampungprov.example"
    assert message["key"].endswith("@aduan.notifier>")  # the stable Message-ID


async def test_without_starttls_or_with_a_wrong_password_the_server_refuses(tls_sink) -> None:  # type: ignore[no-untyped-def]
    sink, ca_file = tls_sink
    with pytest.raises(DeliveryError):
        await Channels(settings(sink, ca_file, smtp_starttls=False)).email(row(2))
    with pytest.raises(DeliveryError) as refused:
        await Channels(settings(sink, ca_file, smtp_password="wrong")).email(row(3))
    assert not refused.value.permanent  # an auth failure is retried (the operator fixes the setting)
    assert sink.recorder.messages == []
