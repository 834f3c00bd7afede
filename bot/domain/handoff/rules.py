"""The rules every part of the handoff flow shares: reasons, statuses, the error."""

from __future__ import annotations

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
