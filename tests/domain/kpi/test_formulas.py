"""KPI formulas on hand-made data whose answers were worked out by hand (both backends)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from bot.domain.kpi import surveys
from bot.domain.kpi.formulas import DIMENSIONS, KPI_BY_CODE, compute, period_bounds
from bot.domain.kpi.report import DEFAULT_TARGETS, build_report, format_report, set_target
from bot.storage.models import UTC, Complaint, ConversationFact, Handoff

HK = ZoneInfo("Asia/Hong_Kong")
START, END = date(2026, 11, 1), date(2026, 11, 30)
T0 = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)


def _survey(
    session: Session, rid: str, at: datetime, channel: str, agent: str | None, **answers: object
) -> None:
    surveys.record_offer(session, rid, f"s-{rid}", channel, "sea", agent=agent, offered_at=at)
    if answers:
        surveys.record_answers(session, rid, answered_at=at, **answers)  # type: ignore[arg-type]


def _fact(
    session: Session,
    sender: str,
    channel: str,
    handed_off: bool,
    messages: int,
    fallbacks: int,
    frt: int | None,
    intent: str,
    agent: str | None = None,
) -> None:
    session.add(
        ConversationFact(
            sender_id=sender,
            session_started_at=T0,
            channel=channel,
            first_event_at=T0,
            last_event_at=T0,
            intents=intent,
            first_intent=intent,
            user_message_count=messages,
            fallback_count=fallbacks,
            bot_first_response_ms=frt,
            handed_off=handed_off,
            agent=agent,
        )
    )


def _handoff(
    session: Session,
    agent: str | None,
    taken: int | None,
    reply: int | None,
    closed: int | None = None,
    back: int | None = None,
) -> None:
    def at(seconds: int | None) -> datetime | None:
        return None if seconds is None else T0 + timedelta(seconds=seconds)

    session.add(
        Handoff(
            sender_id=f"h-{agent}-{taken}",
            channel="rest",
            reason="request",
            team="sea",
            agent=agent,
            created_at=T0,
            taken_at=at(taken),
            first_agent_reply_at=at(reply),
            closed_at=at(closed),
            handed_back_at=at(back),
        )
    )


def _complaint(session: Session, n: int, kept: bool | None, hours: float | None, cat: str) -> None:
    session.add(
        Complaint(
            reference=f"CMP-2026-{n:05d}",
            sender_id=f"c{n}",
            channel="rest",
            category=cat,
            severity="normal",
            description="x",
            due_at=T0,
            original_due_at=T0,
            resolution_due_at=T0,
            created_at=T0,
            promise_kept=kept,
            resolution_hours=hours,
        )
    )


@pytest.fixture
def data(session: Session) -> Session:
    """Five surveys (one unanswered), five conversations, four handoffs, four complaints in
    November 2026, and one survey just before it."""
    _survey(session, "1", T0, "rest", None, csat=5, nps=10, fcr=True)
    _survey(session, "2", T0, "telegram", "amy", csat=4, nps=9, fcr=False)
    _survey(session, "3", T0, "rest", "amy", csat=2, nps=3, fcr=True)
    # 23:30 on 30 November in Hong Kong is still in the period (15:30 UTC).
    _survey(session, "4", datetime(2026, 11, 30, 15, 30, tzinfo=UTC), "rest", None, csat=3, nps=7)
    _survey(session, "5", T0, "telegram", None)
    # 23:00 on 31 October in Hong Kong: the month before, whatever UTC says.
    _survey(session, "old", datetime(2026, 10, 31, 15, 0, tzinfo=UTC), "rest", None, csat=1)
    _fact(session, "A", "rest", False, 4, 1, 100, "track_shipment")
    _fact(session, "B", "rest", False, 2, 0, 300, "faq")
    _fact(session, "C", "telegram", True, 3, 1, 200, "complain", agent="amy")
    _fact(session, "D", "telegram", False, 1, 0, 400, "faq")
    _fact(session, "E", "rest", True, 5, 2, None, "request_human")
    _handoff(session, "amy", 60, 90, closed=600)
    _handoff(session, "bob", 120, 300, back=1200)
    _handoff(session, "amy", 30, None)
    _handoff(session, None, None, None)
    _complaint(session, 1, True, 10.0, "damage")
    _complaint(session, 2, False, 30.0, "delay")
    _complaint(session, 3, True, None, "delay")
    _complaint(session, 4, None, None, "damage")
    session.commit()
    return session


def _value(
    session: Session, code: str, by: str | None = None
) -> dict[str, tuple[float | None, int]]:
    begin, until = period_bounds(START, END, HK)
    result = compute(session, KPI_BY_CODE[code], begin, until, by)
    assert result is not None
    return result


@pytest.mark.parametrize(
    ("code", "value", "n"),
    [
        ("csat", 50.0, 4),  # 5 and 4 of 5, 4, 2, 3
        ("nps", 25.0, 4),  # 2 promoters (10, 9) - 1 detractor (3), of 4
        ("fcr", 200 / 3, 3),  # yes, no, yes
        ("response_rate", 80.0, 5),  # 4 of 5 offered answered
        ("containment", 60.0, 5),  # A, B, D never handed off
        ("escalation", 40.0, 5),
        ("fallback", 400 / 15, 15),  # 1+0+1+0+2 of 4+2+3+1+5 messages
        ("bot_frt_p50", 200.0, 4),  # 100 200 300 400: rank 2
        ("bot_frt_p90", 400.0, 4),  # rank ceil(3.6) = 4
        ("queue_wait_p50", 60.0, 3),  # 30 60 120: rank 2
        ("queue_wait_p90", 120.0, 3),
        ("human_frt_p50", 90.0, 2),  # 90 300: rank 1
        ("human_frt_p90", 300.0, 2),
        ("handling_p50", 540.0, 2),  # closed 600-60, handed back 1200-120
        ("handling_p90", 1080.0, 2),
        ("promise_kept", 200 / 3, 3),
        ("resolve_p50", 10.0, 2),
        ("resolve_p90", 30.0, 2),
    ],
)
def test_each_kpi_matches_the_hand_worked_answer(
    data: Session, code: str, value: float, n: int
) -> None:
    got, count = _value(data, code)["all"]
    assert got == pytest.approx(value, abs=0.01)
    assert count == n


def test_slices_by_channel_agent_and_handled(data: Session) -> None:
    csat = _value(data, "csat", "channel")
    assert csat["rest"][0] == pytest.approx(100 / 3) and csat["telegram"] == (100.0, 1)
    assert _value(data, "response_rate", "channel")["telegram"] == (50.0, 2)
    fallback = _value(data, "fallback", "channel")
    assert fallback["rest"][0] == pytest.approx(300 / 11) and fallback["telegram"] == (25.0, 4)
    assert _value(data, "bot_frt_p50", "channel") == {"rest": (100.0, 2), "telegram": (200.0, 2)}
    queue = _value(data, "queue_wait_p50", "agent")
    assert queue["amy"] == (pytest.approx(30.0, abs=0.01), 2)
    assert queue["bob"] == (pytest.approx(120.0, abs=0.01), 1)
    handled = _value(data, "containment", "handled")
    assert handled == {"bot_only": (100.0, 3), "handed_off": (0.0, 2)}
    assert _value(data, "csat", "handled") == {"bot_only": (50.0, 2), "handed_off": (50.0, 2)}
    assert _value(data, "promise_kept", "intent")["delay"] == (50.0, 2)


def test_handled_slice_of_handoffs_is_one_group_and_bot_replies_split_by_handling(
    data: Session,
) -> None:
    # Every handoff is handed off: one group, the same figures as the whole period.
    assert _value(data, "queue_wait_p50", "handled") == {"handed_off": (60.0, 3)}
    # Bot-only A, B, D answered in 100, 300, 400 ms (rank 2 of 3); handed-off C in 200.
    assert _value(data, "bot_frt_p50", "handled") == {
        "bot_only": (300.0, 3),
        "handed_off": (200.0, 1),
    }


@pytest.mark.parametrize("by", DIMENSIONS)
def test_every_slice_adds_up_to_the_whole_period(data: Session, by: str) -> None:
    whole = {line.code: line.n for line in build_report(data, START, END, HK).lines}
    report = build_report(data, START, END, HK, by)
    for code, n in whole.items():
        if code not in report.not_sliced:
            assert sum(line.n for line in report.lines if line.code == code) == n, code


def test_report_grades_against_targets_and_shows_benchmarks(data: Session) -> None:
    set_target(data, "csat", 45.0, amber=40.0, benchmark=78.5, source="Industry survey 2026")
    data.commit()
    report = build_report(data, START, END, HK)
    lines = {line.code: line for line in report.lines}
    assert lines["csat"].status == "green" and lines["csat"].benchmark == 78.5
    assert lines["containment"].status == "amber"  # 60 against 70, amber from 60
    assert lines["escalation"].status == "amber"  # 40 against 30 (lower is better), amber 40
    assert lines["fallback"].status == "red"  # 26.67 against 10, amber 15
    assert lines["bot_frt_p50"].status == "green"
    text = format_report(report)
    assert "Industry survey 2026" in text and "CSAT (%)" in text


def test_kpis_that_cannot_be_sliced_are_named(data: Session) -> None:
    report = build_report(data, START, END, HK, by="account")
    assert "requests_on_time" in report.not_sliced and "contacts_avoided" in report.not_sliced
    # Handoffs and complaints record the customer's account when they are written.
    assert "human_frt_p50" not in report.not_sliced and "promise_kept" not in report.not_sliced
    assert "promise_kept" in build_report(data, START, END, HK, by="team").not_sliced
    assert {line.group for line in report.lines if line.code == "csat"} == {"(none)"}


def test_an_empty_period_has_no_data_not_zero(data: Session) -> None:
    report = build_report(data, date(2025, 1, 1), date(2025, 1, 31), HK)
    assert {line.status for line in report.lines} == {"no data"}
    assert all(line.value is None for line in report.lines)


def test_a_benchmark_needs_its_source(session: Session) -> None:
    with pytest.raises(ValueError, match="source"):
        set_target(session, "nps", 30.0, benchmark=40.0)
    with pytest.raises(ValueError, match="unknown KPI"):
        set_target(session, "happiness", 1.0)


def test_every_kpi_has_a_default_target() -> None:
    # The targets page and the report colour every KPI: a new KPI needs its default.
    assert sorted(code for code in KPI_BY_CODE if code not in DEFAULT_TARGETS) == []
