"""Survey answers are stored exactly once, whatever is retried (both backends)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.domain.kpi import surveys
from bot.storage.models import SurveyResponse


def test_a_repeated_offer_and_answer_store_one_row(session: Session) -> None:
    first = surveys.record_offer(session, "r-1", "cust", "telegram", "air", agent="amy")
    again = surveys.record_offer(session, "r-1", "cust", "telegram", "air", agent="amy")
    assert again.id == first.id
    surveys.record_answers(session, "r-1", csat=4)
    answered_at = first.answered_at
    surveys.record_answers(session, "r-1", csat=4, nps=9, comment=" quick ")
    session.commit()
    rows = session.scalars(select(SurveyResponse)).all()
    assert len(rows) == 1
    assert (rows[0].csat, rows[0].nps, rows[0].comment) == (4, 9, "quick")
    assert rows[0].answered_at == answered_at
    assert session.scalar(select(func.count()).select_from(SurveyResponse)) == 1


@pytest.mark.parametrize("answers", [{"csat": 6}, {"csat": 0}, {"nps": 11}, {"ces": 0}])
def test_answers_off_the_scale_are_refused(session: Session, answers: dict[str, int]) -> None:
    surveys.record_offer(session, "r-2", "cust", "rest")
    with pytest.raises(ValueError):
        surveys.record_answers(session, "r-2", **answers)  # type: ignore[arg-type]


def test_answering_an_unknown_survey_is_refused(session: Session) -> None:
    with pytest.raises(LookupError):
        surveys.record_answers(session, "never-offered", csat=5)


def test_a_survey_keeps_the_conversations_language(session: Session) -> None:
    from bot.engine.eventstream.facts import apply_events

    t = 1_793_000_000.0
    given = surveys.record_offer(session, "r-3", "hk-1", "rest", language="zh-HK")
    assert given.language == "zh"

    # Offered before the consumer saw the conversation: learnt with the answers.
    early = surveys.record_offer(session, "r-4", "hk-2", "rest")
    assert early.language is None
    apply_events(
        session,
        [
            {"event": "session_started", "timestamp": t, "sender_id": "hk-2"},
            {"event": "user", "timestamp": t + 1, "sender_id": "hk-2", "text": "我想投訴"},
        ],
    )
    surveys.record_answers(session, "r-4", csat=2)
    assert early.language == "zh"

    late = surveys.record_offer(session, "r-5", "hk-2", "rest")
    assert late.language == "zh"
