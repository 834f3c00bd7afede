"""The action modules' own reading and wording in both languages: asking to repeat,
leaving the queue, and the fallback's answers to messages NLU cannot read."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker

from actions.common import asks_to_repeat, language_of
from actions.conversation import _plain_reason
from actions.handoff import _wants_to_leave
from bot.core.i18n import t


def _tracker(text: str, intent: str = "nlu_fallback", language: str | None = None) -> Tracker:
    message: dict[str, Any] = {"text": text, "intent": {"name": intent, "confidence": 0.9}}
    events: list[dict[str, Any]] = [{"event": "user", "text": text, "parse_data": message}]
    return Tracker("c1", {"language": language}, message, events, False, None, {}, "")


@pytest.mark.parametrize(
    "text",
    ["what?", "huh", "吓？", "咩話？", "你講咩呀", "唔明", "我唔明你意思", "再講一次", "什么?"],
)
def test_asking_to_repeat_in_either_language(text: str) -> None:
    assert asks_to_repeat(text)


@pytest.mark.parametrize("text", ["Hong Kong", "香港", "咩係FOB", "我唔明點解仲未到", "5公斤"])
def test_an_answer_is_not_asking_to_repeat(text: str) -> None:
    assert not asks_to_repeat(text)


@pytest.mark.parametrize(
    "text",
    ["cancel", "no thanks", "取消", "唔等喇", "算數啦", "唔使喇，唔該", "离开排队", "退出輪候"],
)
def test_leaving_the_queue_in_either_language(text: str) -> None:
    assert _wants_to_leave(_tracker(text))


@pytest.mark.parametrize("text", ["hello?", "我個貨好急", "取消咗張單點算", "唔該快啲"])
def test_a_message_while_waiting_is_not_leaving(text: str) -> None:
    assert not _wants_to_leave(_tracker(text))


def test_the_fallbacks_plain_answers_are_in_the_conversations_language() -> None:
    assert _plain_reason("   ", "zh") == t("conversation.empty", "zh")
    assert _plain_reason("📦📦🙂", "en") == t("conversation.not_text", "en")
    assert _plain_reason("x" * 2000, "zh") == t("conversation.too_long", "zh")
    # Chinese is understood now: no "English only" answer, NLU and the dialogue take it.
    assert _plain_reason("我的包裹在哪裡？", "zh") is None
    assert _plain_reason("荷物はどこですか", "en") == t("conversation.other_language", "en")


def test_the_language_is_the_customers_choice_else_their_latest_message() -> None:
    assert language_of(_tracker("我嘅 parcel 幾時到?")) == "zh"
    assert language_of(_tracker("where is my parcel")) == "en"
    assert language_of(_tracker("我嘅 parcel 幾時到?", language="en")) == "en"
