"""The key account a customer is known by, recorded on what they start.

Conversations and surveys carry the ``account`` slot; handoffs and complaints record the
account when they are written, so the KPIs roll them up by account like the others
(``bot.domain.kpi.rollups``) and a key account's figures never have to find its
customers' handoffs and complaints row by row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.storage.models import ConversationFact

#: Longest account name kept (the facts' ``account`` column).
MAX_ACCOUNT = 40


def account_at(sender_id: Any, at: Any) -> Any:
    """SQL for the account of the customer's latest conversation session with one started
    by ``at``, else of their earliest later one (None without any): the link migration
    0020 filled existing handoffs and complaints from."""
    named = select(ConversationFact.account).where(
        ConversationFact.sender_id == sender_id, ConversationFact.account.is_not(None)
    )
    started = ConversationFact.session_started_at
    by_then = named.where(started <= at).order_by(started.desc()).limit(1).scalar_subquery()
    later = named.order_by(started).limit(1).scalar_subquery()
    return func.coalesce(by_then, later)


def customer_account(
    session: Session, sender_id: str, at: datetime, slot: str | None = None
) -> str | None:
    """The key account to record on a handoff or complaint ``sender_id`` starts at ``at``.

    Args:
        session: open session.
        sender_id: the customer's conversation id.
        at: when the handoff or complaint is written.
        slot: the conversation's ``account`` slot, when the caller has it: the account the
            conversation is about now, which the event stream may not have folded yet.
    """
    named = (slot or "").strip()[:MAX_ACCOUNT]
    if named:
        return named
    found = session.scalar(select(account_at(sender_id, at)))
    return str(found) if found is not None else None
