"""Rasa's own command line, with a fix for a hot spot measured on this project.

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

And one change of behaviour, for the project's own tracker store
(:mod:`bot.tracker_store`): Rasa wraps every tracker store in ``FailSafeTrackerStore``,
which turns a failed read into an empty conversation and a failed write into one kept
in this process's memory. :func:`keep_tracker_store_failures_loud` hands our store to
Rasa unwrapped, so a database error fails the turn (logged, HTTP 500) instead.
"""

from __future__ import annotations

import functools
import sys
from typing import Any


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


def keep_tracker_store_failures_loud() -> None:
    """Let the Agent use :class:`BoundedSQLTrackerStore` without the silent fallback."""
    from rasa.core.agent import Agent

    from bot.tracker_store import BoundedSQLTrackerStore

    original = Agent._create_tracker_store
    if getattr(original, "_freightdesk_fix", False):
        return

    def create_tracker_store(store: Any, domain: Any) -> Any:
        if isinstance(store, BoundedSQLTrackerStore):
            store.domain = domain
            return store
        return original(store, domain)

    create_tracker_store._freightdesk_fix = True  # type: ignore[attr-defined]
    Agent._create_tracker_store = staticmethod(create_tracker_store)


def apply_fixes() -> None:
    """Install the fixes on Rasa's classes (idempotent)."""
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.events import Event

    RemoteAction._validate_action_result = _validate_action_result
    if not getattr(Event.resolve_by_type, "_freightdesk_fix", False):
        resolve = _make_resolve_by_type(Event.resolve_by_type)
        resolve._freightdesk_fix = True
        Event.resolve_by_type = staticmethod(resolve)
    keep_tracker_store_failures_loud()


def main() -> None:
    """Run Rasa's CLI with the fixes applied; arguments as for `rasa`."""
    from bot import logmask

    logmask.install()
    apply_fixes()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
