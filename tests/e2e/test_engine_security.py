"""The engine's side of issue 14 on the real stack: one safe sender id form end to end, the
API token off the command line, owner-only files, deep JSON, a hanging action server.

(The REST and Telegram screening, tokens and addresses: test_security.py.)
"""

from __future__ import annotations

import asyncio
import socket
import stat
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio  # type: ignore[import-untyped]  # ships no type hints

from bot.domain.conversations import NotifyError
from bot.engine.action_failures import ACTION_FAILED_TEXT, ACTION_TIMEOUT_S
from bot.engine.channels.guard import UNREADABLE_REPLY
from bot.engine.channels.webchat import SOCKETIO_PATH
from bot.engine.rasa_client import RasaClient
from tests.e2e.conftest import TOKEN, Customer, RunningStack

WAIT_S = 60.0


def _rest(stack: RunningStack, body: bytes | dict[str, Any]) -> requests.Response:
    url = f"{stack.url}/webhooks/rest/webhook"
    if isinstance(body, bytes):
        return requests.post(
            url, data=body, headers={"Content-Type": "application/json"}, timeout=60
        )
    return requests.post(url, json=body, timeout=60)


@pytest.mark.parametrize(
    "sender", ["jo smith", "a/b", "50%off", "x#1", "what?", "<b>", "café", "user-1 ", " user-1"]
)
def test_a_sender_id_rasa_cannot_address_is_refused_with_a_reason(
    running_stack: RunningStack, sender: str
) -> None:
    response = _rest(running_stack, {"sender": sender, "message": "hi"})
    assert response.status_code == 400
    assert "may hold only" in response.json()["error"]


def test_the_console_pause_an_agent_reply_and_an_outcome_reach_the_real_conversation(
    running_stack: RunningStack,
) -> None:
    """Everything the service writes into a conversation lands where the customer is."""
    customer = Customer(running_stack.url, f"crm:acme.hk@desk_{uuid.uuid4().hex[:8]}-7")
    assert customer.say("hello")
    client = RasaClient(running_stack.url, TOKEN)

    async def console() -> None:
        await client.pause(customer.sender)
        await client.send_agent_message(
            customer.sender, "Hi, Ann here from the service team.", agent="ann", client_id="c1"
        )
        await client.send(customer.sender, "Your complaint CMP-2026-00077 has been resolved.")

    asyncio.run(console())
    tracker = running_stack.tracker(customer.sender)
    said = [e.get("text") for e in tracker["events"] if e["event"] == "bot"]
    assert "Hi, Ann here from the service team." in said
    assert "Your complaint CMP-2026-00077 has been resolved." in said
    assert tracker["paused"] is True
    # A paused conversation stays quiet for the bot: the pause reached it.
    assert customer.say("are you there?") == []
    asyncio.run(client.resume(customer.sender, "Back to the assistant.", metadata={}))
    assert running_stack.tracker(customer.sender)["paused"] is False


def test_an_id_rasa_would_not_decode_is_never_written_to_a_phantom_conversation(
    running_stack: RunningStack,
) -> None:
    client = RasaClient(running_stack.url, TOKEN)
    with pytest.raises(NotifyError, match="cannot address"):
        asyncio.run(client.send("legacy user 1", "hello"))


def test_the_api_token_is_on_no_command_line(running_stack: RunningStack) -> None:
    processes = running_stack.stack.processes
    assert "rasa" in processes
    for name, process in processes.items():
        argv = Path(f"/proc/{process.pid}/cmdline").read_bytes().split(b"\0")
        assert TOKEN.encode() not in b" ".join(argv), name
    # ... and Rasa still wants it.
    assert requests.get(f"{running_stack.url}/status", timeout=30).status_code == 401


def test_runtime_files_and_folders_are_owner_only(running_stack: RunningStack) -> None:
    paths = [running_stack.var_dir, *running_stack.var_dir.rglob("*")]
    names = {p.name for p in paths}
    assert {"tracker.db", "rasa_events.db", "freightdesk.db", "logs"} <= names
    loose = [
        f"{p.relative_to(running_stack.var_dir)} {stat.filemode(p.stat().st_mode)}"
        for p in paths
        if p.stat().st_mode & 0o077
    ]
    assert loose == []


def test_deeply_nested_json_is_a_400_not_a_500(running_stack: RunningStack) -> None:
    deep = b'{"sender": "deep-json", "message": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    response = _rest(running_stack, deep)
    assert response.status_code == 400 and response.json()["error"]


def test_a_web_chat_packet_nested_too_deep_is_answered_not_dropped(
    running_stack: RunningStack,
) -> None:
    client = socketio.Client()
    joined, answered = threading.Event(), threading.Event()
    replies: list[dict[str, Any]] = []
    client.on("history", lambda *_: joined.set())

    @client.on("bot_uttered")
    def uttered(message: dict[str, Any]) -> None:
        replies.append(message)
        answered.set()

    client.connect(running_stack.url, socketio_path=SOCKETIO_PATH, transports=["websocket"])
    try:
        client.emit("session_request", {"session_id": None})
        assert joined.wait(WAIT_S)
        # What a hand-made client can send; the page never would.
        # An engine.io message holding a socket.io EVENT packet (type 2) for the default
        # namespace.
        client.eio.send('2["user_uttered",' + "[" * 20_000 + "]" * 20_000 + "]")
        assert answered.wait(WAIT_S), "the message was dropped in silence"
    finally:
        client.disconnect()
    assert replies[0]["text"] == UNREADABLE_REPLY


def test_a_hanging_action_server_gets_the_customer_an_apology_in_time(
    running_stack: RunningStack, demo_shipments: list[dict[str, str]]
) -> None:
    """A real socket on the action server's port that accepts and never answers."""
    stack = running_stack.stack
    customer = running_stack.customer()
    assert customer.say("hi")
    stack.stop_server("actions")
    silent = socket.socket()
    try:
        silent.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        silent.bind(("127.0.0.1", stack.action_port))
        silent.listen(16)
        number = demo_shipments[0]["tracking_number"]
        started = time.monotonic()
        response = requests.post(
            f"{running_stack.url}/webhooks/rest/webhook",
            json={"sender": customer.sender, "message": f"where is my shipment {number}?"},
            timeout=300,
        )
        took = time.monotonic() - started
    finally:
        silent.close()
        stack.restart_server("actions")
    texts = [m.get("text") or "" for m in response.json()]
    assert ACTION_FAILED_TEXT in texts, texts
    # Rasa alone waits 300 s; the conversation's lock lives 60 s.
    assert took < 60, f"{took:.0f} s"
    assert took >= ACTION_TIMEOUT_S - 1
