"""Server push: an open console page hears within a second that a customer joined the
queue, that a conversation's transcript grew (a line the event-stream consumer wrote),
that an agent's message was delivered and that a notice was left for its staff member
(and only theirs); without a session the stream is refused."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from bot.engine.eventstream.facts import apply_events
from bot.storage import db
from tests.console.harness import PASSWORD, Console, notice_for_ann
from tests.console.server import page_csrf, sign_in

HKT = ZoneInfo("Asia/Hong_Kong")


@contextmanager
def listening(http: requests.Session, url: str) -> Iterator[queue.Queue[dict[str, Any]]]:
    """The events of ``url``'s stream, read in a thread as they arrive."""
    heard: queue.Queue[dict[str, Any]] = queue.Queue()
    response = http.get(url + "/live", stream=True, timeout=30)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/event-stream")

    def read() -> None:
        kind = None
        try:
            for raw in response.iter_lines(decode_unicode=True):
                if raw.startswith("event: "):
                    kind = raw[7:]
                elif raw.startswith("data: ") and kind:
                    heard.put({"event": kind, **json.loads(raw[6:])})
        except (requests.RequestException, AttributeError, ValueError):
            return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    time.sleep(0.8)  # the watcher has read the state the changes are measured against
    try:
        yield heard
    finally:
        response.close()


def _next(heard: queue.Queue[dict[str, Any]], kind: str, within: float) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while (left := deadline - time.monotonic()) > 0:
        try:
            event = heard.get(timeout=left)
        except queue.Empty:
            break
        if event["event"] == kind:
            return event
    raise AssertionError(f"no {kind} event within {within} s")


def test_a_new_waiting_customer_is_pushed_within_a_second(console: Console) -> None:
    agent = sign_in(console.url, "ann", PASSWORD)
    with listening(agent, console.url) as heard:
        started = time.monotonic()
        handoff_id = console.handoff("alice")
        event = _next(heard, "queue", within=1.0)
        assert time.monotonic() - started < 1.0
    assert event["joined"] == [handoff_id] and event["waiting"] == 1


def test_a_new_transcript_line_and_a_delivered_reply_are_pushed(console: Console) -> None:
    handoff_id = console.handoff("alice")
    agent = sign_in(console.url, "ann", PASSWORD)
    csrf = page_csrf(agent, console.url + "/queue")
    agent.post(f"{console.url}/handoffs/{handoff_id}/take", data={"csrf_token": csrf})
    with listening(agent, console.url) as heard:
        with db.session_scope(db.get_engine(console.database_url)) as session:
            # What the event-stream consumer does with the customer's new message.
            apply_events(
                session,
                [{"event": "user", "text": "is anyone there?", "timestamp": time.time()}],
                sender_id="alice",
            )
        assert _next(heard, "handoff", within=1.0)["id"] == handoff_id
        agent.post(
            f"{console.url}/handoffs/{handoff_id}/messages",
            json={"client_id": "live0001", "text": "Hello, Ann here"},
            headers={"X-CSRF-Token": csrf},
        )
        assert _next(heard, "handoff", within=1.0)["id"] == handoff_id
    lines = agent.get(f"{console.url}/handoffs/{handoff_id}/transcript.json").json()["lines"]
    assert [(line["who"], line["text"]) for line in lines] == [("customer", "is anyone there?")]


def test_the_stream_needs_a_signed_in_agent(console: Console) -> None:
    response = requests.get(console.url + "/live", timeout=10, allow_redirects=False)
    assert response.status_code == 303 and response.headers["Location"] == "/login"


def test_a_notice_is_pushed_to_its_owner_only_and_reading_it_clears_the_count(
    console: Console,
) -> None:
    ann = sign_in(console.url, "ann", PASSWORD)
    lee = sign_in(console.url, "lee", PASSWORD)
    with listening(ann, console.url) as ann_heard, listening(lee, console.url) as lee_heard:
        # On connecting, each page learns its own count.
        assert _next(ann_heard, "notices", within=1.0)["unread"] == 0
        assert _next(lee_heard, "notices", within=1.0) == {
            "event": "notices",
            "type": "notices",
            "for": "lee",
            "unread": 0,
        }
        started = time.monotonic()
        notice_for_ann(console, "parcel late again")
        event = _next(ann_heard, "notices", within=1.0)
        assert time.monotonic() - started < 1.0
        assert event["for"] == "ann" and event["unread"] == 1
        csrf = page_csrf(ann, console.url + "/notices")
        ann.post(console.url + "/notices/read", data={"csrf_token": csrf})
        assert _next(ann_heard, "notices", within=1.0)["unread"] == 0
        # lee owns none of it: his stream heard nothing about ann's notices.
        with pytest.raises(AssertionError):
            _next(lee_heard, "notices", within=0.5)
