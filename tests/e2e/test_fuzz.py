"""Hostile and random messages through the REST channel of the real stack.

Each example is a new customer whose first message is generated (unicode, control
characters, huge, JSON-looking, slash commands of every kind, markup); then they ask
"where is my shipment?". Whatever the first message was: no 5xx, no server died, the bot
answered the question (unless the first message asked for a person, which pauses the bot,
as it should), and no internal intent ever reached the conversation (no restart, undo or
second session start).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.conftest import RunningStack

CUSTOMER_INTENTS = ["greet", "affirm", "deny", "request_human", "track_shipment", "define_term"]
INTERNAL_INTENTS = ["restart", "back", "session_start", "nlu_fallback", "EXTERNAL_reminder"]
# nlu_fallback is left out: the NLU itself predicts it for gibberish, as it should.
FORBIDDEN = {"restart", "back", "session_start"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)
slash_commands = st.builds(
    lambda intent, confidence, entities, rest: f"/{intent}{confidence}{entities}{rest}",
    st.sampled_from(CUSTOMER_INTENTS + INTERNAL_INTENTS) | st.text(max_size=15),
    st.sampled_from(["", "@1.0", "@0.01", "@x"]),
    st.one_of(st.just(""), json_values.map(json.dumps)),
    st.sampled_from(["", " please", "}}}", "\n/restart"]),
)
hostile = st.one_of(
    st.text(max_size=300),
    st.text(
        st.characters(max_codepoint=0x1F) | st.sampled_from("\x7f\u202e\u200b\ufeff"), max_size=40
    ),
    slash_commands,
    json_values.map(json.dumps),
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            "**bold** [link](javascript:alert(1)) `code` <b>hi</b> &amp; &#0;",
            "'; DROP TABLE events; --",
            "{{7*7}} ${7*7} %s %d %(x)s",
            "lone \ud800 surrogate \udfff",
            "\x00" * 50,
            "📦" * 2000,
            "a" * 20_000,
            "a" * 20_001,
            "word " * 4_000,
        ]
    ),
    st.integers(min_value=20_001, max_value=300_000).map(lambda n: "x" * n),
)


def _post(stack: RunningStack, sender: str, message: str) -> list[dict[str, Any]]:
    response = requests.post(
        f"{stack.url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": message}),
        headers={"Content-Type": "application/json"},
        timeout=120,
    )
    assert response.status_code == 200, (response.status_code, response.text[:300])
    replies = response.json()
    assert isinstance(replies, list)
    return replies


@settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(message=hostile)
def test_hostile_messages_never_break_the_conversation(
    running_stack: RunningStack, message: str
) -> None:
    sender = f"fuzz-{uuid.uuid4().hex[:12]}"
    _post(running_stack, sender, message)
    replies = _post(running_stack, sender, "where is my shipment?")
    assert running_stack.stack.dead() is None
    tracker = running_stack.tracker(sender)
    if not tracker["paused"]:
        assert any(r.get("text") for r in replies), (message[:200], replies)
    intents = {
        (e.get("parse_data") or {}).get("intent", {}).get("name")
        for e in tracker["events"]
        if e["event"] == "user"
    }
    assert not intents & FORBIDDEN, intents
    kinds = [e["event"] for e in tracker["events"]]
    assert "restart" not in kinds and "undo" not in kinds, kinds
    assert kinds.count("session_started") <= 1, kinds
