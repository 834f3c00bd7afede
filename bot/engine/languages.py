"""The language of a conversation as the engine sees it: from a Rasa tracker, or from the
tracker store when a channel only knows the conversation's id.

The rule itself is :func:`bot.core.i18n.conversation_language` (the customer's choice in
slot ``language``, else the latest message that shows a language); this module only feeds
it Rasa's objects. Channels use it for their own messages (an apology for a failed turn,
"I can only read text") so those follow the conversation too.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from bot.core.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGE_SLOT,
    conversation_language,
    detect_language,
    supported,
)

logger = logging.getLogger(__name__)

#: Seconds a channel waits for the tracker store before answering in its best guess.
LOOKUP_TIMEOUT_S = 2.0


def _explicit(tracker: Any) -> Any:
    slots = getattr(tracker, "slots", None) or {}
    return tracker.get_slot(LANGUAGE_SLOT) if LANGUAGE_SLOT in slots else None


def tracker_language(tracker: Any) -> str:
    """The language of a Rasa ``DialogueStateTracker``'s conversation."""
    events = [event.as_dict() for event in getattr(tracker, "events", None) or ()]
    return conversation_language(events, _explicit(tracker))


async def stored_language(
    agent: Any, sender_id: str, text: str | None = None, hint: str | None = None
) -> str:
    """The language to answer ``sender_id`` in, outside Rasa's turn.

    Args:
        agent: Rasa's agent (``app.ctx.agent``), or None.
        sender_id: the conversation.
        text: the message being answered, if any (it counts as the latest message).
        hint: a language to use when the conversation shows none (Telegram's
            ``language_code`` of the customer's app).

    Returns:
        "en" or "zh"; English when nothing is known.
    """
    events: list[dict[str, Any]] = []
    explicit = None
    store = getattr(agent, "tracker_store", None)
    if store is not None:
        try:
            tracker = await asyncio.wait_for(store.retrieve(sender_id), LOOKUP_TIMEOUT_S)
        except Exception as exc:  # the store may be what failed: answer anyway
            logger.info("language of %s: tracker store unavailable (%s)", sender_id, exc)
            tracker = None
        if tracker is not None:
            events = [event.as_dict() for event in tracker.events]
            explicit = _explicit(tracker)
    if text:
        events.append({"event": "user", "text": text})
    shown = supported(explicit) or any(
        detect_language(event.get("text")) for event in events if event.get("event") == "user"
    )
    if shown:
        return conversation_language(events, explicit)
    return supported(hint) or DEFAULT_LANGUAGE
