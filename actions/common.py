"""Helpers shared by the action modules: reading the tracker and running blocking work."""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Callable
from typing import Any, TypeVar

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from bot.core.i18n import conversation_language, normalise_input, t
from bot.core.settings import Settings
from bot.domain.kb import KnowledgeBase, get_knowledge_base
from bot.domain.language_choice import language_asked_for, language_named
from bot.domain.rate_limits import CLIENT_ADDRESS_KEY

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Intents that mean "the customer asked something else", not "here is your answer".
# A form only gives way to them when the answer parser finds nothing in the message.
# out_of_scope is not one: a name or an unknown place often looks out of scope, and the
# form's own validation answers it better.
#: Intents that start a flow or act of their own (not an answer to any form's step).
FLOW_INTENTS = frozenset(
    {
        "track_shipment",
        "ask_rates",
        "ask_transit_time",
        "complain",
        "complaint_status",
        "subscribe_updates",
        "stop_updates",
        "withdraw_marketing_consent",
    }
)
INTERRUPTING_INTENTS = FLOW_INTENTS | frozenset(
    {
        "greet",
        "goodbye",
        "thank",
        "stop",
        "affirm",
        "deny",
        "bot_challenge",
        "define_term",
        "faq",
        "request_human",
        "switch_language",
    }
)
#: Every other intent of domain.yml: answers a form reads itself. A new intent must join
#: one of the two sets (tests/actions/test_common.py), or a form would take it as an answer.
NOT_INTERRUPTING_INTENTS = frozenset({"inform", "out_of_scope"})
INTERRUPTION_CONFIDENCE = 0.6

# Offers the bot can make and a later yes/no answers (slot ``pending_offer``).
OFFER_HUMAN = "human"
OFFER_SALES_CONTACT = "sales_contact"
OFFER_QUOTE = "quote"
# A confirmed complaint that could not be saved (database down): "yes" submits it again.
OFFER_RETRY_COMPLAINT = "retry_complaint"
# The direct-marketing question after a lead was saved: "yes"/"no" is the consent answer.
OFFER_MARKETING_CONSENT = "marketing_consent"
# "Do you have the reference?" after a complaint status ask found none in this chat:
# "no" puts the customer through to a colleague, "yes" asks for it with the contact.
OFFER_STATUS_REFERENCE = "status_reference"
# A suggested service ("promotion:<code>"): "yes" is the suggestion accepted.
OFFER_PROMOTION = "promotion"

# The action that answers "put me through to a person".
HUMAN_HANDOFF_ACTION = "action_request_human"


