"""Handoff storage and wording on SQLite and PostgreSQL: routing, the once-only queue
entry, queue position and wait, staffed and unstaffed notices, keywords, agent messages."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.domain.handoff import service as handoff
from bot.domain.handoff.service import (
    HandoffError,
    HandoffTicket,
    format_handoff_notice,
    matches_keyword,
    request_handoff,
)
from bot.domain.teams import route_team
from bot.domain.users import add_user
from bot.storage.models import Handoff, HandoffMessage

HK = ZoneInfo("Asia/Hong_Kong")
WEDNESDAY_10AM = datetime(2026, 11, 25, 10, 0, tzinfo=HK)
SUNDAY_10AM = datetime(2026, 11, 29, 10, 0, tzinfo=HK)


def ask(session: Session, sender: str, *, team: str = "express", minutes: int = 0) -> HandoffTicket:
    return request_handoff(
        session,
        sender_id=sender,
        channel="rest",
        reason="customer_asked",
        team=team,
        summary=f"{sender} wants a person",
        context={"tracking_number": "160-48219371"},
        now=WEDNESDAY_10AM + timedelta(minutes=minutes),
    )


@pytest.mark.parametrize(
    ("intent", "mode", "category", "team"),
    [
        ("request_human", "express", "damaged", "complaints_claims"),
        ("complain", None, None, "complaints_claims"),
        ("track_shipment", "express", None, "express"),
        (None, "economy", None, "express"),
        (None, "air", None, "air_freight"),
        (None, "sea_fcl", None, "sea_freight"),
        (None, "sea_lcl", None, "sea_freight"),
        ("faq", None, None, "general"),
        (None, None, None, "general"),
    ],
)
def test_route_team(intent: str | None, mode: str | None, category: str | None, team: str) -> None:
    assert route_team(intent=intent, mode=mode, complaint_category=category) == team


def test_asking_twice_keeps_one_handoff_and_its_place(session: Session) -> None:
    first = ask(session, "alice")
    second = ask(session, "alice", minutes=3)

    assert first.created and not second.created
    assert second.id == first.id and second.position == first.position == 1
    assert session.execute(select(func.count(Handoff.id))).scalar_one() == 1


def test_a_new_handoff_after_the_last_one_ended(session: Session) -> None:
    first = ask(session, "alice")
    handoff.take_handoff(session, first.id, agent="ann", now=WEDNESDAY_10AM)
    handoff.finish_handoff(session, first.id, agent="ann", outcome="handed_back")

    again = ask(session, "alice", minutes=30)

    assert again.created and again.id != first.id


def test_queue_position_per_team_and_wait_shared_by_the_team(session: Session) -> None:
    add_user(session, "ann", "a long password 1", role="agent", team="express")
    add_user(session, "bob", "a long password 2", role="agent", team="express")
    tickets = [ask(session, f"customer-{i}", minutes=i) for i in range(3)]
    sea = ask(session, "sea-customer", team="sea_freight", minutes=5)

    assert [t.position for t in tickets] == [1, 2, 3]
    # Six minutes a conversation (config/handoff.yml) shared by two express agents.
    assert [t.expected_wait_minutes for t in tickets] == [3, 6, 9]
    assert (sea.position, sea.expected_wait_minutes) == (1, 6)

    handoff.take_handoff(session, tickets[0].id, agent="ann")
    assert ask(session, "customer-2").position == 2


def test_unknown_reason_or_team_is_refused(session: Session) -> None:
    with pytest.raises(HandoffError, match="reason"):
        request_handoff(
            session,
            sender_id="x",
            channel="rest",
            reason="bored",
            team="general",
            summary="",
            context={},
        )
    with pytest.raises(HandoffError, match="team"):
        request_handoff(
            session,
            sender_id="x",
            channel="rest",
            reason="keyword",
            team="pirates",
            summary="",
            context={},
        )


def test_staffed_notice_gives_place_and_wait(session: Session) -> None:
    ticket = ask(session, "alice")
    text = format_handoff_notice(ticket, HK)

    assert ticket.staffed_now and ticket.next_staffed_at is None
    assert "colleague in our Express team" in text
    assert "number 1 in the queue" in text and "about 6 minutes" in text


def test_unstaffed_notice_says_when_someone_will_reply(session: Session) -> None:
    ticket = request_handoff(
        session,
        sender_id="late",
        channel="telegram",
        reason="keyword",
        team="general",
        summary="",
        context={},
        now=SUNDAY_10AM,
    )
    text = format_handoff_notice(ticket, HK)

    assert not ticket.staffed_now
    assert ticket.next_staffed_at == datetime(2026, 11, 30, 9, 0, tzinfo=HK)
    assert "Monday 30 Nov, 09:00 (HKT)" in text and "number 1" in text


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("I will call the POLICE!", "police"),
        ("my lawyer will hear about this", "lawyer"),
        ("there is an issue with my parcel", None),
        ("Consumer   Council", "consumer council"),
        ("", None),
    ],
)
def test_keywords(text: str, found: str | None) -> None:
    assert matches_keyword(text) == found


def test_keywords_follow_the_file_when_agents_edit_it(tmp_path: Path) -> None:
    file = tmp_path / "handoff.yml"
    file.write_text("keywords: [refund]\n")
    assert matches_keyword("I want a refund", file) == "refund"
    file.write_text("keywords: [manager]\n")
    import os

    os.utime(file, (1, 1))  # a different modification time, as a real edit gives
    assert matches_keyword("I want a refund", file) is None
    assert matches_keyword("get me your manager", file) == "manager"


def test_agent_message_is_stored_once_per_client_id(session: Session) -> None:
    ticket = ask(session, "alice")
    handoff.take_handoff(session, ticket.id, agent="ann")

    first, created = handoff.record_agent_message(
        session, ticket.id, agent="ann", client_id="abc12345", text="Hello"
    )
    again, created_again = handoff.record_agent_message(
        session, ticket.id, agent="ann", client_id="abc12345", text="Hello"
    )

    assert created and not created_again and again.client_id == first.client_id
    assert session.execute(select(func.count(HandoffMessage.id))).scalar_one() == 1


def test_only_the_agent_holding_it_may_write_or_finish(session: Session) -> None:
    ticket = ask(session, "alice")
    handoff.take_handoff(session, ticket.id, agent="ann")

    with pytest.raises(HandoffError, match="ann"):
        handoff.take_handoff(session, ticket.id, agent="bob")
    with pytest.raises(HandoffError):
        handoff.record_agent_message(
            session, ticket.id, agent="bob", client_id="xyz12345", text="Hi"
        )
    with pytest.raises(HandoffError):
        handoff.finish_handoff(session, ticket.id, agent="bob", outcome="closed")


def test_kpi_times_are_recorded(session: Session) -> None:
    ticket = ask(session, "alice")
    taken = WEDNESDAY_10AM + timedelta(minutes=4)
    handoff.take_handoff(session, ticket.id, agent="ann", now=taken)
    handoff.record_agent_message(
        session, ticket.id, agent="ann", client_id="kpi123456", text="Hello"
    )
    handoff.mark_message(session, "kpi123456", sent=False, error="Rasa down")
    replied = taken + timedelta(minutes=1)
    handoff.mark_message(session, "kpi123456", sent=True, now=replied)
    closed = handoff.finish_handoff(
        session, ticket.id, agent="ann", outcome="closed", now=replied + timedelta(minutes=9)
    )

    assert closed.taken_at == taken and closed.first_agent_reply_at == replied
    assert closed.closed_at == replied + timedelta(minutes=9) and closed.agent == "ann"
    assert closed.waiting_minutes() == 4
    assert [m.status for m in closed.messages] == ["sent"]


def test_queue_lists_own_team_then_general(session: Session) -> None:
    ask(session, "sea", team="sea_freight", minutes=0)
    ask(session, "gen", team="general", minutes=1)
    ask(session, "exp", team="express", minutes=2)

    order = [v.sender_id for v in handoff.list_queue(session, team="express")]
    assert order == ["exp", "gen", "sea"]
