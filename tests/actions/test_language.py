"""action_switch_language: the choice from the entity or the message's words, confirmed in
the new language; without a choice, both languages offered."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.language import ActionSwitchLanguage
from bot.core.i18n import message, t


def _tracker(text: str, entities: list[dict[str, Any]] | None = None) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": "switch_language", "confidence": 0.9},
        "entities": entities or [],
    }
    return Tracker(
        "test",
        {"language": None},
        latest,
        [{"event": "user", "text": text}],
        False,
        None,
        {},
        "action_listen",
    )


def _run(tracker: Tracker) -> tuple[list[dict[str, Any]], list[Any]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(ActionSwitchLanguage().run(dispatcher, tracker, {}))
    return dispatcher.messages, events


@pytest.mark.parametrize(
    ("text", "entities", "language"),
    [
        ('/switch_language{"language":"zh"}', [{"entity": "language", "value": "zh"}], "zh"),
        ("English please", [{"entity": "language", "value": "en"}], "en"),
        ("講中文", [], "zh"),
        ("可以講英文嗎", [], "en"),
        ("can you speak chinese", [], "zh"),
    ],
)
def test_the_choice_is_kept_and_confirmed_in_the_new_language(
    text: str, entities: list[dict[str, Any]], language: str
) -> None:
    messages, events = _run(_tracker(text, entities))
    assert events == [SlotSet("language", language)]
    assert [m["text"] for m in messages] == [t("language.switched", language)]


def test_without_a_language_both_are_offered_in_the_current_one() -> None:
    messages, events = _run(_tracker("轉語言"))
    assert events == []
    assert messages[0]["text"] == message("language.choose", "zh")["text"]
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        '/switch_language{"language":"en"}',
        '/switch_language{"language":"zh"}',
    ]
