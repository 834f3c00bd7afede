"""The console over HTTP against a Rasa stand-in: sign-in, roles, CSRF, escaping, the
sign-in limit, security headers, and the handoff operations with what Rasa received."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests

from bot.console.app import ConsoleConfig
from bot.domain.complaints.service import create_complaint
from bot.domain.handoff.service import request_handoff
from bot.domain.users import MAX_FAILED_PER_ACCOUNT, add_user
from bot.storage import db
from tests.console.server import ConsoleServer, login_token, page_csrf, sign_in
from tests.domain.complaints.rasa_standin import RasaStandIn

PASSWORD = "correct horse battery"
SCRIPT = "<script>alert('owned')</script>"


@dataclass
class Console:
    url: str
    rasa: RasaStandIn
    database_url: str

    def handoff(self, sender: str, summary: str = "wants a person") -> int:
        with db.session_scope(db.get_engine(self.database_url)) as session:
            ticket = request_handoff(
                session,
                sender_id=sender,
                channel="rest",
                reason="customer_asked",
                team="express",
                summary=summary,
                context={},
            )
        return ticket.id


@pytest.fixture
def console(sqlite_database_url: str) -> Iterator[Console]:
    db.upgrade(sqlite_database_url)
    with db.session_scope(db.get_engine(sqlite_database_url)) as session:
        add_user(session, "ann", PASSWORD, role="agent", team="express")
        add_user(session, "lee", PASSWORD, role="team_lead", team="express")
        add_user(session, "mary", PASSWORD, role="manager", team="general")
    with RasaStandIn(token="console-test") as rasa:
        config = ConsoleConfig(sqlite_database_url, rasa.url, "console-test")
        server = ConsoleServer(config).start()
        try:
            yield Console(server.url, rasa, sqlite_database_url)
        finally:
            server.stop()


PAGES = ["/", "/queue", "/handoffs/1", "/complaints", "/team"]
POSTS = [
    "/logout",
    "/handoffs/1/take",
    "/handoffs/1/messages",
    "/handoffs/1/hand-back",
    "/handoffs/1/close",
    "/complaints/CMP-2026-00001/note",
    "/complaints/CMP-2026-00001/assign",
    "/complaints/CMP-2026-00001/resolve",
    "/team/move",
]


def test_nothing_without_signing_in(console: Console) -> None:
    for path in PAGES:
        response = requests.get(console.url + path, allow_redirects=False, timeout=10)
        assert response.status_code == 303, path
        assert response.headers["Location"] == "/login"
    response = requests.get(console.url + "/handoffs/1/transcript.json", timeout=10)
    assert response.status_code == 401
    for path in POSTS:
        response = requests.post(console.url + path, data={"csrf_token": "x"}, timeout=10)
        assert response.status_code == 401, path


def test_agent_cannot_reach_manager_pages(console: Console) -> None:
    agent = sign_in(console.url, "ann", PASSWORD)
    csrf = page_csrf(agent, console.url + "/queue")
    assert agent.get(console.url + "/team", timeout=10).status_code == 403
    move = {"csrf_token": csrf, "name": "ann", "team": "general"}
    assert agent.post(console.url + "/team/move", data=move, timeout=10).status_code == 403
    assign = {"csrf_token": csrf, "text": "ann"}
    response = agent.post(console.url + "/complaints/CMP-2026-00001/assign", data=assign)
    assert response.status_code == 403

    manager = sign_in(console.url, "mary", PASSWORD)
    csrf = page_csrf(manager, console.url + "/team")
    response = manager.post(
        console.url + "/team/move", data={**move, "csrf_token": csrf}, timeout=10
    )
    assert response.status_code == 200 and "Customer Service" in response.text


def test_csrf_token_is_required(console: Console) -> None:
    handoff_id = console.handoff("alice")
    agent = sign_in(console.url, "ann", PASSWORD)
    take = f"{console.url}/handoffs/{handoff_id}/take"

    assert agent.post(take, timeout=10).status_code == 403
    assert agent.post(take, data={"csrf_token": "forged"}, timeout=10).status_code == 403
    assert console.rasa.sent == []

    csrf = page_csrf(agent, console.url + "/queue")
    response = agent.post(take, data={"csrf_token": csrf}, allow_redirects=False, timeout=10)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/handoffs/{handoff_id}"


def test_sign_in_form_needs_its_token(console: Console) -> None:
    response = requests.post(
        console.url + "/login", data={"name": "ann", "password": PASSWORD}, timeout=10
    )
    assert response.status_code == 403


def test_sign_in_is_rate_limited(console: Console) -> None:
    http = requests.Session()
    for _ in range(MAX_FAILED_PER_ACCOUNT):
        token = login_token(http.get(console.url + "/login", timeout=10).text)
        response = http.post(
            console.url + "/login",
            data={"login_token": token, "name": "ann", "password": "wrong guess"},
            timeout=10,
        )
        assert response.status_code == 401
        assert "do not match" in response.text
    token = login_token(http.get(console.url + "/login", timeout=10).text)
    response = http.post(
        console.url + "/login",
        data={"login_token": token, "name": "ann", "password": PASSWORD},
        timeout=10,
    )
    assert response.status_code == 429 and "wait 15 minutes" in response.text
    assert "fd_console" not in http.cookies


def test_session_cookie_flags_and_security_headers(console: Console) -> None:
    http = requests.Session()
    token = login_token(http.get(console.url + "/login", timeout=10).text)
    response = http.post(
        console.url + "/login",
        data={"login_token": token, "name": "ann", "password": PASSWORD},
        allow_redirects=False,
        timeout=10,
    )
    cookie = response.headers["Set-Cookie"]
    assert "fd_console=" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    for path in ("/queue", "/team", "/nowhere"):
        page = http.get(console.url + path, timeout=10)
        assert "script-src 'self'" in page.headers["Content-Security-Policy"], path
        assert page.headers["X-Frame-Options"] == "DENY"
        assert page.headers["X-Content-Type-Options"] == "nosniff"


def test_large_requests_are_refused(console: Console) -> None:
    handoff_id = console.handoff("alice")
    agent = sign_in(console.url, "ann", PASSWORD)
    csrf = page_csrf(agent, console.url + "/queue")
    response = agent.post(
        f"{console.url}/handoffs/{handoff_id}/messages",
        json={"client_id": "big12345", "text": "x" * 100_000},
        headers={"X-CSRF-Token": csrf},
        timeout=10,
    )
    assert response.status_code == 413


def test_customer_text_is_escaped(console: Console) -> None:
    handoff_id = console.handoff("alice", summary=f"Customer wrote {SCRIPT}")
    agent = sign_in(console.url, "ann", PASSWORD)
    queue = agent.get(console.url + "/queue", timeout=10).text
    assert SCRIPT not in queue and "&lt;script&gt;alert(&#39;owned&#39;)&lt;/script&gt;" in queue
    csrf = page_csrf(agent, console.url + "/queue")
    agent.post(f"{console.url}/handoffs/{handoff_id}/take", data={"csrf_token": csrf})
    page = agent.get(f"{console.url}/handoffs/{handoff_id}", timeout=10).text
    assert SCRIPT not in page and "&lt;script&gt;" in page


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
    assert [e.get("name", e["event"]) for e in resumed.body] == ["resume", "action_listen", "bot"]
    assert "back with the virtual assistant" in resumed.body[2]["text"]


def test_another_agents_conversation_is_not_shown(console: Console) -> None:
    handoff_id = console.handoff("alice")
    lee = sign_in(console.url, "lee", PASSWORD)
    csrf = page_csrf(lee, console.url + "/queue")
    lee.post(f"{console.url}/handoffs/{handoff_id}/take", data={"csrf_token": csrf})
    ann = sign_in(console.url, "ann", PASSWORD)
    assert ann.get(f"{console.url}/handoffs/{handoff_id}", timeout=10).status_code == 403


def test_complaints_screen_note_and_resolve(console: Console) -> None:
    with db.session_scope(db.get_engine(console.database_url)) as session:
        receipt = create_complaint(
            session,
            sender_id="carol",
            channel="rest",
            category="damaged",
            description=f"The box arrived crushed {SCRIPT}",
        )
    agent = sign_in(console.url, "ann", PASSWORD)
    page = agent.get(console.url + "/complaints", timeout=10)
    assert receipt.reference in page.text and SCRIPT not in page.text
    csrf = page_csrf(agent, console.url + "/complaints")

    base = f"{console.url}/complaints/{receipt.reference}"
    noted = agent.post(f"{base}/note", data={"csrf_token": csrf, "text": "Called the depot"})
    assert "note saved" in noted.text
    resolved = agent.post(
        f"{base}/resolve", data={"csrf_token": csrf, "text": "We have refunded the charge."}
    )
    assert f"{receipt.reference} resolved" in resolved.text
    assert receipt.reference not in agent.get(console.url + "/complaints").text.split("</h1>")[1]
    told = [r for r in console.rasa.sent if r.sender_id == "carol"]
    assert len(told) == 1 and "refunded the charge" in told[0].body["text"]


def test_make_run_starts_the_console_which_serves_on_loopback(sqlite_database_url: str) -> None:
    import os
    import subprocess
    import sys
    import time

    from bot.core.settings import REPO_ROOT, Settings
    from bot.ops.stack import free_port, worker_commands

    command = worker_commands(Settings.from_env({}))["console"]
    assert command == [sys.executable, "-m", "bot", "console"]
    db.upgrade(sqlite_database_url)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": sqlite_database_url, "CONSOLE_PORT": str(port)}
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                page = requests.get(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except requests.ConnectionError:
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        assert page.status_code == 200 and "Sign in" in page.text
    finally:
        process.terminate()
        assert process.wait(10) == 0


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
    assert [e.get("name", e["event"]) for e in events] == ["resume", "action_listen", "bot"]
    assert "closed this conversation" in events[2]["text"]
    assert f'data-handoff="{handoff_id}"' not in response.text
