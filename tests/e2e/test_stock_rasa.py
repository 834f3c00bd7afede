"""Rasa started the stock way keeps the project's fixes.

`rasa run` with the project's endpoints.yml and credentials.yml, not the project's
launcher (`python -m bot.engine.server`, what :class:`bot.ops.stack.Stack` runs): the
classes those files name install the fixes when Rasa builds them (bot/engine/rasa_fixes.py).
The action endpoint points at a port where nothing listens, so every custom action fails;
without the fixes Rasa logs the failure and the customer gets no answer.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.core.settings import REPO_ROOT
from bot.engine.action_failures import ACTION_FAILED_TEXT
from bot.engine.tracker_outages import STORE_DOWN_TEXT
from bot.ops.stack import free_port, write_endpoints
from tests.e2e.conftest import TOKEN, Customer

#: Rasa's own command line, from the same virtual environment as the tests.
RASA = Path(sys.executable).with_name("rasa")
MODEL = REPO_ROOT / "models" / "freightdesk.tar.gz"
# Loading the model takes 30-90 s on this machine, minutes on a busy one.
START_TIMEOUT_S = 600.0
TRACK = "where is my shipment 160-48219371"


@dataclass
class StockRasa:
    """The running `rasa run` and where its state lives."""

    url: str
    tracker_db: Path
    log: Path

    def customer(self) -> Customer:
        return Customer(self.url, f"stock-{uuid.uuid4().hex[:12]}")

    def log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def _wait_for_model(url: str, rasa: subprocess.Popen[bytes], log: Path) -> None:
    """Rasa answers '/' before the model is in; /status names the model once it is."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if rasa.poll() is not None:
            tail = log.read_text(errors="replace")[-4000:]
            pytest.fail(f"rasa run exited with code {rasa.returncode}:\n{tail}")
        try:
            with urllib.request.urlopen(f"{url}/status?token={TOKEN}", timeout=2) as response:
                if b'"model_file"' in response.read():
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    pytest.fail(f"rasa run did not load {MODEL.name} in {START_TIMEOUT_S:.0f} s")


@pytest.fixture(scope="module")
def stock_rasa(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StockRasa]:
    """`rasa run` on a free port, with a copy of endpoints.yml on temporary SQLite files."""
    var_dir = tmp_path_factory.mktemp("stock-rasa")
    tracker_db = var_dir / "tracker.db"
    endpoints = write_endpoints(
        REPO_ROOT / "endpoints.yml",
        var_dir / "endpoints.yml",
        action_port=free_port(),  # nothing listens there: every custom action fails
        tracker_db=tracker_db,
        events_db=var_dir / "rasa_events.db",
    )
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO_ROOT),
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "FREIGHTDESK_VAR_DIR": str(var_dir),
        "DATABASE_URL": f"sqlite:///{var_dir / 'freightdesk.db'}",
    }
    env.pop("TELEGRAM_BOT_TOKEN", None)  # the Telegram webhook stays off
    log = var_dir / "rasa.log"
    command = [
        str(RASA),
        "run",
        "--enable-api",
        "--endpoints",
        str(endpoints),
        "--credentials",
        str(REPO_ROOT / "credentials.yml"),
        "-m",
        str(MODEL),
        "--interface",
        "127.0.0.1",
        "--port",
        str(port),
        "--auth-token",
        TOKEN,
    ]
    with log.open("wb") as output:
        rasa = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_model(url, rasa, log)
        yield StockRasa(url, tracker_db, log)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(rasa.pid, signal.SIGTERM)
        try:
            rasa.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(rasa.pid, signal.SIGKILL)
            rasa.wait()


def test_a_failed_custom_action_still_gets_the_apology(stock_rasa: StockRasa) -> None:
    customer = stock_rasa.customer()
    messages = customer.say(TRACK)

    texts = [message.get("text") or "" for message in messages]
    assert texts.count(ACTION_FAILED_TEXT) == 1, (texts, stock_rasa.log_tail())
    buttons = [button for message in messages for button in message.get("buttons") or []]
    assert {"title": "Talk to a person", "payload": "/request_human"} in buttons
    log = stock_rasa.log.read_text(errors="replace").splitlines()
    faults = [line for line in log if "FAULT: custom action" in line]
    assert any(customer.sender in line for line in faults), stock_rasa.log_tail()


def test_an_unreadable_conversation_is_answered_honestly_not_started_afresh(
    stock_rasa: StockRasa,
) -> None:
    customer = stock_rasa.customer()
    with sqlite3.connect(stock_rasa.tracker_db) as tracker_db:
        tracker_db.execute("ALTER TABLE events RENAME TO events_away")
    try:
        messages = customer.say(TRACK)
    finally:
        with sqlite3.connect(stock_rasa.tracker_db) as tracker_db:
            tracker_db.execute("ALTER TABLE events_away RENAME TO events")

    assert [message.get("text") for message in messages] == [STORE_DOWN_TEXT], (
        messages,
        stock_rasa.log_tail(),
    )
