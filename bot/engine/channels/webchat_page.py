"""The web chat page in a language: ``web/dist/index.html`` with the catalogue's words.

The page's template marks each text with ``{{web.key}}`` (filled here, HTML-escaped, in
the page's language) and ``data-i18n*`` attributes; ``{{strings}}`` becomes every
language's ``web.*`` strings as JSON, from which the page's script re-labels itself when
the customer switches language. No page text is written in the script or the template.
"""

from __future__ import annotations

import html
import json
import re

from bot.core.i18n import DEFAULT_LANGUAGE, LANGUAGES, get_catalogue, supported, t

WEB_PREFIX = "web."
HTML_LANG = {"en": "en-HK", "zh": "zh-HK"}
_MARK = re.compile(r"\{\{\s*([a-z0-9_.]+)\s*\}\}")


def page_strings() -> dict[str, dict[str, str]]:
    """Every language's ``web.*`` strings: ``{"en": {"web.send": "Send", ...}, "zh": ...}``."""
    catalogue = get_catalogue()
    return {
        language: {
            key: entry.text
            for key, entry in catalogue.entries.get(language, {}).items()
            if key.startswith(WEB_PREFIX)
        }
        for language in LANGUAGES
    }


def render_page(template: str, language: str | None = None) -> str:
    """``template`` with its ``{{...}}`` marks filled in ``language`` (default English).

    Raises:
        bot.core.i18n.CatalogueError: the template names a key the catalogue lacks.
    """
    lang = supported(language) or DEFAULT_LANGUAGE
    values = {
        "strings": json.dumps(page_strings(), ensure_ascii=False, separators=(",", ":")),
        "language": lang,
        "html_lang": HTML_LANG[lang],
    }

    def fill(match: re.Match[str]) -> str:
        key = match.group(1)
        value = values[key] if key in values else t(key, lang)
        return html.escape(value, quote=True)

    return _MARK.sub(fill, template)
