"""Faults on the real production profile, through HAProxy, under supervisord.

The session's one two-replica stack (`python -m bot run`, production profile, fresh
PostgreSQL database, Redis prefix and RabbitMQ vhost; ``production_stack``, shared with
tests/e2e/test_scaleout.py). Every test leaves it whole: a killed or replaced process is
back, loaded and in HAProxy's rotation before the test ends (and the fixture checks it
before each test):

- kill -9 a Rasa replica during a bounded load: no failed turn but those in flight on it,
  each answered on retry; supervisord restarts it and HAProxy sends it traffic again once
  its model is loaded (not before);
- kill -9 an action server: restarted, turns keep being answered;
- kill -9 the KPI consumer: restarted, every event counted once;
- the REST allow-list sees the caller through the proxy, and an X-Forwarded-For from
  anyone but the proxy is ignored;
- many staff behind the proxy each mistyping their password once do not lock the office
  out, while one address failing over and over still is;
- a rolling model update (`python -m bot replicas roll`) under load fails no turn.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests
import sqlalchemy as sa

from bot.core.settings import REPO_ROOT
from bot.domain.users import add_user
from bot.storage.db import get_engine, session_scope
from bot.storage.models import ConversationFact
from tests.support.production import Production

PASSWORD = "correct-horse-battery-staple-42"
TURNS = ["hello", "what does FOB mean?", "what is demurrage", "thanks"]


@pytest.fixture
def stack(production_stack: Production) -> Production:
    """The shared stack, whose REST channel serves 127.0.0.1 only (``REST_ALLOWED``)."""
    return production_stack


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).status_code == 200
    except requests.RequestException:
        return False


def _ready(url: str) -> bool:
    return _answers(f"{url}/webhooks/rest/ready")


def _request(
    port: int,
    method: str,
    path: str,
    *,
    source: str = "127.0.0.1",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes, http.client.HTTPResponse]:
    """One HTTP request from a chosen loopback address (another machine, as the proxy sees it)."""
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=120, source_address=(source, 0)
    )
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read(), response
    finally:
        connection.close()


def _say(stack: Production, sender: str, text: str) -> str:
    response = requests.post(
        f"{stack.url}/webhooks/rest/webhook",
        json={"sender": sender, "message": text},
        timeout=120,
    )
    response.raise_for_status()
    reply = " ".join(m.get("text") or "" for m in response.json())
    assert reply.strip(), f"no reply to {text!r}"
    return reply.lower()


def _sessions_served(stack: Production, server: str) -> int:
    """HAProxy's count of sessions it sent to ``server`` of the Rasa backend."""
    lines = stack.haproxy("show stat").splitlines()
    header = lines[0].lstrip("# ").split(",")
    for line in lines[1:]:
        fields = dict(zip(header, line.split(","), strict=False))
        if fields.get("pxname") == "rasa_replicas" and fields.get("svname") == server:
            return int(fields["stot"])
    raise AssertionError(f"HAProxy does not know {server}")


@dataclass
class Turn:
    sender: str
    text: str
    started: float
    ended: float
    error: str = ""
    retried_ok: bool = False


def _server_status(stack: Production, server: str) -> str:
    for line in stack.haproxy("show servers state rasa_replicas").splitlines():
        parts = line.split()
        if len(parts) > 5 and parts[3] == server:
            # srv_op_state: 2 is running (UP), 0 is stopped (DOWN).
            return "UP" if parts[5] == "2" else "DOWN"
    return "UNKNOWN"


def test_a_killed_action_server_is_restarted_and_turns_keep_working(stack: Production) -> None:
    supervisor = stack.supervisor
    old_pid = supervisor.pid("actions-0")
    os.kill(old_pid, signal.SIGKILL)
    # Until its process has ended the kernel still accepts connections for it, and an
    # action call sent then is in flight on the killed server (as for a killed replica).
    _wait(lambda: _exited(old_pid), 60, "the killed action server's process to end")
    sender = f"fault-actions-{uuid.uuid4().hex[:8]}"
    # Knowledge answers come from the action server: the other one (or the restarted
    # one) answers every turn.
    for _ in range(3):
        assert "free on board" in _say(stack, sender, "what does FOB mean?")
        assert "demurrage" in _say(stack, sender, "what is demurrage")
    _wait(lambda: supervisor.pid("actions-0") not in (0, old_pid), 60, "actions-0's restart")
    _wait(lambda: _answers(f"{stack.action_urls[0]}/health"), 120, "actions-0 to answer")


