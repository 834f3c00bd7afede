"""The handoff queue on SQLite and PostgreSQL: routing, the once-only queue entry, queue
position and wait, and the order agents see it in."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.domain.handoff.queue import list_queue, request_handoff
from bot.domain.handoff.rules import HandoffError
from bot.domain.handoff.staff import finish_handoff, take_handoff
from bot.domain.teams import route_team
from bot.domain.users import add_user
from bot.storage.models import Handoff
from tests.domain.handoff.conftest import WEDNESDAY_10AM, ask


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
    take_handoff(session, first.id, agent="ann", now=WEDNESDAY_10AM)
    finish_handoff(session, first.id, agent="ann", outcome="handed_back")

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

    take_handoff(session, tickets[0].id, agent="ann")
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


def test_queue_lists_own_team_then_general(session: Session) -> None:
    ask(session, "sea", team="sea_freight", minutes=0)
    ask(session, "gen", team="general", minutes=1)
    ask(session, "exp", team="express", minutes=2)

    order = [v.sender_id for v in list_queue(session, team="express")]
    assert order == ["exp", "gen", "sea"]
