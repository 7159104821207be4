"""How intake reaches a reporter for a citizen.outbound message: by the channel they came in on, else the
address they did give."""

from __future__ import annotations

import pytest

from services.intake.outbound import route
from shared.events import Channel


@pytest.mark.parametrize("channel", [Channel.SMS, Channel.SMS_GAMMU, Channel.WHATSAPP])
def test_phone_channels_answer_by_sms_and_fall_back_to_email(channel: Channel) -> None:
    assert route(channel, "+6281200001111", "a@example.com") == ("sms", "+6281200001111")
    assert route(channel, None, "a@example.com") == ("email", "a@example.com")


@pytest.mark.parametrize("channel", [Channel.EMAIL, Channel.WEB, Channel.OPEN311, Channel.APP])
def test_other_channels_answer_by_email_and_fall_back_to_sms(channel: Channel) -> None:
    assert route(channel, "+6281200001111", "a@example.com") == ("email", "a@example.com")
    assert route(channel, "+6281200001111", None) == ("sms", "+6281200001111")


def test_no_address_is_no_route() -> None:
    assert route(Channel.WEB, None, None) is None
    assert route(Channel.SMS, "", "") is None
