"""The production profile, started as operators start it: `python -m bot run`.

`FREIGHTDESK_PROFILE=production` with a fresh PostgreSQL database (project tables and
Rasa's tracker store), a Redis key prefix and a RabbitMQ user and vhost made for the test
session and removed after it: two Rasa replicas with their action servers behind HAProxy,
and the workers, all under supervisord (tests/support/production.py; the session's one
production stack, shared with tests/faults/test_supervised_production.py). Each
conversation's messages go alternately to the two replicas, several conversations at
once; then two messages of one conversation arrive at both replicas at the same moment.
SIGTERM then stops everything with exit code 0.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass

import pytest
import requests

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
