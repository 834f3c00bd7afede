"""KPIs by conversation language, worked out by hand, on SQLite and PostgreSQL.

November 2026: three Chinese conversations (one handed to a person) and two English ones
(both contained); Chinese surveys CSAT 5 and 2, an English one 4; the handoff and the
complaint belong to the Chinese customer who was handed off.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from bot.domain.kpi.dashboard import Filters, tiles
from bot.domain.kpi.formulas import KPI_BY_CODE, compute, period_bounds
from bot.domain.kpi.languages import language_rows, latest_languages
from bot.domain.kpi.report import build_report, format_report
from bot.storage.models import UTC, Complaint, ConversationFact, Handoff, SurveyResponse

HK = ZoneInfo("Asia/Hong_Kong")
START, END = date(2026, 11, 1), date(2026, 11, 30)
T0 = datetime(2026, 11, 10, 2, 0, tzinfo=UTC)


def _fact(session: Session, sender: str, at: datetime, language: str, handed_off: bool) -> None:
    session.add(
        ConversationFact(
            sender_id=sender,
            session_started_at=at,
            channel="rest",
            first_event_at=at,
            last_event_at=at + timedelta(minutes=5),
            first_user_at=at,
            intents="greet",
            first_intent="greet",
            user_message_count=2,
            fallback_count=1 if language == "zh" else 0,
            bot_first_response_ms=300,
            handed_off=handed_off,
            language=language,
        )
    )


def _survey(session: Session, rid: str, sender: str, language: str | None, csat: int) -> None:
    session.add(
        SurveyResponse(
            response_id=rid,
            sender_id=sender,
            channel="rest",
            service="greet",
            csat=csat,
            offered_at=T0 + timedelta(hours=1),
            answered_at=T0 + timedelta(hours=1, seconds=30),
            language=language,
        )
    )


@pytest.fixture
def data(session: Session) -> Session:
    _fact(session, "zh-1", T0, "zh", False)
    _fact(session, "zh-2", T0 + timedelta(minutes=1), "zh", False)
    _fact(session, "zh-3", T0 + timedelta(minutes=2), "zh", True)
    _fact(session, "en-1", T0 + timedelta(minutes=3), "en", False)
    _fact(session, "en-2", T0 + timedelta(minutes=4), "en", False)
    # zh-3 wrote in English in an older conversation: the one at the time counts.
    _fact(session, "zh-3", T0 - timedelta(days=20), "en", False)
    _survey(session, "s1", "zh-1", "zh", 5)
    _survey(session, "s2", "zh-2", "zh", 2)
    _survey(session, "s3", "en-1", "en", 4)
    at = T0 + timedelta(minutes=3)
    session.add(
        Handoff(
            sender_id="zh-3",
            channel="rest",
            reason="customer_asked",
            team="express",
            summary="",
            context="{}",
            status="closed",
            agent="ann",
            created_at=at,
            taken_at=at + timedelta(seconds=45),
            first_agent_reply_at=at + timedelta(seconds=60),
            closed_at=at + timedelta(seconds=600),
        )
    )
    session.add(
        Complaint(
            reference="CMP-2026-00077",
            sender_id="zh-3",
            channel="rest",
            category="damaged",
            severity="medium",
            description="個箱爛咗",
            status="open",
            created_at=at,
            due_at=at + timedelta(hours=8),
            original_due_at=at + timedelta(hours=8),
            resolution_due_at=at + timedelta(hours=24),
            promise_kept=True,
        )
    )
    session.flush()
    return session


def _by_language(session: Session, code: str) -> dict[str, tuple[float | None, int]]:
    begin, until = period_bounds(START, END, HK)
    found = compute(session, KPI_BY_CODE[code], begin, until, by="language")
    assert found is not None
    return found


def test_each_kpi_by_language(data: Session) -> None:
    containment = _by_language(data, "containment")
    assert containment["zh"] == (pytest.approx(200 / 3), 3)
    assert containment["en"] == (100.0, 2)
    assert _by_language(data, "fallback")["zh"] == (50.0, 6)  # 3 of 6 messages
    assert _by_language(data, "csat") == {"zh": (50.0, 2), "en": (100.0, 1)}
    assert _by_language(data, "queue_wait_p50") == {"zh": (45.0, 1)}
    assert _by_language(data, "promise_kept") == {"zh": (100.0, 1)}


def test_the_report_command_slices_by_language(data: Session) -> None:
    report = build_report(data, START, END, HK, by="language")
    assert not report.not_sliced
    text = format_report(report)
    assert "by language" in text
    groups = {(line.code, line.group): line.value for line in report.lines}
    assert groups[("csat", "zh")] == 50.0 and groups[("containment", "en")] == 100.0


def test_the_dashboard_filters_to_one_language(data: Session) -> None:
    found = {tile.kpi.code: tile for tile in tiles(data, START, END, HK, Filters(language="zh"))}
    assert (found["csat"].value, found["csat"].n) == (50.0, 2)
    assert found["containment"].n == 3
    assert found["queue_wait_p50"].value == 45.0
    english = {t.kpi.code: t for t in tiles(data, START, END, HK, Filters(language="en"))}
    assert english["queue_wait_p50"].n == 0 and english["promise_kept"].n == 0
    # Anything else is not a language filter.
    assert Filters.from_mapping({"language": "fr"}).language is None


def test_the_per_language_table_lists_every_language(data: Session) -> None:
    rows = {row.language: row for row in language_rows(data, START, END, HK)}
    assert list(rows) == ["en", "zh"]
    assert (rows["zh"].name, rows["zh"].conversations) == ("中文", 3)
    assert rows["en"].name == "English" and rows["en"].conversations == 2
    assert rows["zh"].figures["csat"] == (50.0, 2)
    assert rows["en"].figures["queue_wait_p50"] == (None, 0)
    empty = language_rows(data, date(2025, 1, 1), date(2025, 1, 31), HK)
    assert [(row.language, row.conversations) for row in empty] == [("en", 0), ("zh", 0)]


def test_the_latest_conversation_gives_a_customers_language(data: Session) -> None:
    assert latest_languages(data, ["zh-3", "en-1", "nobody"]) == {"zh-3": "zh", "en-1": "en"}
    assert latest_languages(data, []) == {}
