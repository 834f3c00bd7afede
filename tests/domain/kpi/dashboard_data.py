"""Hand-made KPI data for the dashboard and review tests, with the answers worked out.

November 2026 (Asia/Hong_Kong) holds four conversations, two handoffs, four surveys
(three answered) and three complaints; October holds one contained conversation, so the
dashboard has a previous period to compare with. The expected figures are in
:data:`EXPECTED` (see the comments beside each one).
"""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.domain.accounts import customer_account
from bot.domain.users import hash_password
from bot.storage.models import UTC, Complaint, ConversationFact, Handoff, StaffUser, SurveyResponse

HK = ZoneInfo("Asia/Hong_Kong")
START, END = date(2026, 11, 1), date(2026, 11, 30)
#: 10 Nov 2026 10:00 HKT.
T0 = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
SCRIPT = "<script>alert('owned')</script>"
#: A key account whose name needs CSV quoting (comma and quotes).
ACME = 'ACME, "Asia" Ltd'
#: An account that a spreadsheet would run as a formula.
FORMULA = "=SUM(A1:A9)"

EXPECTED: dict[str, float] = {
    "containment": 50.0,  # c1, c4 of c1-c4 never handed off
    "escalation": 50.0,
    "fallback": 20.0,  # 2 not understood of 3 + 4 + 2 + 1 = 10 messages
    "bot_frt_p50": 600.0,  # 400 600 800 1200: rank ceil(0.5 x 4) = 2
    "bot_frt_p90": 1200.0,  # rank ceil(0.9 x 4) = 4
    "csat": 200 / 3,  # 5, 2, 4: two of three are 4 or 5
    "nps": 0.0,  # promoter 10, detractor 3, passive 8
    "fcr": 200 / 3,
    "response_rate": 75.0,  # three of four surveys answered
    "human_frt_p50": 90.0,  # 90 (ann), 200 (bob)
    "human_frt_p90": 200.0,
    "queue_wait_p50": 30.0,  # 30, 120
    "handling_p50": 570.0,  # 600 - 30, 1500 - 120
    "promise_kept": 50.0,  # kept (damaged, ann), broken (damaged, bob), not due (late)
    "resolve_p50": 10.0,  # 10 and 30 business hours
}


def _fact(
    session: Session,
    sender: str,
    at: datetime,
    channel: str,
    intents: str,
    messages: int,
    fallbacks: int,
    frt: int,
    *,
    agent: str | None = None,
    team: str | None = None,
    account: str | None = None,
    minutes: int = 5,
) -> ConversationFact:
    fact = ConversationFact(
        sender_id=sender,
        session_started_at=at,
        channel=channel,
        first_event_at=at,
        last_event_at=at + timedelta(minutes=minutes),
        first_user_at=at + timedelta(seconds=1),
        intents=intents,
        first_intent=intents.split()[0],
        user_message_count=messages,
        fallback_count=fallbacks,
        bot_first_response_ms=frt,
        handed_off=agent is not None,
        agent=agent,
        team=team,
        account=account,
    )
    session.add(fact)
    return fact


def _handoff(
    session: Session, sender: str, at: datetime, agent: str, taken: int, reply: int, closed: int
) -> None:
    session.add(
        Handoff(
            sender_id=sender,
            channel="telegram" if sender.startswith("tg") else "rest",
            reason="customer_asked",
            team="express",
            summary="",
            context="{}",
            status="closed",
            agent=agent,
            # As the queue records it: the account the customer's conversations named.
            account=customer_account(session, sender, at),
            created_at=at,
            taken_at=at + timedelta(seconds=taken),
            first_agent_reply_at=at + timedelta(seconds=reply),
            closed_at=at + timedelta(seconds=closed),
        )
    )


def _survey(
    session: Session,
    rid: str,
    sender: str,
    at: datetime,
    channel: str,
    *,
    agent: str | None = None,
    account: str | None = None,
    csat: int | None = None,
    fcr: bool | None = None,
    nps: int | None = None,
    comment: str | None = None,
) -> None:
    session.add(
        SurveyResponse(
            response_id=rid,
            sender_id=sender,
            channel=channel,
            agent=agent,
            team="express" if agent else None,
            service="track_shipment",
            account=account,
            csat=csat,
            fcr=fcr,
            nps=nps,
            comment=comment,
            offered_at=at,
            answered_at=at + timedelta(seconds=20) if csat is not None else None,
        )
    )


