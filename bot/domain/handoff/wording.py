"""What the customer is told about a handoff: their place and wait, and its end.

Every text is in the wording catalogue (``locales/<language>/handoff.yml``) and is given in
the conversation's language; a colleague's own messages are sent as they wrote them.
"""

from __future__ import annotations

from datetime import tzinfo

from bot.core.i18n import format_datetime, get_catalogue, t
from bot.domain.handoff.queue import HandoffTicket

#: The payload of the "Leave the queue" button (the ``stop`` intent).
LEAVE_PAYLOAD = "/stop"


def team_name(team: str, language: str) -> str:
    """The team's name for a customer, e.g. "Air Freight" / "空運"; unknown codes as given."""
    key = f"handoff.team.{team}"
    return t(key, language) if get_catalogue().has(key) else team


def wait_text(minutes: int, language: str) -> str:
    """The expected wait in words: "about 6 minutes" / "大約 6 分鐘"."""
    if minutes <= 1:
        return t("handoff.wait.minute", language)
    if minutes < 60:
        return t("handoff.wait.minutes", language, minutes=minutes)
    hours = round(minutes / 60)
    if hours == 1:
        return t("handoff.wait.hour", language)
    return t("handoff.wait.hours", language, hours=hours)


def leave_button(language: str) -> dict[str, str]:
    """The "Leave the queue" button shown with every queue message."""
    return {"title": t("handoff.leave_button", language), "payload": LEAVE_PAYLOAD}


def format_handoff_notice(ticket: HandoffTicket, tz: tzinfo, language: str = "en") -> str:
    """Tell the customer that a person will join, where they are and what happens next.

    Args:
        ticket: from :func:`bot.domain.handoff.queue.request_handoff`.
        tz: the service centre's time zone, for the time someone will reply.
        language: the conversation's language.
    """
    if not ticket.created and ticket.position == 0:
        return t("handoff.notice.already_taken", language)
    team = team_name(ticket.team, language)
    if not ticket.staffed_now and ticket.next_staffed_at is not None:
        return t(
            "handoff.notice.closed_hours",
            language,
            team=team,
            when=format_datetime(ticket.next_staffed_at, language, tz),
            position=ticket.position,
        )
    key = "handoff.notice.passing" if ticket.created else "handoff.notice.still_queued"
    return t(
        key,
        language,
        team=team,
        position=ticket.position,
        wait=wait_text(ticket.expected_wait_minutes, language),
    )


def format_waiting_ack(ticket: HandoffTicket, tz: tzinfo, language: str = "en") -> str:
    """Answer a message the customer wrote while waiting: it is kept, and where they are.

    Args:
        ticket: the customer's place now
            (:func:`bot.domain.handoff.waiting.note_waiting_message`).
        tz: the service centre's time zone.
        language: the conversation's language.
    """
    if not ticket.staffed_now and ticket.next_staffed_at is not None:
        return t(
            "handoff.ack.closed_hours",
            language,
            team=team_name(ticket.team, language),
            when=format_datetime(ticket.next_staffed_at, language, tz),
            position=ticket.position,
        )
    return t(
        "handoff.ack.open",
        language,
        position=ticket.position,
        wait=wait_text(ticket.expected_wait_minutes, language),
    )


def left_queue_text(language: str) -> str:
    """Said when the customer leaves the queue."""
    return t("handoff.left_queue", language)


def queue_ended_text(language: str) -> str:
    """Said when the customer writes while queued but their handoff has already ended."""
    return t("handoff.queue_ended", language)


def hand_back_text(language: str) -> str:
    """Said by the assistant when an agent hands the conversation back to it."""
    return t("handoff.hand_back", language)


def closing_text(language: str) -> str:
    """Said by the assistant when an agent closes the conversation."""
    return t("handoff.closing", language)


def reassigned_text(language: str) -> str:
    """Sent in the supervisor's name when a conversation is given to another agent."""
    return t("handoff.reassigned", language)
