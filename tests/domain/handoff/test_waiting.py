"""A customer waiting in the queue: their messages kept for the agent, their place, leaving
the queue, how often they hear it, and what is never by itself a reason to queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from bot.domain.handoff.queue import list_queue
from bot.domain.handoff.rules import is_noise
from bot.domain.handoff.staff import take_handoff
from bot.domain.handoff.waiting import (
    LEFT,
    MAX_WAITING_CHARS,
    WAITING_MESSAGES,
    acknowledgement_due,
    leave_queue,
    note_waiting_message,
    waiting_ticket,
)
from bot.domain.handoff.wording import format_handoff_notice, format_waiting_ack
from tests.domain.handoff.conftest import HK, SUNDAY_10AM, WEDNESDAY_10AM, ask


def test_messages_while_waiting_are_kept_for_the_agent(session: Session) -> None:
    ask(session, "bob")
    ticket = ask(session, "alice", minutes=1)
    note_waiting_message(session, "alice", "please call me on 9123 4567 after 3pm")
    later = note_waiting_message(session, "alice", "x" * 5000)

    assert later is not None and later.id == ticket.id and later.position == 2
    (queued,) = [h for h in list_queue(session) if h.sender_id == "alice"]
    texts = [m["text"] for m in queued.context[WAITING_MESSAGES]]
    assert texts[0] == "please call me on 9123 4567 after 3pm"
    assert len(texts[1]) == MAX_WAITING_CHARS
    assert queued.context["tracking_number"] == "160-48219371"  # the rest is kept


def test_leaving_the_queue_frees_the_place(session: Session) -> None:
    ask(session, "alice")
    ask(session, "bob", minutes=1)

    assert leave_queue(session, "alice") is True
    assert waiting_ticket(session, "alice") is None
    assert [h.sender_id for h in list_queue(session)] == ["bob"]
    bob = waiting_ticket(session, "bob", now=WEDNESDAY_10AM + timedelta(minutes=2))
    assert bob is not None and bob.position == 1
    assert leave_queue(session, "alice") is False
    # Asking again later starts a new wait at the back of the queue.
    again = ask(session, "alice", minutes=3)
    assert again.created and again.position == 2


def test_a_taken_conversation_cannot_be_left_from_the_chat(session: Session) -> None:
    ticket = ask(session, "alice")
    take_handoff(session, ticket.id, agent="ann", now=WEDNESDAY_10AM)

    assert leave_queue(session, "alice") is False
    taken = waiting_ticket(session, "alice")
    assert taken is not None and taken.position == 0


def test_left_is_a_status_of_its_own(session: Session) -> None:
    ask(session, "alice")
    leave_queue(session, "alice")
    from bot.storage.models import Handoff

    (row,) = session.query(Handoff).all()
    assert (row.status, row.open_sender) == (LEFT, None) and row.closed_at is not None


def test_acknowledgements_are_spaced() -> None:
    assert acknowledgement_due(None, 1000.0, every_minutes=3)
    assert not acknowledgement_due(1000.0, 1000.0 + 179, every_minutes=3)
    assert acknowledgement_due(1000.0, 1000.0 + 180, every_minutes=3)


def test_out_of_hours_the_customer_is_offered_a_message_and_a_call_back(
    session: Session,
) -> None:
    from bot.domain.handoff.queue import request_handoff

    ticket = request_handoff(
        session,
        sender_id="carol",
        channel="rest",
        reason="customer_asked",
        team="general",
        summary="",
        context={},
        now=SUNDAY_10AM,
    )
    notice = format_handoff_notice(ticket, HK)
    assert "leave a message" in notice and "call-back" in notice and '"cancel"' in notice
    noted = note_waiting_message(session, "carol", "call me Monday 10am", now=SUNDAY_10AM)
    assert noted is not None
    ack = format_waiting_ack(noted, HK)
    assert "passed that on" in ack and "start again" in ack


def test_in_hours_the_acknowledgement_gives_place_and_wait(session: Session) -> None:
    ask(session, "alice")
    ticket = note_waiting_message(session, "alice", "hello?", now=WEDNESDAY_10AM)
    assert ticket is not None
    ack = format_waiting_ack(ticket, HK)
    assert "number 1 in the queue" in ack and "expected wait" in ack and '"cancel"' in ack


@pytest.mark.parametrize(
    "text",
    ["a" * 10_000, "aaaaaaaa", "zzzz xxxx", "x" * 60, "I want a person " * 200],
)
def test_noise_is_never_by_itself_a_reason_to_queue(text: str) -> None:
    assert is_noise(text)


@pytest.mark.parametrize(
    "text", ["/request_human", "talk to a person", "helloooo agent", "pls human"]
)
def test_real_requests_are_not_noise(text: str) -> None:
    assert not is_noise(text)
