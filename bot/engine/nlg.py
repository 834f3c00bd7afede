"""Rasa's responses in the conversation's language: the NLG endpoint's renderer.

Rasa (``endpoints.yml`` ``nlg:``) POSTs every response it is about to send to the action
server's ``/nlg`` route (:mod:`bot.engine.action_server`): the response's name, the
arguments an action passed with it, and the tracker. :func:`render` answers with the text
and buttons in the conversation's language (:func:`bot.core.i18n.conversation_language`:
the customer's choice in slot ``language``, else the latest message showing a language):

- a response in the catalogue (``locales/<language>/responses.yml``, key = response
  name) is taken from there;
- a FAQ answer chosen by the ResponseSelector (``utter_faq/<topic>``) comes from the
  knowledge base in that language;
- anything else falls back to the domain's own English text.

Placeholders (``{name}``) are filled as Rasa's own templated generator fills them: from the
arguments the action passed, then the slots; an unknown one is left as written.

domain.yml keeps every response's English text (Rasa checks a form's questions and the
rules' responses against it, and ``rasa shell`` without the endpoint still works);
``tests/engine/test_nlg.py`` fails when it differs from ``locales/en/responses.yml``, so a
wording change is made in both (the catalogue is what customers see).
"""

from __future__ import annotations

import functools
import logging
import string
from collections.abc import Mapping
from typing import Any

import yaml

from bot.core.i18n import conversation_language, get_catalogue
from bot.core.settings import REPO_ROOT
from bot.domain.kb import get_knowledge_base

logger = logging.getLogger(__name__)

FAQ_PREFIX = "utter_faq/"
#: Files whose ``responses:`` are the English fallback, as Rasa reads them.
DOMAIN_FILES = (REPO_ROOT / "domain.yml", REPO_ROOT / "data" / "nlu" / "faq_responses.yml")


@functools.lru_cache(maxsize=1)
def domain_responses() -> dict[str, dict[str, Any]]:
    """The first variation of every response in domain.yml and the generated FAQ answers."""
    found: dict[str, dict[str, Any]] = {}
    for path in DOMAIN_FILES:
        if not path.exists():
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for name, variations in (data.get("responses") or {}).items():
            if variations:
                found[str(name)] = dict(variations[0])
    return found


class _Values(dict[str, Any]):
    """Placeholder values; an unknown ``{name}`` stays as written (as Rasa's own NLG)."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(template: str, values: _Values) -> str:
    try:
        return string.Formatter().vformat(template, (), values)
    except (IndexError, ValueError, AttributeError, KeyError):
        logger.warning("could not fill the placeholders of %r", template)
        return template


def _values(tracker: Mapping[str, Any], arguments: Mapping[str, Any]) -> _Values:
    values = _Values()
    for name, value in (tracker.get("slots") or {}).items():
        if value is not None:
            values[name] = value
    for name, value in arguments.items():
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            values[name] = value
    return values


def response_language(tracker: Mapping[str, Any]) -> str:
    """The conversation's language from a tracker as Rasa serialises it."""
    slots = tracker.get("slots") or {}
    return conversation_language(tracker.get("events") or [], slots.get("language"))


def _faq_answer(topic: str, language: str) -> str | None:
    faq = get_knowledge_base().faqs.get(topic)
    if faq is None:
        return None
    return faq.answer_in(language)


def render(body: Mapping[str, Any]) -> dict[str, Any]:
    """The message for one NLG request (Rasa's ``nlg_request_format``).

    Args:
        body: ``{"response": name, "arguments": {...}, "tracker": {...}, "channel": ...}``.

    Returns:
        ``{"text": ..., "buttons": [...]}`` (buttons only when the response has some);
        ``{}`` for a response nobody defined, which Rasa then leaves unsaid.
    """
    name = str(body.get("response") or "")
    tracker = body.get("tracker") or {}
    arguments = body.get("arguments") or {}
    language = response_language(tracker)
    values = _values(tracker, arguments)
    catalogue = get_catalogue()
    if catalogue.has(name):
        entry = catalogue.entry(name, language)
        result: dict[str, Any] = {"text": _fill(entry.text, values)}
        if entry.buttons:
            result["buttons"] = [
                {"title": _fill(title, values), "payload": _fill(payload, values)}
                for title, payload in entry.buttons
            ]
        return result
    if name.startswith(FAQ_PREFIX):
        answer = _faq_answer(name[len(FAQ_PREFIX) :], language)
        if answer is not None:
            return {"text": _fill(answer, values)}
    fallback = domain_responses().get(name)
    if fallback is None:
        logger.error("no response %r in the catalogue, the knowledge base or the domain", name)
        return {}
    result = {"text": _fill(str(fallback.get("text") or ""), values)}
    if fallback.get("buttons"):
        result["buttons"] = [
            {"title": str(b.get("title")), "payload": str(b.get("payload"))}
            for b in fallback["buttons"]
        ]
    return result
