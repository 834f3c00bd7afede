"""The handoff settings file: keywords that hand a conversation to a person."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.domain.handoff.config import matches_keyword


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("I will call the POLICE!", "police"),
        ("my lawyer will hear about this", "lawyer"),
        ("there is an issue with my parcel", None),
        ("Consumer   Council", "consumer council"),
        ("", None),
        # Chinese has no spaces: a keyword counts anywhere, in Simplified too.
        ("我要搵律師告你哋", "律師"),
        ("再唔處理我就去消委會投訴", "消委會"),
        ("我要报警", "報警"),
        ("呢個問題好急", None),
    ],
)
def test_keywords(text: str, found: str | None) -> None:
    assert matches_keyword(text) == found


def test_keywords_follow_the_file_when_agents_edit_it(tmp_path: Path) -> None:
    file = tmp_path / "handoff.yml"
    file.write_text("keywords: [refund]\n")
    assert matches_keyword("I want a refund", file) == "refund"
    file.write_text("keywords: [manager]\n")
    os.utime(file, (1, 1))  # a different modification time, as a real edit gives
    assert matches_keyword("I want a refund", file) is None
    assert matches_keyword("get me your manager", file) == "manager"
