"""A request to change language at a step that takes free text (real model and servers).

A survey comment, what happened in a complaint and a message for the agent while queued
(in or outside staffed hours, the same wait) take nearly any text. A confident request to
write in the other language is not such a text: the language changes and the step is asked
again in it, in both directions. A comment that merely names the language the
conversation is already in is still the customer's comment.
"""

from __future__ import annotations

import string
from typing import Any

import pytest

from bot.core.i18n import get_catalogue
from tests.e2e.conftest import Customer, RunningStack
from tests.e2e.test_survey import answers, surveys

#: A request, in the conversation's language, to carry on in the other one (phrasings of
#: neither the training data nor the explorer).
SWITCH = {
    "en": ("please write to me in chinese from now on", "zh"),
    "zh": ("由而家開始你可唔可以用英文同我講", "en"),
}
SURVEY_OPENING = {
    "en": ("where is my shipment {tracking}?", "thanks a lot", "4", "yes", "5", "9"),
    "zh": ("我嘅貨件 {tracking} 去咗邊？", "唔該晒", "4", "係", "5", "9"),
}
COMPLAINT_OPENING = {
    "en": ("I want to make a complaint", "Late delivery"),
    "zh": ("我想投訴", "延遲送達"),
}
HANDOFF_OPENING = {"en": "I want to speak to a real person", "zh": "我想同真人傾"}


def _text(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def said(key: str, language: str, text: str) -> bool:
    """Whether ``text`` holds catalogue text ``key`` in ``language`` (its longest fixed
    piece, so texts with placeholders are recognised whatever was filled in)."""
    template = get_catalogue().entry(key, language).text
    pieces = [literal for literal, *_ in string.Formatter().parse(template)]
    return max(pieces, key=len).strip() in text


def switch(customer: Customer, language: str) -> tuple[str, str]:
    """Ask to carry on in the other language; what the bot said, and that language."""
    request, target = SWITCH[language]
    reply = _text(customer.say(request))
    assert said("language.switched", target, reply), reply
    return reply, target


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_switch_at_the_survey_comment_asks_for_the_comment_in_the_new_language(
    running_stack: RunningStack,
    customer: Customer,
    demo_shipments: list[dict[str, str]],
    language: str,
) -> None:
    tracking = demo_shipments[0]["tracking_number"]
    reply = ""
    for message in SURVEY_OPENING[language]:
        reply = _text(customer.say(message.format(tracking=tracking)))
    assert said("utter_ask_survey_comment", language, reply), reply

    reply, target = switch(customer, language)
    assert said("utter_ask_survey_comment", target, reply), reply
    assert running_stack.tracker(customer.sender)["active_loop"]["name"] == "survey_form"

    comment = "Very quick answer" if target == "en" else "答得好快"
    assert said("survey.closing.done", target, _text(customer.say(comment)))
    (row,) = surveys(running_stack, customer.sender)
    assert answers(row) == (4, True, 5, 9, comment)


@pytest.mark.parametrize(
    ("language", "comment"),
    [
        ("en", "I wish your staff spoke better english"),
        ("zh", "你哋啲中文回覆好難明"),
    ],
)
def test_a_comment_naming_the_conversations_own_language_is_kept_as_the_comment(
    running_stack: RunningStack,
    customer: Customer,
    demo_shipments: list[dict[str, str]],
    language: str,
    comment: str,
) -> None:
    tracking = demo_shipments[0]["tracking_number"]
    for message in SURVEY_OPENING[language]:
        customer.say(message.format(tracking=tracking))
    assert said("survey.closing.done", language, _text(customer.say(comment)))
    (row,) = surveys(running_stack, customer.sender)
    assert row.comment == comment


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_switch_at_what_happened_asks_it_again_in_the_new_language(
    running_stack: RunningStack, customer: Customer, language: str
) -> None:
    reply = ""
    for message in COMPLAINT_OPENING[language]:
        reply = _text(customer.say(message))
    assert said("utter_ask_complaint_description", language, reply), reply

    reply, target = switch(customer, language)
    assert said("utter_ask_complaint_description", target, reply), reply
    tracker = running_stack.tracker(customer.sender)
    assert tracker["active_loop"]["name"] == "complaint_form"
    assert tracker["slots"]["complaint_description"] is None

    happened = (
        "The carton came four days after the promised date."
        if target == "en"
        else "個箱遲咗四日先送到，同講好嘅日子唔同。"
    )
    assert said("utter_ask_complaint_shipment", target, _text(customer.say(happened)))
    assert running_stack.tracker(customer.sender)["slots"]["complaint_description"] == happened


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_switch_while_queued_tells_the_place_again_in_the_new_language(
    running_stack: RunningStack, customer: Customer, language: str
) -> None:
    notice = _text(customer.say(HANDOFF_OPENING[language]))
    staffed = said("handoff.notice.passing", language, notice)
    assert staffed or said("handoff.notice.closed_hours", language, notice), notice
    # The first message while queued hears the place (in the conversation's language);
    # the next would not for a few minutes, but a change of language tells it again.
    ack = "handoff.ack.open" if staffed else "handoff.ack.closed_hours"
    first = "is anyone there? it is urgent" if language == "en" else "有冇人呀？好急㗎"
    assert said(ack, language, _text(customer.say(first)))

    reply, target = switch(customer, language)
    # In staffed hours the place and wait; outside them the message is taken for when the
    # team starts again: either way in the language asked for.
    assert said(ack, target, reply), reply
    assert running_stack.tracker(customer.sender)["active_loop"]["name"] == "handoff_wait_form"

    leave = "cancel" if target == "en" else "取消"
    assert said("handoff.left_queue", target, _text(customer.say(leave)))
