"""Rasa's own command line, with fixes for hot spots and faults found on this project.

`python -m bot.rasa_server run ...` is `rasa run ...` after :func:`apply_fixes`. The
stack runner starts Rasa this way; everything else is Rasa's unchanged behaviour.

Two fixes, both found with py-spy profiles of the Rasa server under REST traffic:

- Rasa 3.6 checks every action server response with ``jsonschema.validate``, which first
  validates the response *schema* against the JSON Schema meta-schema, on every call:
  51% of the server's time in a turn with one custom action. The fix compiles the
  (constant) schema's validator once and still validates every response against it, so
  a malformed response is rejected exactly as before.
- Loading a conversation turns each stored event back into an object, and
  ``Event.resolve_by_type`` finds the class by walking every Event subclass, for every
  event: 24% of the server's time at turn 150 of one conversation, and growing with its
  length. The fix looks the class up in a table built from the same subclasses in the
  same order (first match wins, as before), rebuilt when a name is not in it.

And one fault fix (issue 7, "never silence"):

- When a custom action cannot run (action server down, timed out, answered 5xx), Rasa
  3.6 logs the error in ``MessageProcessor._run_action`` and carries on with no events:
  the customer gets nothing. :func:`_make_remote_action_run` wraps ``RemoteAction.run``
  so that such a failure is logged loudly and answered with an apology and the offer of
  a person (phone, email, a "Talk to a person" button), once per customer message. A
  rejection by the action server (``ActionExecutionRejection``, a form's "not this
  answer") is Rasa's normal flow and passes through unchanged.
"""

from __future__ import annotations

import functools
import logging
import sys
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
# Marks the apology in the bot event's metadata, so one customer message gets one apology
# however many actions fail after it.
FAULT_MARK = "freightdesk_fault"


@functools.lru_cache(maxsize=1)
def _response_validator() -> Any:
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    spec = RemoteAction.action_response_format_spec()
    validator_class = validator_for(spec)
    validator_class.check_schema(spec)
    return validator_class(spec)


def _validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    """Same contract as RemoteAction._validate_action_result, with a compiled validator."""
    from jsonschema import ValidationError

    try:
        _response_validator().validate(result)
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your "
            "response from the Action endpoint is valid."
        )
        raise
    return True


_event_classes: dict[str, Any] = {}


def _event_class_table() -> dict[str, Any]:
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    table: dict[str, Any] = {}
    for cls in all_subclasses(Event):
        table.setdefault(cls.type_name, cls)
    return table


def _make_resolve_by_type(original: Any) -> Any:
    def resolve_by_type(type_name: str, default: Any = None) -> Any:
        """Same contract as Event.resolve_by_type, with a lookup table."""
        cls = _event_classes.get(type_name)
        if cls is None:
            _event_classes.clear()
            _event_classes.update(_event_class_table())
            cls = _event_classes.get(type_name)
        return cls if cls is not None else original(type_name, default)

    return resolve_by_type


def _apologised_since_last_message(tracker: Any) -> bool:
    from rasa.shared.core.events import BotUttered, UserUttered

    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered) and (event.metadata or {}).get(FAULT_MARK):
            return True
    return False


def _make_remote_action_run(original: Any) -> Any:
    """Wrap ``RemoteAction.run``: a failed custom action gets an apology, not silence."""

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
            if _apologised_since_last_message(tracker):
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


def apply_fixes() -> None:
    """Install the fixes on Rasa's classes (idempotent)."""
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import Event

    RemoteAction._validate_action_result = _validate_action_result
    if not getattr(Event.resolve_by_type, "_freightdesk_fix", False):
        resolve = _make_resolve_by_type(Event.resolve_by_type)
        resolve._freightdesk_fix = True
        Event.resolve_by_type = staticmethod(resolve)
    if not getattr(RemoteAction.run, "_freightdesk_fix", False):
        RemoteAction.run = _make_remote_action_run(RemoteAction.run)


def main() -> None:
    """Run Rasa's CLI with the fixes applied; arguments as for `rasa`."""
    apply_fixes()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
