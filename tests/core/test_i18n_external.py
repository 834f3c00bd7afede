"""The conversation's language is the customer's, not that of an intent the service
triggered through Rasa's HTTP API (recorded as a user event "EXTERNAL: <intent>")."""

from __future__ import annotations

from bot.core.i18n import conversation_language


def test_an_externally_triggered_intent_does_not_change_the_language() -> None:
    events = [
        {"event": "user", "text": "我想投訴"},
        {"event": "bot", "text": "你嘅投訴 CMP-2026-00001 已經處理好"},
        {"event": "user", "text": "EXTERNAL: EXTERNAL_survey_offer"},
    ]

    assert conversation_language(events) == "zh"


def test_the_customers_own_english_still_counts() -> None:
    events = [
        {"event": "user", "text": "我想投訴"},
        {"event": "user", "text": "EXTERNAL: EXTERNAL_survey_offer"},
        {"event": "user", "text": "External shipping question"},
    ]

    assert conversation_language(events) == "en"
