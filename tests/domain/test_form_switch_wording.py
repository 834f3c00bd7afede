"""The notice that names a form set aside by another question, in both languages."""

from __future__ import annotations

import pytest

from bot.domain.form_switch_wording import FORMS, format_set_aside


def test_a_complaint_set_aside_is_named_with_how_to_go_back() -> None:
    assert format_set_aside("complaint_form") == (
        "I've put your complaint aside to help with this. To go back to it later, just say \"I "
        'want to make a complaint".'
    )
    assert format_set_aside("complaint_form", "zh") == (
        "我已經暫停咗你嘅投訴，先幫你處理呢個問題。之後想繼續，講「我想投訴」就得。"
    )


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_form_has_a_name_in_every_language(form: str, language: str) -> None:
    text = format_set_aside(form, language)

    assert "{" not in text and "conversation.form" not in text
    assert ("aside" in text) == (language == "en") and ("暫停咗" in text) == (language == "zh")


def test_the_survey_has_no_way_back_and_an_unknown_form_is_what_we_were_doing() -> None:
    assert format_set_aside("survey_form") == "I've put the short survey aside to help with this."
    assert (
        format_set_aside("some_new_form", "zh")
        == "我已經暫停咗我哋啱啱做緊嘅嘢，先幫你處理呢個問題。"
    )
