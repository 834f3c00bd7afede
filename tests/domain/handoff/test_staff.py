"""An agent's work on a handoff on SQLite and PostgreSQL: messages stored once, only the
agent holding it may write or finish, and the KPI timestamps."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.domain.handoff.rules import HandoffError
from bot.domain.handoff.staff import (
    finish_handoff,
    mark_message,
    record_agent_message,
    take_handoff,
)
from bot.storage.models import HandoffMessage
from tests.domain.handoff.conftest import WEDNESDAY_10AM, ask


def test_agent_message_is_stored_once_per_client_id(session: Session) -> None:
    ticket = ask(session, "alice")
    take_handoff(session, ticket.id, agent="ann")

    first, created = record_agent_message(
        session, ticket.id, agent="ann", client_id="abc12345", text="Hello"
    )
    again, created_again = record_agent_message(
        session, ticket.id, agent="ann", client_id="abc12345", text="Hello"
    )

    assert created and not created_again and again.client_id == first.client_id
    assert session.execute(select(func.count(HandoffMessage.id))).scalar_one() == 1


def test_only_the_agent_holding_it_may_write_or_finish(session: Session) -> None:
    ticket = ask(session, "alice")
    take_handoff(session, ticket.id, agent="ann")

    with pytest.raises(HandoffError, match="ann"):
        take_handoff(session, ticket.id, agent="bob")
    with pytest.raises(HandoffError):
        record_agent_message(session, ticket.id, agent="bob", client_id="xyz12345", text="Hi")
    with pytest.raises(HandoffError):
        finish_handoff(session, ticket.id, agent="bob", outcome="closed")


def test_kpi_times_are_recorded(session: Session) -> None:
    ticket = ask(session, "alice")
    taken = WEDNESDAY_10AM + timedelta(minutes=4)
    take_handoff(session, ticket.id, agent="ann", now=taken)
    record_agent_message(session, ticket.id, agent="ann", client_id="kpi123456", text="Hello")
    mark_message(session, "kpi123456", sent=False, error="Rasa down")
    replied = taken + timedelta(minutes=1)
    mark_message(session, "kpi123456", sent=True, now=replied)
    closed = finish_handoff(
        session, ticket.id, agent="ann", outcome="closed", now=replied + timedelta(minutes=9)
    )

    assert closed.taken_at == taken and closed.first_agent_reply_at == replied
    assert closed.closed_at == replied + timedelta(minutes=9) and closed.agent == "ann"
    assert closed.waiting_minutes() == 4
    assert [m.status for m in closed.messages] == ["sent"]
