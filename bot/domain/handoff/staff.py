"""An agent's work on a handoff: taking it, their messages and each delivery attempt,
and finishing it (handed back to the assistant, or closed); and a supervisor's (a team
lead for their team, a manager for any): reassigning a conversation to another agent or
finishing it when its agent is away, each written to the audit trail.

Every function takes an open session; the caller commits. The conversation engine is
not touched here: :mod:`bot.domain.handoff.agent_chat` pairs these with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.domain import audit
from bot.domain.clock import moment_of
from bot.domain.handoff.rules import OUTCOMES, HandoffError
from bot.domain.handoff.views import HandoffView, MessageView, handoff_view, message_view
from bot.domain.kpi.rollups import mark_stale
from bot.domain.limits import AGENT_MESSAGE_CHARS
from bot.storage.models import Handoff, HandoffMessage, StaffUser


@dataclass(frozen=True)
class Supervisor:
    """A team lead or manager acting on a conversation another agent holds (or nobody)."""

    name: str
    role: str
    team: str

    def may_supervise(self, team: str) -> bool:
        """A manager supervises every team, a team lead their own."""
        return self.role == "manager" or (self.role == "team_lead" and self.team == team)


def _locked(session: Session, handoff_id: int) -> Handoff:
    handoff = session.execute(
        select(Handoff).where(Handoff.id == handoff_id).with_for_update()
    ).scalar_one_or_none()
    if handoff is None:
        raise HandoffError(f"there is no handoff {handoff_id}")
    return handoff


def check_agent(handoff: Handoff, agent: str) -> None:
    """Make sure ``agent`` holds the handoff.

    Raises:
        HandoffError: it is not with an agent, or with another one.
    """
    if handoff.status != "active":
        raise HandoffError("this conversation is not with an agent")
    if handoff.agent != agent:
        raise HandoffError(f"this conversation is with {handoff.agent}")


def check_supervisor(handoff: Handoff, supervisor: Supervisor) -> None:
    """Make sure ``supervisor`` may reassign or finish the handoff.

    Raises:
        HandoffError: it has ended, or it belongs to a team they do not lead.
    """
    if handoff.status not in ("waiting", "active"):
        raise HandoffError("this conversation has already ended")
    if not supervisor.may_supervise(str(handoff.team)):
        raise HandoffError("only a manager or the team's lead may change this conversation")


def supervised_handoffs(session: Session, supervisor: Supervisor) -> list[HandoffView]:
    """Conversations with an agent that ``supervisor`` may reassign or close."""
    query = select(Handoff).where(Handoff.status == "active").order_by(Handoff.taken_at)
    if supervisor.role != "manager":
        query = query.where(Handoff.team == supervisor.team)
    return [handoff_view(h) for h in session.execute(query).scalars()]


def reassign_handoff(
    session: Session,
    handoff_id: int,
    *,
    to_agent: str,
    supervisor: Supervisor,
    now: datetime | None = None,
) -> HandoffView:
    """Give an open handoff to ``to_agent``, recorded in the audit trail.

    Raises:
        HandoffError: no such handoff, it has ended, ``supervisor`` may not change it,
            or ``to_agent`` is not an active account other than its current agent.
    """
    moment = moment_of(now)
    handoff = _locked(session, handoff_id)
    check_supervisor(handoff, supervisor)
    target = session.execute(
        select(StaffUser).where(StaffUser.name == (to_agent or "").strip())
    ).scalar_one_or_none()
    if target is None or not target.active:
        raise HandoffError("there is no active account with that name")
    if handoff.status == "active" and handoff.agent == target.name:
        raise HandoffError(f"this conversation is already with {target.name}")
    previous = handoff.agent
    handoff.agent = target.name
    if handoff.status == "waiting":
        handoff.status, handoff.taken_at = "active", moment
    mark_stale(session, [handoff.created_at])
    audit.record(
        session,
        actor=supervisor.name,
        action="handoff_reassigned",
        subject=f"handoff:{handoff_id}",
        detail=f"from {previous or 'the queue'} to {target.name}",
        now=moment,
    )
    session.flush()
    return handoff_view(handoff, with_messages=True)


def take_handoff(
    session: Session, handoff_id: int, *, agent: str, now: datetime | None = None
) -> HandoffView:
    """Give a waiting handoff to ``agent`` (taking it again is harmless).

    Raises:
        HandoffError: no such handoff, another agent has it, or it has ended.
    """
    moment = moment_of(now)
    handoff = _locked(session, handoff_id)
    if handoff.status == "active" and handoff.agent == agent:
        return handoff_view(handoff, with_messages=True)
    if handoff.status == "active":
        raise HandoffError(f"{handoff.agent} has already taken this conversation")
    if handoff.status != "waiting":
        raise HandoffError("this conversation has already ended")
    handoff.status = "active"
    handoff.agent = agent
    handoff.taken_at = moment
    mark_stale(session, [handoff.created_at])
    session.flush()
    return handoff_view(handoff, with_messages=True)


def record_agent_message(
    session: Session,
    handoff_id: int,
    *,
    agent: str,
    client_id: str,
    text: str,
    now: datetime | None = None,
) -> tuple[MessageView, bool]:
    """Store an agent's message before it is sent, exactly once per ``client_id``.

    Args:
        session: open session; the caller commits.
        handoff_id: the conversation's handoff.
        agent: who wrote it (must hold the handoff).
        client_id: id the console generated for this message; a retry sends the same.
        text: the message.
        now: when it was written; default now.

    Returns:
        The message and whether it was stored now (False: it was already there).

    Raises:
        HandoffError: empty or too long text, a bad id, or the agent does not hold the
            conversation; also when the id belongs to another conversation.
    """
    moment = moment_of(now)
    key = (client_id or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9_-]{8,64}", key):
        raise HandoffError("the message id is missing or malformed")
    existing = session.execute(
        select(HandoffMessage).where(HandoffMessage.client_id == key)
    ).scalar_one_or_none()
    if existing is not None:
        if existing.handoff_id != handoff_id:
            raise HandoffError("the message id belongs to another conversation")
        return message_view(existing), False
    body = (text or "").strip()
    if not body:
        raise HandoffError("the message is empty")
    if len(body) > AGENT_MESSAGE_CHARS:
        raise HandoffError(f"the message is longer than {AGENT_MESSAGE_CHARS} characters")
    check_agent(_locked(session, handoff_id), agent)
    message = HandoffMessage(
        handoff_id=handoff_id,
        client_id=key,
        agent=agent,
        text=body,
        status="pending",
        attempts=0,
        created_at=moment,
    )
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        again = session.execute(
            select(HandoffMessage).where(HandoffMessage.client_id == key)
        ).scalar_one()
        return message_view(again), False
    return message_view(message), True


def claim_delivery(session: Session, client_id: str, seen_attempts: int) -> bool:
    """Claim the next delivery attempt of a message; only one concurrent caller wins.

    The claim raises ``attempts`` from the value the caller read, so two retries of the
    same message cannot both send it.
    """
    result = session.execute(
        update(HandoffMessage)
        .where(
            HandoffMessage.client_id == client_id,
            HandoffMessage.status != "sent",
            HandoffMessage.attempts == seen_attempts,
        )
        .values(attempts=seen_attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)


def mark_message(
    session: Session,
    client_id: str,
    *,
    sent: bool,
    error: str | None = None,
    now: datetime | None = None,
) -> MessageView:
    """Record how a delivery attempt ended; the first sent message sets the first response.

    Raises:
        HandoffError: there is no message with that id.
    """
    moment = moment_of(now)
    message = session.execute(
        select(HandoffMessage).where(HandoffMessage.client_id == client_id).with_for_update()
    ).scalar_one_or_none()
    if message is None:
        raise HandoffError("there is no such message")
    if sent:
        message.status, message.sent_at, message.error = "sent", moment, None
        handoff = _locked(session, message.handoff_id)
        if handoff.first_agent_reply_at is None:
            handoff.first_agent_reply_at = moment
            mark_stale(session, [handoff.created_at])
    elif message.status != "sent":
        message.status, message.error = "failed", (error or "not delivered")[:300]
    session.flush()
    return message_view(message)


def finish_handoff(
    session: Session,
    handoff_id: int,
    *,
    agent: str,
    outcome: str,
    supervisor: Supervisor | None = None,
    now: datetime | None = None,
) -> HandoffView:
    """End an agent's handoff: ``handed_back`` to the bot or ``closed``.

    With ``supervisor`` a team lead or manager ends a conversation another agent holds
    (or one still waiting), recorded in the audit trail; ``agent`` is then ignored.

    Raises:
        HandoffError: unknown outcome, the agent does not hold the conversation, or the
            supervisor may not change it.
    """
    if outcome not in OUTCOMES:
        raise HandoffError(f"unknown outcome {outcome!r}")
    moment = moment_of(now)
    handoff = _locked(session, handoff_id)
    if supervisor is None:
        check_agent(handoff, agent)
    else:
        check_supervisor(handoff, supervisor)
        audit.record(
            session,
            actor=supervisor.name,
            action=f"handoff_{outcome}",
            subject=f"handoff:{handoff_id}",
            detail=f"held by {handoff.agent or 'nobody (waiting)'}",
            now=moment,
        )
    handoff.status = outcome
    handoff.open_sender = None
    if outcome == "handed_back":
        handoff.handed_back_at = moment
    else:
        handoff.closed_at = moment
    mark_stale(session, [handoff.created_at])
    session.flush()
    return handoff_view(handoff, with_messages=True)
