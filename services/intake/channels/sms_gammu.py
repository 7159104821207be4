"""SMS received by a Gammu SMSD modem: `aduan gammu-receive` (services/intake/gammu.py) publishes it to
complaints.inbound in the android-sms-gateway shape. Kafka only: no endpoint, no signature check."""

from __future__ import annotations

from services.intake.channels.base import ChannelSpec, samples
from services.intake.channels.sms import SmsMessage
from shared.events import Channel

SPEC = ChannelSpec(
    channels=(Channel.SMS_GAMMU,),
    raw_model=SmsMessage,  # aduan gammu-receive publishes the android-sms-gateway shape
    interactive=False,
    message_id="the bridge's: derived from the modem and the message's parts (gammu.py)",
    samples=samples("sms_gammu"),
)
