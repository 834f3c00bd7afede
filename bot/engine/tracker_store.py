"""Rasa's SQL tracker store, with a turn cost that does not grow with the conversation.

Rasa 3.6's ``SQLTrackerStore`` loads every event of the current session and replays it
on every turn, and the policies then featurise the whole replayed history: one
conversation measured 29 ms a turn at turns 1-10 and 183 ms at turns 190-200.

:class:`BoundedSQLTrackerStore` keeps Rasa's ``events`` table exactly as Rasa writes it
(every event, once, in order: transcripts, the KPI consumer and the agent console read
it), and adds one row per conversation to ``freightdesk_tracker_snapshots``: the state
of the conversation at a cut point (slots, active form, paused), written as a handful of
events, and the id of the last event it stands for. ``retrieve`` then loads the
snapshot plus the events after it, so a tracker holds at most ``max_turns`` customer
turns whatever the conversation's length. Every replica reads the same two tables;
nothing lives in one process's memory.

What stays the same as Rasa's store:

- ``retrieve_full_tracker`` (``GET /conversations/{id}/tracker``, the console
  transcript) returns every event of every session;
- ``save`` appends exactly the events the tracker gained since it was loaded, once;
- the event broker gets exactly those events, after they are committed.

What is deliberately different: a failed read raises (and is logged) instead of being
turned into an empty conversation, and the store is not wrapped in Rasa's silent
``FailSafeTrackerStore``. Creating it installs Freight Desk's fixes to Rasa
(:func:`bot.engine.rasa_fixes.apply_fixes`), so they apply however Rasa is started with
the project's endpoints (`rasa run`, `rasa shell`, the stack runner).
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import (
    ActionExecuted,
    ActionExecutionRejected,
    ActiveLoop,
    ConversationPaused,
    Event,
    FollowupAction,
    LoopInterrupted,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.engine.rasa_fixes import apply_fixes

logger = logging.getLogger(__name__)

#: Customer turns a compacted tracker keeps (the handoff summary shows the last five).
DEFAULT_KEEP_TURNS = 6
#: Customer turns after which the next save moves the cut point forward.
DEFAULT_MAX_TURNS = 12
#: Attribute on a tracker this store loaded: which of its events are stored, and as what.
_ORIGIN = "_freightdesk_origin"

_snapshots = sa.Table(
    "freightdesk_tracker_snapshots",
    sa.MetaData(),
    sa.Column("sender_id", sa.String(255), primary_key=True),
    # Events with an id up to this one are summarised by `state`; later ones are replayed.
    sa.Column("last_event_id", sa.Integer, nullable=False),
    sa.Column("state", sa.Text, nullable=False),
)


class TrackerStoreReadError(RuntimeError):
    """A conversation could not be read; the turn must fail rather than start afresh."""


@dataclass
class _Origin:
    """Where a loaded tracker's events come from.

    Attributes:
        prefix: number of leading events that are a snapshot's state, not stored rows.
        event_ids: ids of the stored rows behind the events after the prefix, in order.
        bounded: True if the tracker came from ``retrieve`` (may be compacted further).
    """

    prefix: int
    event_ids: list[int] = field(default_factory=list)
    bounded: bool = True

    @property
    def stored(self) -> int:
        return self.prefix + len(self.event_ids)


def state_events(tracker: DialogueStateTracker) -> list[Event]:
    """Events that recreate ``tracker``'s state on an empty tracker.

    Covers what the next turns read: slot values (including ones set back to empty),
    the active form and its interrupted/rejected flags, a paused conversation, a pending
    follow-up action, and the latest action (so the next customer message follows an
    ``action_listen`` as it did).
    """
    stamp = tracker.events[-1].timestamp if tracker.events else None
    events: list[Event] = [
        SlotSet(name, slot.value, timestamp=stamp)
        for name, slot in tracker.slots.items()
        if slot.has_been_set or slot.value != slot.initial_value
    ]
    loop = tracker.active_loop_name
    if loop:
        events.append(ActiveLoop(loop, timestamp=stamp))
    if tracker.is_paused():
        events.append(ConversationPaused(timestamp=stamp))
    # An executed action clears the loop's flags, so they are set after it.
    events.append(ActionExecuted(tracker.latest_action_name or ACTION_LISTEN_NAME, timestamp=stamp))
    if loop and tracker.active_loop is not None:
        if tracker.active_loop.is_interrupted:
            events.append(LoopInterrupted(True, timestamp=stamp))
        if tracker.active_loop.rejected:
            events.append(ActionExecutionRejected(loop, timestamp=stamp))
    if tracker.followup_action and tracker.followup_action != ACTION_LISTEN_NAME:
        events.append(FollowupAction(tracker.followup_action, timestamp=stamp))
    return events


def _current_session(rows: list[tuple[int, dict[str, Any]]]) -> int | None:
    """Index of the first row of the latest session started in ``rows``, if any."""
    for index in range(len(rows) - 1, -1, -1):
        if rows[index][1].get("event") == SessionStarted.type_name:
            previous = rows[index - 1][1] if index else {}
            # Rasa logs `action_session_start` just before the session it starts.
            if previous.get("event") == "action" and previous.get("name") == (
                "action_session_start"
            ):
                return index - 1
            return index
    return None


class BoundedSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` whose ``retrieve`` costs the same at turn 300 as at turn 10.

    Configured in endpoints.yml like Rasa's SQL store, with ``type:
    bot.engine.tracker_store.BoundedSQLTrackerStore`` and optionally ``keep_turns`` and
    ``max_turns`` (customer turns kept after a cut, and the length that triggers one).
    """

    #: Hand this store to the Agent unwrapped: its failures are meant to be seen
    #: (:func:`bot.engine.rasa_fixes.keep_tracker_store_failures_loud`).
    fails_loudly = True

    def __init__(
        self,
        *args: Any,
        keep_turns: int = DEFAULT_KEEP_TURNS,
        max_turns: int = DEFAULT_MAX_TURNS,
        **kwargs: Any,
    ) -> None:
        if not 1 <= int(keep_turns) < int(max_turns):
            raise ValueError(
                f"tracker store: need 1 <= keep_turns < max_turns, got {keep_turns}, {max_turns}"
            )
        super().__init__(*args, **kwargs)
        # Rasa builds the tracker store before the Agent, the processor or any message,
        # and just after the event broker, which it hands over here.
        apply_fixes(self.event_broker)
        self.keep_turns = int(keep_turns)
        self.max_turns = int(max_turns)
        self._create_tables()

    def _create_tables(self) -> None:
        """The snapshot table and an (sender_id, id) index; several replicas may race."""
        for attempt in range(3):
            try:
                _snapshots.metadata.create_all(self.engine)
                # Rasa indexes sender_id alone; reading "this sender's events after id N"
                # in id order wants both columns, or each turn walks the conversation.
                with self.engine.begin() as connection:
                    connection.execute(
                        sa.text(
                            "CREATE INDEX IF NOT EXISTS ix_events_sender_id_id "
                            "ON events (sender_id, id)"
                        )
                    )
                return
            except (sa.exc.IntegrityError, sa.exc.ProgrammingError, sa.exc.OperationalError):
                # Another replica created the same thing at the same moment.
                if attempt == 2:
                    raise
                time.sleep(0.5)

    # -- reading ---------------------------------------------------------------------

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The conversation's latest session: snapshot state plus the events after it."""
        try:
            return self._retrieve_bounded(sender_id)
        except Exception as exc:
            logger.exception("Could not read conversation %r from the tracker store", sender_id)
            raise TrackerStoreReadError(f"could not read conversation {sender_id!r}") from exc

    async def retrieve_full_tracker(self, conversation_id: str) -> DialogueStateTracker | None:
        """Every event of every session, as Rasa's SQL store returns it."""
        try:
            with self.session_scope() as session:
                rows = self._rows(session, conversation_id, after=None)
        except Exception as exc:
            logger.exception(
                "Could not read conversation %r from the tracker store", conversation_id
            )
            raise TrackerStoreReadError(f"could not read conversation {conversation_id!r}") from exc
        if not rows:
            return None
        tracker = DialogueStateTracker.from_dict(
            conversation_id, [data for _, data in rows], self.domain.slots
        )
        setattr(tracker, _ORIGIN, _Origin(0, [row_id for row_id, _ in rows], bounded=False))
        return tracker

    def _rows(
        self, session: Any, sender_id: str, after: int | None
    ) -> list[tuple[int, dict[str, Any]]]:
        table = self.SQLEvent.__table__
        query = sa.select(table.c.id, table.c.data).where(table.c.sender_id == sender_id)
        if after is not None:
            query = query.where(table.c.id > after)
        result = session.execute(query.order_by(table.c.id))
        return [(row_id, json.loads(data)) for row_id, data in result]

    def _retrieve_bounded(self, sender_id: str) -> DialogueStateTracker | None:
        with self.session_scope() as session:
            snapshot = session.execute(
                sa.select(_snapshots.c.last_event_id, _snapshots.c.state).where(
                    _snapshots.c.sender_id == sender_id
                )
            ).first()
            after = snapshot.last_event_id if snapshot else None
            rows = self._rows(session, sender_id, after=after)
        prefix: list[dict[str, Any]] = json.loads(snapshot.state) if snapshot else []
        start = _current_session(rows)
        if start is not None:
            # A session started after the cut: Rasa reads that session alone.
            prefix = []
            rows = rows[start:]
        if not rows and not prefix:
            return None
        tracker = DialogueStateTracker.from_dict(
            sender_id, prefix + [data for _, data in rows], self.domain.slots
        )
        setattr(tracker, _ORIGIN, _Origin(len(prefix), [row_id for row_id, _ in rows]))
        return tracker

    # -- writing ---------------------------------------------------------------------

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Append the events the tracker gained since it was loaded; maybe move the cut."""
        origin: _Origin | None = getattr(tracker, _ORIGIN, None)
        events = list(tracker.events)
        with self.session_scope() as session:
            if origin is None:
                origin = _Origin(self._stored_in(session, tracker), [], bounded=False)
            new_events = events[origin.stored :]
            rows = [self._row(tracker.sender_id, event) for event in new_events]
            session.add_all(rows)
            session.flush()
            new_ids = [row.id for row in rows]
            session.commit()
        origin.event_ids.extend(new_ids)
        setattr(tracker, _ORIGIN, origin)
        if new_events and self.event_broker is not None:
            await self._stream_new_events(self.event_broker, new_events, tracker.sender_id)
        if origin.bounded:
            self._maybe_compact(tracker, origin)

    def _stored_in(self, session: Any, tracker: DialogueStateTracker) -> int:
        """How many of a tracker's events are stored, for one this store did not load.

        A copy (``tracker.copy()``, e.g. kept in memory during an outage) or a tracker a
        caller built: its events up to the last stored event are stored. If it does not
        hold that event, Rasa's own rule: the events past those stored for the session.
        """
        table = self.SQLEvent.__table__
        last = session.execute(
            sa.select(table.c.data)
            .where(table.c.sender_id == tracker.sender_id)
            .order_by(table.c.id.desc())
            .limit(1)
        ).scalar()
        if last is None:
            return 0
        wanted = json.loads(last)
        events = list(tracker.events)
        for index in range(len(events) - 1, -1, -1):
            if json.loads(json.dumps(events[index].as_dict())) == wanted:
                return index + 1
        stored = self._event_query(
            session, tracker.sender_id, fetch_events_from_all_sessions=False
        ).count()
        return min(int(stored), len(events))

    def _row(self, sender_id: str, event: Event) -> Any:
        data = event.as_dict()
        return self.SQLEvent(
            sender_id=sender_id,
            type_name=event.type_name,
            timestamp=data.get("timestamp"),
            intent_name=data.get("parse_data", {}).get("intent", {}).get("name"),
            action_name=data.get("name"),
            data=json.dumps(data),
        )

    def _maybe_compact(self, tracker: DialogueStateTracker, origin: _Origin) -> None:
        """Move the cut forward once the tracker holds more than ``max_turns`` turns.

        The new cut is just before the ``keep_turns``-th latest customer message that
        follows an ``action_listen``; the state there comes from replaying the (bounded)
        tracker up to it. A failure here loses nothing: the events are committed and the
        old snapshot still stands, so it is logged and the turn goes on.
        """
        events = list(tracker.events)
        turns = [
            index
            for index in range(origin.prefix + 1, len(events))
            if isinstance(events[index], UserUttered)
            and isinstance(events[index - 1], ActionExecuted)
            and events[index - 1].action_name == ACTION_LISTEN_NAME
        ]
        if len(turns) <= self.max_turns:
            return
        cut = turns[-self.keep_turns]
        # Rows up to the action_listen before the cut are summarised by the new state.
        last_event_id = origin.event_ids[cut - 1 - origin.prefix]
        before = DialogueStateTracker.from_events(
            tracker.sender_id, events[:cut], slots=self.domain.slots
        )
        state = json.dumps([event.as_dict() for event in state_events(before)])
        try:
            with self.session_scope() as session:
                updated = session.execute(
                    _snapshots.update()
                    .where(_snapshots.c.sender_id == tracker.sender_id)
                    .where(_snapshots.c.last_event_id < last_event_id)
                    .values(last_event_id=last_event_id, state=state)
                ).rowcount
                if not updated:
                    exists = session.execute(
                        sa.select(_snapshots.c.last_event_id).where(
                            _snapshots.c.sender_id == tracker.sender_id
                        )
                    ).first()
                    if exists is None:
                        session.execute(
                            _snapshots.insert().values(
                                sender_id=tracker.sender_id,
                                last_event_id=last_event_id,
                                state=state,
                            )
                        )
                session.commit()
        except sa.exc.SQLAlchemyError:
            logger.warning(
                "Could not move the tracker snapshot of %r forward; the next turn reads "
                "a longer history",
                tracker.sender_id,
                exc_info=True,
            )
