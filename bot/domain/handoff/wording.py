"""What the customer is told about a handoff: their place and wait, and its end."""

from __future__ import annotations

from datetime import tzinfo

from bot.domain.business_hours import format_promise
from bot.domain.handoff.queue import HandoffTicket
from bot.domain.teams import team_label

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
            f"Our {team} team is not working just now, so I've put your request in their "
            f"queue (you are number {ticket.position}). A colleague will reply in this chat "
            f"from {format_promise(ticket.next_staffed_at, tz)}; there's no need to ask again."
        )
    opening = (
        "You're still in the queue for a colleague"
        if not ticket.created
        else f"I'm passing you to a colleague in our {team} team"
    )
    return (
        f"{opening}. You are number {ticket.position} in the queue and the expected wait is "
        f"{_minutes(ticket.expected_wait_minutes)}. Please stay in this chat: they will "
        "join you here."
    )
