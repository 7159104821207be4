"""How intake reaches a reporter for a citizen.outbound message: by the channel they came in on, else the
address they did give; a way whose server is not configured is passed over for one that is."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.intake.outbound import ReplyRoutes, load_reply_routes, route
from shared.events import Channel

NONE_CONFIGURED: frozenset[str] = frozenset()


@pytest.mark.parametrize("channel", [Channel.SMS, Channel.SMS_GAMMU])
def test_sms_channels_answer_by_sms_and_fall_back_to_email(channel: Channel) -> None:
    assert route(channel, "+6281200001111", "a@example.com") == ("sms", "+6281200001111")
    assert route(channel, None, "a@example.com") == ("email", "a@example.com")


def test_whatsapp_answers_on_whatsapp_then_by_sms_when_the_cloud_api_is_not_configured() -> None:
    assert route(Channel.WHATSAPP, "6281200001111", None) == ("whatsapp", "6281200001111")
    on = frozenset({"sms", "email"})
    assert route(Channel.WHATSAPP, "6281200001111", "a@example.com", configured=on) == ("sms", "6281200001111")
    assert route(Channel.WHATSAPP, None, "a@example.com", configured=on) == ("email", "a@example.com")


@pytest.mark.parametrize("channel", [Channel.EMAIL, Channel.WEB, Channel.OPEN311, Channel.APP])
def test_other_channels_answer_by_email_and_fall_back_to_sms(channel: Channel) -> None:
    assert route(channel, "+6281200001111", "a@example.com") == ("email", "a@example.com")
    assert route(channel, "+6281200001111", None) == ("sms", "+6281200001111")
    assert route(channel, "+6281200001111", "a@example.com", configured=frozenset({"sms"})) == (
        "sms",
        "+6281200001111",
    )


def test_with_nothing_configured_the_first_way_with_an_address_is_named() -> None:
    # recorded `not_configured` by the consumer, so the operator sees which server is missing
    assert route(Channel.WHATSAPP, "6281200001111", None, configured=NONE_CONFIGURED) == ("whatsapp", "6281200001111")


def test_no_address_is_no_route() -> None:
    assert route(Channel.WEB, None, None) is None
    assert route(Channel.SMS, "", "") is None


def test_the_shipped_reply_routes_cover_every_phone_channel() -> None:
    routes = load_reply_routes()
    for channel in (Channel.SMS, Channel.SMS_GAMMU, Channel.WHATSAPP):
        assert routes.ways(channel)[0] in {"sms", "whatsapp"}


@pytest.mark.parametrize(
    "bad",
    [
        {"version": 1, "default": []},
        {"version": 1, "default": ["pigeon"]},
        {"version": 1, "default": ["email"], "channels": {"fax": ["email"]}},
        {"version": 2, "default": ["email"]},
    ],
)
def test_a_malformed_reply_routes_file_is_refused(bad: dict) -> None:
    with pytest.raises(ValidationError):
        ReplyRoutes.model_validate(bad)
