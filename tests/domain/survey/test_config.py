"""The survey settings file: what it may say, and the clear error when it is wrong."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.domain.survey.config import QUESTIONS, TRIGGERS, SurveyConfigError, load_survey_config


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "survey.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_shipped_file_asks_every_question_after_every_trigger() -> None:
    config = load_survey_config()
    assert config.questions == QUESTIONS
    assert config.offer_after == frozenset(TRIGGERS)
    assert config.cooldown == timedelta(hours=24)


def test_questions_run_in_the_order_written(tmp_path: Path) -> None:
    path = _write(tmp_path, "questions: [nps, csat]\noffer_after: [enquiry]\ncooldown_hours: 12\n")
    config = load_survey_config(path)
    assert config.questions == ("nps", "csat")
    assert config.offer_after == frozenset({"enquiry"})
    assert config.cooldown == timedelta(hours=12)


def test_offer_after_and_cooldown_have_defaults(tmp_path: Path) -> None:
    config = load_survey_config(_write(tmp_path, "questions: [csat]\n"))
    assert config.offer_after == frozenset(TRIGGERS)
    assert config.cooldown == timedelta(hours=24)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("questions: [csat, happiness]\n", "questions[1]: 'happiness' is not one of"),
        ("questions: [csat, csat]\n", "questions[1]: 'csat' is listed twice"),
        ("questions: []\n", "at least one question"),
        ("questions: csat\n", "questions should be a list"),
        ("questions: [csat]\noffer_after: [lunch]\n", "offer_after[0]: 'lunch' is not one of"),
        ("questions: [csat]\ncooldown_hours: 0\n", "cooldown_hours should be a number"),
        ("questions: [csat]\ncooldown_hours: soon\n", "cooldown_hours should be a number"),
        ("questions: [csat]\ncooldown_hour: 4\n", "unknown entry 'cooldown_hour'"),
        ("- csat\n", "top level should be a mapping"),
        ("questions: [csat\n", "cannot be read"),
    ],
)
def test_a_broken_file_names_itself_and_the_entry(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(SurveyConfigError) as caught:
        load_survey_config(path)
    assert str(path) in str(caught.value)
    assert message in str(caught.value)


def test_a_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SurveyConfigError, match="cannot be read"):
        load_survey_config(tmp_path / "nowhere.yml")
