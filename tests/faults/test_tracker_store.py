"""Rasa's FailSafeTrackerStore with the launcher's fixes, on the real PostgreSQL through a
cuttable proxy: a failed read raises (never an empty conversation), a failed save is kept
in memory, logged, and written exactly once when the store is back."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator

import pytest
from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import make_url

from bot.rasa_server import TrackerStoreUnavailable, apply_fixes
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
    store = FailSafeTrackerStore(primary)
    direct = _store(pg_database_url, make_url(pg_database_url).port or 5432)

    async def scenario() -> None:
        tracker = DialogueStateTracker("alice", [])
        tracker.update_with_events([SessionStarted()], None)
        _turn(tracker, "one")
        await store.save(tracker)
        assert len((await store.retrieve("alice")).events) == len(tracker.events)

        proxy.cut()
        with caplog.at_level(logging.ERROR, logger="freightdesk.faults"):
            # A read fails loudly: Rasa would otherwise start "alice" from nothing.
            with pytest.raises(TrackerStoreUnavailable):
                await store.retrieve("bob")
            assert "FAULT: tracker store SQLTrackerStore could not read conversation bob" in (
                caplog.text
            )
            # A turn that cannot be saved is kept, and the conversation goes on from it.
            _turn(tracker, "two")
            await store.save(tracker)
            assert "could not save conversation alice" in caplog.text
            during = await store.retrieve("alice")
            assert [e.text for e in during.events if isinstance(e, UserUttered)] == [
                "one",
                "two",
            ]
        assert [
            e.text for e in (await direct.retrieve("alice")).events if isinstance(e, UserUttered)
        ] == ["one"]

        proxy.restore()
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger="freightdesk.faults"):
            # Any store operation after the outage writes what was kept in memory.
            assert await store.retrieve("bob") is None
        assert "conversation alice written from memory" in caplog.text
        stored = await direct.retrieve("alice")
        assert stored is not None
        assert [e.text for e in stored.events if isinstance(e, UserUttered)] == ["one", "two"]
        assert len(stored.events) == len(tracker.events)  # each event once

    asyncio.run(scenario())
    primary.engine.dispose()
    direct.engine.dispose()
