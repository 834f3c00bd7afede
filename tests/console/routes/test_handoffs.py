"""The queue and handed-over conversations over HTTP against a Rasa stand-in: customer
text escaped, take, reply, retry, hand back and close with what Rasa received, and
another agent's conversation kept from view."""

from __future__ import annotations

import time

import pytest

from bot.domain.handoff.waiting import note_waiting_message
from bot.engine.eventstream.facts import apply_events
from bot.storage import db
from tests.console.harness import PASSWORD, SCRIPT, Console
from tests.console.server import page_csrf, sign_in


def test_customer_text_is_escaped(console: Console) -> None:
    handoff_id = console.handoff("alice", summary=f"Customer wrote {SCRIPT}")
    agent = sign_in(console.url, "ann", PASSWORD)
    queue = agent.get(console.url + "/queue", timeout=10).text
    assert SCRIPT not in queue and "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;" in queue
    csrf = page_csrf(agent, console.url + "/queue")
    agent.post(f"{console.url}/handoffs/{handoff_id}/take", data={"csrf_token": csrf})
    page = agent.get(f"{console.url}/handoffs/{handoff_id}", timeout=10).text
    assert SCRIPT not in page and "&lt;script&gt;" in page


def test_the_queue_shows_what_the_customer_left_while_waiting(console: Console) -> None:
    console.handoff("alice")
    with db.session_scope(db.get_engine(console.database_url)) as session:
        note_waiting_message(session, "alice", f"call me Monday 10am on 9123 4567 {SCRIPT}")
    agent = sign_in(console.url, "ann", PASSWORD)
    queue = agent.get(console.url + "/queue", timeout=10).text
    assert "Left while waiting" in queue and "call me Monday 10am" in queue
    assert SCRIPT not in queue


def test_take_reply_retry_and_hand_back_reach_rasa_once(console: Console) -> None:
    handoff_id = console.handoff("alice")
    agent = sign_in(console.url, "ann", PASSWORD)
    csrf = page_csrf(agent, console.url + "/queue")
    agent.post(f"{console.url}/handoffs/{handoff_id}/take", data={"csrf_token": csrf})
    assert console.rasa.sent[0].body == [{"event": "pause"}]

    messages = f"{console.url}/handoffs/{handoff_id}/messages"
    headers = {"X-CSRF-Token": csrf}
    console.rasa.fail_status = 500
    failed = agent.post(messages, json={"client_id": "msg00001", "text": "Hello"}, headers=headers)
    assert failed.json()["status"] == "failed" and "500" in failed.json()["error"]
    transcript = agent.get(f"{console.url}/handoffs/{handoff_id}/transcript.json").json()
    assert transcript["messages"][0]["status"] == "failed"

    console.rasa.fail_status = None
    for _ in range(2):  # a retry, then a double click on it
        sent = agent.post(
            messages, json={"client_id": "msg00001", "text": "Hello"}, headers=headers
        )
        assert sent.json()["status"] == "sent"
    # What Rasa stored (answered 200) is what the customer got: the message, once.
    delivered = [e for e in console.rasa.events["alice"] if isinstance(e, dict)]
    assert [(e["text"], e["metadata"]["agent"]) for e in delivered] == [("Hello", "ann")]
    last_post = [r for r in console.rasa.sent if isinstance(r.body, dict)][-1]
    assert last_post.query["execute_side_effects"] == "true"
    assert last_post.query["output_channel"] == "latest"

    with db.session_scope(db.get_engine(console.database_url)) as session:
        # What the event-stream consumer does with the events Rasa stored (stamped).
        stored = [e for e in console.rasa.events["alice"] if isinstance(e, dict)]
        stamped = [{"timestamp": time.time(), **e} for e in stored]
        apply_events(session, stamped, sender_id="alice")
    lines = agent.get(f"{console.url}/handoffs/{handoff_id}/transcript.json").json()["lines"]
    assert {"who": "agent", "text": "Hello", "agent": "ann"} in [
        {k: line[k] for k in ("who", "text", "agent")} for line in lines
    ]

    response = agent.post(
        f"{console.url}/handoffs/{handoff_id}/hand-back",
        data={"csrf_token": csrf},
        allow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["Location"] == "/queue"
    resumed = console.rasa.sent[-1]
    names = [e.get("name", e["event"]) for e in resumed.body if e["event"] != "slot"]
    assert names == ["resume", None, "action_listen", "bot"]  # the wait form ends too
    assert "back with the virtual assistant" in resumed.body[-1]["text"]


def test_another_agents_conversation_is_not_shown(console: Console) -> None:
    handoff_id = console.handoff("alice")
    lee = sign_in(console.url, "lee", PASSWORD)
    csrf = page_csrf(lee, console.url + "/queue")
    lee.post(f"{console.url}/handoffs/{handoff_id}/take", data={"csrf_token": csrf})
    ann = sign_in(console.url, "ann", PASSWORD)
    assert ann.get(f"{console.url}/handoffs/{handoff_id}", timeout=10).status_code == 403


def test_close_says_goodbye_and_publishes_the_closed_handoff(
    console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot import bootstrap
    from bot.domain.events import Event, HandoffClosed

    closed: list[int] = []

    def record(services: bootstrap.Services, event: Event) -> None:
        assert isinstance(event, HandoffClosed)
        closed.append(event.handoff_id)

    monkeypatch.setattr(bootstrap, "LISTENERS", {**bootstrap.LISTENERS, HandoffClosed: (record,)})
    handoff_id = console.handoff("alice")
    agent = sign_in(console.url, "ann", PASSWORD)
    csrf = page_csrf(agent, console.url + "/queue")
    agent.post(f"{console.url}/handoffs/{handoff_id}/take", data={"csrf_token": csrf})

    response = agent.post(f"{console.url}/handoffs/{handoff_id}/close", data={"csrf_token": csrf})

    assert response.status_code == 200 and closed == [handoff_id]
    events = console.rasa.sent[-1].body
    names = [e.get("name", e["event"]) for e in events if e["event"] != "slot"]
    assert names == ["resume", None, "action_listen", "bot"]
    assert "closed this conversation" in events[-1]["text"]
    assert f'data-handoff="{handoff_id}"' not in response.text


def test_deeply_nested_json_is_a_bad_request(console: Console) -> None:
    handoff_id = console.handoff("alice")
    agent = sign_in(console.url, "ann", PASSWORD)
    csrf = page_csrf(agent, console.url + "/queue")
    agent.post(f"{console.url}/handoffs/{handoff_id}/take", data={"csrf_token": csrf})
    nested = "[" * 15_000 + "]" * 15_000  # under the body limit, too deep for the parser
    response = agent.post(
        f"{console.url}/handoffs/{handoff_id}/messages",
        data=nested,
        headers={"X-CSRF-Token": csrf, "Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 400 and "JSON object" in response.text
