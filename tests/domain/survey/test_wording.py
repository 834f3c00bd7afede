"""The survey's invitation, asking again and closing words, in English and in Chinese."""

from __future__ import annotations

import pytest

from bot.domain.survey.wording import ask_again_text, closing_text, offer_text


def test_the_offer_after_a_resolved_complaint_names_it() -> None:
    assert offer_text("complaint_resolved", 5, "en", complaint="CMP-2026-00042") == (
        "Now that CMP-2026-00042 is resolved, could you tell us how we did? It's 5 quick "
        "questions; tap Skip at any time if you'd rather not."
    )
    assert offer_text("complaint_resolved", 5, "zh", complaint="CMP-2026-00042") == (
        "CMP-2026-00042 已經處理好，可唔可以話俾我哋知我哋做得點？只得 5 條簡單問題；"
        "如果唔想答，隨時撳「跳過」就得。"
    )


@pytest.mark.parametrize(
    ("trigger", "thanked", "english", "chinese"),
    [
        ("handoff_closed", False, "Before you go, could", "走之前，可唔可以"),
        ("enquiry", True, "You're welcome! Before you go", "唔使客氣！走之前"),
        ("enquiry", False, "One more thing before you go", "走之前仲有一樣嘢"),
    ],
)
def test_each_offer_in_both_languages(
    trigger: str, thanked: bool, english: str, chinese: str
) -> None:
    assert offer_text(trigger, 1, "en", thanked=thanked).startswith(english)
    assert "It's one quick question;" in offer_text(trigger, 1, "en", thanked=thanked)
    assert offer_text(trigger, 1, "zh", thanked=thanked).startswith(chinese)
    assert "只得一條簡單問題" in offer_text(trigger, 1, "zh", thanked=thanked)


def test_asking_again() -> None:
    assert ask_again_text("Please answer with a number from 1 to 5", "en") == (
        "Sorry, I didn't get that. Please answer with a number from 1 to 5, or tap Skip."
    )
    assert ask_again_text("請用 1 至 5 嘅數字回答", "zh") == (
        "唔好意思，我睇唔明。請用 1 至 5 嘅數字回答，或者撳「跳過」。"
    )


@pytest.mark.parametrize(
    ("ended", "answered", "english", "chinese"),
    [
        (None, True, "Thank you for your feedback", "多謝你嘅意見"),
        ("skipped", False, "No problem, no survey.", "冇問題，唔做調查。"),
        ("skipped", True, "No problem, I've kept the answers", "冇問題，你已經答咗嘅我會保留。"),
        ("invalid", False, "Sorry, I still couldn't read that", "唔好意思，我仍然睇唔明"),
        ("error", True, "Sorry, I couldn't save that answer", "唔好意思，我而家未能儲存"),
    ],
)
def test_closing_words_in_both_languages(
    ended: str | None, answered: bool, english: str, chinese: str
) -> None:
    assert closing_text(ended, answered, "en").startswith(english)
    assert closing_text(ended, answered, "zh").startswith(chinese)
    kept = "kept" in closing_text(ended, answered, "en")
    assert kept == (answered and ended is not None)
