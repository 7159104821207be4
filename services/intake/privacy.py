"""What of a complaint may leave intake (docs/privacy.md). Pure.

- every complaint that has a contact gets an opaque `reply_handle` instead of being addressed by it;
- anonymous and confidential: no reporter at all on any topic; title, body and location text masked
  (shared/pii.py, and the reporter's own name), and no raw original: `original_title` and
  `original_body` leave intake as the masked text; the unmasked original stays in intake.reporters;
- a rejected message: reporter fields dropped and PII patterns masked wherever they are.
"""

from __future__ import annotations

from typing import Any

from shared.events import Complaint
from shared.pii import mask, mask_names, mask_value

# keys of channel formats that hold the reporter's identity (web form, SMS, WhatsApp, e-mail, Open311, Twilio)
REPORTER_KEYS = frozenset(
    {
        "reporter",
        "name",
        "phone",
        "email",
        "nik",
        "phoneNumber",
        "phone_number",
        "from",
        "from_",
        "sender",
        "From",
        "first_name",
        "last_name",
        "profile_name",
        "profile",
        "wa_id",
        "contacts",
        "recipient",
        "To",
    }
)


def protected(complaint: Complaint, reply_handle: str | None) -> Complaint:
    """The copy of `complaint` that leaves intake."""
    changes: dict[str, Any] = {"reply_handle": reply_handle if complaint.reporter else None}
    if complaint.anonymous or complaint.confidential:
        # anonim: the agency must not know who; rahasia: nothing of the report is public. aduan keeps
        # the identity of both in intake alone; replies reach the citizen through the reply handle.
        changes["reporter"] = None
    if complaint.anonymous or complaint.confidential:
        names = [complaint.reporter.name] if complaint.reporter else []
        title, body = (mask_names(mask(text), names) for text in (complaint.title, complaint.body))
        changes |= {
            "title": title,
            "body": body,
            "original_title": title if complaint.original_title is not None else None,
            "original_body": body,
            "location": complaint.location.model_copy(
                update={"text": mask_names(mask(complaint.location.text or ""), names) or None}
            ),
        }
    return complaint.model_copy(update=changes)


def masked_raw(raw: Any) -> Any:
    """A rejected channel message as complaints.rejected carries it."""
    return mask_value(raw, REPORTER_KEYS)
