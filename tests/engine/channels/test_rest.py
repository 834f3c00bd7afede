"""The REST channel in a real Sanic server (a subprocess), with a stand-in for Rasa's
message handler that fails: what a caller gets when a turn raises, and for bodies Rasa
never sees. (On the full stack: tests/e2e/test_security.py, test_engine_security.py.)"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import pytest
import requests

from bot.core.settings import REPO_ROOT
from bot.engine.channels.guard import TURN_FAILED_REPLY
from bot.ops.stack import free_port

SERVER = """
import sys
from sanic import Sanic
from bot.engine.channels.rest import CustomerRestInput

async def on_new_message(message):
    await message.output_channel.send_text_message(message.sender_id, "Let me look...")
    raise RuntimeError("the turn failed")

app = Sanic("rest_test")
channel = CustomerRestInput()
app.blueprint(channel.blueprint(on_new_message), url_prefix="/webhooks/rest")
app.run(host="127.0.0.1", port=int(sys.argv[1]), access_log=False)
"""


@pytest.fixture(scope="module")
def url() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(port)],
        cwd=REPO_ROOT,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/webhooks/rest"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(f"{base}/", timeout=2)
                break
            except requests.ConnectionError:
                assert process.poll() is None, "the test server died"
                time.sleep(0.2)
        yield f"{base}/webhook"
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_a_failed_turn_is_answered_with_one_apology_not_silence(url: str) -> None:
    response = requests.post(url, json={"sender": "user-1", "message": "hi"}, timeout=30)
    assert response.status_code == 200
    assert response.json() == [
        {"recipient_id": "user-1", "text": "Let me look..."},
        {"recipient_id": "user-1", "text": TURN_FAILED_REPLY},
    ]


def test_json_nested_too_deep_is_a_400(url: str) -> None:
    body = b'{"sender": "user-1", "message": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    response = requests.post(
        url, data=body, headers={"Content-Type": "application/json"}, timeout=30
    )
    assert response.status_code == 400 and response.json()["error"]


def test_a_sender_id_outside_the_safe_form_is_a_400(url: str) -> None:
    response = requests.post(url, json={"sender": "jo smith", "message": "hi"}, timeout=30)
    assert response.status_code == 400 and "may hold only" in response.json()["error"]


def test_the_readiness_route_says_loading_until_a_model_is_loaded(url: str) -> None:
    # This server has no agent: HAProxy's check must keep traffic away from it. (A loaded
    # replica answering 200 is tested through HAProxy in tests/faults.)
    response = requests.get(url.rsplit("/", 1)[0] + "/ready", timeout=10)
    assert (response.status_code, response.json()) == (503, {"status": "loading"})
