"""A real Freight Desk stack for end-to-end tests: trained model, action server, Rasa.

Started once per test session on free loopback ports with its own SQLite database,
tracker store and SQL event broker table in a temporary folder; demo shipments are
seeded as `make run` does.
"""

from __future__ import annotations

import csv
import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from bot.core.settings import REPO_ROOT
from bot.engine.eventstream.facts import follow_sql_broker
from bot.ops.stack import Stack, free_port, latest_model, prepare_database
from bot.storage.db import get_engine
from tests.engine.channels.telegram_standin import BotApiStandIn
from tests.support.mailbox import Mailbox

TOKEN = "e2e-test-token"
TELEGRAM_BOT_TOKEN = "7000000001:AAE2eTestTokenForTheStandInOnly-0000"
TELEGRAM_SECRET = "e2e-telegram-webhook-secret"
DEMO_CSV = REPO_ROOT / "bot" / "domain" / "demo_data" / "shipments.csv"


@dataclass
class Customer:
    """One customer talking to the bot through the REST channel."""

    base_url: str
    sender: str

    def say(self, text: str) -> list[dict[str, Any]]:
        """Send ``text`` and return the bot's messages (each with 'text', maybe 'buttons')."""
        response = requests.post(
            f"{self.base_url}/webhooks/rest/webhook",
            json={"sender": self.sender, "message": text},
            timeout=60,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def reply_text(self, text: str) -> str:
        """Send ``text`` and return everything the bot said, joined, lower-cased."""
        return "\n".join(m.get("text") or "" for m in self.say(text)).lower()


@dataclass
class RunningStack:
    """The started stack and what tests need to reach it."""

    stack: Stack
    database_url: str
    var_dir: Path

    @property
    def kb_dir(self) -> Path:
        """The stack's own copy of knowledge_base/ (tests may change its rate card)."""
        return self.var_dir / "knowledge_base"

    @property
    def events_url(self) -> str:
        """Database URL of the table Rasa's SQL event broker writes every event to."""
        return f"sqlite:///{self.var_dir / 'rasa_events.db'}"

    @property
    def url(self) -> str:
        return self.stack.url

    def customer(self) -> Customer:
        """A new customer with a fresh conversation."""
        return Customer(self.url, f"test-{uuid.uuid4().hex[:12]}")

    def tracker(self, sender: str) -> dict[str, Any]:
        """The conversation as Rasa stored it (HTTP API, token protected)."""
        response = requests.get(
            f"{self.url}/conversations/{sender}/tracker",
            params={"token": TOKEN},
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="session")
def telegram_api() -> Iterator[BotApiStandIn]:
    """The Telegram Bot API stand-in the stack's Telegram channel talks to."""
    api = BotApiStandIn(TELEGRAM_BOT_TOKEN).start()
    try:
        yield api
    finally:
        api.stop()


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    """The SMTP server the stack sends customers' mail (one-time codes) to."""
    box = Mailbox().start()
    try:
        yield box
    finally:
        box.stop()


@pytest.fixture(scope="session")
def running_stack(
    tmp_path_factory: pytest.TempPathFactory, telegram_api: BotApiStandIn, mailbox: Mailbox
) -> Iterator[RunningStack]:
    """Start the action server and Rasa once for the whole test session."""
    var_dir = tmp_path_factory.mktemp("stack")
    database_url = f"sqlite:///{var_dir / 'freightdesk.db'}"
    prepare_database(database_url)
    # The stack's own knowledge base copy, so a test can put in another rate card.
    kb_copy = var_dir / "knowledge_base"
    shutil.copytree(REPO_ROOT / "knowledge_base", kb_copy)
    # Like everything else under the runtime folder: the owner's alone.
    for path in [kb_copy, *kb_copy.rglob("*")]:
        path.chmod(0o700 if path.is_dir() else 0o600)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "FREIGHTDESK_VAR_DIR": str(var_dir),
        "RASA_TOKEN": TOKEN,
        "FREIGHTDESK_KB_DIR": str(var_dir / "knowledge_base"),
        "TELEGRAM_BOT_TOKEN": TELEGRAM_BOT_TOKEN,
        "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
        "TELEGRAM_API_BASE_URL": telegram_api.url,
        **mailbox.env,
    }
    stack = Stack(
        model=latest_model(REPO_ROOT / "models"),
        rasa_port=free_port(),
        action_port=free_port(),
        env=env,
        tracker_db=var_dir / "tracker.db",
        events_db=var_dir / "rasa_events.db",
        log_dir=var_dir / "logs",
        token=TOKEN,
        # Loading the model takes 30-40 s on an idle machine, minutes on a busy one.
        start_timeout=600,
    )
    stack.start()
    try:
        yield RunningStack(stack, database_url, var_dir)
    finally:
        stack.stop()


@pytest.fixture
def customer(running_stack: RunningStack) -> Customer:
    """A new customer on the REST channel."""
    return running_stack.customer()


@pytest.fixture(scope="session")
def demo_shipments() -> list[dict[str, str]]:
    """The demo shipments' latest rows, one per tracking number, as seeded."""
    latest: dict[str, dict[str, str]] = {}
    with DEMO_CSV.open(newline="") as handle:
        for row in csv.DictReader(handle):
            current = latest.get(row["tracking_number"])
            if current is None or row["occurred_at"] > current["occurred_at"]:
                latest[row["tracking_number"]] = row
    return list(latest.values())


@contextmanager
def following_events(stack: RunningStack) -> Iterator[None]:
    """The event-stream consumer of `make run` (``kpi consume --follow``), in a thread:
    conversation facts and the console's transcript lines as Rasa writes events."""
    stop = threading.Event()
    broker = get_engine(stack.events_url)
    worker = threading.Thread(
        target=follow_sql_broker,
        args=(get_engine(stack.database_url), broker, stop),
        kwargs={"interval": 0.2},
        daemon=True,
    )
    worker.start()
    try:
        yield
    finally:
        stop.set()
        worker.join(timeout=30)
