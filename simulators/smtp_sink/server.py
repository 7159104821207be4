"""SMTPSink: aiosmtpd on a free port, optionally requiring AUTH (over plain text, local use only), recording
every accepted message by its Message-ID so duplicates show."""

from __future__ import annotations

import logging
import socket
import ssl
import warnings
from email import message_from_bytes
from email.policy import default as default_policy
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from simulators.recorder import Recorder


class _Handler:
    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.original_content or envelope.content, policy=default_policy)
        body = msg.get_body(preferencelist=("plain",))
        self.recorder.add(
            str(msg.get("Message-ID", "")),
            {
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "subject": str(msg.get("Subject", "")).strip(),
                "body": body.get_content() if body is not None else "",
                "delivery": str(msg.get("X-Aduan-Delivery", "")),
            },
        )
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SMTPSink:
    def __init__(
        self,
        *,
        port: int = 0,
        user: str | None = None,
        password: str | None = None,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        self.recorder = Recorder()
        self.port = port or _free_port()
        self.user, self.password = user, password
        kwargs: dict[str, Any] = {}
        if user is not None:
            kwargs.update(
                auth_required=True, auth_require_tls=tls_context is not None, authenticator=self._authenticate
            )
        if tls_context is not None:  # STARTTLS offered and required before MAIL
            kwargs.update(tls_context=tls_context, require_starttls=True)
        self.controller = Controller(_Handler(self.recorder), hostname="127.0.0.1", port=self.port, **kwargs)
        # local use only: AUTH over plain text on 127.0.0.1 is what a test of "auth configurable" needs
        warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS", category=UserWarning)
        warnings.filterwarnings("ignore", message="Session.login_data is deprecated")
        logging.getLogger("mail.log").setLevel(logging.ERROR)

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == self.user
            and auth_data.password.decode() == self.password
        )
        return AuthResult(success=ok, handled=False)

    def start(self) -> SMTPSink:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def __enter__(self) -> SMTPSink:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