def _counted_messages(stack: Production, sender: str) -> int:
    engine = get_engine(stack.database_url)
    with session_scope(engine) as session:
        rows = session.execute(
            sa.select(ConversationFact.user_message_count).where(
                ConversationFact.sender_id == sender
            )
        ).all()
    return sum(int(count) for (count,) in rows)


def test_a_killed_kpi_consumer_is_restarted_and_counts_each_event_once(
    stack: Production,
) -> None:
    supervisor = stack.supervisor
    sender = f"fault-kpi-{uuid.uuid4().hex[:8]}"
    _say(stack, sender, "hello")
    _wait(lambda: _counted_messages(stack, sender) == 1, 120, "the first message counted")
    old_pid = supervisor.pid("kpi-consumer")
    os.kill(old_pid, signal.SIGKILL)
    # Published while the consumer is dead or restarting: RabbitMQ keeps them.
    for text in TURNS[1:]:
        _say(stack, sender, text)
    _wait(lambda: supervisor.pid("kpi-consumer") not in (0, old_pid), 60, "its restart")
    sent = len([kind for kind, _, _ in stack.tracker_events(sender) if kind == "user"])
    assert sent == len(TURNS)
    _wait(lambda: _counted_messages(stack, sender) >= sent, 180, "every message counted")
    time.sleep(5)  # anything delivered twice would show by now
    assert _counted_messages(stack, sender) == sent


def _rest(stack: Production, port: int, source: str, forwarded: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if forwarded:
        headers["X-Forwarded-For"] = forwarded
    body = json.dumps({"sender": f"fault-rest-{uuid.uuid4().hex[:8]}", "message": "hello"})
    return _request(
        port, "POST", "/webhooks/rest/webhook", source=source, body=body.encode(), headers=headers
    )[0]


def test_the_rest_allow_list_sees_the_caller_through_the_proxy(stack: Production) -> None:
    replica_port = int(stack.replica_urls[1].rsplit(":", 1)[1])
    # Through HAProxy: the caller's own address decides, whatever header it sends.
    assert _rest(stack, stack.rasa_port, "127.0.0.1", None) == 200
    assert _rest(stack, stack.rasa_port, "127.0.0.3", None) == 403
    assert _rest(stack, stack.rasa_port, "127.0.0.3", "127.0.0.1") == 403
    # Straight to a replica: a forged header from anyone but the proxy is ignored.
    assert _rest(stack, replica_port, "127.0.0.3", "127.0.0.1") == 403


def _sign_in(stack: Production, source: str, name: str, password: str) -> int:
    status, page, response = _request(stack.console_port, "GET", "/login", source=source)
    assert status == 200
    cookie = SimpleCookie(response.headers.get("Set-Cookie", ""))["fd_login"].value
    match = re.search(rb'name="login_token" value="([^"]+)"', page)
    assert match is not None
    body = urlencode({"login_token": match.group(1).decode(), "name": name, "password": password})
    return _request(
        stack.console_port,
        "POST",
        "/login",
        source=source,
        body=body.encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"fd_login={cookie}",
        },
    )[0]


def test_many_staff_behind_the_proxy_do_not_lock_the_office_out(stack: Production) -> None:
    staff = [f"agent{uuid.uuid4().hex[:6]}{n}" for n in range(24)]
    with session_scope(get_engine(stack.database_url)) as session:
        for name in staff:
            add_user(session, name, PASSWORD, role="agent", team="express")
    # 24 staff at their own desks (addresses), one mistyped password each: more failures
    # than one address may make, all through the one proxy.
    for number, name in enumerate(staff):
        assert _sign_in(stack, f"127.0.1.{number + 1}", name, "wrong password") == 401
    for number, name in enumerate(staff):
        assert _sign_in(stack, f"127.0.1.{number + 1}", name, PASSWORD) == 303
    # One address guessing over and over is still stopped (the limit sees it, not the proxy).
    statuses = [
        _sign_in(stack, "127.0.2.9", staff[n % len(staff)] + "x", "guess") for n in range(21)
    ]
    assert statuses[:20] == [401] * 20 and statuses[20] == 429


