"""Rasa's own command line, with fixes for hot spots and faults found on this project.

`python -m bot.engine.server run ...` is `rasa run ...` after :func:`apply_fixes`. The
stack runner starts Rasa this way; everything else is Rasa's unchanged behaviour.

Two fixes found with py-spy profiles of the Rasa server under REST traffic:

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

A third, measured with Rasa's SQL event broker on SQLite (the embedded default): the
broker opens and closes a connection for every event (SQLAlchemy's ``NullPool``), and
SQLite checkpoints its WAL each time the last connection closes: 36-48 ms per event on
the loaded development machine, several events per turn. The fix gives the broker one
kept connection (``StaticPool``); each event is still committed on its own, with the
same durability: 9 ms per event on the same machine.

And one change of behaviour, for the project's own tracker store
(:mod:`bot.engine.tracker_store`): Rasa wraps every tracker store in ``FailSafeTrackerStore``,
which turns a failed read into an empty conversation and a failed write into one kept
in this process's memory. :func:`keep_tracker_store_failures_loud` hands our store to
Rasa unwrapped; its errors then reach the guard below.

And fault fixes (issue 7, "never silence", "nothing lost"):

- When a custom action cannot run (action server down, timed out, answered 5xx), Rasa
  3.6 logs the error in ``MessageProcessor._run_action`` and carries on with no events:
  the customer gets nothing. :func:`_make_remote_action_run` wraps ``RemoteAction.run``
  so that such a failure is logged loudly and answered with an apology and the offer of
  a person (phone, email, a "Talk to a person" button), once per customer message. A
  rejection by the action server (``ActionExecutionRejection``, a form's "not this
  answer") is Rasa's normal flow and passes through unchanged.
- Rasa's ``FailSafeTrackerStore`` starts an empty conversation when the tracker store
  cannot be read and silently keeps unsaved conversations in memory:
  :func:`apply_tracker_store_fixes` replaces both with a FAULT log, an honest answer to
  the customer, and a write-back when the store is reachable again.
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


def _make_broker_init(original: Any) -> Any:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        """SQLEventBroker.__init__, then one kept connection on SQLite."""
        original(self, *args, **kwargs)
        if self.engine.dialect.name != "sqlite":
            return
        from sqlalchemy import create_engine
        from sqlalchemy.orm import sessionmaker
        from sqlalchemy.pool import StaticPool

        url = self.engine.url
        self.engine.dispose()
        # Rasa publishes from its event loop's thread only; StaticPool shares one
        # connection, which must then be allowed to cross threads.
        self.engine = create_engine(
            url, poolclass=StaticPool, connect_args={"check_same_thread": False}
        )
        self.sessionmaker = sessionmaker(bind=self.engine)

    __init__._freightdesk_fix = True  # type: ignore[attr-defined]
    return __init__


def keep_tracker_store_failures_loud() -> None:
    """Let the Agent use :class:`BoundedSQLTrackerStore` without the silent fallback."""
    from rasa.core.agent import Agent

    from bot.engine.tracker_store import BoundedSQLTrackerStore

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


# -- the tracker store: never an empty conversation, never a silent fallback to memory --

STORE_DOWN_TEXT = (
    "I'm sorry, I can't reach our conversation records just now, so I can't carry on "
    "this conversation for a moment. Nothing you told me earlier is lost. Please try again "
    "in a minute, or call our service team on +852 2345 6789 or email "
    "support@freightdesk.example (Mon-Fri 09:00-18:00, Sat 09:00-13:00 HKT)."
)


class TrackerStoreUnavailable(RuntimeError):
    """The tracker store could not be read: answering would start an empty conversation."""


async def _twice(call: Any, *args: Any) -> Any:
    # A pooled connection that died in an outage fails once and is then replaced (SQL
    # stores invalidate the pool on a disconnect), so one immediate retry is not a fault.
    try:
        return await call(*args)
    except Exception:
        return await call(*args)


def _store_name(store: Any) -> str:
    return type(getattr(store, "_tracker_store", store)).__name__


def _pending(store: Any) -> dict[str, Any]:
    """Trackers this process could not save, by sender (kept in memory until written)."""
    pending: dict[str, Any] | None = getattr(store, "_freightdesk_unsaved", None)
    if pending is None:
        pending = {}
        store._freightdesk_unsaved = pending
    return pending


async def flush_unsaved(store: Any, only: str | None = None) -> bool:
    """Write trackers kept in memory to ``store``; False if it is still unavailable."""
    pending = _pending(store)
    for sender in [only] if only is not None else list(pending):
        tracker = pending.get(sender)
        if tracker is None:
            continue
        try:
            await _twice(store.save, tracker)
        except Exception as exc:
            logger.error(
                "FAULT: tracker store %s still unavailable; conversation %s stays in this "
                "process's memory (%d events): %s: %s",
                _store_name(store),
                sender,
                len(tracker.events),
                type(exc).__name__,
                exc,
            )
            return False
        pending.pop(sender, None)
        logger.warning(
            "tracker store %s recovered: conversation %s written from memory (%d events)",
            _store_name(store),
            sender,
            len(tracker.events),
        )
    return True


async def guarded_read(store: Any, sender_id: str, read: Any) -> Any:
    """Read a conversation with ``read()``; raise :class:`TrackerStoreUnavailable` on failure.

    A conversation this process could not save is written first, so what the customer
    said during an outage is not lost; while that still fails, the conversation goes on
    from the copy in memory rather than from nothing.
    """
    pending = _pending(store)
    if sender_id in pending and not await flush_unsaved(store, sender_id):
        return pending[sender_id].copy()
    try:
        tracker = await _twice(read)
    except TrackerStoreUnavailable:
        raise
    except Exception as exc:
        logger.error(
            "FAULT: tracker store %s could not read conversation %s (%s: %s); the customer "
            "is told to try again instead of starting an empty conversation",
            _store_name(store),
            sender_id,
            type(exc).__name__,
            exc,
        )
        raise TrackerStoreUnavailable(str(exc)) from exc
    if pending:
        await flush_unsaved(store)
    return tracker


async def guarded_save(store: Any, tracker: Any) -> None:
    """Save a conversation; on failure keep it in memory (loudly) and write it later."""
    pending = _pending(store)
    try:
        await _twice(store.save, tracker)
    except Exception as exc:
        pending.pop(tracker.sender_id, None)
        pending[tracker.sender_id] = tracker.copy()
        logger.error(
            "FAULT: tracker store %s could not save conversation %s (%s: %s); kept in this "
            "process's memory (%d conversations unsaved) and written when the store is back",
            _store_name(store),
            tracker.sender_id,
            type(exc).__name__,
            exc,
            len(pending),
        )
        return
    pending.pop(tracker.sender_id, None)
    if pending:
        await flush_unsaved(store)


def _make_failsafe_passthrough(method: str) -> Any:
    async def call(self: Any, *args: Any) -> Any:
        """The primary store's answer, or its exception: no silent fallback."""
        return await getattr(self._tracker_store, method)(*args)

    call._freightdesk_fix = True  # type: ignore[attr-defined]
    return call


