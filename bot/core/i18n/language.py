"""Which language a conversation is in.

The customer's explicit choice ("English please", "講中文", the page's language button or
Telegram's /language), kept in the ``language`` slot, always wins. Without one, the latest
message that shows a language decides: any Han character makes it Chinese (Hong Kong
customers mix English words into Chinese: "我嘅 parcel 幾時到" is Chinese), Latin words
without Han make it English (two words at least: "ok", "thx" or "cancel" alone is typed by
Chinese writers as well), and messages that show neither (one English word, a tracking
number, an emoji, a button payload) leave it as it was. Hand-written: the rule is a product decision
in a few lines, and language-identification libraries answer per message, without the
conversation's memory or the code-mixing rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

LANGUAGES: tuple[str, ...] = ("en", "zh")
#: The slot that holds the customer's explicit choice (domain.yml).
LANGUAGE_SLOT = "language"
DEFAULT_LANGUAGE = "en"

_NAMES = {"en": "English", "zh": "中文"}

# CJK Unified Ideographs, Extension A, compatibility ideographs.
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# An email address or a web address shows no language, whoever typed it.
_ADDRESS = re.compile(r"\S+@\S+|(?:https?://|www\.)\S+", re.IGNORECASE)
# A Latin word of two letters or more that is not a reference like "CMP-2026-00042".
_LATIN_WORD = re.compile(r"(?<![\w-])[A-Za-z]{2,}(?![\w-]*\d)")


def supported(language: object) -> str | None:
    """``language`` if it is one we answer in ("en", "zh"; "zh-HK", "zh_Hant" and the like
    count as "zh"), else None."""
    if not isinstance(language, str):
        return None
    code = language.strip().lower().replace("_", "-")
    if code in LANGUAGES:
        return code
    if code.startswith("zh"):
        return "zh"
    if code.startswith("en"):
        return "en"
    return None


def language_name(language: str) -> str:
    """The language's name in itself: "English", "中文"."""
    return _NAMES[supported(language) or DEFAULT_LANGUAGE]


def detect_language(text: object) -> str | None:
    """The language ``text`` shows, or None when it shows none.

    Args:
        text: a customer's message.

    Returns:
        "zh" if it has a Han character, "en" if it has two Latin words and no Han
        character, None for one word, numbers, references, emoji and button payloads.
    """
    if not isinstance(text, str) or not text.strip() or text.lstrip().startswith("/"):
        return None
    if _HAN.search(text):
        return "zh"
    if len(_LATIN_WORD.findall(_ADDRESS.sub(" ", text))) >= 2:
        return "en"
    return None


# Rasa records an intent triggered through its HTTP API (the survey offer after a resolved
# complaint) as a user event with the text "EXTERNAL: <intent>": the service spoke, not the
# customer, and its English words say nothing of the customer's language.
_EXTERNAL_PREFIX = "EXTERNAL: "


def _external(event: Mapping[str, Any]) -> bool:
    text = event.get("text")
    return isinstance(text, str) and text.startswith(_EXTERNAL_PREFIX)


def conversation_language(
    events: Iterable[Mapping[str, Any]] | None, explicit: object = None
) -> str:
    """The language to answer this conversation in.

    Args:
        events: the conversation's Rasa events as dicts (oldest first), or None. A
            ``language`` slot event among them is the customer's choice when ``explicit``
            is not given (code outside Rasa has only the events).
        explicit: the customer's explicit choice (the ``language`` slot's value), if any.

    Returns:
        "en" or "zh".
    """
    chosen = supported(explicit)
    if chosen:
        return chosen
    language = DEFAULT_LANGUAGE
    chosen_in_events: str | None = None
    # A tapped button sends its payload ("Damaged goods", "Yes", "express"), which is
    # English whatever the title said: it shows no language of the customer's.
    offered: frozenset[str] = frozenset()
    for event in events or ():
        if not isinstance(event, Mapping):
            continue
        kind = event.get("event")
        if kind == "slot" and event.get("name") == LANGUAGE_SLOT:
            chosen_in_events = supported(event.get("value"))
        elif kind == "bot":
            offered = _payloads(event)
        elif kind == "user" and not _external(event):
            text = event.get("text")
            if not (isinstance(text, str) and text.strip() in offered):
                language = detect_language(text) or language
            offered = frozenset()
    return chosen_in_events or language


def _payloads(event: Mapping[str, Any]) -> frozenset[str]:
    """The payloads of the buttons a bot event offered."""
    data = event.get("data") or {}
    buttons = data.get("buttons") if isinstance(data, Mapping) else None
    return frozenset(
        str(button.get("payload")).strip()
        for button in buttons or ()
        if isinstance(button, Mapping) and button.get("payload") is not None
    )
