"""The conversation's language end to end (REST channel, real model and servers): replies
follow the customer's language, and "English please", "講中文" or the button's payload
switch it at any point, a form asking its question again in the new language.
"""

from __future__ import annotations

from typing import Any

from bot.core.i18n import t
from tests.e2e.conftest import Customer, RunningStack


def texts(messages: list[dict[str, Any]]) -> list[str]:
    return [m.get("text") or "" for m in messages]


def test_a_chinese_greeting_gets_the_chinese_greeting(customer: Customer) -> None:
    reply = customer.say("你好")
    assert texts(reply)[0] == t("utter_greet", "zh")
    assert [b["title"] for b in reply[0]["buttons"]][:2] == ["追蹤貨件", "報價"]
    assert reply[0]["buttons"][0]["payload"] == "/track_shipment"
    # An English greeting in another conversation stays English.


def test_an_english_greeting_stays_english(running_stack: RunningStack) -> None:
    reply = running_stack.customer().say("hello there")
    assert texts(reply)[0] == t("utter_greet", "en")


def test_switching_mid_form_re_asks_the_question_in_the_new_language(
    running_stack: RunningStack, customer: Customer
) -> None:
    asked = customer.say("I'd like a quote for a shipment please")
    assert t("utter_ask_mode", "en") in texts(asked)

    switched = texts(customer.say("講中文"))
    assert switched[0] == t("language.switched", "zh")
    assert t("utter_ask_mode", "zh") in switched[1:]

    back = texts(customer.say("English please"))
    assert back[0] == t("language.switched", "en")
    assert t("utter_ask_mode", "en") in back[1:]

    # The form carries on: a tapped button's payload answers it and the next question
    # is asked in the language chosen.
    assert t("utter_ask_origin", "en") in texts(customer.say("air freight"))
    tracker = running_stack.tracker(customer.sender)
    assert tracker["slots"]["language"] == "en"
    assert tracker["active_loop"]["name"] == "quote_form"


def test_the_button_payload_switches_and_the_choice_outlasts_the_messages(
    running_stack: RunningStack, customer: Customer
) -> None:
    reply = texts(customer.say('/switch_language{"language":"zh"}'))
    assert reply == [t("language.switched", "zh")]
    assert running_stack.tracker(customer.sender)["slots"]["language"] == "zh"
    # An explicit choice wins over the language of later messages.
    assert texts(customer.say("hello"))[0] == t("utter_greet", "zh")


def test_a_tapped_button_keeps_a_chinese_conversation_chinese(customer: Customer) -> None:
    greeting = customer.say("你好")
    quote = next(b for b in greeting[0]["buttons"] if b["title"] == "報價")
    # Tapped buttons send their payloads ("/ask_rates", "air freight"): no language.
    asked = customer.say(quote["payload"])
    assert t("utter_ask_mode", "zh") in texts(asked)
    button = next(m for m in asked if m.get("buttons"))["buttons"][2]
    assert button["title"] == "空運"
    assert t("utter_ask_origin", "zh") in texts(customer.say(button["payload"]))


def test_change_language_without_naming_one_offers_both(customer: Customer) -> None:
    reply = customer.say("change language")
    assert reply[0]["text"] == t("language.choose", "en")
    assert [b["payload"] for b in reply[0]["buttons"]] == [
        '/switch_language{"language":"en"}',
        '/switch_language{"language":"zh"}',
    ]


def test_the_nlg_hop_costs_little_per_response(
    running_stack: RunningStack, customer: Customer
) -> None:
    """What rendering a response through the action server adds to a turn, measured as
    Rasa pays it: the tracker serialised, the HTTP call, the catalogue lookup. Printed
    for the record; bounded so that a slow path (a catalogue read per call) fails."""
    import asyncio
    import statistics
    import time

    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    from bot.core.settings import ACTION_SECRET_HEADER, REPO_ROOT
    from bot.engine.nlg_client import LocalisedNLG

    for text in ("你好", "我想報價", "空運", "香港", "洛杉磯", "100公斤", "2個立方"):
        customer.say(text)
    stored = running_stack.tracker(customer.sender)
    domain = Domain.load(str(REPO_ROOT / "domain.yml"))
    tracker = DialogueStateTracker.from_dict(customer.sender, stored["events"], domain.slots)
    stack = running_stack.stack
    endpoint = EndpointConfig(
        url=f"{stack.action_url}/nlg", headers={ACTION_SECRET_HEADER: stack.action_secret}
    )
    generator = LocalisedNLG(endpoint, domain)

    async def measure() -> list[float]:
        timings = []
        for _ in range(60):
            start = time.perf_counter()
            rendered = await generator.generate("utter_anything_else", tracker, "rest")
            timings.append((time.perf_counter() - start) * 1000)
            assert rendered == {"text": t("utter_anything_else", "zh")}
        return timings[10:]

    timings = asyncio.run(measure())
    median = statistics.median(timings)
    p95 = statistics.quantiles(timings, n=20)[-1]
    print(
        f"\nNLG hop per response ({len(stored['events'])} tracker events): "
        f"median {median:.1f} ms, p95 {p95:.1f} ms"
    )
    assert median < 50
