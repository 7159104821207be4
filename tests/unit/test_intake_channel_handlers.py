"""Each channel module's HTTP handlers, run against a fake of intake's HTTP edge (channels/edge.py's
`ChannelEdge`): what a handler publishes, acknowledges or refuses, without Kafka or PostgreSQL.
The real edge's part (publishing interactive or not) is tested at the end."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from starlette.requests import Request

from services.intake.channels import email, sms, web, whatsapp
from services.intake.handlers import IntakeHandlers
from services.intake.http_input import BadInput
from services.intake.open311 import Open311
from services.intake.settings import IntakeSettings
from services.intake.verdict import Verdict, judge
from shared.events import Channel, Complaint, Envelope, complaint_id_for

TEXT = "Jalan berlubang di depan pasar Kedaton, Bandar Lampung, sudah tiga bulan tidak diperbaiki."


class FakeEdge:
    """Judges for real (verdict.py), records instead of publishing."""

    def __init__(self, *, used_keys: Iterable[str] = (), fail_receive: bool = False) -> None:
        self.settings = IntakeSettings()
        self.open311: Open311 = None  # type: ignore[assignment]  # no GeoReport handler here
        self.published: list[tuple[Channel, str, dict[str, Any]]] = []
        self.authenticated: list[str] = []
        self.limited_sources: list[tuple[str, object]] = []
        self.released: list[tuple[str, str]] = []
        self.used_keys = set(used_keys)
        self.fail_receive = fail_receive

    async def authenticate(
        self, auth: str, request: Request, body: bytes, fields: list[tuple[str, str]] | None = None
    ) -> None:
        self.authenticated.append(auth)

    def limited(self, kind: str, source: object) -> None:
        self.limited_sources.append((kind, source))

    def judge(self, channel: Channel, raw: dict[str, Any], channel_message_id: str, received_at: datetime) -> Verdict:
        complaint_id = complaint_id_for(channel.value, channel_message_id)
        return judge(channel, raw, complaint_id, channel_message_id, received_at, "LPG")

    async def publish(
        self, channel: Channel, raw: dict[str, Any], channel_message_id: str, verdict: Verdict, received_at: datetime
    ) -> None:
        self.published.append((channel, channel_message_id, raw))

    async def receive(self, channel: Channel, raw: dict[str, Any], channel_message_id: str) -> Verdict:
        if self.fail_receive:
            raise TimeoutError("Kafka did not answer")
        verdict = self.judge(channel, raw, channel_message_id, datetime.now().astimezone())
        self.published.append((channel, channel_message_id, raw))
        return verdict

    def content_key(self, channel: Channel, complaint: Complaint, client: str) -> str:
        return f"content:{client}"

    async def claim_idempotency_key(self, key: str, raw: dict[str, Any]) -> bool:
        return key not in self.used_keys

    async def duplicate_answer(self, complaint: Complaint) -> dict[str, Any]:
        return {}

    def access_token(self, complaint_id: uuid.UUID) -> str:
        return "token"

    async def read_raw_email(self, raw: dict[str, Any]) -> dict[str, Any]:
        return raw

    async def reply_to(self, raw: dict[str, Any]) -> str | None:
        return None

    async def release_token(self, scope: str, token: str) -> None:
        self.released.append((scope, token))


def request(
    method: str, path: str, body: bytes = b"", *, content_type: str = "application/json", query: str = ""
) -> Request:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "headers": [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())],
        "query_string": query.encode(),
        "client": ("192.0.2.7", 40000),
        "server": ("intake", 8080),
        "scheme": "http",
        "root_path": "",
    }
    return Request(scope, receive)


def answer(response: Any) -> dict[str, Any]:
    return json.loads(response.body)


async def test_an_sms_gateway_delivery_report_is_acknowledged_and_nothing_published() -> None:
    edge = FakeEdge()
    body = json.dumps({"id": "e1", "event": "sms:delivered", "payload": {"messageId": "m"}}).encode()
    response = await sms.sms_webhook(edge, request("POST", "/v1/channels/sms", body))
    assert response.status_code == 202 and answer(response)["acknowledged"] is True
    assert edge.authenticated == ["sms"] and edge.published == []


async def test_a_received_sms_is_published_under_its_event_id_and_its_sender_rate_limited() -> None:
    edge = FakeEdge()
    payload = {"message": TEXT, "phoneNumber": "+6281200001234"}
    body = json.dumps({"id": "e2", "event": "sms:received", "payload": payload}).encode()
    response = await sms.sms_webhook(edge, request("POST", "/v1/channels/sms", body))
    assert response.status_code == 202 and len(answer(response)["accepted"]) == 1
    assert edge.published == [(Channel.SMS, "e2", payload)]
    assert ("phone", "+6281200001234") in edge.limited_sources


async def test_an_sms_event_without_a_payload_object_is_a_422() -> None:
    body = json.dumps({"id": "e3", "event": "sms:received", "payload": "text"}).encode()
    with pytest.raises(BadInput) as refused:
        await sms.sms_webhook(FakeEdge(), request("POST", "/v1/channels/sms", body))
    assert refused.value.status == 422


async def test_twilio_media_are_read_as_far_as_num_media_says_and_answered_with_twiml() -> None:
    edge = FakeEdge()
    form = {"From": "+6281200001234", "Body": TEXT, "MessageSid": "SM1", "NumMedia": "1"}
    form |= {"MediaUrl0": "https://media.example/a.jpg", "MediaUrl1": "https://media.example/not-counted.jpg"}
    body = urlencode(form).encode()
    response = await sms.twilio_webhook(
        edge, request("POST", "/v1/channels/twilio", body, content_type="application/x-www-form-urlencoded")
    )
    assert response.media_type == "application/xml" and b"<Response>" in response.body
    [(channel, message_id, raw)] = edge.published
    assert (channel, message_id) == (Channel.SMS, "twilio:SM1")
    assert raw["media_urls"] == ["https://media.example/a.jpg"]


async def test_a_twilio_post_without_a_sid_is_a_422_and_nothing_published() -> None:
    edge = FakeEdge()
    body = urlencode({"From": "+62812", "Body": TEXT}).encode()
    with pytest.raises(BadInput) as refused:
        await sms.twilio_webhook(
            edge, request("POST", "/v1/channels/twilio", body, content_type="application/x-www-form-urlencoded")
        )
    assert refused.value.status == 422 and edge.published == []


async def test_whatsapp_publishes_each_message_of_a_webhook_and_not_its_statuses() -> None:
    edge = FakeEdge()
    messages = [{"from": "6281200001234", "id": f"wamid.{i}", "type": "text", "text": {"body": TEXT}} for i in (1, 2)]
    value = {"messages": messages, "statuses": [{"id": "wamid.0", "status": "read"}]}
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{"changes": [{"value": value}]}]}).encode()
    response = await whatsapp.whatsapp_webhook(edge, request("POST", "/v1/channels/whatsapp", body))
    assert len(answer(response)["accepted"]) == 2
    assert [message_id for _, message_id, _ in edge.published] == ["wamid.1", "wamid.2"]


async def test_whatsapp_verification_echoes_the_challenge_and_refuses_an_overlong_one() -> None:
    edge = FakeEdge()
    query = "hub.mode=subscribe&hub.verify_token=t&hub.challenge=1158201444"
    response = await whatsapp.whatsapp_verify(edge, request("GET", "/v1/channels/whatsapp", query=query))
    assert response.body == b"1158201444" and edge.authenticated == ["whatsapp-verify"]
    with pytest.raises(BadInput) as refused:
        overlong = f"hub.mode=subscribe&hub.challenge={'9' * 201}"
        await whatsapp.whatsapp_verify(edge, request("GET", "/v1/channels/whatsapp", query=overlong))
    assert refused.value.status == 400


async def test_an_invalid_web_form_is_a_422_naming_the_field_and_nothing_published() -> None:
    edge = FakeEdge()
    response = await web.submit_complaint(edge, request("POST", "/v1/complaints", json.dumps({"body": ""}).encode()))
    assert response.status_code == 422 and edge.published == []
    assert any(error["field"] and "body" in error["field"] for error in answer(response)["errors"])


async def test_a_web_form_without_a_key_is_keyed_by_content_and_with_a_reused_key_refused() -> None:
    edge = FakeEdge(used_keys={"k-used"})
    body = json.dumps({"body": TEXT}).encode()
    response = await web.submit_complaint(edge, request("POST", "/v1/complaints", body))
    assert response.status_code == 202 and response.headers["location"].endswith(answer(response)["tracking_number"])
    assert edge.published[0][1] == "content:192.0.2.7"
    reused = request("POST", "/v1/complaints", body)
    reused.scope["headers"].append((b"idempotency-key", b"k-used"))
    response = await web.submit_complaint(edge, reused)
    assert response.status_code == 409 and len(edge.published) == 1


async def test_an_email_whose_publish_fails_gives_its_one_use_token_back() -> None:
    edge = FakeEdge(fail_receive=True)
    fields = {"Message-Id": "<1@example.com>", "from": "warga@example.com", "body-plain": TEXT}
    fields |= {"timestamp": "1764590000", "token": "tok-1", "signature": "ab"}
    body = urlencode(fields).encode()
    with pytest.raises(TimeoutError):
        await email.email_webhook(
            edge, request("POST", "/v1/channels/email", body, content_type="application/x-www-form-urlencoded")
        )
    assert edge.released == [("email", "tok-1")]


class RecordingPublisher:
    def __init__(self) -> None:
        self.sent: list[Envelope[Any]] = []

    async def publish(self, topic: str, envelope: Envelope[Any], *, key: str | None = None) -> None:
        self.sent.append(envelope)


async def test_the_edge_publishes_a_bad_gateway_message_but_not_a_bad_interactive_one() -> None:
    publisher = RecordingPublisher()
    handlers = IntakeHandlers(publisher=publisher, db=None, settings=IntakeSettings())  # type: ignore[arg-type]
    bad_web = await handlers.http.receive(Channel.WEB, {"body": ""}, "w1")
    assert bad_web.complaint is None and publisher.sent == []  # the caller is told instead
    bad_sms = await handlers.http.receive(Channel.SMS, {"message": "", "phoneNumber": "+62812"}, "s1")
    assert bad_sms.complaint is None and len(publisher.sent) == 1  # answered on complaints.rejected
