"""The web chat page's words come from the catalogue, in the page's language."""

from __future__ import annotations

import html
import json
import re

import pytest

from bot.core.i18n import t
from bot.core.settings import REPO_ROOT
from bot.engine.channels.webchat_page import page_strings, render_page

TEMPLATE = (REPO_ROOT / "web" / "src" / "index.html").read_text(encoding="utf-8")
SCRIPT = (REPO_ROOT / "web" / "src" / "main.js").read_text(encoding="utf-8")


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_mark_is_filled_in_the_language(language: str) -> None:
    page = render_page(TEMPLATE, language)
    assert "{{" not in page
    assert f'<title data-i18n="web.page_title">{html.escape(t("web.page_title", language))}' in page
    assert html.escape(t("web.input_placeholder", language)) in page
    assert f'data-language="{language}"' in page
    strings = json.loads(html.unescape(re.search(r'data-strings="([^"]*)"', page).group(1)))
    assert strings == page_strings()
    assert strings["zh"]["web.send"] == t("web.send", "zh")


def test_an_unknown_language_gets_english() -> None:
    assert 'lang="en-HK"' in render_page(TEMPLATE, "fr")


def test_every_key_the_page_uses_is_in_the_catalogue() -> None:
    used = set(re.findall(r"\{\{(web\.[a-z_]+)\}\}", TEMPLATE))
    used |= set(re.findall(r'data-i18n[a-z-]*="(web\.[a-z_]+)"', TEMPLATE))
    used |= set(re.findall(r'"(web\.[a-z_]+)"', SCRIPT))
    assert used and used <= set(page_strings()["en"])


def test_the_script_writes_no_words_of_its_own() -> None:
    """Strings shown to customers come from the catalogue, not from main.js."""
    shown = re.findall(r"(?:textContent|alt|placeholder)\s*=\s*[\"'`]([^\"'`]+)", SCRIPT)
    shown += re.findall(r"setStatus\(\"([^\"]+)\"\)", SCRIPT)
    worded = [text for text in shown if re.search(r"[A-Za-z\u4e00-\u9fff]", text)]
    assert all(text.startswith("web.") for text in worded), worded
