"""Which language a customer asks for, in English or Chinese words."""

from __future__ import annotations

import pytest

from bot.domain.language_choice import language_asked_for, language_named


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("en", "en"),
        ("zh", "zh"),
        ("zh-HK", "zh"),
        ("English", "en"),
        ("CHINESE", "zh"),
        ("Cantonese", "zh"),
        ("中文", "zh"),
        ("英文", "en"),
        ("klingon", None),
        (None, None),
    ],
)
def test_language_named(value: object, expected: str | None) -> None:
    assert language_named(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("English please", "en"),
        ("can you speak chinese", "zh"),
        ("講中文", "zh"),
        ("唔該用中文", "zh"),
        ("可以講英文嗎", "en"),
        ("说广东话", "zh"),
        ("我睇唔明英文，用中文啦", "zh"),
        ("English please, not Chinese", "en"),
        ("switch language", None),
        ("I want to ship to England", None),
        ("", None),
    ],
)
def test_language_asked_for(text: str, expected: str | None) -> None:
    assert language_asked_for(text) == expected
