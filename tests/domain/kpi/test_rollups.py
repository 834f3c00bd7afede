"""KPI figures from the daily rollups equal those from the raw facts (both backends)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.kpi import rollups, surveys
from bot.domain.kpi.formulas import DIMENSIONS, KPIS, compute_many, period_bounds
from bot.domain.kpi.report import build_report
from bot.storage.models import UTC, ConversationFact, Handoff, KpiRollupDay, KpiRollupStale

HK = ZoneInfo("Asia/Hong_Kong")
START, END = date(2026, 11, 1), date(2026, 11, 30)


def _fact(session: Session, n: int, at: datetime, rng: random.Random) -> ConversationFact:
    handed = rng.random() < 0.3
    fact = ConversationFact(
        sender_id=f"s{n}",
        session_started_at=at,
        channel=rng.choice(["rest", "telegram", "webchat"]),
        first_event_at=at,
        last_event_at=at,
        intents="faq",
        first_intent=rng.choice(["faq", "track_shipment", None]),
        user_message_count=rng.randint(0, 6),
        fallback_count=rng.randint(0, 2),
        bot_first_response_ms=rng.choice([None, rng.randint(80, 900)]),
        handed_off=handed,
        agent=rng.choice(["amy", "bob"]) if handed else None,
        team=rng.choice(["sea", "air", None]),
        account=rng.choice(["ACME", "Kowloon Traders", None]),
        language=rng.choice(["en", "zh"]),
    )
    session.add(fact)
    return fact


def _survey(session: Session, n: int, at: datetime, rng: random.Random) -> None:
    surveys.record_offer(
        session,
        f"r{n}",
        f"s{n}",
        rng.choice(["rest", "telegram"]),
        "sea",
        agent=rng.choice(["amy", None]),
        team=rng.choice(["sea", None]),
        account=rng.choice(["ACME", None]),
        offered_at=at,
        language=rng.choice(["en", "zh"]),
    )
    if rng.random() < 0.7:
        surveys.record_answers(
            session,
            f"r{n}",
            csat=rng.randint(1, 5),
            nps=rng.randint(0, 10),
            fcr=rng.choice([True, False, None]),
            answered_at=at,
        )


def _handoff(session: Session, n: int, at: datetime, rng: random.Random) -> None:
    def later(seconds: int) -> datetime | None:
        return None if rng.random() < 0.2 else at + timedelta(seconds=seconds)

    session.add(
        Handoff(
            sender_id=f"s{n}",
            channel=rng.choice(["rest", "telegram"]),
            reason="request",
            team=rng.choice(["sea", "air"]),
            agent=rng.choice(["amy", "bob", None]),
            created_at=at + timedelta(minutes=1),
            taken_at=later(rng.randint(5, 300)),
            first_agent_reply_at=later(rng.randint(300, 600)),
            closed_at=later(rng.randint(600, 3000)),
        )
    )


@pytest.fixture
def data(session: Session) -> Session:
    """300 conversations and surveys, 100 handoffs, over November 2026 and the days around it, with
    times near the Hong Kong midnight."""
    rng = random.Random(18)
    base = datetime(2026, 10, 30, 15, 59, tzinfo=UTC)
    for n in range(300):
        at = base + timedelta(hours=rng.randint(0, 34 * 24), minutes=rng.choice([0, 1, 59]))
        _fact(session, n, at, rng)
        _survey(session, n, at, rng)
        if n % 3 == 0:
            _handoff(session, n, at, rng)
    session.commit()
    return session


def _raw(session: Session, by: str | None) -> dict[str, object]:
    begin, until = period_bounds(START, END, HK)
    return compute_many(session, KPIS, begin, until, by)


def _rolled(session: Session, by: str | None) -> dict[str, object]:
    begin, until = period_bounds(START, END, HK)
    return rollups.compute_many(session, KPIS, begin, until, HK, by)


def _same(a: dict[str, object], b: dict[str, object]) -> None:
    assert a.keys() == b.keys()
    for code in a:
        assert a[code] == pytest.approx(b[code]), code


@pytest.mark.parametrize("by", [None, *DIMENSIONS])
def test_rolled_up_figures_equal_the_raw_ones(data: Session, by: str | None) -> None:
    days = rollups.backfill(data, HK)
    data.commit()
    assert days >= 30
    _same(_rolled(data, by), _raw(data, by))
    # And the report is really read from the rollups: every November day is fresh.
    fresh = rollups._fresh_runs(data, *period_bounds(START, END, HK), HK)
    assert fresh == [(START, END)]


def test_a_late_event_is_counted_before_and_after_the_refresh(data: Session) -> None:
    rollups.backfill(data, HK)
    data.commit()
    before = _rolled(data, "channel")["containment"]
    # An out-of-order event: a conversation of 3 November arrives after the rollup.
    late_at = datetime(2026, 11, 3, 4, 0, tzinfo=UTC)
    _fact(data, 9001, late_at, random.Random(1)).handed_off = False
    rollups.mark_stale(data, [late_at])
    data.commit()
    after = _rolled(data, "channel")["containment"]
    assert after != before
    _same(_rolled(data, "channel"), _raw(data, "channel"))
    assert rollups.refresh_stale(data, HK) == 1
    data.commit()
    assert data.scalars(select(KpiRollupStale)).all() == []
    assert data.get(KpiRollupDay, date(2026, 11, 3)) is not None
    for by in (None, "agent", "language"):
        _same(_rolled(data, by), _raw(data, by))


def test_a_forgotten_customer_leaves_rollups_equal_to_the_facts(data: Session) -> None:
    rollups.backfill(data, HK)
    data.commit()
    gone = data.scalars(
        select(ConversationFact).where(ConversationFact.account.is_not(None)).limit(5)
    ).all()
    for fact in gone:
        rollups.mark_sender_stale(data, fact.sender_id)
        data.delete(fact)
    data.commit()
    _same(_rolled(data, "account"), _raw(data, "account"))
    rollups.refresh_stale(data, HK)
    data.commit()
    _same(_rolled(data, "account"), _raw(data, "account"))


def test_the_report_reads_the_same_with_and_without_rollups(data: Session) -> None:
    raw = build_report(data, START, END, HK, by="agent")
    rollups.backfill(data, HK)
    data.commit()
    assert build_report(data, START, END, HK, by="agent") == raw
