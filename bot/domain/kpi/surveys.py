"""Storing survey offers and answers, each exactly once.

Whoever offers a survey chooses its ``response_id`` and sends it with every answer; a
retried or redelivered call with the same id updates the same row, so an answer the
customer was thanked for is never counted twice.

A survey keeps the conversation's language (for the KPIs per language): the one its
caller gives, else the one the event-stream consumer recorded for the sender's latest
conversation, looked up again with the answers if the consumer had not caught up yet.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.core.i18n import supported
from bot.domain.kpi.languages import conversation_language_of
from bot.domain.kpi.rollups import mark_stale
from bot.storage.models import SurveyResponse, utcnow


def record_offer(
    session: Session,
    response_id: str,
    sender_id: str,
    channel: str,
    service: str = "",
    agent: str | None = None,
    team: str | None = None,
    complaint_reference: str | None = None,
    account: str | None = None,
    offered_at: datetime | None = None,
    language: str | None = None,
) -> SurveyResponse:
    """Store that a survey was offered, once per ``response_id``.

    Args:
        session: database session (flushed, not committed).
        response_id: the survey's id, unique, chosen by the caller.
        sender_id: the conversation's sender id.
        channel: input channel (``rest``, ``telegram``, ``webchat`` ...).
        service: the service or intent the conversation was about.
        agent: the agent who served the customer, if any.
        team: that agent's team, if any.
        complaint_reference: the complaint the survey follows, if any.
        account: the customer's key account, if known.
        offered_at: when it was offered; default now.
        language: the conversation's language; default the one its facts recorded.

    Returns:
        The survey's row: the existing one when this id was stored before.
    """
    existing = _find(session, response_id)
    if existing is not None:
        return existing
    row = SurveyResponse(
        response_id=response_id,
        sender_id=sender_id,
        channel=channel,
        service=service,
        agent=agent,
        team=team,
        complaint_reference=complaint_reference,
        account=account,
        offered_at=offered_at or utcnow(),
        language=supported(language) or conversation_language_of(session, sender_id),
    )
    try:
        # A savepoint, so losing a race to a concurrent offer keeps the caller's work.
        with session.begin_nested():
            session.add(row)
            mark_stale(session, [row.offered_at])
    except IntegrityError:
        found = _find(session, response_id)
        if found is None:
            raise
        return found
    return row


def record_answers(
    session: Session,
    response_id: str,
    csat: int | None = None,
    fcr: bool | None = None,
    ces: int | None = None,
    nps: int | None = None,
    comment: str | None = None,
    answered_at: datetime | None = None,
) -> SurveyResponse:
    """Store the customer's answers to an offered survey; repeating them changes nothing.

    Only the answers given are written, so the questions can arrive one at a time.

    Args:
        session: database session (flushed, not committed).
        response_id: the id given to :func:`record_offer`.
        csat: satisfaction 1-5.
        fcr: whether the issue was resolved.
        ces: customer effort 1-5.
        nps: likelihood to recommend 0-10.
        comment: free text.
        answered_at: when the first answer came; default now. Kept from the first call.

    Returns:
        The updated row.

    Raises:
        LookupError: no survey was offered with this id.
        ValueError: an answer is outside its scale.
    """
    for name, value, low, high in (("csat", csat, 1, 5), ("ces", ces, 1, 5), ("nps", nps, 0, 10)):
        if value is not None and not low <= value <= high:
            raise ValueError(f"{name} must be {low}-{high}, not {value}")
    row = _find(session, response_id, lock=True)
    if row is None:
        raise LookupError(f"no survey offered with id {response_id!r}")
    for name, value in (("csat", csat), ("fcr", fcr), ("ces", ces), ("nps", nps)):
        if value is not None:
            setattr(row, name, value)
    if comment is not None and comment.strip():
        row.comment = comment.strip()
    if row.answered_at is None:
        row.answered_at = answered_at or utcnow()
    if row.language is None:
        row.language = conversation_language_of(session, row.sender_id)
    mark_stale(session, [row.offered_at])
    session.flush()
    return row


def _find(session: Session, response_id: str, lock: bool = False) -> SurveyResponse | None:
    query = select(SurveyResponse).where(SurveyResponse.response_id == response_id)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()
