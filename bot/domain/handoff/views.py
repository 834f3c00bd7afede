"""What readers of the handoff queue get: plain views, no ORM object escapes the session."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.clock import moment_of
from bot.domain.teams import team_label
from bot.storage.models import Handoff, HandoffMessage


@dataclass(frozen=True)
class MessageView:
    """An agent's message and its delivery state."""

    client_id: str
    agent: str
    text: str
    status: str
    attempts: int
    error: str | None
    created_at: datetime
    sent_at: datetime | None


@dataclass(frozen=True)
class HandoffView:
    """A handoff as the console shows it; no ORM object escapes the session."""

    id: int
    sender_id: str
    channel: str
    reason: str
    team: str
    summary: str
    context: dict[str, Any]
    status: str
    agent: str | None
    created_at: datetime
    taken_at: datetime | None
    first_agent_reply_at: datetime | None
    handed_back_at: datetime | None
    closed_at: datetime | None
    messages: tuple[MessageView, ...] = ()

    def waiting_minutes(self, now: datetime | None = None) -> int:
        """Whole minutes the customer has waited (until taken, or until ``now``)."""
        end = self.taken_at or moment_of(now)
        return max(0, int((end - self.created_at).total_seconds() // 60))

    @property
    def team_label(self) -> str:
        """The team's name for people."""
        return team_label(self.team)


def message_view(message: HandoffMessage) -> MessageView:
    """The view of an agent's message row."""
    return MessageView(
        client_id=message.client_id,
        agent=message.agent,
        text=message.text,
        status=message.status,
        attempts=message.attempts,
        error=message.error,
        created_at=message.created_at,
        sent_at=message.sent_at,
    )


def handoff_view(handoff: Handoff, with_messages: bool = False) -> HandoffView:
    """The view of a handoff row, with its agents' messages if asked for."""
    try:
        context = json.loads(handoff.context or "{}")
    except ValueError:
        context = {}
    return HandoffView(
        id=handoff.id,
        sender_id=handoff.sender_id,
        channel=handoff.channel,
        reason=handoff.reason,
        team=handoff.team,
        summary=handoff.summary,
        context=context if isinstance(context, dict) else {},
        status=handoff.status,
        agent=handoff.agent,
        created_at=handoff.created_at,
        taken_at=handoff.taken_at,
        first_agent_reply_at=handoff.first_agent_reply_at,
        handed_back_at=handoff.handed_back_at,
        closed_at=handoff.closed_at,
        messages=tuple(message_view(m) for m in handoff.messages) if with_messages else (),
    )
