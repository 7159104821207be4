"""The demo sends every channel intake registers; its Gammu samples reach intake as SMSD would hand them over:
every part in the environment of one RunOnReceive call, joined in order, under a message id of this run's own."""

from pathlib import Path

from aduan.demo import _gammu_message, _smsd_environment, load_samples, registered_channels
from services.intake.gammu import messages_from_environment

SAMPLES = Path(__file__).parents[2] / "samples" / "complaints.jsonl"


def _gammu_samples(run: str):  # type: ignore[no-untyped-def]
    return [s for s in load_samples(SAMPLES, run) if s.channel == "sms_gammu"]


def test_a_long_sms_is_one_runonreceive_call_with_its_parts_in_order() -> None:
    (long_sms,) = [s for s in _gammu_samples("r1") if len(s.raw["parts"]) > 1]
    env = _smsd_environment(long_sms)
    assert env["SMS_MESSAGES"] == str(len(long_sms.raw["parts"])) == "3"
    assert {env[f"SMS_{n}_NUMBER"] for n in (1, 2, 3)} == {long_sms.raw["number"]}
    (message,) = messages_from_environment(env, long_sms.raw["smsd_ids"])
    assert message.parts == 3
    assert message.text == "".join(long_sms.raw["parts"])
    assert long_sms.channel_message_id == message.channel_message_id


def test_each_run_sends_new_messages_and_a_rerun_of_one_run_the_same() -> None:
    first, again, other = _gammu_samples("r1"), _gammu_samples("r1"), _gammu_samples("r2")
    assert len(first) == 2
    assert [s.channel_message_id for s in first] == [s.channel_message_id for s in again]
    assert not {s.channel_message_id for s in first} & {s.channel_message_id for s in other}
    assert all(s.channel_message_id == _gammu_message(s).channel_message_id for s in other)


def test_the_demo_sends_every_channel_intake_registers() -> None:
    sent = {s.channel for s in load_samples(SAMPLES, "r1")}
    assert set(registered_channels()) <= sent, set(registered_channels()) - sent
