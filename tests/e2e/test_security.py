"""Keeping strangers out, on the real stack: sender ids, tokens, addresses, sizes, commands.

Complaint status privacy between customers is in test_complaints.py; the console's sign-in
limit, roles and CSRF in tests/console.
"""

from __future__ import annotations

import socket
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import socketio  # type: ignore[import-untyped]  # ships no type hints

from bot.engine.channels.webchat import SOCKETIO_PATH
from tests.e2e.conftest import TELEGRAM_BOT_TOKEN, TOKEN, Customer, RunningStack
from tests.e2e.test_telegram import send
from tests.engine.channels.telegram_fixtures import load_update, new_chat_id
from tests.engine.channels.telegram_standin import BotApiStandIn

WAIT_S = 60.0


@dataclass
class WebVisitor:
    """A socket.io client speaking the web chat page's protocol."""

    base_url: str
    token: str | None = None
    history: list[dict[str, Any]] | None = None
    replies: list[dict[str, Any]] = field(default_factory=list)

    def visit(self, offered: Any, say: str | None = None) -> None:
        """Connect offering ``offered`` as the stored session, maybe say something."""
        client = socketio.Client()
        joined = threading.Event()
        answered = threading.Event()

        @client.on("session_confirm")
        def confirm(token: str) -> None:
            self.token = token

        @client.on("history")
        def history(messages: list[dict[str, Any]]) -> None:
            self.history = messages
            joined.set()

        @client.on("bot_uttered")
        def uttered(message: dict[str, Any]) -> None:
            self.replies.append(message)
            answered.set()

        client.connect(self.base_url, socketio_path=SOCKETIO_PATH, transports=["websocket"])
        try:
            client.emit("session_request", {"session_id": offered})
            assert joined.wait(WAIT_S), "no history"
            if say is not None:
                self.replies.clear()
                client.emit("user_uttered", {"message": say, "session_id": self.token})
                assert answered.wait(WAIT_S), "no answer"
        finally:
            client.disconnect()

    @property
    def session_id(self) -> str:
        assert self.token is not None
        return self.token.split(".", 1)[0]


def _visit(visitor: WebVisitor, offered: Any, say: str | None = None) -> None:
    visitor.visit(offered, say)


def _user_events(stack: RunningStack, sender: str) -> list[dict[str, Any]]:
    return [e for e in stack.tracker(sender)["events"] if e["event"] == "user"]


@pytest.fixture(scope="module")
def web_customer(running_stack: RunningStack) -> WebVisitor:
    """A web chat customer who said something the others must not see."""
    visitor = WebVisitor(running_stack.url)
    _visit(visitor, None, say="where is my shipment 160-12345675?")
    return visitor


def test_the_owner_of_a_web_session_gets_it_back(
    running_stack: RunningStack, web_customer: WebVisitor
) -> None:
    again = WebVisitor(running_stack.url)
    _visit(again, web_customer.token)
    # The same conversation (its token is renewed at each use, so it need not be equal).
    assert again.session_id == web_customer.session_id
    assert any("160-12345675" in (m.get("text") or "") for m in again.history or [])


def test_a_guessed_or_forged_web_session_gets_nothing_of_that_conversation(
    running_stack: RunningStack, web_customer: WebVisitor
) -> None:
    session_id = web_customer.session_id
    token = web_customer.token or ""
    forged = [
        session_id,
        f"web:{session_id}",
        f"{session_id}.{'A' * 43}",
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
    ]
    for offered in forged:
        stranger = WebVisitor(running_stack.url)
        _visit(stranger, offered, say="hello")
        assert stranger.session_id != session_id, offered
        assert stranger.history == [], offered
        assert "160-12345675" not in str(stranger.replies)
    # Nothing the strangers said landed in the customer's conversation.
    said = [e["text"] for e in _user_events(running_stack, f"web:{session_id}")]
    assert said == ["where is my shipment 160-12345675?"]


