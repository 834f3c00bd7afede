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
