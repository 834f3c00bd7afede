"""Search over transcripts and complaint texts on SQLite (FTS5) and PostgreSQL (text
search): a phrase is found in English and in Chinese, and each role finds only what it
may see."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.complaints.records import create_complaint
from bot.domain.handoff.queue import request_handoff
from bot.domain.handoff.staff import finish_handoff, take_handoff
from bot.domain.search import Viewer, search
from bot.domain.users import add_user
from bot.engine.eventstream.facts import apply_events
from bot.storage.models import ConversationFact, Handoff

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


def test_each_hit_links_to_where_it_came_from_as_far_as_the_viewer_may_open_it(
    session: Session,
) -> None:
    _seed(session)
    ann_ticket = session.scalars(select(Handoff.id).where(Handoff.sender_id == "alice")).one()
    # ann closes it; later alice is handed to the sea freight team, and sue takes her.
    finish_handoff(
        session, ann_ticket, agent="ann", outcome="closed", now=T + timedelta(minutes=30)
    )
    later = request_handoff(
        session,
        sender_id="alice",
        channel="rest",
        reason="customer_asked",
        team="sea_freight",
        summary="",
        context={},
        now=T + timedelta(hours=2),
    )
    take_handoff(session, later.id, agent="sue", now=T + timedelta(hours=2, minutes=1))
    session.flush()
    fact = session.scalars(
        select(ConversationFact.id).where(ConversationFact.sender_id == "alice")
    ).first()
    assert fact is not None

    by_kind = {h.kind: h for h in search(session, "kwai chung", MARY)}
    assert (by_kind["line"].handoff_id, by_kind["line"].fact_id) == (ann_ticket, fact)
    complaint = by_kind["complaint"]
    assert complaint.complaint_open and complaint.reference and complaint.handoff_id is None

    # Agents and team leads get the handoff they may open, never the managers' log.
    (ann_hit,) = search(session, "kwai chung", ANN)
    assert (ann_hit.handoff_id, ann_hit.fact_id) == (ann_ticket, None)
    (lee_hit,) = search(session, "kwai chung", LEE)
    assert (lee_hit.handoff_id, lee_hit.fact_id) == (ann_ticket, None)
    # sue handled alice later: she finds the line, linked to her own handoff, not ann's.
    (sue_hit,) = search(session, "kwai chung", SUE)
    assert (sue_hit.handoff_id, sue_hit.fact_id) == (later.id, None)