async def in_thread(func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run blocking work that is not database work (spaCy) off the event loop.

    Database work goes through ``bot.storage.db.run_in_session``, which also scopes the
    session.
    """
    return await asyncio.to_thread(functools.partial(func, *args, **kwargs))


@functools.lru_cache(maxsize=1)
def settings() -> Settings:
    """The action server's settings, read once."""
    return Settings.from_env()


def knowledge_base() -> KnowledgeBase:
    """The process-wide knowledge base (loaded and validated once)."""
    return get_knowledge_base()


def latest_text(tracker: Tracker) -> str:
    """Text of the customer's latest message ('' when there is none)."""
    return (tracker.latest_message or {}).get("text") or ""


def language_of(tracker: Tracker) -> str:
    """The language to answer this conversation in ("en" or "zh"): the customer's explicit
    choice (slot ``language``), else the latest message that shows a language."""
    return conversation_language(tracker.events, tracker.get_slot("language"))


def latest_intent(tracker: Tracker) -> tuple[str, float]:
    """Name and confidence of the latest message's intent."""
    intent = (tracker.latest_message or {}).get("intent") or {}
    return intent.get("name") or "", float(intent.get("confidence") or 0.0)


def requested_language(tracker: Tracker) -> str | None:
    """The language the latest message asks for: the ``language`` entity (the model's tag
    or the button's payload), else a language named in the message's words."""
    for entity in (tracker.latest_message or {}).get("entities") or []:
        if entity.get("entity") == "language":
            found = language_named(entity.get("value"))
            if found:
                return found
    return language_asked_for(latest_text(tracker))


def language_before_latest(tracker: Tracker) -> str:
    """The language the conversation was answered in before the customer's latest message.

    Read from the events before that message, not from the ``language`` slot: once the
    switch has been made in this turn, the form that asks its step again reads the same
    message, and it must still count as the request it was.
    """
    events = list(tracker.events)
    latest = max((i for i, e in enumerate(events) if e.get("event") == "user"), default=len(events))
    return conversation_language(events[:latest])


def asks_to_switch_language(tracker: Tracker) -> bool:
    """True when the latest message confidently asks to change the conversation's language.

    Free-text steps (a survey comment, a message for the agent, what happened) take nearly
    any text, so they ask this before taking it. NLU decides: the ``switch_language``
    intent at the interruption confidence. A message that names the language the
    conversation is already in ("your English replies are hard to follow" in an English
    chat) changes nothing and stays the customer's text; one that names no language
    ("change language") is a request too, answered with the choice of both.
    """
    name, confidence = latest_intent(tracker)
    if name != "switch_language" or confidence < INTERRUPTION_CONFIDENCE:
        return False
    wanted = requested_language(tracker)
    return wanted is None or wanted != language_before_latest(tracker)


def is_interruption(tracker: Tracker, expected: frozenset[str] = frozenset()) -> bool:
    """True when the latest message confidently asks for something other than an answer.

    Args:
        tracker: the conversation.
        expected: intents that are answers in this form (a complaint form expects
            complaint-like messages).
    """
    name, confidence = latest_intent(tracker)
    return (
        name in INTERRUPTING_INTENTS
        and name not in expected
        and confidence >= INTERRUPTION_CONFIDENCE
    )


# Words that open a question rather than a statement.
_QUESTION_OPENERS = frozenset(
    [
        "what",
        "where",
        "when",
        "why",
        "how",
        "who",
        "which",
        "whose",
        "can",
        "could",
        "do",
        "does",
        "did",
        "is",
        "are",
        "was",
        "will",
        "would",
        "should",
        "shall",
        "may",
    ]
)
# Intents that steer the conversation (leave, ask for a person) whatever the wording.
STEERING_INTENTS = frozenset({"stop", "request_human", "goodbye", "deny"})


# Words a question is often led in with ("hmm actually what does FOB mean").
_LEAD_INS = frozenset(
    [
        "hmm",
        "hm",
        "um",
        "umm",
        "uh",
        "oh",
        "ok",
        "okay",
        "actually",
        "sorry",
        "wait",
        "but",
        "and",
        "so",
        "also",
        "btw",
        "quick",
        "question",
        "then",
        "well",
        "erm",
        "ah",
    ]
)
# Chinese asks: what a word means, how, whether one can; or a question particle at the end.
_QUESTION_ZH = re.compile(r"咩意思|乜嘢意思|係咩嚟|點樣|可唔可以|可否|能否|[嗎呢]\s*$")


def looks_like_question(text: str) -> bool:
    """True when a message is phrased as a question ("...?", "how do I ...", "hmm so
    what does FOB mean", "FOB係咩意思")."""
    stripped = text.strip()
    if stripped.endswith(("?", "？")) or _QUESTION_ZH.search(stripped):
        return True
    words = [w.strip(",.!:;") for w in stripped.lower().split()]
    while words and words[0] in _LEAD_INS:
        words.pop(0)
    return bool(words and words[0] in _QUESTION_OPENERS)


def entity_values(tracker: Tracker, entity: str) -> list[str]:
    """Every value of ``entity`` in the latest message, in order."""
    entities = (tracker.latest_message or {}).get("entities") or []
    return [str(e["value"]) for e in entities if e.get("entity") == entity and e.get("value")]


def channel_of(tracker: Tracker) -> str:
    """The input channel the customer last wrote on ('rest', 'socketio', 'telegram', ...)."""
    return tracker.get_latest_input_channel() or "unknown"


# An address spelt out the way people dodge spam filters: "chris at example dot com",
# "chris (at) somewhere", "chris[at]somewhere".
_SPELT_EMAIL = re.compile(r"^\s*\S+\s*[\[(]?\s*\bat\b\s*[\])]?\s*\S+(\s+dot\s+\S+)*\s*$", re.I)


def looks_like_contact(text: str) -> bool:
    """True when a message is an attempt at an email or phone number (digits, an @, or an
    address spelt out with "at").

    At a "how can we reach you" question such a message is an answer to check, even when
    NLU reads it as, say, a tracking question.
    """
    return (
        "@" in text
        or "＠" in text
        or sum(ch.isdigit() for ch in text) >= 3
        or _SPELT_EMAIL.match(text) is not None
    )


def client_address(tracker: Tracker) -> str | None:
    """The customer's network address when the channel knows it (the web chat sets it on
    each message from the connection; the REST channel's caller is a backend, so none)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            value = (event.get("metadata") or {}).get(CLIENT_ADDRESS_KEY)
            return value if isinstance(value, str) and value else None
    return None


# "What?", "?", "sorry?", "huh", "pardon": the customer did not follow the question.
_ASKS_TO_REPEAT = re.compile(
    r"^(?:\?+|what|wot|wut|wat|sorry|huh|eh|pardon(?: me)?|come again|excuse me|say (?:that )?"
    r"again|what do you mean|what was that|i don'?t (?:understand|get it)|what\s+do\s+i\s+say)"
    r"[\s?!.]*$",
    re.IGNORECASE,
)
# The same in Chinese: "吓?", "咩話?", "乜嘢話", "你講咩", "唔明", "再講一次", "什麼?"
# (OpenCC writes the interjection 吓 as 嚇).
_ASKS_TO_REPEAT_ZH = re.compile(
    r"^\W*(?:吓|嚇|咩話|乜話|乜嘢話|咩嘢話|你講咩|你講乜|你講乜嘢|你講咩嘢|咩呀|乜呀|什麼|甚麼|"
    r"(?:我)?(?:唔明|唔係好明|不明白|聽唔明)(?:你講咩|你意思)?|再講(?:一次|多次|過)|講多次|"
    r"可唔可以再講(?:一次|多次)?)[\W吖呀啊呢]*$"
)


# Actions Rasa runs between a customer's message and the form that validates it.
_TURN_ACTIONS = frozenset({"action_listen", "action_extract_slots"})


def validates_new_message(tracker: Tracker, form: str) -> bool:
    """True when ``form``'s validation is reading the customer's latest message.

    False when the form runs after another action of this turn (started by one, or back
    after an interruption). Rasa gives the validation action a tracker that ends with the
    form's own ``action`` event, so ``latest_action_name`` is the form's name either way.
    """
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return True
        if kind == "action" and event.get("name") not in _TURN_ACTIONS | {form}:
            return False
    return False


def asks_to_repeat(text: str) -> bool:
    """True when a message only asks the bot to say its question again ("what?", "huh")."""
    folded = normalise_input(text).strip()
    return bool(_ASKS_TO_REPEAT.match(folded) or _ASKS_TO_REPEAT_ZH.match(folded))


class RepeatsQuestionOnRequest:
    """Mix into a ``FormValidationAction``: "what?" at a question asks that question again.

    Without it "what?" reached NLU's guess (a glossary lookup of "what?", an out-of-scope
    answer) and the form's own parser, which may even have taken it as the answer.
    Emptying the requested slot counts as handled for Rasa's form, which asks again.
    """

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        slot = tracker.get_slot("requested_slot")
        form = self.form_name()  # type: ignore[attr-defined]
        if slot and validates_new_message(tracker, form) and asks_to_repeat(latest_text(tracker)):
            dispatcher.utter_message(text=t("conversation.repeat_preface", language_of(tracker)))
            return [SlotSet(slot, None)]
        runner = super().run  # type: ignore[misc]
        events: list[EventType] = await runner(dispatcher, tracker, domain)
        return events
