"""What intake says of one channel message: parse it with the channel's own model, normalise it, and
answer with the complaint or the reasons. Shared by the HTTP edge (which answers interactive callers
with it) and the complaints.inbound consumer (which decides on it)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from services.intake.channels import parse_raw
from services.intake.normalise import Rejected, normalise, reasons_from_validation
from shared.events import Channel, Complaint, RejectReason


@dataclass
class Verdict:
    """What intake says of one channel message: a complaint with its tracking number, or reasons."""

    complaint: Complaint | None
    reasons: list[RejectReason]


def judge(
    channel: Channel,
    raw: dict[str, Any],
    complaint_id: uuid.UUID,
    channel_message_id: str,
    received_at: Any,
    tracking_prefix: str,
) -> Verdict:
    try:
        message = parse_raw(channel, raw)
        complaint = normalise(
            channel,
            message,
            complaint_id=complaint_id,
            channel_message_id=channel_message_id,
            received_at=received_at,
            tracking_prefix=tracking_prefix,
        )
        return Verdict(complaint, [])
    except ValidationError as exc:
        return Verdict(None, reasons_from_validation(exc))
    except Rejected as exc:
        return Verdict(None, exc.reasons)
