"""The production profile, started as operators start it: `python -m bot run`.

`FREIGHTDESK_PROFILE=production` with a fresh PostgreSQL database (project tables and
Rasa's tracker store), a Redis key prefix and a RabbitMQ user and vhost made for the test
session and removed after it: two Rasa replicas with their action servers behind HAProxy,
and the workers, all under supervisord (tests/support/production.py; the session's one
production stack, shared with tests/faults/test_supervised_production.py). Each
conversation's messages go alternately to the two replicas, several conversations at
once; then two messages of one conversation arrive at both replicas at the same moment.
A web chat page whose websocket is on one replica receives what another replica sends
it. SIGTERM then stops everything with exit code 0.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from bot.domain.survey.config import survey_config
from bot.domain.survey.wording import offer_text
from bot.engine.rasa_client import RasaClient
from tests.support.browser import TIMEOUT_MS, open_page
from tests.support.production import TOKEN, Production

QUOTE_FLOW = [
    ("can I get a quote?", "which service"),
    ("air freight", "from"),
    ("Shenzhen", "going"),
    ("Rotterdam", "weight"),
    ("300 kg", "volume"),
    ("2 cbm", "334"),
]


@dataclass
class Replicated:
    replica_urls: list[str]
    url: str
    tracker_url: str
    action_urls: list[str]
    running: Production

    def say(self, replica: int, sender: str, text: str) -> str:
        response = requests.post(
            f"{self.replica_urls[replica]}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            timeout=120,
        )
        assert response.status_code == 200, response.text
        return "\n".join(m.get("text") or "" for m in response.json()).lower()

    def events(self, sender: str) -> list[tuple[str, str | None, str | None]]:
        """(type, action name, text) of the sender's stored events, in order."""
        return self.running.tracker_events(sender)


@pytest.fixture
def replicated(production_stack: Production) -> Replicated:
    running = production_stack
    return Replicated(
        running.replica_urls, running.url, running.database_url, running.action_urls, running
    )


def test_two_replicas_and_action_servers_are_up(replicated: Replicated) -> None:
    for base in [*replicated.replica_urls, replicated.url]:
        assert requests.get(f"{base}/", timeout=30).status_code == 200
    for base in replicated.action_urls:
        assert requests.get(f"{base}/health", timeout=30).status_code == 200
    status = requests.get(f"{replicated.replica_urls[1]}/status", params={"token": TOKEN})
    assert status.status_code == 200 and "model_file" in status.json()


def _assert_serialised(events: list[tuple[str, str | None, str | None]]) -> None:
    """Each customer message's turn ends (action_listen) before the next one starts."""
    for index, (kind, _, _) in enumerate(events):
        if kind == "user":
            assert events[index - 1][:2] == ("action", "action_listen"), events[
                index - 3 : index + 1
            ]


