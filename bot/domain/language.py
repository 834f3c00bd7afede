"""The language of a conversation read from outside Rasa (the console, a worker).

Proactive messages (an agent handing the chat back, a reassignment notice) are sent days or
minutes after the customer last wrote, from a process that has only the conversation's
events as Rasa's HTTP API gives them. The customer's explicit choice is the latest value of
the ``language`` slot among those events; without one, the latest message that shows a
language decides (:func:`bot.core.i18n.conversation_language`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from bot.core.i18n import conversation_language

#: The slot that holds the customer's explicit choice of language (domain.yml).
LANGUAGE_SLOT = "language"


def language_from_events(events: Iterable[Mapping[str, Any]] | None) -> str:
    """The language to write to this conversation in ("en" or "zh").

    Args:
        events: the conversation's Rasa events as dicts, oldest first.
    """
    listed = [e for e in events or () if isinstance(e, Mapping)]
    explicit = None
    for event in reversed(listed):
        if event.get("event") == "slot" and event.get("name") == LANGUAGE_SLOT:
            explicit = event.get("value")
            break
    return conversation_language(listed, explicit)
