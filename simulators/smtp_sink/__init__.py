"""A real local SMTP server (aiosmtpd) that keeps what it accepts, for the tests and the demo."""
