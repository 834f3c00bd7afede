"""Conversations as staff read them, from the transcript lines the event-stream consumer
writes (``transcript_lines``): the lines of a handed-over conversation's session, and how
far each conversation has got, which tells the console's live feed what changed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.storage.models import ConversationFact, TranscriptLine


@dataclass(frozen=True)
class LineView:
    """One transcript line: ``who`` is customer, bot, agent or system (paused/resumed)."""

    id: int
    who: str
    text: str
    at: datetime
    agent: str | None


def session_start(session: Session, sender_id: str, moment: datetime) -> datetime | None:
    """When the conversation session holding ``moment`` started (None if not seen yet)."""
    started: datetime | None = session.scalar(
        select(ConversationFact.session_started_at)
        .where(
            ConversationFact.sender_id == sender_id, ConversationFact.session_started_at <= moment
        )
        .order_by(ConversationFact.session_started_at.desc())
        .limit(1)
    )
    return started


def conversation_lines(
    session: Session, sender_id: str, since: datetime | None = None, after_id: int = 0
) -> list[LineView]:
    """The lines of ``sender_id`` from ``since`` on (and after line ``after_id``), oldest first."""
    query = select(TranscriptLine).where(
        TranscriptLine.sender_id == sender_id, TranscriptLine.id > after_id
    )
    if since is not None:
        query = query.where(TranscriptLine.at >= since)
    rows = session.execute(query.order_by(TranscriptLine.at, TranscriptLine.id)).scalars()
    return [LineView(r.id, r.who, r.text, r.at, r.agent) for r in rows]


def latest_lines(session: Session, senders: Iterable[str]) -> dict[str, int]:
    """The id of each sender's newest line (senders without lines are left out)."""
    wanted = sorted(set(senders))
    if not wanted:
        return {}
    rows = session.execute(
        select(TranscriptLine.sender_id, func.max(TranscriptLine.id))
        .where(TranscriptLine.sender_id.in_(wanted))
        .group_by(TranscriptLine.sender_id)
    )
    return {sender: int(newest) for sender, newest in rows}
