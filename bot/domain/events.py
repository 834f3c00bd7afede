"""Domain events: what happened that other parts of the service act on.

A domain function that finishes something others may follow up (a complaint's outcome
reached the customer, an agent closed a chat) takes a ``publish`` callable and calls it
with one of these events. Who listens is declared once, in :mod:`bot.bootstrap`, and
nowhere else: no module appends to a hook list at run time, so a process cannot forget
to install one. A caller that genuinely has no listeners passes :func:`bot.bootstrap`'s
bus anyway, or, in a test of one part, a plain list's ``append``.

Events are plain frozen data, so they can be logged and compared in tests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ComplaintResolved:
    """A resolved complaint's outcome was delivered to the customer (once per complaint).

    Attributes:
        reference: the complaint's reference (``CMP-YYYY-NNNNN``).
        sender_id: the customer's conversation.
        assigned_to: the colleague or queue that held it when it was resolved.
    """

    reference: str
    sender_id: str
    assigned_to: str | None


@dataclass(frozen=True)
class HandoffClosed:
    """An agent closed a handed-over conversation (not handed back to the bot).

    Attributes:
        handoff_id: the handoff's row id.
        sender_id: the customer's conversation.
        agent: the agent who closed it.
        team: the team it was routed to.
        context: what the bot knew when it handed over (intent, slots).
    """

    handoff_id: int
    sender_id: str
    agent: str | None
    team: str | None
    context: Mapping[str, Any] = field(default_factory=dict)


#: Every domain event.
Event = ComplaintResolved | HandoffClosed

#: How domain code announces an event. It must not raise: listeners' failures are the
#: bus's to log (see :class:`bot.bootstrap.MessageBus`).
Publish = Callable[[Event], None]
