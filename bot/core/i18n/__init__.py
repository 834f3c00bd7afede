"""The customer's language: one catalogue of wording per language, locale formatting, and
which language a conversation is in.

Languages are ``"en"`` (English) and ``"zh"`` (Traditional Chinese as written in Hong
Kong; Cantonese and Simplified Chinese are understood and answered in Traditional).
Wording lives in ``locales/<language>/*.yml`` (see :mod:`bot.core.i18n.catalogue`), dates
and numbers are formatted by Babel (:mod:`bot.core.i18n.formatting`), and the language of a
conversation is decided from its events (:mod:`bot.core.i18n.language`).
"""

from __future__ import annotations

from bot.core.i18n.catalogue import (
    Catalogue,
    CatalogueError,
    get_catalogue,
    message,
    t,
)
from bot.core.i18n.formatting import (
    babel_locale,
    format_date,
    format_datetime,
    format_money,
    format_number,
    format_time,
)
from bot.core.i18n.language import (
    DEFAULT_LANGUAGE,
    LANGUAGE_SLOT,
    LANGUAGES,
    conversation_language,
    detect_language,
    language_name,
    supported,
)
from bot.core.i18n.text import normalise_input

__all__ = [
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "LANGUAGE_SLOT",
    "Catalogue",
    "CatalogueError",
    "babel_locale",
    "conversation_language",
    "detect_language",
    "format_date",
    "format_datetime",
    "format_money",
    "format_number",
    "format_time",
    "get_catalogue",
    "language_name",
    "message",
    "normalise_input",
    "supported",
    "t",
]