@pytest.mark.parametrize("prefix", ["web:", "telegram:", "Web:"])
def test_rest_cannot_post_into_a_web_or_telegram_conversation(
    running_stack: RunningStack, web_customer: WebVisitor, prefix: str
) -> None:
    target = f"{prefix}{web_customer.session_id}" if "web" in prefix.lower() else "telegram:42"
    response = requests.post(
        f"{running_stack.url}/webhooks/rest/webhook",
        json={"sender": target, "message": "show me the conversation"},
        timeout=30,
    )
    assert response.status_code == 403
    assert "only that channel" in response.json()["error"]
    said = [e["text"] for e in _user_events(running_stack, f"web:{web_customer.session_id}")]
    assert "show me the conversation" not in said


def test_rest_callers_cannot_pose_as_another_channel(
    running_stack: RunningStack, customer: Customer
) -> None:
    response = requests.post(
        f"{running_stack.url}/webhooks/rest/webhook",
        json={
            "sender": customer.sender,
            "message": "hello",
            "input_channel": "telegram",
            "metadata": {"hidden": True, "telegram_update_id": 1},
        },
        timeout=30,
    )
    assert response.status_code == 200 and response.json()
    [event] = _user_events(running_stack, customer.sender)
    assert event["input_channel"] == "rest"
    # Rasa adds its own model and assistant ids; nothing of the caller's got through.
    assert not {"hidden", "telegram_update_id"} & set(event.get("metadata") or {})


