"""A custom action that cannot run is answered with an apology, never with silence.

When a custom action cannot run (action server down, timed out, answered 5xx), Rasa 3.6
logs the error in ``MessageProcessor._run_action`` and carries on with no events: the
customer gets nothing. :func:`make_remote_action_run` wraps ``RemoteAction.run`` so that
such a failure is logged loudly (``freightdesk.faults``) and answered with an apology and
the offer of a person (phone, email, a "Talk to a person" button), once per customer
message. A rejection by the action server (``ActionExecutionRejection``, a form's "not
this answer") is Rasa's normal flow and passes through unchanged.

Installed with the other fixes by :func:`bot.engine.rasa_fixes.apply_fixes`.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger("freightdesk.faults")

# What the customer sees when a custom action cannot run; the same service team contact
# as the domain's utter_request_human_unavailable.
ACTION_FAILED_TEXT = (
    "I'm sorry, I've run into a technical problem and couldn't do that just now. Please "
    'try again in a minute, or talk to a person: say "yes" and I\'ll put you through, or '
    "call our service team on +852 2345 6789 or email support@freightdesk.example "
    "(Mon-Fri 09:00-18:00, Sat 09:00-13:00 HKT)."
)
ACTION_FAILED_BUTTONS = [
    {"title": "Talk to a person", "payload": "/request_human"},
    {"title": "Try again later", "payload": "/deny"},
]
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
        from rasa.shared.core.events import BotUttered, SlotSet

        try:
            return await original(self, output_channel, nlg, tracker, domain)
        except ActionExecutionRejection:
            raise
        except Exception as exc:
            url = getattr(self.action_endpoint, "url", None)
            logger.error(
                "FAULT: custom action %r failed for conversation %s (action server %s): "
                "%s: %s; the customer was told and offered a person",
                self.name(),
                tracker.sender_id,
                url,
                type(exc).__name__,
                exc,
            )
            if apologised_since_last_message(tracker):
                return []
            # "yes" then takes the offer (pending_offer = human, see actions/conversation.py).
            return [
                BotUttered(
                    ACTION_FAILED_TEXT,
                    data={"buttons": ACTION_FAILED_BUTTONS},
                    metadata={FAULT_MARK: "action_failed", "action": self.name()},
                ),
                SlotSet("pending_offer", "human"),
            ]

    run._freightdesk_fix = True  # type: ignore[attr-defined]
    return run
