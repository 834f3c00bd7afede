"""KPI figures from the daily rollups equal those from the raw facts (both backends)."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.domain.accounts import customer_account
from bot.domain.complaints import staff as complaint_staff
from bot.domain.kpi import dashboard, rollups, surveys
from bot.domain.kpi.formulas import (
    DIMENSIONS,
    KPI_BY_CODE,
    KPIS,
    compute_many,
    measure_name,
    period_bounds,
)
from bot.domain.kpi.histograms import PRECISION, bucket_of
from bot.domain.kpi.languages import language_rows
from bot.domain.kpi.report import build_report
from bot.storage.models import (
    UTC,
    Complaint,
    ConversationFact,
    Handoff,
    KpiRollupDay,
    KpiRollupStale,
)

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
            account=customer_account(session, f"s{n}", at + timedelta(minutes=1)),
            created_at=at + timedelta(minutes=1),
            taken_at=later(rng.randint(5, 300)),
            first_agent_reply_at=later(rng.randint(300, 600)),
            closed_at=later(rng.randint(600, 3000)),
        )
    )


def _complaint(session: Session, n: int, at: datetime, rng: random.Random) -> None:
    resolved = rng.random() < 0.6
    session.add(
        Complaint(
            reference=f"CMP-2026-{n:05d}",
            sender_id=f"s{n}",
            channel=rng.choice(["rest", "telegram"]),
            category=rng.choice(["late", "damaged"]),
            severity="medium",
            description="late",
            status="resolved" if resolved else "open",
            assigned_to=rng.choice(["amy", "bob", None]),
            promise_kept=rng.choice([True, False, None]),
            resolution_hours=round(rng.uniform(0.05, 60), 2) if resolved else None,
            account=customer_account(session, f"s{n}", at + timedelta(minutes=2)),
            created_at=at + timedelta(minutes=2),
            updated_at=at + timedelta(minutes=2),
            due_at=at + timedelta(hours=4),
            original_due_at=at + timedelta(hours=4),
            resolution_due_at=at + timedelta(days=3),
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
        session.flush()  # on record before the customer's handoff and complaint
        _survey(session, n, at, rng)
        if n % 3 == 0:
            _handoff(session, n, at, rng)
        if n % 2 == 0:
            _complaint(session, n, at, rng)
    session.commit()
    return session


def _raw(session: Session, by: str | None) -> dict[str, object]:
    begin, until = period_bounds(START, END, HK)
    return compute_many(session, KPIS, begin, until, by)


def _rolled(session: Session, by: str | None) -> dict[str, object]:
    begin, until = period_bounds(START, END, HK)
    return rollups.compute_many(session, KPIS, begin, until, HK, by)


def _bucket(code: str, value: float) -> float:
    """The bucket the rollups keep for a raw ``value`` of KPI ``code``."""
    return bucket_of(value, rollups.SCALES.get(measure_name(KPI_BY_CODE[code]), 1))


def _same(rolled: dict[str, Any], raw: dict[str, Any], *, all_rolled: bool = False) -> None:
    """Ratios equal; a percentile read partly or wholly from rollups lies between the
    bucket of the raw one and the raw one (docs/kpis.md), and is exactly that bucket when
    every day was read from the rollups."""
    assert rolled.keys() == raw.keys()
    for code in rolled:
        kpi = KPI_BY_CODE[code]
        if kpi.ratio is not None or rolled[code] is None:
            assert rolled[code] == pytest.approx(raw[code]), code
            continue
        assert rolled[code].keys() == raw[code].keys(), code
        for group, (value, n) in raw[code].items():
            got, got_n = rolled[code][group]
            assert got_n == n, (code, group)
            if value is None:
                assert got is None, (code, group)
            elif all_rolled or kpi.source == "requests":
                expected = value if kpi.source == "requests" else _bucket(code, value)
                assert got == expected, (code, group)
            else:
                assert _bucket(code, value) <= got <= value, (code, group)


@pytest.mark.parametrize("by", [None, *DIMENSIONS])
def test_rolled_up_figures_equal_the_raw_ones(data: Session, by: str | None) -> None:
    days = rollups.backfill(data, HK)
    data.commit()
    assert days >= 30
    _same(_rolled(data, by), _raw(data, by), all_rolled=True)
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


def test_the_consumer_rolls_stale_days_up_on_its_own_and_at_most_every_interval(
    data: Session,
) -> None:
    rollups.backfill(data, HK)
    data.commit()
    engine = data.get_bind()
    refresh = rollups.StaleRefresher(engine, HK, every=3600)
    assert refresh() == 0  # nothing stale
    late_at = datetime(2026, 11, 3, 4, 0, tzinfo=UTC)
    _fact(data, 9001, late_at, random.Random(1)).handed_off = False
    rollups.mark_stale(data, [late_at])
    data.commit()  # (the test's own transaction ends: the refresher writes on its own)
    assert refresh() == 0  # its last look was just now
    # Until the next look, the stale day is read from the facts.
    _same(_rolled(data, "channel"), _raw(data, "channel"))
    assert len(data.scalars(select(KpiRollupStale)).all()) == 1
    data.commit()
    assert rollups.StaleRefresher(engine, HK, every=0)() == 1
    assert data.scalars(select(KpiRollupStale)).all() == []
    for by in (None, "channel", "agent"):
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
    rolled = build_report(data, START, END, HK, by="agent")
    assert len(rolled.lines) == len(raw.lines)
    for before, after in zip(raw.lines, rolled.lines, strict=True):
        kpi = KPI_BY_CODE[before.code]
        if kpi.ratio is not None or kpi.source == "requests":
            assert after == before
        else:
            assert (after.code, after.group, after.n) == (before.code, before.group, before.n)
            assert before.value is None or after.value == _bucket(kpi.code, before.value)


@pytest.mark.parametrize("by", ["agent", "language"])
def test_a_percentile_from_the_rollups_is_the_bucket_of_the_raw_one(data: Session, by: str) -> None:
    """Handling times of hundreds of seconds: the rolled-up median is within the bucket
    precision below the raw median, never above it."""
    rollups.backfill(data, HK)
    data.commit()
    raw, rolled = _raw(data, by)["handling_p50"], _rolled(data, by)["handling_p50"]
    assert raw and rolled
    for group, (value, _n) in raw.items():
        if value is None:
            continue
        got = rolled[group][0]
        assert got is not None and value * (1 - PRECISION) <= got <= value
    # The buckets are real: some median over 23 s is not kept exactly.
    assert any(v is not None and v > 23 for v, _n in raw.values())


def test_a_dashboard_filter_reads_one_slice_of_the_rollups(data: Session) -> None:
    rollups.backfill(data, HK)
    data.commit()
    begin, until = period_bounds(START, END, HK)
    sliced = rollups.compute_many(data, KPIS, begin, until, HK, "channel")
    only = rollups.compute_many(data, KPIS, begin, until, HK, only=("channel", "telegram"))
    for code, figures in only.items():
        if figures is None:
            assert sliced[code] is None
            continue
        assert figures == {"all": (sliced[code] or {}).get("telegram", (None, 0))} or (
            figures == {} and "telegram" not in (sliced[code] or {})
        ), code


def _close(raw: float | None, rolled: float | None, kpi_code: str) -> None:
    """A dashboard figure read from the rollups: ratios the same, percentiles within the
    bucket below the raw one."""
    kpi = KPI_BY_CODE[kpi_code]
    if raw is None or kpi.ratio is not None or kpi.source == "requests":
        assert rolled == (None if raw is None else pytest.approx(raw)), kpi_code
    else:
        low = _bucket(kpi_code, raw) - 0.01
        assert rolled is not None and low <= rolled <= raw + 0.01, kpi_code


def _pages(session: Session) -> dict[str, Any]:
    return {
        "tiles": {t.kpi.code: t.value for t in dashboard.tiles(session, START, END, HK)},
        "telegram": {
            t.kpi.code: t.value
            for t in dashboard.tiles(session, START, END, HK, dashboard.Filters(channel="telegram"))
        },
        "acme": {
            t.kpi.code: t.value
            for t in dashboard.tiles(session, START, END, HK, dashboard.Filters(account="ACME"))
        },
        "trends": dashboard.trends(session, START, END, HK)[1],
        "agents": {r.agent: r.figures for r in dashboard.agent_rows(session, START, END, HK)},
        "languages": {
            r.language: {code: value for code, (value, _n) in r.figures.items()}
            for r in language_rows(session, START, END, HK)
        },
    }


def test_every_dashboard_page_reads_the_rollups(data: Session) -> None:
    raw = _pages(data)
    rollups.backfill(data, HK)
    data.commit()
    rolled = _pages(data)
    for view in ("tiles", "telegram", "acme"):
        assert rolled[view].keys() == raw[view].keys()
        for code, value in raw[view].items():
            _close(value, rolled[view][code], code)
    for code, points in raw["trends"].items():
        assert (rolled["trends"][code] is None) == (points is None), code
        for (value, n), (got, got_n) in zip(
            points or [], rolled["trends"][code] or [], strict=True
        ):
            assert got_n == n, code
            _close(value, got, code)
    for view in ("agents", "languages"):
        assert rolled[view].keys() == raw[view].keys()
        for name, figures in raw[view].items():
            for code, value in figures.items():
                found = rolled[view][name][code]
                _close(
                    value[0] if isinstance(value, tuple) else value,
                    found[0] if isinstance(found, tuple) else found,
                    code,
                )

    # Proof that they are read from the rollups: conversations deleted behind the rollups'
    # back (no stale marker) still count on every page the rollups serve, while a view
    # they cannot serve (two filters at once) reads the facts.
    data.execute(delete(ConversationFact))
    data.commit()
    assert _pages(data)["tiles"]["containment"] == rolled["tiles"]["containment"] is not None
    assert _pages(data)["trends"]["containment"] == rolled["trends"]["containment"]
    both = dashboard.Filters(channel="telegram", language="en")
    tiles = {t.kpi.code: t for t in dashboard.tiles(data, START, END, HK, both)}
    assert tiles["containment"].value is None and tiles["containment"].n == 0


def test_complaint_writers_mark_their_day_stale(data: Session) -> None:
    """Assigning and resolving a complaint (the staff's own writers) leave its day to be
    read raw until refreshed, so its agent's figures never come from an outdated rollup."""
    rollups.backfill(data, HK)
    data.commit()
    complaint = data.scalars(
        select(Complaint)
        .where(
            Complaint.status == "open", Complaint.created_at >= datetime(2026, 11, 5, tzinfo=UTC)
        )
        .order_by(Complaint.id)
    ).first()
    assert complaint is not None
    complaint_staff.assign(data, complaint.reference, agent="cai", actor="test")
    complaint_staff.resolve(
        data,
        complaint.reference,
        "sorted",
        actor="cai",
        now=complaint.created_at + timedelta(hours=30),
    )
    data.commit()
    rolled = _rolled(data, "agent")
    assert "cai" in rolled["promise_kept"] and "cai" in rolled["resolve_p50"]
    _same(rolled, _raw(data, "agent"))
    assert rollups.refresh_stale(data, HK) == 1
    data.commit()
    _same(_rolled(data, "agent"), _raw(data, "agent"), all_rolled=True)


def test_a_key_accounts_tiles_read_handoffs_and_complaints_from_the_rollups(
    data: Session,
) -> None:
    """The account recorded on each handoff and complaint is a rollup slice, so the key
    account's tiles read them from the rollups, the same as from the rows."""
    acme = dashboard.Filters(account="ACME")
    raw = {t.kpi.code: (t.value, t.n) for t in dashboard.tiles(data, START, END, HK, acme)}
    assert raw["human_frt_p50"][1] > 0 and raw["promise_kept"][1] > 0
    rollups.backfill(data, HK)
    data.commit()
    rolled = {t.kpi.code: (t.value, t.n) for t in dashboard.tiles(data, START, END, HK, acme)}
    for code, (value, n) in raw.items():
        assert rolled[code][1] == n, code
        _close(value, rolled[code][0], code)

    # Rows deleted behind the rollups' back (no stale marker) still count: the tiles do
    # not read the handoff and complaint rows for a rolled-up day.
    data.execute(delete(Handoff))
    data.execute(delete(Complaint))
    data.commit()
    after = {t.kpi.code: (t.value, t.n) for t in dashboard.tiles(data, START, END, HK, acme)}
    for code in ("human_frt_p50", "queue_wait_p90", "handling_p50", "promise_kept", "resolve_p50"):
        assert after[code] == rolled[code], code