def _make_get_tracker(original: Any) -> Any:
    async def get_tracker(self: Any, conversation_id: str) -> Any:
        """Rasa's get_tracker, guarded: see :func:`guarded_read`."""
        tracker = await guarded_read(
            self.tracker_store, conversation_id, lambda: original(self, conversation_id)
        )
        tracker.model_id = self.model_metadata.model_id
        return tracker

    get_tracker._freightdesk_fix = True  # type: ignore[attr-defined]
    return get_tracker


async def _save_tracker(self: Any, tracker: Any) -> None:
    """Rasa's save_tracker, guarded: see :func:`guarded_save`."""
    await guarded_save(self.tracker_store, tracker)


def _make_handle_message(original: Any) -> Any:
    async def handle_message(self: Any, message: Any) -> Any:
        """Rasa's handle_message; an unreadable conversation is answered, not dropped."""
        try:
            return await original(self, message)
        except TrackerStoreUnavailable:
            from rasa.core.channels.channel import CollectingOutputChannel

            channel = message.output_channel
            await channel.send_response(message.sender_id, {"text": STORE_DOWN_TEXT})
            if isinstance(channel, CollectingOutputChannel):
                return channel.messages
            return None

    handle_message._freightdesk_fix = True  # type: ignore[attr-defined]
    return handle_message


def apply_fixes() -> None:
    """Install the fixes on Rasa's classes (idempotent)."""
    from rasa.core.actions.action import RemoteAction
    from rasa.core.brokers.sql import SQLEventBroker
    from rasa.shared.core.events import Event

    if not getattr(SQLEventBroker.__init__, "_freightdesk_fix", False):
        SQLEventBroker.__init__ = _make_broker_init(SQLEventBroker.__init__)

    RemoteAction._validate_action_result = _validate_action_result
    if not getattr(Event.resolve_by_type, "_freightdesk_fix", False):
        resolve = _make_resolve_by_type(Event.resolve_by_type)
        resolve._freightdesk_fix = True
        Event.resolve_by_type = staticmethod(resolve)
    if not getattr(RemoteAction.run, "_freightdesk_fix", False):
        RemoteAction.run = _make_remote_action_run(RemoteAction.run)
    keep_tracker_store_failures_loud()
    apply_tracker_store_fixes()


def apply_tracker_store_fixes() -> None:
    """Make tracker store outages loud and honest, whatever the tracker store.

    Rasa wraps the tracker store in ``FailSafeTrackerStore``, which on a failed read
    returns nothing (Rasa then starts an empty conversation: the customer's form, slots
    and history are gone) and on a failed save writes to an in-memory store nobody reads
    back. Instead ``FailSafeTrackerStore`` passes the primary store's errors on, and the
    processor handles them the same way for any store, wrapped or not: a failed read is
    logged as a FAULT and the customer is told to try again in a minute; a failed save is
    logged as a FAULT, kept in memory and written on the next successful store
    operation, and that conversation continues from the copy while the store is down.
    """
    from rasa.core.processor import MessageProcessor
    from rasa.core.tracker_store import FailSafeTrackerStore

    if getattr(MessageProcessor.save_tracker, "_freightdesk_fix", False):
        return
    for method in ("retrieve", "retrieve_full_tracker", "save", "keys"):
        setattr(FailSafeTrackerStore, method, _make_failsafe_passthrough(method))
    MessageProcessor.get_tracker = _make_get_tracker(MessageProcessor.get_tracker)
    _save_tracker._freightdesk_fix = True  # type: ignore[attr-defined]
    MessageProcessor.save_tracker = _save_tracker
    MessageProcessor.handle_message = _make_handle_message(MessageProcessor.handle_message)


def main() -> None:
    """Run Rasa's CLI with the fixes applied; arguments as for `rasa`."""
    from bot.domain import logmask

    logmask.install()
    apply_fixes()
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *sys.argv[1:]]
    rasa_main()


if __name__ == "__main__":
    main()
