"""Freight Desk's fixes to Rasa: installed however Rasa starts (or Rasa stops, saying
why); Rasa's validation of action server responses is kept, events still deserialise to
their own class, and every SQL broker event is committed on a kept connection."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from sqlalchemy.pool import StaticPool

from bot.core.settings import REPO_ROOT
from bot.engine import rasa_fixes
from bot.engine.rasa_fixes import RasaFixesError, apply_fixes, missing_fixes
from bot.ops.stack import write_endpoints


@pytest.fixture(scope="module")
def action() -> RemoteAction:
    apply_fixes()
    return RemoteAction("action_anything", None)


def test_a_valid_response_passes(action: RemoteAction) -> None:
    response = {
        "events": [{"event": "slot", "name": "mode", "value": "air"}],
        "responses": [{"text": "hello"}],
    }
    assert action._validate_action_result(response) is True


@pytest.mark.parametrize(
    "response",
    [
        {"events": [{"name": "mode"}]},
        {"events": "not a list"},
        {"responses": [{"text": "hi"}], "events": [{"event": "slot", "timestamp": "noon"}]},
    ],
)
def test_a_malformed_response_is_still_rejected(action: RemoteAction, response: dict) -> None:
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        action._validate_action_result(response)


@pytest.mark.parametrize(
    "event",
    [
        {"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet"}}},
        {"event": "bot", "text": "hello"},
        {"event": "slot", "name": "mode", "value": "air"},
        {"event": "action", "name": "action_listen"},
        {"event": "active_loop", "name": "quote_form"},
        {"event": "pause"},
        {"event": "resume"},
    ],
)
def test_events_still_deserialise_to_their_own_class(action: RemoteAction, event: dict) -> None:
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    expected = next(c for c in all_subclasses(Event) if c.type_name == event["event"])
    assert type(Event.from_parameters(event)) is expected


def test_unknown_event_names_fail_as_before(action: RemoteAction) -> None:
    from rasa.shared.core.events import Event

    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")
    assert Event.resolve_by_type("topic") is None


def test_the_sql_event_broker_keeps_one_connection_and_still_commits_each_event(
    tmp_path: Path,
) -> None:
    apply_fixes()
    from rasa.core.brokers.sql import SQLEventBroker

    path = tmp_path / "events.db"
    broker = SQLEventBroker(db=str(path))
    try:
        for n in range(3):
            broker.publish({"event": "user", "sender_id": "s", "timestamp": n, "text": "hi"})
        assert isinstance(broker.engine.pool, StaticPool)
        # Another connection sees every event: each was committed, none held back.
        with sqlite3.connect(path) as other:
            rows = other.execute("SELECT sender_id, data FROM events ORDER BY id").fetchall()
        assert [(sender, json.loads(data)["timestamp"]) for sender, data in rows] == [
            ("s", 0),
            ("s", 1),
            ("s", 2),
        ]
    finally:
        broker.engine.dispose()


# -- installed however Rasa starts, or Rasa stops ----------------------------------------


def test_every_fix_is_in_place_once_applied_and_applying_again_changes_nothing() -> None:
    from rasa.core.processor import MessageProcessor

    apply_fixes()
    assert missing_fixes() == []
    installed = (RemoteAction.run, MessageProcessor.get_tracker)
    apply_fixes()
    assert (RemoteAction.run, MessageProcessor.get_tracker) == installed


# Run in a fresh interpreter: in this one the fixes are already installed.
_FRESH_RASA = """
import asyncio, sys
from sqlalchemy.pool import StaticPool
from bot.engine.rasa_fixes import missing_fixes
assert missing_fixes(), "a fresh process starts without the fixes"
"""
_BUILDS = {
    # What `rasa run` does with endpoints.yml before the first message: broker, tracker
    # store, lock store, Agent (rasa.core.agent.load_agent).
    "endpoints.yml": """
from rasa.core.agent import load_agent
from rasa.core.utils import read_endpoints_from_path
agent = asyncio.run(load_agent(endpoints=read_endpoints_from_path(sys.argv[1])))
store = agent.tracker_store
assert type(store).__name__ == "BoundedSQLTrackerStore", type(store)  # not wrapped
assert isinstance(store.event_broker.engine.pool, StaticPool)  # built before the store
""",
    # What `rasa run` does with credentials.yml first (rasa.core.run.serve_application).
    "credentials.yml": """
from rasa.core.run import create_http_input_channels
assert len(create_http_input_channels(None, sys.argv[2])) == 3
""",
}


@pytest.mark.parametrize("config", list(_BUILDS))
def test_rasa_building_what_the_projects_config_names_installs_the_fixes(
    config: str, tmp_path: Path
) -> None:
    endpoints = write_endpoints(
        REPO_ROOT / "endpoints.yml",
        tmp_path / "endpoints.yml",
        action_port=5055,
        tracker_db=tmp_path / "tracker.db",
        events_db=tmp_path / "events.db",
    )
    script = _FRESH_RASA + _BUILDS[config] + "assert missing_fixes() == [], missing_fixes()\n"
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "RASA_TELEMETRY_ENABLED": "false",
        "FREIGHTDESK_VAR_DIR": str(tmp_path),
        "FREIGHTDESK_SESSION_SECRET": "s" * 40,
    }
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), str(endpoints), str(REPO_ROOT / config)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]


def _cannot_install() -> None:
    raise AttributeError("type object 'RemoteAction' has no attribute 'run'")


def test_a_fix_that_cannot_be_installed_stops_rasa_instead_of_a_silent_fallback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Rasa turns an AttributeError from a configured tracker store into an in-memory store."""
    from rasa.core.run import create_http_input_channels
    from rasa.core.tracker_store import TrackerStore
    from rasa.utils.endpoints import EndpointConfig

    monkeypatch.setattr(rasa_fixes, "_install", _cannot_install)
    config = EndpointConfig(
        type="bot.engine.tracker_store.BoundedSQLTrackerStore",
        dialect="sqlite",
        db=str(tmp_path / "tracker.db"),
    )
    with pytest.raises(RasaFixesError, match=r"RemoteAction.*must not start"):
        TrackerStore.create(config)
    with pytest.raises(RasaFixesError, match="must not start"):
        create_http_input_channels(None, str(REPO_ROOT / "credentials.yml"))


def test_a_fix_that_is_not_in_place_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    async def unfixed_run(*_: Any) -> list[Any]:
        return []

    monkeypatch.setattr(rasa_fixes, "_install", lambda: None)
    monkeypatch.setattr(RemoteAction, "run", unfixed_run)
    with pytest.raises(RasaFixesError, match=r"not in place on RemoteAction\.run \("):
        apply_fixes()