def test_a_rolling_model_update_under_load_fails_no_turn(stack: Production, tmp_path: Path) -> None:
    supervisor = stack.supervisor
    pids = {name: supervisor.pid(name) for name in ("rasa-0", "rasa-1")}
    # The "new" model: the same training under another file name.
    new_model = tmp_path / "freightdesk-next.tar.gz"
    os.link(REPO_ROOT / "models" / "freightdesk.tar.gz", new_model)
    failures: list[str] = []
    done = threading.Event()
    answered = [0]

    def customer(number: int) -> None:
        sender = f"fault-roll-{uuid.uuid4().hex[:8]}-{number}"
        step = 0
        while not done.is_set():
            try:
                _say(stack, sender, TURNS[step % len(TURNS)])
                answered[0] += 1
            except (requests.RequestException, AssertionError) as exc:
                failures.append(repr(exc)[:300])
            step += 1

    threads = [threading.Thread(target=customer, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    try:
        rolled = subprocess.run(
            [sys.executable, "-m", "bot", "replicas", "roll", "--model", str(new_model)],
            env=stack.env,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=1800,
        )
    finally:
        done.set()
        for thread in threads:
            thread.join(timeout=300)
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert "rasa-1: serving the new model" in rolled.stdout
    assert failures == []
    assert answered[0] > 10
    link = stack.var_dir / "run" / "model" / "current.tar.gz"
    assert link.resolve() == new_model.resolve()
    for name, pid in pids.items():
        assert supervisor.pid(name) not in (0, pid), f"{name} was not restarted"
    for url in stack.replica_urls:
        assert _ready(url)


def _exited(pid: int) -> bool:
    """True once ``pid`` has ended (gone, or a zombie waiting for supervisord)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return True
    return state in ("Z", "X")


def test_a_replica_killed_during_load_costs_only_its_turns_in_flight_and_rejoins(
    stack: Production,
) -> None:
    supervisor = stack.supervisor
    old_pid = supervisor.pid("rasa-0")
    turns: list[Turn] = []
    lock = threading.Lock()
    stop = threading.Event()
    killed_at: list[float] = []

    def customer(number: int) -> None:
        sender = f"fault-load-{uuid.uuid4().hex[:8]}-{number}"
        step = 0
        while not stop.is_set():
            text = TURNS[step % len(TURNS)]
            step += 1
            started = time.monotonic()
            try:
                _say(stack, sender, text)
                turn = Turn(sender, text, started, time.monotonic())
            except (requests.RequestException, AssertionError) as exc:
                turn = Turn(sender, text, started, time.monotonic(), error=repr(exc)[:200])
                try:  # the customer (or the calling system) tries again
                    _say(stack, sender, text)
                    turn.retried_ok = True
                except (requests.RequestException, AssertionError) as again:
                    turn.error += f"; retry: {again!r}"[:200]
            with lock:
                turns.append(turn)

    threads = [threading.Thread(target=customer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    try:
        _wait(lambda: len(turns) >= 8, 300, "the load to get going")
        killed_at.append(time.monotonic())
        os.kill(old_pid, signal.SIGKILL)
        # A killed process frees its memory (1.5 GB here) before its sockets: until then
        # the kernel still accepts connections for it, and those turns are on the replica.
        _wait(lambda: _exited(old_pid), 60, "the killed replica's process to end")
        killed_at.append(time.monotonic())
        # supervisord starts it again; HAProxy must not send it traffic while it loads.
        _wait(lambda: supervisor.pid("rasa-0") not in (0, old_pid), 60, "rasa-0's restart")
        _wait(lambda: _server_status(stack, "rasa-0") == "DOWN", 60, "HAProxy to see it down")
        served_while_loading = _sessions_served(stack, "rasa-0")
        deadline = time.monotonic() + 900
        while True:
            served = _sessions_served(stack, "rasa-0")
            if _ready(stack.replica_urls[0]):
                break
            # Read before the replica said it was loading: nothing may have reached it.
            assert served == served_while_loading, "HAProxy sent traffic to a loading replica"
            assert time.monotonic() < deadline, "rasa-0 did not load its model"
            time.sleep(0.5)
        _wait(lambda: "UP" in _server_status(stack, "rasa-0"), 60, "HAProxy to see rasa-0 up")
        rejoined = _sessions_served(stack, "rasa-0")
        _wait(lambda: _sessions_served(stack, "rasa-0") > rejoined, 120, "traffic to rasa-0")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=300)
    failed = [turn for turn in turns if turn.error]
    assert len(turns) > 20
    # Only turns in flight on the replica when it was killed failed: one per customer at
    # most, each started before its process had ended, and each answered when tried again.
    assert len(failed) <= len(threads), failed
    for turn in failed:
        assert turn.started <= killed_at[1] and turn.ended >= killed_at[0], turn
        assert turn.retried_ok, turn
