"""The bounded SQL tracker store against Rasa's own replay of every event.

Each test runs on a SQLite file and on a fresh PostgreSQL database. A scripted
conversation (forms, slots set and cleared, a paused handoff, a new session) is played
turn by turn through ``retrieve`` -> new events -> ``save``, as Rasa's processor does;
after every turn the bounded tracker must hold the same state as a tracker replayed from
every event of the session, the ``events`` table must hold every event exactly once, and
the tracker must stay short.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    ConversationPaused,
    ConversationResumed,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from bot.core.settings import REPO_ROOT
from bot.engine.tracker_store import BoundedSQLTrackerStore, TrackerStoreReadError

KEEP, MAX = 3, 6


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(REPO_ROOT / "domain.yml"))


@pytest.fixture(params=["sqlite", "postgresql"])
def tracker_db(request: pytest.FixtureRequest) -> str:
    """An empty database for Rasa's tracker tables, on each backend."""
    fixture = "sqlite_database_url" if request.param == "sqlite" else "pg_database_url"
    url: str = request.getfixturevalue(fixture)
    if url.startswith("sqlite:///"):
        from pathlib import Path

        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return url


@pytest.fixture
def store(tracker_db: str, domain: Domain) -> Iterator[BoundedSQLTrackerStore]:
    tracker_store = BoundedSQLTrackerStore(
        domain=domain, host=tracker_db, keep_turns=KEEP, max_turns=MAX
    )
    yield tracker_store
    tracker_store.engine.dispose()


def _turn(n: int) -> list[Event]:
    """Events of customer turn ``n`` of the script (after the action_listen before it)."""
    user = UserUttered(
        f"message {n}", {"name": "inform", "confidence": 0.9}, [], timestamp=1000.0 + n
    )
    events: list[Event] = [user]
    if n == 2:
        events += [ActionExecuted("quote_form"), ActiveLoop("quote_form")]
        events += [SlotSet("mode", "air"), SlotSet("requested_slot", "origin")]
    elif 2 < n < 9:
        events += [ActionExecuted("quote_form"), SlotSet(f"{['origin', 'destination'][n % 2]}", n)]
    elif n == 9:
        events += [ActionExecuted("quote_form"), ActiveLoop(None), SlotSet("requested_slot", None)]
        events += [ActionExecuted("action_give_quote"), SlotSet("last_quote", {"hkd": n})]
    elif n == 12:
        events += [ActionExecuted("action_handoff"), ConversationPaused()]
    elif n == 15:
        events += [ConversationResumed(), ActionExecuted("utter_back")]
    elif n == 20:
        events += [ActionExecuted("action_session_start"), SessionStarted()]
    elif n % 4 == 0:
        events += [SlotSet("mode", None), ActionExecuted("utter_ok")]
    else:
        events += [ActionExecuted("utter_ok")]
    return [*events, ActionExecuted("action_listen")]


def _state(tracker: DialogueStateTracker) -> dict[str, Any]:
    loop = tracker.active_loop
    return {
        "slots": tracker.current_slot_values(),
        "loop": (loop.name, loop.is_interrupted, loop.rejected) if loop else None,
        "paused": tracker.is_paused(),
        "latest_action": tracker.latest_action_name,
        "latest_text": tracker.latest_message.text if tracker.latest_message else None,
        "followup": tracker.followup_action,
    }


def _stored(tracker_db: str, sender: str) -> list[dict[str, Any]]:
    engine = sa.create_engine(tracker_db)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}
            )
            return [json.loads(data) for (data,) in rows]
    finally:
        engine.dispose()


def _play(store: BoundedSQLTrackerStore, domain: Domain, sender: str, turns: int) -> list[Event]:
    """Play the script; check each turn against a full replay. Returns every event."""

    async def play() -> list[Event]:
        everything: list[Event] = [ActionExecuted("action_listen")]
        await store.save(DialogueStateTracker.from_events(sender, everything, domain.slots))
        for n in range(1, turns + 1):
            tracker = await store.retrieve(sender)
            assert tracker is not None
            new = _turn(n)
            for event in new:
                tracker.update(event)
            everything += new
            await store.save(tracker)
            # Saving the same tracker again (Rasa does) adds nothing.
            await store.save(tracker)
            reference = DialogueStateTracker.from_events(sender, everything, domain.slots)
            loaded = await store.retrieve(sender)
            assert loaded is not None
            assert _state(loaded) == _state(reference), f"after turn {n}"
            user_turns = sum(isinstance(e, UserUttered) for e in loaded.events)
            assert user_turns <= MAX + 1, f"after turn {n}: {user_turns} turns loaded"
        return everything

    return asyncio.run(play())


