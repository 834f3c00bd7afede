"""Which language a customer asked for: "English please", "講中文", "/switch_language{...}".

The NLU entity ``language`` carries the code ("en", "zh") when the model tagged a word, but
Chinese sentences have no spaces to tag a word in, so the message's own words are read
too: the name of a language in English or Chinese (Traditional or Simplified).
"""

from __future__ import annotations

import re

from bot.core.i18n import detect_language, normalise_input, supported

_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("english", "eng", "英文", "英語", "英语"),
    "zh": (
        "chinese",
        "cantonese",
        "mandarin",
        "traditional",
        "中文",
        "廣東話",
        "广东话",
        "粵語",
        "粤语",
        "繁體",
        "繁体",
        "國語",
        "普通話",
        "华语",
        "華語",
    ),
}
_LATIN = re.compile(r"[a-z]+")


def language_named(value: object) -> str | None:
    """The language a value names: "en", "zh-HK", "English", "中文" -> "en" / "zh"."""
    if not isinstance(value, str):
        return None
    found = supported(value)
    if found:
        return found
    folded = value.strip().lower()
    for language, names in _NAMES.items():
        if folded in names:
            return language
    return None


def language_asked_for(text: str) -> str | None:
    """The language a message asks for, from the names of languages in it.

    When it names both ("我睇唔明英文，用中文啦", "English please, not Chinese"), the
    language the message is written in decides.

    Returns:
        "en", "zh", or None when it names none.
    """
    folded = normalise_input(text or "").lower()
    words = set(_LATIN.findall(folded))
    named = {
        language
        for language, names in _NAMES.items()
        if any((name in words) if name.isascii() else (name in folded) for name in names)
    }
    if len(named) == 1:
        return named.pop()
    if len(named) > 1:
        return detect_language(text)
    return None
