"""Search over transcripts and complaint texts on SQLite (FTS5) and PostgreSQL (text
search): a phrase is found in English and in Chinese, and each role finds only what it
may see."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy.orm import Session

from bot.domain.complaints.records import create_complaint
from bot.domain.handoff.queue import request_handoff
from bot.domain.handoff.staff import take_handoff
from bot.domain.search import Viewer, search
from bot.domain.users import add_user
from bot.engine.eventstream.facts import apply_events

T = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)
MARY = Viewer("mary", "manager", "general")
ANN = Viewer("ann", "agent", "express")
SUE = Viewer("sue", "agent", "sea_freight")
LEE = Viewer("lee", "team_lead", "express")


def _said(session: Session, sender: str, *texts: str) -> None:
    apply_events(
        session,
        [
            {"event": "user", "text": t, "timestamp": (T + timedelta(minutes=i)).timestamp()}
            for i, t in enumerate(texts)
        ],
        sender_id=sender,
    )


def _seed(session: Session) -> None:
    add_user(session, "ann", "correct horse battery", role="agent", team="express")
    add_user(session, "sue", "correct horse battery", role="agent", team="sea_freight")
    add_user(session, "lee", "correct horse battery", role="team_lead", team="express")
    _said(session, "alice", "The pallet was left in the rain at Kwai Chung", "thanks")
    _said(session, "chan", "我嘅貨櫃喺葵涌碼頭滯留咗三日")
    ticket = request_handoff(
        session,
        sender_id="alice",
        channel="rest",
        reason="customer_asked",
        team="express",
        summary="",
        context={},
        now=T,
    )
    take_handoff(session, ticket.id, agent="ann", now=T + timedelta(minutes=5))
    create_complaint(
        session,
        sender_id="bob",
        channel="rest",
        category="damaged",
        description="Forklift damage at the Kwai Chung warehouse, two cartons crushed",
        now=T,
    )
    session.flush()


def test_a_phrase_is_found_in_transcripts_and_complaints(session: Session) -> None:
    _seed(session)
    hits = search(session, "kwai chung", MARY)
    assert {(h.kind, h.sender_id) for h in hits} == {("line", "alice"), ("complaint", "bob")}
    assert search(session, "left in the rain", MARY)[0].text.startswith("The pallet was left")
    assert search(session, "rain left", MARY) == []  # a phrase, not loose words
    (chinese,) = search(session, "葵涌碼頭", MARY)
    assert chinese.sender_id == "chan"
    assert search(session, "  ", MARY) == []


def test_each_role_finds_only_what_it_may_see(session: Session) -> None:
    _seed(session)
    assert [h.sender_id for h in search(session, "kwai chung", ANN)] == ["alice"]
    assert [h.sender_id for h in search(session, "kwai chung", LEE)] == ["alice"]
    assert search(session, "kwai chung", SUE) == []
    assert search(session, "葵涌", ANN) == []
