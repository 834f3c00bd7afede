"""The language of a conversation read from its Rasa events alone (outside Rasa): a
``language`` slot event is the customer's choice."""

from __future__ import annotations

from typing import Any

import pytest

from bot.core.i18n import conversation_language


def _user(text: str) -> dict[str, Any]:
    return {"event": "user", "text": text, "parse_data": {}}


def _slot(value: str | None) -> dict[str, Any]:
    return {"event": "slot", "name": "language", "value": value}


@pytest.mark.parametrize(
    ("events", "language"),
    [
        ([], "en"),
        ([_user("我嘅 parcel 幾時到?")], "zh"),
        ([_user("我嘅 parcel 幾時到?"), _user("160-12345675")], "zh"),
        ([_user("where is my parcel"), _user("唔該")], "zh"),
        ([_user("我嘅 parcel 幾時到?"), _slot("en"), _user("好")], "en"),
        ([_slot("en"), _slot("zh"), _user("hello there")], "zh"),
        # A choice set back to nothing leaves the messages to decide.
        ([_slot("zh"), _slot(None), _user("hello there")], "en"),
        ([_user("hello"), "not an event", {"event": "bot", "text": "你好"}], "en"),
    ],
)
def test_the_choice_wins_else_the_latest_message_with_a_language(
    events: list[Any], language: str
) -> None:
    assert conversation_language(events) == language
