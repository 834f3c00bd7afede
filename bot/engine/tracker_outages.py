"""A tracker store outage is loud and honest: never an empty conversation, nothing lost.

Rasa wraps every tracker store in ``FailSafeTrackerStore``, which on a failed read returns
nothing (Rasa then starts an empty conversation: the customer's form, slots and history
are gone) and on a failed save writes to an in-memory store nobody reads back.
:func:`apply_tracker_store_fixes` makes ``FailSafeTrackerStore`` pass the primary store's
errors on, and has the processor handle them the same way for any store, wrapped or not:

- a failed read is logged as a FAULT and the customer is told to try again in a minute
  (:data:`STORE_DOWN_TEXT`), instead of starting an empty conversation;
- a failed save is logged as a FAULT, kept in this process's memory and written on the
  next successful store operation; that conversation continues from the copy while the
  store is down.

Installed with the other fixes by :func:`bot.engine.rasa_fixes.apply_fixes`.
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger("freightdesk.faults")

STORE_DOWN_TEXT = (
    "I'm sorry, I can't reach our conversation records just now, so I can't carry on "
    "this conversation for a moment. Nothing you told me earlier is lost. Please try again "
    "in a minute, or call our service team on +852 2345 6789 or email "
    "support@freightdesk.example (Mon-Fri 09:00-18:00, Sat 09:00-13:00 HKT)."
)
#: Methods of Rasa's ``FailSafeTrackerStore`` that pass the primary store's errors on.
FAILSAFE_METHODS = ("retrieve", "retrieve_full_tracker", "save", "keys")
#: Methods of Rasa's ``MessageProcessor`` that guard reads and saves.
PROCESSOR_METHODS = ("get_tracker", "save_tracker", "handle_message")


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


_save_tracker._freightdesk_fix = True  # type: ignore[attr-defined]


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


def apply_tracker_store_fixes() -> None:
    """Make tracker store outages loud and honest, whatever the tracker store (idempotent)."""
    from rasa.core.processor import MessageProcessor
    from rasa.core.tracker_store import FailSafeTrackerStore

    for method in FAILSAFE_METHODS:
        if not getattr(getattr(FailSafeTrackerStore, method), "_freightdesk_fix", False):
            setattr(FailSafeTrackerStore, method, _make_failsafe_passthrough(method))
    if not getattr(MessageProcessor.get_tracker, "_freightdesk_fix", False):
        MessageProcessor.get_tracker = _make_get_tracker(MessageProcessor.get_tracker)
    if not getattr(MessageProcessor.save_tracker, "_freightdesk_fix", False):
        MessageProcessor.save_tracker = _save_tracker
    if not getattr(MessageProcessor.handle_message, "_freightdesk_fix", False):
        MessageProcessor.handle_message = _make_handle_message(MessageProcessor.handle_message)
