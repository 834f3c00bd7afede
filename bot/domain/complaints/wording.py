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
