"""The Rasa launcher's fixes keep Rasa's behaviour: validation of action server
responses, event classes, every broker event committed."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from sqlalchemy.pool import StaticPool

from bot.rasa_server import apply_fixes


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
