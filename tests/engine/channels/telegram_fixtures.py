"""Recorded Telegram updates (``tests/data/telegram/*.json``), re-addressed per test.

The files are real-format updates from a private chat with user and chat id
:data:`FIXTURE_CHAT_ID`; :func:`load_update` gives each test its own chat and update id
so tests never share a conversation.
"""

from __future__ import annotations

import itertools
import json
import random
from typing import Any

from bot.core.settings import REPO_ROOT

UPDATES_DIR = REPO_ROOT / "tests" / "data" / "telegram"
FIXTURE_CHAT_ID = 111111111

# Telegram's ids only grow; a random start keeps two test runs on one server apart.
_update_ids = itertools.count(random.randrange(10**8, 9 * 10**8))
_chat_ids = itertools.count(random.randrange(10**9, 5 * 10**9), 7)


def new_chat_id() -> int:
    """A private chat id no other test uses."""
    return next(_chat_ids)


def load_update(name: str, chat_id: int | None = None, **message: Any) -> dict[str, Any]:
    """The recorded update ``name`` with a fresh update id.

    Args:
        name: file name under ``tests/data/telegram`` without ``.json``.
        chat_id: put the update in this private chat (the user id follows, as in
            Telegram's private chats); None keeps the recorded ids.
        message: fields to set on the update's message (e.g. ``text="..."``).
    """
    data: dict[str, Any] = json.loads((UPDATES_DIR / f"{name}.json").read_text())
    if chat_id is not None:
        data = _replace_id(data, chat_id)
    data["update_id"] = next(_update_ids)
    if message:
        for key in ("message", "edited_message"):
            if key in data:
                data[key].update(message)
    return data


def _replace_id(value: Any, chat_id: int) -> Any:
    if isinstance(value, dict):
        return {
            key: chat_id if key == "id" and item == FIXTURE_CHAT_ID else _replace_id(item, chat_id)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_replace_id(item, chat_id) for item in value]
    return value
