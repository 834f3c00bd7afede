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
  store is down. At most :func:`max_unsaved` conversations are kept (default 1,000);
  beyond that the longest-waiting copy is dropped with an ERROR.

Installed with the other fixes by :func:`bot.engine.rasa_fixes.apply_fixes`.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime
from typing import Any

from bot.storage.models import utcnow

logger = logging.getLogger("freightdesk.faults")

STORE_DOWN_TEXT = (
    "I'm sorry, I can't reach our conversation records just now, so I can't carry on "
    "this conversation for a moment. Nothing you told me earlier is lost. Please try again "
    "in a minute, or call our service team on +852 2345 6789 or email "
    "support@freightdesk.example (Mon-Fri 09:00-18:00, Sat 09:00-13:00 HKT)."
)
#: The most conversations one process keeps in memory while the store is down
#: (``FREIGHTDESK_MAX_UNSAVED_TRACKERS``, default :data:`MAX_UNSAVED`); beyond it the
#: longest-waiting one is dropped with an ERROR, so an outage cannot exhaust memory.
MAX_UNSAVED_ENV = "FREIGHTDESK_MAX_UNSAVED_TRACKERS"
MAX_UNSAVED = 1000
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


def max_unsaved() -> int:
    """The most conversations kept in memory while the store is down (:data:`MAX_UNSAVED_ENV`)."""
    raw = os.environ.get(MAX_UNSAVED_ENV, "").strip()
    try:
        value = int(raw) if raw else MAX_UNSAVED
    except ValueError:
        value = MAX_UNSAVED
    return value if value > 0 else MAX_UNSAVED


def _drop_oldest_beyond_bound(store: Any, pending: dict[str, Any]) -> None:
    # Oldest first: a conversation is re-inserted each time it is kept again.
    limit = max_unsaved()
    while len(pending) > limit:
        sender = next(iter(pending))
        dropped = pending.pop(sender)
        _kept_since(store).pop(sender, None)
        logger.error(
            "FAULT: tracker store %s: more than %d conversations unsaved in memory; the "
            "longest-waiting one, %s (%d events), was dropped and its turns since the outage "
            "began are lost",
            _store_name(store),
            limit,
            sender,
            len(dropped.events),
        )


def _kept_since(store: Any) -> dict[str, datetime]:
    """When each unsaved conversation was first kept in memory."""
    since: dict[str, datetime] | None = getattr(store, "_freightdesk_unsaved_since", None)
    if since is None:
        since = {}
        store._freightdesk_unsaved_since = since
    return since


async def _was_forgotten(sender: str, since: datetime) -> bool:
    """True when the customer was forgotten after the copy was kept (False: cannot tell)."""
    from bot.domain.privacy import forgotten_since
    from bot.storage.db import get_engine, run_in_session

    try:
        return await run_in_session(get_engine(), lambda s: forgotten_since(s, sender, since))
    except Exception as exc:
        # Writing the customer's turns back is the lesser harm than losing them: a
        # forget run while the project's database is unreachable fails on its own.
        logger.error(
            "FAULT: could not check whether conversation %s was forgotten (%s: %s); its "
            "copy is written back",
            sender,
            type(exc).__name__,
            exc,
        )
        return False


async def flush_unsaved(store: Any, only: str | None = None) -> bool:
    """Write trackers kept in memory to ``store``; False if it is still unavailable.

    A copy whose customer was forgotten (``customers forget``) after it was kept is
    dropped, not written back over the delete.
    """
    pending = _pending(store)
    since = _kept_since(store)
    for sender in [only] if only is not None else list(pending):
        tracker = pending.get(sender)
        if tracker is None:
            continue
        if await _was_forgotten(sender, since.get(sender) or utcnow()):
            pending.pop(sender, None)
            since.pop(sender, None)
            logger.warning(
                "conversation %s was forgotten while kept in memory; its copy was dropped",
                sender,
            )
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
        since.pop(sender, None)
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
        _kept_since(store).setdefault(tracker.sender_id, utcnow())
        _drop_oldest_beyond_bound(store, pending)
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
    _kept_since(store).pop(tracker.sender_id, None)
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
