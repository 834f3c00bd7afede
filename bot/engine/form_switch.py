"""A form set aside by another is named to the customer, never dropped without a word.

Rasa 3.6 keeps one active loop. When a customer half-way through one form asks something
that starts another (a price in the middle of a complaint), ``FormAction._activate_loop``
simply makes the new form the active one: the old form's questions stop and the customer
is never told. :func:`make_activate_loop` wraps it and adds one bot message naming the form
that was set aside and how to go back to it (wording in
:mod:`bot.domain.form_switch_wording`). Returned as a ``BotUttered`` event, the message is
delivered by Rasa like any action's.

The queue's own wait form (``handoff_wait_form``) never gives way to another form, and a
form restarted by itself is not a switch.

Installed with the other fixes by :func:`bot.engine.rasa_fixes.apply_fixes`.
"""

from __future__ import annotations

from typing import Any

from bot.domain.form_switch_wording import format_set_aside
from bot.engine.languages import tracker_language

#: Marks the notice in the bot event's metadata (transcripts, tests).
SET_ASIDE_MARK = "freightdesk_form_set_aside"
_NOT_SWITCHED = frozenset({"handoff_wait_form"})


def make_activate_loop(original: Any) -> Any:
    """Wrap ``FormAction._activate_loop`` (``original``) to name a form set aside."""

    async def _activate_loop(
        self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any
    ) -> list[Any]:
        from rasa.shared.core.events import BotUttered

        previous = tracker.active_loop_name
        events: list[Any] = await original(self, output_channel, nlg, tracker, domain)
        if previous and previous != self.name() and previous not in _NOT_SWITCHED:
            notice = BotUttered(
                text=format_set_aside(previous, tracker_language(tracker)),
                metadata={SET_ASIDE_MARK: previous},
            )
            return [notice, *events]
        return events

    return _activate_loop
