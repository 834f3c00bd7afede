"""What the customer is told about a handoff: their place and wait, and its end."""

from __future__ import annotations

from datetime import tzinfo

from bot.domain.business_hours import format_promise
from bot.domain.handoff.queue import HandoffTicket
from bot.domain.teams import team_label

#: How a waiting customer leaves the queue (a button says the same).
LEAVE_HINT = 'To leave the queue and carry on with me instead, say "cancel".'
#: Said when the customer leaves the queue.
LEFT_QUEUE_TEXT = (
    "Alright, I've taken you out of the queue and no colleague will join. I'm here again: "
    "I can track a shipment, give a quote or transit time, or explain a shipping term. "
    "What can I do for you?"
)
#: Said when the customer writes while queued but their handoff has already ended.
QUEUE_ENDED_TEXT = (
    "You're no longer waiting for a colleague, so I'm back with you. What can I do for you?"
)

#: Said by the assistant when an agent hands the conversation back to it.
HAND_BACK_TEXT = (
    "You're back with the virtual assistant. I can help with tracking, quotes and "
    "questions about our services; just ask, or ask for a person at any time."
)
#: Said by the assistant when an agent closes the conversation.
CLOSING_TEXT = (
    "Thank you for contacting Freight Desk. Our colleague has closed this conversation; "
    "if you need anything else, simply write here and the virtual assistant will help."
)

#: Sent in the supervisor's name when a conversation is given to another agent.
REASSIGNED_TEXT = (
    "Another colleague from our team is now looking after this conversation and will "
    "reply here shortly."
)


def _minutes(minutes: int) -> str:
    if minutes <= 1:
        return "about a minute"
    if minutes < 60:
        return f"about {minutes} minutes"
    hours = round(minutes / 60)
    return "about an hour" if hours == 1 else f"about {hours} hours"


def format_handoff_notice(ticket: HandoffTicket, tz: tzinfo) -> str:
    """Tell the customer that a person will join, where they are and what happens next.

    Args:
        ticket: from :func:`bot.domain.handoff.queue.request_handoff`.
        tz: the service centre's time zone, for the time someone will reply.
    """
    team = team_label(ticket.team)
    if not ticket.created and ticket.position == 0:
        return (
            "A colleague from our team is already looking after this conversation and will "
            "reply here shortly."
        )
    if not ticket.staffed_now and ticket.next_staffed_at is not None:
        return (
            f"Our {team} team is not working just now; they start again "
            f"{format_promise(ticket.next_staffed_at, tz)}. I've kept your place in their "
            f"queue (you are number {ticket.position}). If you'd like, leave a message here "
            "with what you need, and a phone number and a time that suit you for a call-back: "
            "a colleague will see it as soon as the queue opens. "
            f"{LEAVE_HINT}"
        )
    opening = (
        "You're still in the queue for a colleague"
        if not ticket.created
        else f"I'm passing you to a colleague in our {team} team"
    )
    return (
        f"{opening}. You are number {ticket.position} in the queue and the expected wait is "
        f"{_minutes(ticket.expected_wait_minutes)}. Please stay in this chat: they will "
        f"join you here. {LEAVE_HINT}"
    )


def format_waiting_ack(ticket: HandoffTicket, tz: tzinfo) -> str:
    """Answer a message the customer wrote while waiting: it is kept, and where they are.

    Args:
        ticket: the customer's place now
            (:func:`bot.domain.handoff.waiting.note_waiting_message`).
        tz: the service centre's time zone.
    """
    team = team_label(ticket.team)
    if not ticket.staffed_now and ticket.next_staffed_at is not None:
        return (
            f"Thank you, I've passed that on. Our {team} team will see your message when they "
            f"start again {format_promise(ticket.next_staffed_at, tz)} (you are number "
            f"{ticket.position} in their queue). {LEAVE_HINT}"
        )
    return (
        "Thank you, I've passed that on to the colleague who will join you. You are number "
        f"{ticket.position} in the queue and the expected wait is "
        f"{_minutes(ticket.expected_wait_minutes)}. {LEAVE_HINT}"
    )
