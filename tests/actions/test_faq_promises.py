"""Every FAQ answer that promises an action leads into a flow that performs it.

A promise is an answer saying the assistant will book, cancel, move, redirect, hold,
redeliver or send a copy of something. Each such topic must be in
:data:`actions.requests.FAQ_FLOWS`, whose form must exist in the domain and end in a rule
that saves the request; each topic there must still exist. Adding a promising answer
without a flow fails here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from actions.requests import FAQ_FLOWS
from bot.core.settings import REPO_ROOT

#: What an answer promises the assistant will do (in English; the Chinese says the same).
PROMISE = re.compile(
    r"\b(?:I'll|I can|we'll|we can)\s+(?:[\w-]+\s+){0,5}?"
    r"(?:book|cancel|reschedul|pass the request|redirect|held for collection|email"
    r"|arrange a new delivery|set up the return|take the details)",
    re.IGNORECASE,
)


def _faqs() -> list[dict[str, Any]]:
    data = yaml.safe_load((REPO_ROOT / "knowledge_base" / "faqs.yml").read_text("utf-8"))
    return list(data["faqs"])


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text("utf-8"))


def _promising_topics() -> list[str]:
    return [faq["topic"] for faq in _faqs() if PROMISE.search(" ".join(str(faq["answer"]).split()))]


def test_the_promise_reader_finds_the_known_promises() -> None:
    found = set(_promising_topics())
    assert {"book_pickup", "cancel_pickup", "change_delivery_address", "invoice_copy"} <= found
    # "before you book" is the customer's booking, not a promise.
    assert "dangerous_goods" not in found
    # An answer that only explains promises nothing.
    assert "opening_hours" not in found


@pytest.mark.parametrize("topic", _promising_topics())
def test_a_promising_answer_leads_into_a_flow(topic: str) -> None:
    assert topic in FAQ_FLOWS, (
        f"the FAQ answer {topic!r} promises an action, but no flow performs it: add it to "
        "actions.requests.FAQ_FLOWS or reword the answer"
    )


@pytest.mark.parametrize("topic", sorted(FAQ_FLOWS))
def test_each_flow_is_a_form_that_saves_the_request(topic: str) -> None:
    assert topic in {faq["topic"] for faq in _faqs()}
    form, _kind = FAQ_FLOWS[topic]
    domain = _yaml(REPO_ROOT / "domain.yml")
    assert form in domain["forms"]
    rules = _yaml(REPO_ROOT / "data" / "stories" / "rules_requests.yml")["rules"]
    submits = [
        rule["steps"][-1]["action"]
        for rule in rules
        if rule.get("condition") == [{"active_loop": form}]
    ]
    assert submits and submits[0].startswith("action_submit_")
    assert submits[0] in domain["actions"]


def test_the_faq_rule_runs_the_follow_up() -> None:
    rules = _yaml(REPO_ROOT / "data" / "stories" / "rules_glossary_faq.yml")["rules"]
    faq = next(rule for rule in rules if rule["steps"][0] == {"intent": "faq"})
    assert faq["steps"][1:] == [{"action": "utter_faq"}, {"action": "action_faq_followup"}]
