"""action_switch_language: the choice from the entity or the message's words, confirmed in
the new language; without a choice, both languages offered."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import asks_to_switch_language
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


def _at_free_text_step(
    text: str, earlier: str, confidence: float = 0.9, chosen: str | None = None
) -> Tracker:
    """A conversation whose earlier message was ``earlier``; ``text`` read as
    switch_language at ``confidence``."""
    latest = {
        "text": text,
        "intent": {"name": "switch_language", "confidence": confidence},
        "entities": [],
    }
    events: list[dict[str, Any]] = [
        {"event": "user", "text": earlier, "parse_data": {"intent": {"name": "faq"}}},
        {"event": "bot", "text": "..."},
    ]
    if chosen:
        events.append({"event": "slot", "name": "language", "value": chosen})
    events.append({"event": "user", "text": text, "parse_data": latest})
    return Tracker("test", {"language": chosen}, latest, events, False, None, {}, "action_listen")


def test_the_request_still_counts_once_the_switch_is_made() -> None:
    """The form asks its step again after action_switch_language, reading the same
    message with the new language set: it is still the request, not the step's answer."""
    tracker = _at_free_text_step("please write to me in chinese from now on", "where is it")
    tracker.events.append({"event": "action", "name": "action_switch_language"})
    tracker.events.append({"event": "slot", "name": "language", "value": "zh"})
    tracker.slots["language"] = "zh"
    assert asks_to_switch_language(tracker)


@pytest.mark.parametrize(
    ("text", "earlier", "chosen"),
    [
        ("please write to me in chinese from now on", "where is my parcel", None),
        ("由而家開始你可唔可以用英文同我講", "我嘅貨去咗邊", None),
        # Written in English, yet the customer had chosen Chinese: English is a change.
        ("English please", "hello", "zh"),
        # No language named: a request all the same (the action offers both).
        ("change language", "hello", None),
    ],
)
def test_a_confident_request_for_another_language_is_a_switch(
    text: str, earlier: str, chosen: str | None
) -> None:
    assert asks_to_switch_language(_at_free_text_step(text, earlier, chosen=chosen))


@pytest.mark.parametrize(
    ("text", "earlier", "confidence"),
    [
        # Naming the language the conversation is already in changes nothing: a comment.
        ("I wish your staff spoke better english", "where is my parcel", 0.95),
        ("你哋啲中文回覆好難明", "我嘅貨去咗邊", 0.97),
        # Not confident enough to take the customer's text away from the step.
        ("please write to me in chinese from now on", "where is my parcel", 0.5),
    ],
)
def test_a_comment_or_an_unsure_reading_is_no_switch(
    text: str, earlier: str, confidence: float
) -> None:
    assert not asks_to_switch_language(_at_free_text_step(text, earlier, confidence))