def test_bounded_tracker_keeps_state_and_every_event_once(
    store: BoundedSQLTrackerStore, domain: Domain, tracker_db: str
) -> None:
    everything = _play(store, domain, "long-talker", 30)

    stored = _stored(tracker_db, "long-talker")
    assert [e["event"] for e in stored] == [e.as_dict()["event"] for e in everything]
    assert stored == [e.as_dict() for e in everything]
    full = asyncio.run(store.retrieve_full_tracker("long-talker"))
    assert full is not None
    assert [e.as_dict() for e in full.events] == stored


def test_rasa_store_reads_what_the_bounded_store_wrote(
    store: BoundedSQLTrackerStore, domain: Domain, tracker_db: str
) -> None:
    """Switching back to Rasa's SQL store loses nothing: same table, same rows."""
    everything = _play(store, domain, "switcher", 14)
    rasa_store = SQLTrackerStore(domain=domain, host=tracker_db)
    try:
        tracker = asyncio.run(rasa_store.retrieve("switcher"))
    finally:
        rasa_store.engine.dispose()
    assert tracker is not None
    reference = DialogueStateTracker.from_events("switcher", everything, domain.slots)
    assert _state(tracker) == _state(reference)
    assert len(tracker.events) == len(everything)


def test_new_session_starts_from_its_own_events(
    store: BoundedSQLTrackerStore, domain: Domain
) -> None:
    _play(store, domain, "returning", 22)
    tracker = asyncio.run(store.retrieve("returning"))
    assert tracker is not None
    assert tracker.events[1].as_dict()["event"] == "session_started"
    assert tracker.get_slot("last_quote") is None


def test_a_copy_of_a_bounded_tracker_saves_only_its_new_events(
    store: BoundedSQLTrackerStore, domain: Domain, tracker_db: str
) -> None:
    """A copy (kept in memory while the database was down) loses its origin mark."""
    everything = _play(store, domain, "copied", 16)
    tracker = asyncio.run(store.retrieve("copied"))
    assert tracker is not None
    copy = tracker.copy()
    new = _turn(17)
    for event in new:
        copy.update(event)
    asyncio.run(store.save(copy))
    assert _stored(tracker_db, "copied") == [e.as_dict() for e in [*everything, *new]]


def test_unknown_conversation_is_none(store: BoundedSQLTrackerStore) -> None:
    assert asyncio.run(store.retrieve("nobody")) is None
    assert asyncio.run(store.retrieve_full_tracker("nobody")) is None


def test_failed_read_raises_instead_of_an_empty_conversation(
    store: BoundedSQLTrackerStore, domain: Domain
) -> None:
    _play(store, domain, "unlucky", 2)
    with store.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE events"))
    with pytest.raises(TrackerStoreReadError, match="unlucky"):
        asyncio.run(store.retrieve("unlucky"))


def test_endpoints_load_this_store_and_rasa_keeps_it_unwrapped(
    tracker_db: str, domain: Domain
) -> None:
    """Rasa silently falls back to memory on an unknown class path; ours must load.

    And creating it installs the fix that keeps the Agent from wrapping it in
    FailSafeTrackerStore (bot.engine.rasa_fixes), however Rasa was started.
    """
    from rasa.core.agent import Agent
    from rasa.core.tracker_store import TrackerStore
    from rasa.utils.endpoints import EndpointConfig

    config = EndpointConfig(
        url=tracker_db, type="bot.engine.tracker_store.BoundedSQLTrackerStore", max_turns=20
    )
    created = TrackerStore.create(config, domain=domain)
    try:
        assert isinstance(created, BoundedSQLTrackerStore)
        assert created.max_turns == 20
        assert Agent._create_tracker_store(created, domain) is created
    finally:
        created.engine.dispose()
