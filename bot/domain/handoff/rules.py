"""The rules every part of the handoff flow shares: reasons, statuses, the error."""

from __future__ import annotations

import re

#: Why a conversation was handed over.
REASONS: tuple[str, ...] = (
    "customer_asked",
    "repeated_fallback",
    "high_severity_complaint",
    "keyword",
)

#: The statuses of a handoff not yet handed back or closed.
OPEN: tuple[str, ...] = ("waiting", "active")

#: How an agent may end a handoff: back to the assistant, or closed.
OUTCOMES: tuple[str, ...] = ("handed_back", "closed")


class HandoffError(ValueError):
    """A handoff operation cannot be done; the message can be shown to staff as it is."""


#: A message longer than this is never by itself a reason to queue (10,000 repeated
#: letters once read as "request_human" to NLU): the assistant asks for a short one.
OVERSIZED_CHARS = 1500
_WORD = re.compile(r"\S+")
_RUN = re.compile(r"(.)\1{3,}")


def _degenerate(word: str) -> bool:
    letters = [ch for ch in word.lower() if ch.isalnum()]
    if not letters:
        return True
    return (
        len(word) >= 25
        or (len(letters) >= 4 and len(set(letters)) <= 2)
        or bool(_RUN.search(word.lower()))
    )


def is_noise(text: str) -> bool:
    """True when a message says nothing a person could act on: oversized, or only
    keyboard-mash words ("aaaaaaaa", "zzzzzz xxxxxx", one 60-letter "word").

    Such a message may still be classified as a request for a person by NLU; it is never
    by itself a reason to queue.
    """
    stripped = (text or "").strip()
    if len(stripped) > OVERSIZED_CHARS:
        return True
    words = _WORD.findall(stripped)
    return bool(words) and all(_degenerate(word) for word in words)
