"""Canned replies: listed in config/handoff.yml, worded in the catalogue per language."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.i18n import LANGUAGES, get_catalogue
from bot.domain.handoff.config import HandoffConfigError, handoff_config, load_handoff_config


def test_every_configured_reply_is_worded_in_every_language() -> None:
    replies = handoff_config().canned_replies
    assert len(replies) >= 5
    for reply in replies:
        assert reply.key and reply.key.startswith("console.canned.")
        texts = {language: reply.text_in(language) for language in LANGUAGES}
        assert all(texts.values()) and texts["en"] != texts["zh"], reply
        assert get_catalogue().entry(reply.key, "zh").source == "locales/zh/console.yml"


def test_a_reply_is_offered_in_the_conversations_language() -> None:
    greeting = next(r for r in handoff_config().canned_replies if r.label == "Greeting")
    assert greeting.text_in("en").startswith("Hello, this is the Freight Desk service team")
    assert greeting.text_in("zh").startswith("你好，我係 Freight Desk 客戶服務團隊")
    assert greeting.text_in("fr") == greeting.text_in("en")


def test_a_reply_written_in_the_file_is_offered_as_written(tmp_path: Path) -> None:
    file = tmp_path / "handoff.yml"
    file.write_text("canned_replies:\n  - {label: Typhoon, text: 'Signal 8: we reopen later.'}\n")
    (reply,) = load_handoff_config(file).canned_replies
    assert reply.text_in("zh") == reply.text_in("en") == "Signal 8: we reopen later."


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("{label: Oops, key: console.canned.nothing_here}", "not in the catalogue"),
        ("{label: Oops}", "needs a key"),
        ("{key: console.canned.greeting}", "needs a label"),
    ],
)
def test_a_broken_reply_names_itself(tmp_path: Path, entry: str, problem: str) -> None:
    file = tmp_path / "handoff.yml"
    file.write_text(f"canned_replies:\n  - {entry}\n")
    with pytest.raises(HandoffConfigError, match=problem):
        load_handoff_config(file)
