"""What the customer is told about their complaint, in the assistant's words.

The acknowledgement when it is taken, where it stands when they ask, the missed-promise
update and the outcome. Times are given in the service centre's zone.
"""

from __future__ import annotations

from datetime import tzinfo

from bot.domain.business_hours import format_day, format_promise
from bot.domain.complaints.rules import RESOLVED
from bot.domain.complaints.views import ComplaintReceipt, ComplaintView


def format_receipt(receipt: ComplaintReceipt, tz: tzinfo) -> str:
    """Write the acknowledgement of a complaint for the customer.

    Args:
        receipt: from :func:`create_complaint`.
        tz: the time zone to give the promise in.

    Returns:
        E.g. "CMP-2026-00042 — a colleague will contact you by Thursday 26 Nov, 17:00
        (HKT). Until then, ..."; a repeat says it was already received.
    """
    when = format_promise(receipt.due_at, tz)
    promise = f"{receipt.reference} — a colleague will contact you by {when}."
    if receipt.created:
        return (
            f"{promise} Until then, you can check on it here at any time by quoting the reference."
        )
    return (
        f"We already have this complaint, so there's no need to send it again: {promise} "
        "You can check on it here at any time by quoting the reference."
    )


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def format_status(view: ComplaintView, tz: tzinfo) -> str:
    """Tell the customer where their complaint stands and what happens next.

    Args:
        view: one of :func:`customer_complaints`.
        tz: the time zone to give times in.
    """
    head = (
        f"{view.reference} ({view.category_label.lower()}, sent {format_day(view.created_at, tz)})"
    )
    if view.status == RESOLVED:
        when = format_day(view.resolved_at or view.created_at, tz)
        return (
            f"{head} was resolved on {when}: {_sentence(view.outcome or 'see our message')} "
            "If anything is still not right, tell me here and I'll pass it to a colleague."
        )
    if view.first_followup_at is None:
        if view.overdue:
            return (
                f"{head}: we promised to contact you by {format_promise(view.due_at, tz)}, "
                "and we're sorry we haven't yet. It's flagged as overdue, so a senior "
                "colleague will contact you as soon as possible."
            )
        if view.escalated_at is not None:
            return (
                f"{head} is with a senior colleague, who will contact you by "
                f"{format_promise(view.due_at, tz)}."
            )
        return (
            f"{head} is with our customer service team. A colleague will contact you by "
            f"{format_promise(view.due_at, tz)}."
        )
    if view.overdue:
        return (
            f"{head}: a colleague is working on it. It's taking longer than we aimed for, "
            "and we're sorry; they'll contact you with the outcome as soon as they have it."
        )
    return (
        f"{head}: a colleague is working on it and we aim to resolve it by "
        f"{format_promise(view.resolution_due_at, tz)}. They'll contact you with the outcome."
    )


def format_overdue_notice(view: ComplaintView, tz: tzinfo) -> str:
    """The one message a customer gets when the promised follow-up time was missed.

    Args:
        view: the complaint after escalation (``due_at`` is the new promise).
        tz: the time zone to give times in.
    """
    return (
        f"About your complaint {view.reference}: we promised to contact you by "
        f"{format_promise(view.original_due_at, tz)}, and we're sorry we haven't yet. Your "
        "complaint is now with a senior colleague, who will contact you by "
        f"{format_promise(view.due_at, tz)}."
    )


def format_resolution_notice(view: ComplaintView, tz: tzinfo) -> str:
    """The message that tells a customer the outcome of their complaint.

    Args:
        view: the resolved complaint.
        tz: the time zone (kept for symmetry with the other messages).
    """
    del tz  # the outcome needs no times
    return (
        f"Your complaint {view.reference} ({view.category_label.lower()}) has been resolved: "
        f"{_sentence(view.outcome or '')} If anything is still not right, just reply here "
        "and I'll pass it to a colleague."
    )


# -- complaint status from another conversation (bot.domain.complaints.status_access) --
# Every answer before a right code is the same whatever exists: none says whether a
# reference, a contact or a complaint was found.

#: Nothing filed in this conversation (with that reference, if one was given).
STATUS_NOT_IN_THIS_CHAT = (
    "I couldn't find {wanted} made in this chat. If you made it in another chat or by "
    "phone, send me the reference together with the email address or phone number you "
    "gave us (for example: CMP-2026-00042 name@company.com). If they match, I'll send a "
    "one-time code there to confirm it's you."
)

#: A reference and a contact were given: the same answer whether or not a code was sent.
STATUS_CODE_MAYBE_SENT = (
    "Thank you. If {reference} was made with that email address or phone number, a "
    "6-digit code is on its way to it now; it works once, in this chat, for {minutes} "
    "minutes. Reply with the reference and the code, for example: {reference} code 123456. "
    "If nothing arrives, please call +852 2345 6789 and a colleague will help."
)

#: A code without a reference.
STATUS_CODE_NEEDS_REFERENCE = (
    "Please send the code together with your complaint reference, for example: "
    "CMP-2026-00042 code 123456."
)

#: A wrong, expired, used-up or unknown code: all the same.
STATUS_CODE_NOT_ACCEPTED = (
    "Sorry, that code isn't valid for {reference}: it may be mistyped, expired or already "
    "used. Send the reference and your email address or phone number again for a new "
    "code, or call +852 2345 6789."
)

#: Too many look-ups from this conversation.
STATUS_LOOKUPS_LIMITED = (
    "I've looked up complaints for this chat several times in the last hour, so I can't "
    "look up more just now. Please try again later, or call +852 2345 6789 and a colleague "
    "will help."
)

#: The subject of the mail (or SMS) with a one-time code.
CODE_MESSAGE_SUBJECT = "Your Freight Desk verification code"


def format_status_not_in_this_chat(reference: str | None) -> str:
    """The answer when this conversation filed no complaint (with that reference)."""
    wanted = f"a complaint with reference {reference}" if reference else "a complaint"
    return STATUS_NOT_IN_THIS_CHAT.format(wanted=wanted)


def format_code_maybe_sent(reference: str, minutes: int) -> str:
    """The one answer to a reference and a contact, whatever was found."""
    return STATUS_CODE_MAYBE_SENT.format(reference=reference, minutes=minutes)


def format_code_not_accepted(reference: str) -> str:
    """The one answer to any code that did not open the complaint."""
    return STATUS_CODE_NOT_ACCEPTED.format(reference=reference)


def format_code_message(reference: str, code: str, minutes: int) -> str:
    """The text of the mail (or SMS) carrying a one-time code to the complaint's contact."""
    return (
        f"Your Freight Desk code is {code}. Reply in the chat with: {reference} code {code}\n\n"
        f"It shows the status of complaint {reference} in the chat where it was asked for, "
        f"works once and expires in {minutes} minutes. If you didn't ask for it, you can "
        "ignore this message: nobody sees your complaint without the code."
    )
