"""A customer waiting in the handoff queue: what they write, their place, leaving it.

While a conversation waits for a person the assistant stays with the customer (Rasa
pauses it only when an agent takes it over, :func:`bot.domain.handoff.agent_chat.take_over`):
what the customer writes is kept on the handoff for the agent (outside staffed hours, the
message and call-back time they leave), they hear their place and wait now and then, and
they may leave the queue.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.clock import moment_of
from bot.domain.handoff.config import handoff_config
from bot.domain.handoff.queue import HandoffTicket, ticket_for
from bot.domain.kpi.rollups import mark_stale
from bot.storage.models import Handoff

#: The status of a handoff the customer left before an agent took it.
LEFT = "left"
#: Key of the customer's messages while waiting in the handoff's context (console shows it).
WAITING_MESSAGES = "waiting_messages"
#: Most messages kept per handoff, and most characters of each: the agent reads them at a
#: glance, and the transcript has everything.
MAX_WAITING_MESSAGES = 20
MAX_WAITING_CHARS = 1000


def _open(session: Session, sender_id: str) -> Handoff | None:
    found: Handoff | None = session.execute(
        select(Handoff).where(Handoff.open_sender == sender_id).with_for_update()
    ).scalar_one_or_none()
    return found


def waiting_ticket(
    session: Session, sender_id: str, now: datetime | None = None
) -> HandoffTicket | None:
    """The customer's place in the queue now, or None when they have no open handoff."""
    handoff = _open(session, sender_id)
    if handoff is None:
        return None
    return ticket_for(session, handoff, moment_of(now), created=False)


def note_waiting_message(
    session: Session, sender_id: str, text: str, now: datetime | None = None
) -> HandoffTicket | None:
    """Keep what a waiting customer wrote on their handoff, for the agent to read.

    Returns:
        The customer's ticket now, or None when they have no open handoff.
    """
    handoff = _open(session, sender_id)
    if handoff is None:
        return None
    moment = moment_of(now)
    try:
        context = json.loads(handoff.context or "{}")
    except ValueError:
        context = {}
    if not isinstance(context, dict):
        context = {}
    messages = list(context.get(WAITING_MESSAGES) or [])
    cleaned = " ".join((text or "").split())
    if cleaned:
        if len(cleaned) > MAX_WAITING_CHARS:
            cleaned = cleaned[: MAX_WAITING_CHARS - 1] + "…"
        messages.append({"at": moment.isoformat(), "text": cleaned})
        context[WAITING_MESSAGES] = messages[-MAX_WAITING_MESSAGES:]
        handoff.context = json.dumps(context, default=str, ensure_ascii=False)
        session.flush()
    return ticket_for(session, handoff, moment, created=False)


def leave_queue(session: Session, sender_id: str, now: datetime | None = None) -> bool:
    """The customer leaves the queue before an agent took the conversation.

    Returns:
        True when a waiting handoff was left; False when there was none (already taken by
        an agent, or never queued).
    """
    handoff = _open(session, sender_id)
    if handoff is None or handoff.status != "waiting":
        return False
    handoff.status = LEFT
    handoff.open_sender = None
    handoff.closed_at = moment_of(now)
    mark_stale(session, [handoff.created_at])
    session.flush()
    return True


def acknowledgement_due(
    last_ack: float | None, now: float, every_minutes: float | None = None
) -> bool:
    """Whether a waiting customer's message gets their place and wait again.

    The first message after joining the queue always does (``last_ack`` None); later ones
    at most every ``acknowledge_every_minutes`` of config/handoff.yml.

    Args:
        last_ack: when the last acknowledgement was given (POSIX seconds), or None.
        now: now, in POSIX seconds.
        every_minutes: default from the handoff settings.
    """
    if last_ack is None:
        return True
    minutes = handoff_config().acknowledge_every_minutes if every_minutes is None else every_minutes
    return now - last_ack >= minutes * 60
