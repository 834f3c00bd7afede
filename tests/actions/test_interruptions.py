"""Which intents a form gives way to (actions/common.py)."""

from __future__ import annotations

import pytest
import yaml
from rasa_sdk import Tracker

from actions.common import FLOW_INTENTS, INTERRUPTING_INTENTS, NOT_INTERRUPTING_INTENTS
from actions.complaints import _interrupts_description
from bot.core.settings import REPO_ROOT


def _domain_intents() -> set[str]:
    domain = yaml.safe_load((REPO_ROOT / "domain.yml").read_text(encoding="utf-8"))
    names = {i if isinstance(i, str) else next(iter(i)) for i in domain["intents"]}
    # EXTERNAL_ intents are triggered by the servers, never typed by a customer; the FAQ
    # retrieval intent is declared by its responses (utter_faq/<topic>), not in the list.
    return {name for name in names if not name.startswith("EXTERNAL_")} | {"faq"}


def test_every_intent_is_either_an_interruption_or_an_answer() -> None:
    """An intent added without a side is read as an answer at every form step, as
    "stop sending me 貨件 updates" was at the pick-up summary ("change the pieces")."""
    intents = _domain_intents()
    unclassified = intents - INTERRUPTING_INTENTS - NOT_INTERRUPTING_INTENTS
    assert not unclassified, (
        f"add these to INTERRUPTING_INTENTS or NOT_INTERRUPTING_INTENTS: {unclassified}"
    )
    assert not INTERRUPTING_INTENTS & NOT_INTERRUPTING_INTENTS
    assert intents >= INTERRUPTING_INTENTS | NOT_INTERRUPTING_INTENTS


def test_the_shipment_update_and_opt_out_intents_start_flows_of_their_own() -> None:
    """At the pick-up summary they are set aside, not read as a change to a detail."""
    assert {"subscribe_updates", "stop_updates", "withdraw_marketing_consent"} <= FLOW_INTENTS


def _at_what_happened(text: str, intent: str, confidence: float = 0.7) -> Tracker:
    """A conversation whose latest message, at "what happened?", NLU read as ``intent``."""
    return Tracker(
        sender_id="test",
        slots={"requested_slot": "complaint_description"},
        latest_message={"text": text, "intent": {"name": intent, "confidence": confidence}},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={"name": "complaint_form"},
        latest_action_name="complaint_form",
    )


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("個箱遲咗四日先送到，同講好嘅日子唔同。", "goodbye"),
        ("no one was home because the driver came two hours early", "deny"),
    ],
)
def test_a_statement_read_as_goodbye_or_no_is_what_happened(text: str, intent: str) -> None:
    """The 3-gram model read the first as goodbye at 0.70 (its 日子 is in "have a nice
    day"), and the complaint was dropped with a farewell (tests/e2e/test_language_free_text)."""
    assert not _interrupts_description(_at_what_happened(text, intent), text)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("ok that's all, cheerio", "goodbye"),
        ("冇嘢喇，拜拜啦", "goodbye"),
        ("no", "deny"),
        ("forget it, never mind", "stop"),
        ("唔該幫我搵個真人，我唔想同機械人講", "request_human"),
    ],
)
def test_a_short_goodbye_or_a_steering_message_still_interrupts(text: str, intent: str) -> None:
    assert _interrupts_description(_at_what_happened(text, intent), text)


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("hmm actually what does demurrage mean", "define_term"),
        ("ok so how much is insurance", "faq"),
        ("FOB係咩意思", "define_term"),
        ("可唔可以改送貨地址", "faq"),
    ],
)
def test_a_question_led_in_with_a_word_or_asked_in_chinese_interrupts(
    text: str, intent: str
) -> None:
    """ "hmm actually what does demurrage mean" was taken as what happened."""
    assert _interrupts_description(_at_what_happened(text, intent), text)