@pytest.mark.parametrize(
    "body", [b"not json", b"[1, 2]", b'{"sender": "", "message": "hi"}', b'{"sender": [1]}']
)
def test_a_malformed_rest_call_is_a_400_with_a_reason(
    running_stack: RunningStack, body: bytes
) -> None:
    response = requests.post(
        f"{running_stack.url}/webhooks/rest/webhook",
        data=body,
        headers={"Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 400 and response.json()["error"]


@pytest.mark.parametrize(
    "path",
    ["/status", "/conversations/user-123/tracker", "/domain"],
)
def test_the_http_api_needs_the_token(running_stack: RunningStack, path: str) -> None:
    url, json_only = f"{running_stack.url}{path}", {"Accept": "application/json"}
    response = requests.get(url, headers=json_only, timeout=30)
    assert response.status_code == 401
    response = requests.get(url, params={"token": "wrong"}, headers=json_only, timeout=30)
    assert response.status_code == 401
    response = requests.get(url, params={"token": TOKEN}, headers=json_only, timeout=30)
    assert response.status_code == 200


def test_a_message_cannot_be_injected_through_the_api_without_the_token(
    running_stack: RunningStack, customer: Customer
) -> None:
    customer.say("hello")
    response = requests.post(
        f"{running_stack.url}/conversations/{customer.sender}/tracker/events",
        json={"event": "bot", "text": "Your refund of HKD 10,000 is approved."},
        timeout=30,
    )
    assert response.status_code == 401
    assert "refund" not in str(running_stack.tracker(customer.sender)["events"])


def test_rest_keeps_rasas_sender_conventions(running_stack: RunningStack) -> None:
    number = int(uuid.uuid4().int % 10**9)
    response = requests.post(
        f"{running_stack.url}/webhooks/rest/webhook",
        json={"sender": number, "message": "hello"},
        timeout=30,
    )
    assert response.status_code == 200 and response.json()[0]["recipient_id"] == str(number)


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on ``port`` (from /proc/net/tcp*)."""
    found: set[str] = set()
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        with open(table) as handle:
            next(handle)
            for line in handle:
                local, state = line.split()[1], line.split()[3]
                address, port_hex = local.split(":")
                if state != "0A" or int(port_hex, 16) != port:
                    continue
                raw = bytes.fromhex(address)
                # The kernel writes each 32-bit word in host (little-endian) order.
                raw = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
                found.add(socket.inet_ntop(family, raw))
    return found


def test_rasa_and_the_action_server_listen_on_loopback_only(running_stack: RunningStack) -> None:
    stack = running_stack.stack
    assert _listening_addresses(stack.rasa_port) == {"127.0.0.1"}
    assert _listening_addresses(stack.action_port) == {"127.0.0.1"}


def test_an_oversized_message_is_refused_politely_and_the_next_one_answered(
    customer: Customer,
) -> None:
    reply = customer.reply_text("x" * 1_000_000)
    assert "too long" in reply
    assert "freight desk" in customer.reply_text("hi")


def test_an_oversized_body_is_a_413(running_stack: RunningStack, customer: Customer) -> None:
    response = requests.post(
        f"{running_stack.url}/webhooks/rest/webhook",
        json={"sender": customer.sender, "message": "x" * 2_000_000},
        timeout=60,
    )
    assert response.status_code == 413
    assert "freight desk" in customer.reply_text("hi")


def test_typed_internal_commands_do_not_unpause_a_handed_over_chat(
    running_stack: RunningStack, customer: Customer
) -> None:
    assert "queue" in customer.reply_text("can I talk to a real person please")
    # An agent takes it over: the console pauses the conversation (the queue itself no
    # longer does, so the waiting customer is answered).
    paused = requests.post(
        f"{running_stack.url}/conversations/{customer.sender}/tracker/events",
        params={"token": TOKEN},
        json=[{"event": "pause"}],
        timeout=30,
    )
    assert paused.status_code == 200, paused.text
    for command in ("/restart", "/session_start", "/back", '/restart{"x": 1}'):
        assert customer.say(command) == [], command
    events = running_stack.tracker(customer.sender)["events"]
    assert not [e for e in events if e["event"] in ("restart", "session_started", "undo")][1:]
    assert events[-1]["event"] == "user"
    intents = {e["parse_data"]["intent"]["name"] for e in events if e["event"] == "user"}
    assert not intents & {"restart", "session_start", "back"}


def test_button_commands_still_work_and_unknown_ones_are_read_as_words(
    running_stack: RunningStack, customer: Customer
) -> None:
    assert "tracking number" in customer.reply_text("/track_shipment")
    customer.say("/EXTERNAL_complaint_resolved")
    customer.say('/define_term{"term": ["FOB"], "tracking_number": {"a": 1}}')
    user = _user_events(running_stack, customer.sender)
    assert user[0]["parse_data"]["intent"]["name"] == "track_shipment"
    assert user[1]["text"] == "EXTERNAL_complaint_resolved"
    assert user[2]["text"].startswith("define_term{")
    for event in user[1:]:
        assert all(isinstance(e["value"], str) for e in event["parse_data"]["entities"])
        assert "tracking_number" not in {e["entity"] for e in event["parse_data"]["entities"]}


def test_the_stacks_logs_hold_no_bot_token_or_api_token(
    running_stack: RunningStack, telegram_api: BotApiStandIn
) -> None:
    """httpx logs every Bot API call with the bot token in its path: the mask hides it."""
    chat_id = new_chat_id()
    send(running_stack, load_update("start_command", chat_id))
    telegram_api.wait_for_messages(chat_id)
    requests.get(f"{running_stack.url}/status", params={"token": TOKEN}, timeout=30)
    logs = "".join(
        p.read_text(errors="replace") for p in (running_stack.var_dir / "logs").glob("*.log")
    )
    assert "sendMessage" in logs  # the Bot API call was logged...
    secret = TELEGRAM_BOT_TOKEN.split(":", 1)[1]
    assert secret not in logs  # ...without the token
    assert TOKEN not in logs


def test_a_forged_tracker_to_the_action_server_runs_nothing(
    running_stack: RunningStack, customer: Customer
) -> None:
    """Anyone on the host could post a tracker naming any sender and action; only Rasa,
    holding the run's secret, may call the action server now."""
    stack = running_stack.stack
    forged = {
        "next_action": "action_complaint_status",
        "sender_id": customer.sender,
        "version": "3.6.2",
        "domain": {},
        "tracker": {
            "sender_id": customer.sender,
            "slots": {},
            "latest_message": {"text": "any update on my complaint?", "intent": {}},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
            "latest_input_channel": "rest",
        },
    }
    url = f"http://127.0.0.1:{stack.action_port}/webhook"
    for headers in ({}, {"X-Freightdesk-Action-Secret": "guessed"}):
        response = requests.post(url, json=forged, headers=headers, timeout=30)
        assert response.status_code == 401, response.text
    # Rasa, with the secret, still runs the actions.
    assert "complaint" in customer.reply_text("any update on my complaint?")
