"""A WhatsApp Cloud API simulator: the send-message endpoint intake answers citizens through."""
