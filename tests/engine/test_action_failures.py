"""A custom action that cannot run is answered with an apology instead of silence; a
rejection by the action server is still Rasa's normal flow."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from rasa.core.actions.action import RemoteAction

from bot.engine.rasa_fixes import apply_fixes
from bot.ops.stack import free_port


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
