"""A custom action that cannot run is answered with an apology, never with silence.

When a custom action cannot run (action server down, timed out, answered 5xx), Rasa 3.6
logs the error in ``MessageProcessor._run_action`` and carries on with no events: the
customer gets nothing. :func:`make_remote_action_run` wraps ``RemoteAction.run`` so that
such a failure is logged loudly (``freightdesk.faults``) and answered with an apology and
the offer of a person (phone, email, a "Talk to a person" button), once per customer
message. A rejection by the action server (``ActionExecutionRejection``, a form's "not
this answer") is Rasa's normal flow and passes through unchanged.

A custom action that does not answer within :func:`action_timeout` (20 s by default,
``FREIGHTDESK_ACTION_TIMEOUT``) counts as failed: Rasa would wait 300 s, long after the
conversation's 60 s lock expired.

Installed with the other fixes by :func:`bot.engine.rasa_fixes.apply_fixes`.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

from bot.core.i18n import message
from bot.engine.languages import tracker_language

logger = logging.getLogger("freightdesk.faults")

# What the customer sees when a custom action cannot run (locales/*/engine.yml), in the
# conversation's language; the same service team contact as utter_request_human_unavailable.
ACTION_FAILED_KEY = "engine.action_failed"
ACTION_FAILED_TEXT = message(ACTION_FAILED_KEY, "en")["text"]
ACTION_FAILED_BUTTONS = message(ACTION_FAILED_KEY, "en")["buttons"]
#: Seconds a custom action may take before the customer is told (default
#: :data:`ACTION_TIMEOUT_S`). Rasa's own limit is 300 s while a conversation's lock expires
#: after 60 s (``TICKET_LOCK_LIFETIME``), after which the customer's next message would
#: run beside the hanging one; this limit is well under the lock's lifetime, and the
#: database's statement timeout (bot.storage.db) is under this one.
ACTION_TIMEOUT_ENV = "FREIGHTDESK_ACTION_TIMEOUT"
ACTION_TIMEOUT_S = 20.0


def action_timeout() -> float:
    """The custom action time limit in seconds (:data:`ACTION_TIMEOUT_ENV`)."""
    raw = os.environ.get(ACTION_TIMEOUT_ENV, "").strip()
    try:
        value = float(raw) if raw else ACTION_TIMEOUT_S
    except ValueError:
        value = ACTION_TIMEOUT_S
    return value if value > 0 else ACTION_TIMEOUT_S


#: Marks the apology in the bot event's metadata, so one customer message gets one
#: apology however many actions fail after it.
FAULT_MARK = "freightdesk_fault"


def apologised_since_last_message(tracker: Any) -> bool:
    """True when the bot already apologised for a failure after the latest customer message."""
    from rasa.shared.core.events import BotUttered, UserUttered

    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered) and (event.metadata or {}).get(FAULT_MARK):
            return True
    return False


def make_remote_action_run(original: Any) -> Any:
    """Wrap ``RemoteAction.run``: a failed custom action gets an apology, not silence.

    Args:
        original: Rasa's ``RemoteAction.run``.

    Returns:
        The wrapper, marked ``_freightdesk_fix`` so it is installed once.
    """

    async def run(self: Any, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> Any:
        from rasa.core.actions.action import ActionExecutionRejection

        limit = action_timeout()
        try:
            return await asyncio.wait_for(
                original(self, output_channel, nlg, tracker, domain), timeout=limit
            )
        except ActionExecutionRejection:
            raise
        except asyncio.TimeoutError:
            return _apologise(self, tracker, TimeoutError(f"no answer within {limit:g} s"))
        except Exception as exc:
            return _apologise(self, tracker, exc)

    run._freightdesk_fix = True  # type: ignore[attr-defined]
    return run


def _apologise(action: Any, tracker: Any, exc: Exception) -> list[Any]:
    """Log a failed custom action loudly; the apology's events (once per customer message)."""
    from rasa.shared.core.events import BotUttered, SlotSet

    logger.error(
        "FAULT: custom action %r failed for conversation %s (action server %s): "
        "%s: %s; the customer was told and offered a person",
        action.name(),
        tracker.sender_id,
        getattr(action.action_endpoint, "url", None),
        type(exc).__name__,
        exc,
    )
    if apologised_since_last_message(tracker):
        return []
    # "yes" then takes the offer (pending_offer = human, see actions/conversation.py).
    apology = message(ACTION_FAILED_KEY, tracker_language(tracker))
    return [
        BotUttered(
            apology["text"],
            data={"buttons": apology["buttons"]},
            metadata={FAULT_MARK: "action_failed", "action": action.name()},
        ),
        SlotSet("pending_offer", "human"),
    ]
