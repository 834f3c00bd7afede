"""The action server launcher: loopback by default, and nothing runs without Rasa's secret.

Each test starts the real launcher (`python -m bot.engine.action_server`) with the real
actions package on a free port and talks to it over HTTP as an attacker on the host would.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from bot.core.settings import ACTION_SECRET_HEADER, REPO_ROOT
from bot.ops.stack import free_port
from tests.e2e.test_security import _listening_addresses

SECRET = "unit-test-action-secret-0123456789abcdef"


def forged_call(sender: str = "someone-else") -> dict[str, Any]:
    """What an attacker posts: a tracker of their choosing naming an action to run."""
    return {
        "next_action": "action_ask_complaint_contact",
        "sender_id": sender,
        "version": "3.6.2",
        "domain": {},
        "tracker": {
            "sender_id": sender,
            "slots": {},
            "latest_message": {"text": "hi", "intent": {"name": "greet"}},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
            "latest_input_channel": "rest",
        },
    }


def _start(tmp_path: Path, env_extra: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fd.db'}",
        "FREIGHTDESK_VAR_DIR": str(tmp_path),
        # What the old launcher obeyed: every interface.
        "SANIC_HOST": "0.0.0.0",
        **env_extra,
    }
    if "FREIGHTDESK_ACTION_SECRET" not in env_extra:
        env.pop("FREIGHTDESK_ACTION_SECRET", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot.engine.action_server",
            "--actions",
            "actions",
            "--port",
            str(port),
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    return process, port


def _wait_up(process: subprocess.Popen[bytes], port: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            raise AssertionError(f"action server exited: {output}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    raise AssertionError("action server did not start")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def guarded(tmp_path: Path) -> Iterator[int]:
    """An action server started with a secret; yields its port."""
    process, port = _start(tmp_path, {"FREIGHTDESK_ACTION_SECRET": SECRET})
    try:
        _wait_up(process, port)
        yield port
    finally:
        _stop(process)


@pytest.mark.parametrize(
    "headers",
    [{}, {ACTION_SECRET_HEADER: "wrong"}, {ACTION_SECRET_HEADER: SECRET[:-1]}, {"token": SECRET}],
    ids=["none", "wrong", "truncated", "other-header"],
)
def test_a_forged_tracker_without_the_secret_runs_nothing(
    guarded: int, headers: dict[str, str]
) -> None:
    response = requests.post(
        f"http://127.0.0.1:{guarded}/webhook", json=forged_call(), headers=headers, timeout=30
    )
    assert response.status_code == 401
    assert "events" not in response.json() and "responses" not in response.json()
    # Nor as a query parameter (Rasa's `token` style would put it in access logs).
    response = requests.post(
        f"http://127.0.0.1:{guarded}/webhook",
        params={"token": SECRET},
        json=forged_call(),
        timeout=30,
    )
    assert response.status_code == 401


def test_the_secret_lets_rasa_run_actions(guarded: int) -> None:
    response = requests.post(
        f"http://127.0.0.1:{guarded}/webhook",
        json=forged_call(),
        headers={ACTION_SECRET_HEADER: SECRET},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    assert "email address or phone number" in response.json()["responses"][0]["text"]


def test_it_listens_on_loopback_and_sends_no_cors_headers(guarded: int) -> None:
    assert _listening_addresses(guarded) == {"127.0.0.1"}
    response = requests.options(
        f"http://127.0.0.1:{guarded}/webhook",
        headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
        timeout=10,
    )
    assert "access-control-allow-origin" not in {k.lower() for k in response.headers}


def test_without_a_secret_it_will_not_listen_beyond_loopback(tmp_path: Path) -> None:
    process, _port = _start(tmp_path, {"FREIGHTDESK_ACTION_HOST": "0.0.0.0"})
    try:
        assert process.wait(timeout=120) == 2
        assert process.stdout is not None
        assert b"FREIGHTDESK_ACTION_SECRET is not set" in process.stdout.read()
    finally:
        if process.poll() is None:
            _stop(process)


def _nlg_call(response: str, text: str, language: str | None = None) -> dict[str, Any]:
    """Rasa's NLG request for ``response`` after the customer said ``text``."""
    return {
        "response": response,
        "id": None,
        "arguments": {},
        "tracker": {
            "sender_id": "nlg-test",
            "slots": {"language": language},
            "events": [{"event": "user", "text": text}],
        },
        "channel": {"name": "rest"},
    }


def test_the_nlg_route_answers_in_the_conversations_language_only_with_the_secret(
    guarded: int,
) -> None:
    url = f"http://127.0.0.1:{guarded}/nlg"
    refused = requests.post(url, json=_nlg_call("utter_greet", "你好"), timeout=30)
    assert refused.status_code == 401
    answered = requests.post(
        url,
        json=_nlg_call("utter_greet", "你好"),
        headers={ACTION_SECRET_HEADER: SECRET},
        timeout=30,
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["text"].startswith("你好")
    assert answered.json()["buttons"][0]["payload"] == "/track_shipment"
    english = requests.post(
        url,
        json=_nlg_call("utter_greet", "你好", language="en"),
        headers={ACTION_SECRET_HEADER: SECRET},
        timeout=30,
    )
    assert english.json()["text"].startswith("Hello")
    malformed = requests.post(
        url, json={"tracker": {}}, headers={ACTION_SECRET_HEADER: SECRET}, timeout=30
    )
    assert malformed.status_code == 400
