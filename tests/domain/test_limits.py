"""Message size limits: one definition each in bot.domain.limits, and the places that
must repeat a number (HTML ``maxlength``) or depend on one agree with it."""

from __future__ import annotations

import re

import pytest

from bot.core.settings import REPO_ROOT
from bot.domain import limits
from bot.domain.complaints.rules import MAX_DESCRIPTION


def _maxlength(path: str, name: str) -> int:
    html = (REPO_ROOT / path).read_text()
    tag = next(t for t in re.findall(r"<(?:input|textarea)\b[^>]*>", html) if name in t)
    found = re.search(r'maxlength="(\d+)"', tag)
    assert found is not None, tag
    return int(found.group(1))


def test_a_complaint_description_sent_as_one_message_reaches_the_store_whole() -> None:
    assert limits.CUSTOMER_MESSAGE_CHARS <= MAX_DESCRIPTION


@pytest.mark.parametrize(
    ("path", "field", "limit"),
    [
        ("web/src/index.html", 'name="message"', limits.WEBCHAT_MESSAGE_CHARS),
        ("bot/console/templates/conversation.html", 'name="text"', limits.AGENT_MESSAGE_CHARS),
    ],
)
def test_the_text_boxes_hold_what_the_server_keeps(path: str, field: str, limit: int) -> None:
    assert _maxlength(path, field) == limit