def _complaint(
    session: Session,
    number: int,
    sender: str,
    category: str,
    *,
    agent: str | None,
    kept: bool | None,
    hours: float | None,
) -> None:
    at = T0 + timedelta(hours=number)
    session.add(
        Complaint(
            reference=f"CMP-2026-{number:05d}",
            sender_id=sender,
            channel="rest",
            category=category,
            severity="medium",
            description="the box arrived crushed",
            status="resolved" if hours is not None else "open",
            assigned_to=agent,
            account=customer_account(session, sender, at),
            created_at=at,
            due_at=at + timedelta(hours=8),
            original_due_at=at + timedelta(hours=8),
            resolution_due_at=at + timedelta(hours=24),
            promise_kept=kept,
            resolved_at=at + timedelta(hours=hours) if hours is not None else None,
            resolution_hours=hours,
            resolved_on_time=(hours <= 16) if hours is not None else None,
        )
    )


@functools.cache
def _password_hash() -> str:
    # argon2 is slow on purpose: hash once for every account of every test.
    return hash_password(PASSWORD)


#: The staff accounts: name, role, team.
STAFF = (
    ("ann", "agent", "express"),
    ("bob", "agent", "express"),
    ("sue", "agent", "sea_freight"),
    ("lee", "team_lead", "express"),
    ("mary", "manager", "general"),
)


def seed(session: Session, *, users: bool = True) -> dict[str, int]:
    """Write the hand-made data (flushed); return the conversation ids by name."""
    if users:
        for name, role, team in STAFF:
            session.add(StaffUser(name=name, password_hash=_password_hash(), role=role, team=team))
    facts = {
        "c1": _fact(
            session, "rest-c1", T0, "rest", "track_shipment goodbye", 3, 0, 800, account=ACME
        ),
        "c2": _fact(
            session,
            "tg-100",
            T0 + timedelta(hours=1),
            "telegram",
            "get_quote nlu_fallback human_handoff",
            4,
            1,
            1200,
            agent="ann",
            team="express",
            account=ACME,
            minutes=20,
        ),
        "c3": _fact(
            session,
            "rest-c3",
            T0 + timedelta(days=1),
            "rest",
            "complain human_handoff",
            2,
            0,
            600,
            agent="bob",
            team="express",
            minutes=30,
        ),
        "c4": _fact(
            session,
            "rest-c4",
            T0 + timedelta(days=2),
            "rest",
            "track_shipment nlu_fallback",
            1,
            1,
            400,
            account=FORMULA,
        ),
        "october": _fact(session, "rest-old", T0 - timedelta(days=30), "rest", "greet", 1, 0, 500),
    }
    session.flush()  # the facts are on record before the handoffs and complaints
    _handoff(session, "tg-100", T0 + timedelta(hours=1, minutes=2), "ann", 30, 90, 600)
    _handoff(session, "rest-c3", T0 + timedelta(days=1, minutes=1), "bob", 120, 200, 1500)
    _survey(
        session,
        "s1",
        "tg-100",
        T0 + timedelta(hours=1, minutes=15),
        "telegram",
        agent="ann",
        account=ACME,
        csat=5,
        fcr=True,
        nps=10,
        comment="Ann sorted my quote in minutes",
    )
    _survey(
        session,
        "s2",
        "rest-c3",
        T0 + timedelta(days=1, minutes=28),
        "rest",
        agent="bob",
        csat=2,
        fcr=False,
        nps=3,
        comment=f"{SCRIPT} far too slow",
    )
    _survey(
        session,
        "s3",
        "rest-c4",
        T0 + timedelta(days=2, minutes=3),
        "rest",
        csat=4,
        fcr=True,
        nps=8,
        comment="Fine",
    )
    _survey(session, "s4", "rest-c1", T0 + timedelta(minutes=4), "rest", account=ACME)
    _complaint(session, 1, "tg-100", "damaged", agent="ann", kept=True, hours=10)
    _complaint(session, 2, "rest-c3", "damaged", agent="bob", kept=False, hours=30)
    _complaint(session, 3, "rest-c4", "late", agent=None, kept=None, hours=None)
    session.flush()
    return {name: fact.id for name, fact in facts.items()}
