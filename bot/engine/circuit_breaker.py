"""A tripped circuit breaker ends the turn honestly and leaves the conversation listening.

Rasa 3.6 stops predicting actions after ``max_number_of_predictions`` (10) in one turn
("Circuit breaker tripped") and simply leaves ``MessageProcessor._run_prediction_loop``:
the actions it ran stay on the tracker with no ``action_listen`` after them. The breaker
counts the actions since the last ``action_listen``, so on the customer's next message it
counts the same ten again and trips at once, before any action runs: the conversation is
silent for good, whatever the customer writes.

:func:`make_run_prediction_loop` wraps the loop: when it ended on the breaker (the
conversation is not paused and its last action is not ``action_listen``), the customer gets
one honest message, a form left half-way is set aside (its answers so far stay in their
slots) and ``action_listen`` is logged, so the next message is handled from a clean turn.
A conversation that died this way before the fix comes back on its next message.

Installed with the other fixes by :func:`bot.engine.rasa_fixes.apply_fixes`.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.core.i18n import t
from bot.engine.languages import tracker_language

logger = logging.getLogger("freightdesk.faults")

#: What the customer is told when the assistant went round in circles on their message.
#: (locales/*/engine.yml, in the conversation's language; English here).
STUCK_KEY = "engine.stuck"
STUCK_TEXT = t(STUCK_KEY, "en")
#: Marks the message in the bot event's metadata (transcripts, tests, KPIs).
STUCK_MARK = "freightdesk_circuit_breaker"


def _tripped(processor: Any, tracker: Any) -> bool:
    from rasa.shared.core.constants import ACTION_LISTEN_NAME

    if tracker.is_paused():
        # A handoff paused it mid-turn: the agent answers, nothing is stuck.
        return False
    if tracker.latest_action_name == ACTION_LISTEN_NAME:
        return False
    return bool(processor.is_action_limit_reached(tracker, True))


def make_run_prediction_loop(original: Any) -> Any:
    """Wrap ``MessageProcessor._run_prediction_loop`` to recover from a tripped breaker.

    Args:
        original: Rasa's ``MessageProcessor._run_prediction_loop``.

    Returns:
        The wrapper, marked ``_freightdesk_fix`` so it is installed once.
    """

    async def _run_prediction_loop(self: Any, output_channel: Any, tracker: Any) -> None:
        from rasa.shared.core.constants import ACTION_LISTEN_NAME, REQUESTED_SLOT
        from rasa.shared.core.events import ActionExecuted, ActiveLoop, BotUttered, SlotSet

        await original(self, output_channel, tracker)
        if not _tripped(self, tracker):
            return
        loop = tracker.active_loop_name
        logger.error(
            "FAULT: circuit breaker tripped for conversation %s (active form %s, last action "
            "%s); the customer was told and the conversation listens again",
            tracker.sender_id,
            loop,
            tracker.latest_action_name,
        )
        text = t(STUCK_KEY, tracker_language(tracker))
        events: list[Any] = [BotUttered(text, metadata={STUCK_MARK: True})]
        if loop:
            events += [ActiveLoop(None), SlotSet(REQUESTED_SLOT, None)]
        events.append(ActionExecuted(ACTION_LISTEN_NAME))
        for event in events:
            tracker.update(event)
        await output_channel.send_response(tracker.sender_id, {"text": text})

    _run_prediction_loop._freightdesk_fix = True  # type: ignore[attr-defined]
    return _run_prediction_loop
