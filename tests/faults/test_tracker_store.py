"""The launcher's tracker store guard, on the real PostgreSQL through a cuttable proxy: a
failed read raises (never an empty conversation), a failed save is kept in memory, logged,
and written exactly once when the store is back."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.domain.privacy import forget
from bot.engine.rasa_fixes import apply_fixes
from bot.engine.tracker_outages import TrackerStoreUnavailable, guarded_read, guarded_save
from bot.storage import db
from tests.support.tcp_proxy import CuttableProxy


@pytest.fixture
def proxy() -> Iterator[CuttableProxy]:
    with CuttableProxy("127.0.0.1", 5432) as running:
        yield running


def _store(pg_database_url: str, port: int) -> SQLTrackerStore:
    url = make_url(pg_database_url)
    return SQLTrackerStore(
        Domain.empty(),
        dialect="postgresql",
        host="127.0.0.1",
        port=port,
        db=url.database,
        username=url.username,
        password=url.password,
    )


def _turn(tracker: DialogueStateTracker, text: str) -> None:
    tracker.update_with_events(
        [
            UserUttered(text, {"name": "inform", "confidence": 1.0}),
            BotUttered(f"you said {text}"),
            ActionExecuted("action_listen"),
        ],
        None,
    )


def test_outage_never_starts_an_empty_conversation_and_loses_no_turn(
    pg_database_url: str, proxy: CuttableProxy, caplog: pytest.LogCaptureFixture
) -> None:
    apply_fixes()
    primary = _store(pg_database_url, proxy.port)
    # As the Agent builds it: Rasa's wrapper, now passing errors on.
    store = FailSafeTrackerStore(primary)
    direct = _store(pg_database_url, make_url(pg_database_url).port or 5432)

    def read(sender: str) -> Any:
        return guarded_read(store, sender, lambda: store.get_or_create_tracker(sender))

    async def scenario() -> None:
        tracker = DialogueStateTracker("alice", [])
        tracker.update_with_events([SessionStarted()], None)
        _turn(tracker, "one")
        await guarded_save(store, tracker)
        assert len((await read("alice")).events) == len(tracker.events)

        proxy.cut()
        with caplog.at_level(logging.ERROR, logger="freightdesk.faults"):
            # Rasa's FailSafeTrackerStore would hand back "no conversation" here.
            with pytest.raises(OperationalError):
                await store.retrieve("bob")
            with pytest.raises(TrackerStoreUnavailable):
                await read("bob")
            assert "FAULT: tracker store SQLTrackerStore could not read conversation bob" in (
                caplog.text
            )
            # A turn that cannot be saved is kept, and the conversation goes on from it.
            _turn(tracker, "two")
            await guarded_save(store, tracker)
            assert "could not save conversation alice" in caplog.text
            during = await read("alice")
            assert _said(during) == ["one", "two"]
        assert _said(await direct.retrieve("alice")) == ["one"]

        proxy.restore()
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="freightdesk.faults"):
            # Any store operation after the outage writes what was kept in memory.
            assert _said(await read("bob")) == []
        assert "conversation alice written from memory" in caplog.text
        stored = await direct.retrieve("alice")
        assert stored is not None
        assert _said(stored) == ["one", "two"]
        assert len(stored.events) == len(tracker.events)  # each event once

    asyncio.run(scenario())
    primary.engine.dispose()
    direct.engine.dispose()


def _said(tracker: DialogueStateTracker | None) -> list[str | None]:
    assert tracker is not None
    return [e.text for e in tracker.events if isinstance(e, UserUttered)]


def test_conversations_kept_in_memory_are_bounded(
    pg_database_url: str,
    proxy: CuttableProxy,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    apply_fixes()
    monkeypatch.setenv("FREIGHTDESK_MAX_UNSAVED_TRACKERS", "3")
    store = FailSafeTrackerStore(_store(pg_database_url, proxy.port))

    async def scenario() -> None:
        proxy.cut()
        with caplog.at_level(logging.ERROR, logger="freightdesk.faults"):
            for n in range(6):
                tracker = DialogueStateTracker(f"busy-{n}", [])
                _turn(tracker, f"turn {n}")
                await guarded_save(store, tracker)
        # The three longest-waiting copies went, loudly; memory holds the newest three.
        assert list(store._freightdesk_unsaved) == ["busy-3", "busy-4", "busy-5"]
        assert caplog.text.count("was dropped") == 3
        proxy.restore()

    asyncio.run(scenario())
    store._tracker_store.engine.dispose()


def test_a_conversation_forgotten_during_an_outage_is_not_written_back(
    pg_database_url: str, proxy: CuttableProxy, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`customers forget` runs while Rasa holds the conversation in memory (store down)."""
    apply_fixes()
    db.upgrade(pg_database_url)
    monkeypatch.setenv("DATABASE_URL", pg_database_url)
    store = FailSafeTrackerStore(_store(pg_database_url, proxy.port))
    direct = _store(pg_database_url, make_url(pg_database_url).port or 5432)

    async def scenario() -> None:
        kept, other = DialogueStateTracker("carol", []), DialogueStateTracker("dave", [])
        proxy.cut()
        for tracker in (kept, other):
            _turn(tracker, f"my number is 6123 4567, {tracker.sender_id}")
            await guarded_save(store, tracker)
        with db.session_scope(db.get_engine(pg_database_url)) as session:
            forget(session, "carol", {"tracker store": db.get_engine(pg_database_url)})
        proxy.restore()
        # The next store operation writes back what was kept, except the forgotten one.
        await guarded_save(store, DialogueStateTracker("erin", []))
        assert await direct.retrieve("carol") is None or _said(await direct.retrieve("carol")) == []
        assert _said(await direct.retrieve("dave")) == ["my number is 6123 4567, dave"]
        assert store._freightdesk_unsaved == {}

    asyncio.run(scenario())
    store._tracker_store.engine.dispose()
    direct.engine.dispose()
