"""The console application's middlewares over HTTP: nothing without signing in, each
route's role, the CSRF token on every POST, cookie flags and security headers, and the
request size limit."""

from __future__ import annotations

import requests

from tests.console.harness import PASSWORD, Console
from tests.console.server import login_token, page_csrf, sign_in

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
