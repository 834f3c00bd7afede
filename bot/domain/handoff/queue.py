"""The handoff queue: a customer joining it once, their place and expected wait, and
the queue as agents read it."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.domain.accounts import customer_account
from bot.domain.clock import moment_of
from bot.domain.handoff.config import handoff_config
from bot.domain.handoff.rules import REASONS, HandoffError
from bot.domain.handoff.views import HandoffView, handoff_view
from bot.domain.kpi.rollups import mark_stale
from bot.domain.service_levels import service_levels
from bot.domain.teams import GENERAL_TEAM, check_team
from bot.storage.models import Handoff, StaffUser


@dataclass(frozen=True)
class HandoffTicket:
    """What the customer is told after asking for a person.

    Attributes:
        id: the handoff's id.
        team: the team whose queue it is in.
        position: place in that queue (1 = next); 0 once an agent has taken it.
        expected_wait_minutes: estimated minutes of staffed time before an agent joins.
        staffed_now: whether the service team is working right now.
        next_staffed_at: when the team next starts work (UTC), if not staffed now.
        created: False when an open handoff already existed and was returned.
    """

    id: int
    team: str
    position: int
    expected_wait_minutes: int
    staffed_now: bool
    next_staffed_at: datetime | None
    created: bool


def _position(session: Session, handoff: Handoff) -> int:
    if handoff.status != "waiting":
        return 0
    ahead = session.execute(
        select(func.count(Handoff.id)).where(
            Handoff.status == "waiting",
            Handoff.team == handoff.team,
            (Handoff.created_at < handoff.created_at)
            | ((Handoff.created_at == handoff.created_at) & (Handoff.id < handoff.id)),
        )
    ).scalar_one()
    return int(ahead) + 1


def _agents_on(session: Session, team: str) -> int:
    count = session.execute(
        select(func.count(StaffUser.id)).where(StaffUser.team == team, StaffUser.active.is_(True))
    ).scalar_one()
    return int(count)


def ticket_for(
    session: Session, handoff: Handoff, moment: datetime, created: bool
) -> HandoffTicket:
    """The customer's ticket for ``handoff`` at ``moment``: place, wait, staffed hours."""
    position = _position(session, handoff)
    # Each agent on the team works through the queue in parallel; with nobody on the team
    # the general desk picks it up, so count at least one.
    agents = max(1, _agents_on(session, handoff.team))
    per_conversation = handoff_config().minutes_per_conversation
    wait = math.ceil(position * per_conversation / agents) if position else 0
    # The same opening hours the complaint promises use, so customers hear one story.
    calendar = service_levels().calendar
    staffed = calendar.is_open(moment)
    return HandoffTicket(
        id=handoff.id,
        team=handoff.team,
        position=position,
        expected_wait_minutes=wait,
        staffed_now=staffed,
        next_staffed_at=None if staffed else calendar.next_opening(moment),
        created=created,
    )


def _open_handoff(session: Session, sender_id: str) -> Handoff | None:
    found: Handoff | None = session.execute(
        select(Handoff).where(Handoff.open_sender == sender_id)
    ).scalar_one_or_none()
    return found


def request_handoff(
    session: Session,
    *,
    sender_id: str,
    channel: str,
    reason: str,
    team: str,
    summary: str,
    context: Mapping[str, Any],
    account: str | None = None,
    now: datetime | None = None,
) -> HandoffTicket:
    """Put a conversation in a team's queue for a person, once.

    While the customer already has a waiting or active handoff, that one is returned
    (``created`` False) and nothing is written: asking twice keeps their place. The
    database's unique ``open_sender`` makes this hold for two requests at once as well.

    Args:
        session: open session; the caller commits.
        sender_id: the Rasa conversation id.
        channel: the customer's channel (``rest``, ``telegram``, ...).
        reason: one of :data:`bot.domain.handoff.rules.REASONS`.
        team: one of ``bot.domain.teams.TEAMS`` (see ``bot.domain.teams.route_team``).
        summary: what the bot tells the agent: what the customer wanted, slots, last
            messages.
        context: structured details for the console (slots, shipment number, ...);
            must be JSON-serialisable.
        account: the conversation's ``account`` slot, if any; without it the account
            the customer's conversations were seen with (:mod:`bot.domain.accounts`).
        now: the moment of the request; default now.

    Returns:
        The ticket to tell the customer about
        (:func:`bot.domain.handoff.wording.format_handoff_notice`).

    Raises:
        HandoffError: unknown reason or team, or an empty sender id.
    """
    moment = moment_of(now)
    sender = (sender_id or "").strip()
    if not sender:
        raise HandoffError("a handoff needs the conversation's sender id")
    if reason not in REASONS:
        raise HandoffError(f"unknown handoff reason {reason!r}: use one of {', '.join(REASONS)}")
    try:
        team_code = check_team(team)
    except ValueError as exc:
        raise HandoffError(str(exc)) from None
    existing = _open_handoff(session, sender)
    if existing is not None:
        return ticket_for(session, existing, moment, created=False)
    handoff = Handoff(
        sender_id=sender,
        open_sender=sender,
        channel=(channel or "")[:50],
        reason=reason,
        team=team_code,
        summary=summary or "",
        context=json.dumps(dict(context), default=str, ensure_ascii=False),
        status="waiting",
        account=customer_account(session, sender, moment, account),
        created_at=moment,
    )
    try:
        with session.begin_nested():
            session.add(handoff)
            mark_stale(session, [moment])
    except IntegrityError:
        # Another action run opened one between our read and our write: use theirs.
        existing = _open_handoff(session, sender)
        if existing is None:
            raise
        return ticket_for(session, existing, moment, created=False)
    return ticket_for(session, handoff, moment, created=True)


def list_queue(session: Session, *, team: str | None = None) -> list[HandoffView]:
    """Waiting handoffs, the ones for ``team`` first, then the general queue, then the rest.

    Args:
        session: open session.
        team: the viewing agent's team; None lists every team's in order of arrival.
    """
    rank = case(
        (Handoff.team == (team or ""), 0),
        (Handoff.team == GENERAL_TEAM, 1),
        else_=2,
    )
    query = select(Handoff).where(Handoff.status == "waiting")
    query = (
        query.order_by(rank, Handoff.created_at, Handoff.id)
        if team
        else query.order_by(Handoff.created_at, Handoff.id)
    )
    return [handoff_view(h) for h in session.execute(query).scalars()]


def agent_conversations(session: Session, agent: str) -> list[HandoffView]:
    """The handoffs ``agent`` has taken and not yet handed back or closed."""
    query = (
        select(Handoff)
        .where(Handoff.status == "active", Handoff.agent == agent)
        .order_by(Handoff.taken_at, Handoff.id)
    )
    return [handoff_view(h) for h in session.execute(query).scalars()]


def get_handoff(session: Session, handoff_id: int) -> HandoffView:
    """One handoff with the agents' messages.

    Raises:
        HandoffError: there is no such handoff.
    """
    handoff = session.get(Handoff, handoff_id)
    if handoff is None:
        raise HandoffError(f"there is no handoff {handoff_id}")
    return handoff_view(handoff, with_messages=True)
