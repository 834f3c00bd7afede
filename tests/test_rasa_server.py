"""The Rasa launcher's fix keeps Rasa's validation of action server responses."""

from __future__ import annotations

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

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
