"""The NLG renderer: Rasa's responses from the catalogue in the conversation's language."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from bot.core.i18n import get_catalogue
from bot.core.settings import REPO_ROOT
from bot.domain.kb import get_knowledge_base
from bot.engine import nlg


def _domain_responses() -> dict[str, dict[str, Any]]:
    data = yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))
    return {name: variations[0] for name, variations in data["responses"].items()}


def _request(
    response: str,
    *texts: str,
    language: str | None = None,
    slots: dict[str, Any] | None = None,
    arguments: dict[str, Any] | None = None,
    events: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "response": response,
        "arguments": arguments or {},
        "tracker": {
            "slots": {"language": language, **(slots or {})},
            "events": events
            if events is not None
            else [{"event": "user", "text": t} for t in texts],
        },
        "channel": {"name": "rest"},
    }


@pytest.mark.parametrize("name", sorted(_domain_responses()))
def test_every_domain_response_is_in_the_catalogue_with_the_same_english(name: str) -> None:
    """domain.yml's English and locales/en/responses.yml must say the same thing."""
    domain = _domain_responses()[name]
    catalogue = get_catalogue()
    assert catalogue.has(name), f"{name} is missing from locales/en/responses.yml"
    english = catalogue.entry(name, "en")
    assert " ".join(english.text.split()) == " ".join(str(domain["text"]).split())
    assert list(english.buttons) == [
        (str(b["title"]), str(b["payload"])) for b in domain.get("buttons") or []
    ]
    chinese = catalogue.entry(name, "zh")
    assert chinese.text != english.text, f"{name} is not translated"


def test_a_chinese_conversation_gets_the_chinese_response_with_the_same_payloads() -> None:
    rendered = nlg.render(_request("utter_ask_mode", "我想報價"))
    assert rendered["text"] == get_catalogue().entry("utter_ask_mode", "zh").text
    assert [b["payload"] for b in rendered["buttons"]] == [
        "express",
        "economy",
        "air freight",
        "sea freight",
    ]
    assert rendered["buttons"][2]["title"] == "空運"


def test_an_english_conversation_and_an_explicit_choice() -> None:
    assert nlg.render(_request("utter_goodbye", "bye now"))["text"].startswith("Thank you")
    assert nlg.render(_request("utter_goodbye", "bye now", language="zh"))["text"].startswith(
        "多謝"
    )
    assert nlg.render(_request("utter_goodbye", "拜拜", language="en"))["text"].startswith(
        "Thank you"
    )


def test_a_tapped_button_payload_does_not_turn_a_chinese_conversation_english() -> None:
    asked = nlg.render(_request("utter_ask_complaint_category", "我想投訴"))
    events = [
        {"event": "user", "text": "我想投訴"},
        {"event": "bot", "text": asked["text"], "data": {"buttons": asked["buttons"]}},
        {"event": "user", "text": "Damaged goods"},
    ]
    rendered = nlg.render(_request("utter_ask_complaint_description", events=events))
    assert rendered["text"] == get_catalogue().entry("utter_ask_complaint_description", "zh").text
    # Typed rather than tapped, English is English.
    events[-1] = {"event": "user", "text": "the box arrived crushed"}
    rendered = nlg.render(_request("utter_ask_complaint_description", events=events))
    assert rendered["text"].startswith("Please tell me")


def test_faq_answers_come_from_the_knowledge_base_in_the_language() -> None:
    kb = get_knowledge_base()
    topic, faq = next(iter(kb.faqs.items()))
    rendered = nlg.render(_request(f"utter_faq/{topic}", "你哋幾點開門"))
    assert rendered == {"text": faq.answer_in("zh")}
    assert rendered["text"] != faq.answer_in("en")
    english = nlg.render(_request(f"utter_faq/{topic}", "when do you open"))
    assert english == {"text": faq.answer_in("en")}


def test_placeholders_are_filled_from_arguments_then_slots_and_unknown_ones_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        nlg,
        "domain_responses",
        lambda: {"utter_test_hello": {"text": "Hi {lead_name}, {reference} {unknown}"}},
    )
    rendered = nlg.render(
        _request(
            "utter_test_hello",
            "hello",
            slots={"lead_name": "Mei"},
            arguments={"reference": "CMP-1", "text": None},
        )
    )
    assert rendered == {"text": "Hi Mei, CMP-1 {unknown}"}


def test_an_unknown_response_renders_nothing() -> None:
    assert nlg.render(_request("utter_no_such_thing", "hello")) == {}