def test_alternating_replicas_concurrent_conversations(replicated: Replicated) -> None:
    senders = [f"scale-{uuid.uuid4().hex[:10]}" for _ in range(4)]
    problems: list[str] = []

    def converse(number: int, sender: str) -> None:
        try:
            for step, (text, expected) in enumerate(QUOTE_FLOW):
                reply = replicated.say((number + step) % 2, sender, text)
                if expected not in reply:
                    problems.append(f"{sender} step {step} {text!r}: {reply!r}")
                    return
        except Exception as exc:  # reported to the test below
            problems.append(f"{sender}: {exc!r}")

    threads = [threading.Thread(target=converse, args=(n, s)) for n, s in enumerate(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not problems

    # Two messages of one conversation at the same moment, one at each replica.
    answers: dict[tuple[str, int], str] = {}

    def ask(sender: str, replica: int, text: str) -> None:
        answers[(sender, replica)] = replicated.say(replica, sender, text)

    threads = [
        threading.Thread(target=ask, args=(sender, replica, text))
        for sender in senders
        for replica, text in ((0, "what does FOB mean?"), (1, "what is demurrage"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for sender in senders:
        assert "free on board" in answers[(sender, 0)]
        assert "demurrage" in answers[(sender, 1)]

    sent = [text for text, _ in QUOTE_FLOW]
    for sender in senders:
        events = replicated.events(sender)
        user_texts = [text for kind, _, text in events if kind == "user"]
        # Every message stored once: the flow in order, then both questions in some order.
        assert user_texts[: len(sent)] == sent
        assert sorted(user_texts[len(sent) :]) == ["what does FOB mean?", "what is demurrage"]
        _assert_serialised(events)


def test_haproxy_reaches_both_replicas_and_continues_conversations(
    replicated: Replicated,
) -> None:
    sender = f"scale-{uuid.uuid4().hex[:10]}"
    replies = []
    for text, _ in QUOTE_FLOW:
        # A new connection per message: HAProxy sends each to the next replica.
        response = requests.post(
            f"{replicated.url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            headers={"Connection": "close"},
            timeout=120,
        )
        assert response.status_code == 200
        replies.append(" ".join(m.get("text") or "" for m in response.json()).lower())
    for reply, (_, expected) in zip(replies, QUOTE_FLOW, strict=True):
        assert expected in reply
    _assert_serialised(replicated.events(sender))


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    """A page in a fresh Chromium profile."""
    with open_page(tmp_path / "profile") as page:
        yield page


def _run(work: Coroutine[Any, Any, None]) -> None:
    """Run ``work`` to its end in a thread of its own (Playwright's loop runs in this one)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, work).result()


def _bot_says(page: Page, text: str) -> None:
    expect(page.locator(".msg-bot", has_text=text).last).to_be_visible(timeout=TIMEOUT_MS)


def test_a_page_on_one_replica_hears_what_the_other_replica_sends(
    replicated: Replicated, page: Page
) -> None:
    running = replicated.running
    # The page connects through HAProxy while rasa-1 takes no new connection (drained):
    # page, assets and the websocket all go to rasa-0 ("replica A").
    assert "rasa-1" in running.server_states()
    running.haproxy("set server rasa_replicas/rasa-1 state drain")
    try:
        served_by_b = running.sessions_served("rasa-1")
        page.goto(f"{replicated.url}/webchat/")
        _bot_says(page, "Welcome to Freight Desk")
        token = page.evaluate("localStorage.getItem('freightdesk.webchat.session')")
        assert running.sessions_served("rasa-1") == served_by_b
    finally:
        running.haproxy("set server rasa_replicas/rasa-1 state ready")
    deadline = time.monotonic() + 60
    while running.server_states().get("rasa-1") != "UP":
        assert time.monotonic() < deadline, running.server_states()
        time.sleep(0.5)
    sender = f"web:{token.split('.', 1)[0]}"
    # Replica B handles what the console and the workers send (straight to its own port,
    # not through HAProxy): an agent's reply ...
    on_b = RasaClient(replicated.replica_urls[1], TOKEN, timeout=60)
    reply = f"Hello, this is Alice from the express desk ({uuid.uuid4().hex[:6]})."
    _run(on_b.send_agent_message(sender, reply, agent="alice", client_id=uuid.uuid4().hex))
    _bot_says(page, reply)
    # ... and the survey offer after the agent closed the chat (an external intent: the
    # assistant's own action runs on replica B and its answer goes to the page on A).
    _run(
        on_b.trigger_intent(
            sender,
            "EXTERNAL_survey_offer",
            {
                "survey_trigger": "handoff_closed",
                "survey_service": "request_human",
                "survey_agent": "alice",
                "survey_team": "express",
                "survey_complaint": "",
            },
        )
    )
    offer = offer_text("handoff_closed", len(survey_config().questions), "en")
    _bot_says(page, offer)
    # Nothing of this reached the page through a new connection to replica B.
    assert running.sessions_served("rasa-1") == served_by_b
