"""The Rasa launcher's fixes: Rasa's validation of action server responses is kept, every
SQL broker event is committed on a kept connection, and a custom action that cannot run
is answered with an apology instead of silence."""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from sqlalchemy.pool import StaticPool

from bot.engine.server import apply_fixes
from bot.ops.stack import free_port


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


# -- a custom action that cannot run is answered, never silence -------------------------


def _tracker_after(text: str) -> Any:
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    tracker = DialogueStateTracker("fault-test", slots=[])
    tracker.update(UserUttered(text, {"name": "track_shipment", "confidence": 0.99}))
    return tracker


def _run(action: RemoteAction, tracker: Any) -> list[Any]:
    from rasa.core.channels import CollectingOutputChannel
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.shared.core.domain import Domain

    return asyncio.run(
        action.run(
            CollectingOutputChannel(),
            TemplatedNaturalLanguageGenerator({}),
            tracker,
            Domain.empty(),
        )
    )


def test_an_unreachable_action_server_gets_one_apology_and_the_offer_of_a_person(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from rasa.shared.core.events import BotUttered, SlotSet
    from rasa.utils.endpoints import EndpointConfig

    apply_fixes()
    closed = f"http://127.0.0.1:{free_port()}/webhook"  # nothing listens there
    action = RemoteAction("action_track_shipment", EndpointConfig(closed))
    tracker = _tracker_after("where is 160-12345675")

    with caplog.at_level(logging.ERROR, logger="freightdesk.faults"):
        events = _run(action, tracker)

    assert [type(e) for e in events] == [BotUttered, SlotSet]
    apology = events[0]
    assert "technical problem" in apology.text
    assert "+852 2345 6789" in apology.text
    assert {"title": "Talk to a person", "payload": "/request_human"} in apology.data["buttons"]
    assert events[1] == SlotSet("pending_offer", "human")
    assert "FAULT: custom action 'action_track_shipment' failed" in caplog.text
    assert "fault-test" in caplog.text

    # A second failing action after the same customer message: logged, not said twice.
    tracker.update_with_events(events, None)
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="freightdesk.faults"):
        assert _run(RemoteAction("action_fallback", EndpointConfig(closed)), tracker) == []
    assert "FAULT: custom action 'action_fallback' failed" in caplog.text


def test_a_failing_action_server_answer_is_apologised_for_too() -> None:
    from aiohttp import web
    from rasa.shared.core.events import BotUttered
    from rasa.utils.endpoints import EndpointConfig

    from tests.support.threaded_app import ThreadedApp

    async def broken(_request: web.Request) -> web.Response:
        return web.Response(status=500, text="boom")

    def make_app() -> web.Application:
        app = web.Application()
        app.router.add_post("/webhook", broken)
        return app

    server = ThreadedApp(make_app, "broken-action-server", access_log=False)
    server.start()
    try:
        apply_fixes()
        action = RemoteAction("action_submit_complaint", EndpointConfig(f"{server.url}/webhook"))
        events = _run(action, _tracker_after("yes"))
    finally:
        server.stop()
    assert isinstance(events[0], BotUttered)
    assert "technical problem" in events[0].text


def test_a_rejection_by_the_action_server_is_still_a_rejection() -> None:
    from aiohttp import web
    from rasa.core.actions.action import ActionExecutionRejection
    from rasa.utils.endpoints import EndpointConfig

    from tests.support.threaded_app import ThreadedApp

    async def reject(_request: web.Request) -> web.Response:
        return web.json_response(
            {"action_name": "validate_quote_form", "error": "not this answer"}, status=400
        )

    def make_app() -> web.Application:
        app = web.Application()
        app.router.add_post("/webhook", reject)
        return app

    server = ThreadedApp(make_app, "rejecting-action-server", access_log=False)
    server.start()
    try:
        apply_fixes()
        action = RemoteAction("validate_quote_form", EndpointConfig(f"{server.url}/webhook"))
        with pytest.raises(ActionExecutionRejection):
            _run(action, _tracker_after("LCL"))
    finally:
        server.stop()
