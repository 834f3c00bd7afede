"""HAProxy's configuration from bot/ops/haproxy.py, checked by `haproxy -c` and run for real.

The servers behind it here are small HTTP servers that report which of them answered and
the headers they got, so the proxy's own behaviour is tested without starting Rasa: the
readiness check keeps a loading server out, a dead server's connections go elsewhere,
the client address arrives in one X-Forwarded-For the client cannot forge, and socket.io
long polling is refused.
"""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bot.ops.haproxy import (
    READY_PATH,
    ProxyConfigError,
    ProxyPlan,
    admin,
    check_config,
    command,
    render_config,
    write_config,
)
from bot.ops.stack import free_port

SLOW_S = 0.4


@dataclass
class FakeServer:
    """An HTTP server standing in for a Rasa replica, action server or console."""

    name: str
    ready: bool = True
    seen: list[dict[str, object]] = field(default_factory=list)
    httpd: ThreadingHTTPServer | None = None
    #: requests being answered now, and the most answered at once ("/slow" and socket.io
    #: paths take SLOW_S to answer)
    busy: int = 0
    most_at_once: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> int:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path in (READY_PATH, "/health", "/login"):
                    status = 200 if owner.ready else 503
                else:
                    status = 200
                    owner.seen.append(
                        {"path": self.path, "xff": self.headers.get_all("X-Forwarded-For") or []}
                    )
                    if self.path.startswith(("/slow", "/webchat/socket.io/")):
                        owner.answer_slowly()
                body = json.dumps({"server": owner.name}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return int(self.httpd.server_address[1])

    def answer_slowly(self) -> None:
        with self.lock:
            self.busy += 1
            self.most_at_once = max(self.most_at_once, self.busy)
        time.sleep(SLOW_S)
        with self.lock:
            self.busy -= 1

    def kill(self) -> None:
        assert self.httpd is not None
        self.httpd.shutdown()
        self.httpd.server_close()


def _plan(tmp_path: Path, rasa: list[int], actions: list[int], console: int) -> ProxyPlan:
    return ProxyPlan(
        rasa_port=free_port(),
        rasa_servers=[(f"rasa-{i}", "127.0.0.1", port) for i, port in enumerate(rasa)],
        action_port=free_port(),
        action_servers=[(f"actions-{i}", "127.0.0.1", port) for i, port in enumerate(actions)],
        stats_socket=tmp_path / "haproxy.sock",
        console_port=free_port(),
        console_server=("127.0.0.1", console),
        check_interval="200ms",
    )


def _get(
    port: int, path: str, *, source: str = "127.0.0.1", headers: dict[str, str] | None = None
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection(
        "127.0.0.1", port, timeout=10, source_address=(source, 0)
    )
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@dataclass
class Proxied:
    plan: ProxyPlan
    rasa: list[FakeServer]
    console: FakeServer


@pytest.fixture
def proxied(tmp_path: Path) -> Iterator[Proxied]:
    rasa = [FakeServer("rasa-0"), FakeServer("rasa-1")]
    actions = [FakeServer("actions-0")]
    console = FakeServer("console")
    plan = _plan(tmp_path, [s.start() for s in rasa], [s.start() for s in actions], console.start())
    config = write_config(plan, tmp_path / "haproxy.cfg")
    check_config(config)
    process = subprocess.Popen(
        command(config), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                if _get(plan.rasa_port, "/x")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "HAProxy did not start"
            time.sleep(0.1)
        time.sleep(0.5)  # every server's first check done
        yield Proxied(plan, rasa, console)
    finally:
        process.terminate()
        process.wait(timeout=10)
        for server in [*rasa, *actions, console]:
            if server.httpd is not None:
                server.httpd.server_close()


def test_the_rendered_configuration_passes_haproxy_check(tmp_path: Path) -> None:
    plan = _plan(tmp_path, [5006, 5007, 5008], [5056, 5057, 5058], 5081)
    text = render_config(plan)
    for port in (5006, 5007, 5008, 5056, 5057, 5058, 5081):
        assert f"127.0.0.1:{port} check" in text
    assert f"uri {READY_PATH}" in text
    assert "timeout server" in text and "timeout connect" in text
    check_config(write_config(plan, tmp_path / "haproxy.cfg"))


def test_a_broken_configuration_is_refused(tmp_path: Path) -> None:
    broken = tmp_path / "broken.cfg"
    broken.write_text("frontend x\n    bind 127.0.0.1:1\n    default_backend nowhere\n")
    with pytest.raises(ProxyConfigError, match="nowhere"):
        check_config(broken)


def _servers_answering(port: int, count: int) -> list[str]:
    return [json.loads(_get(port, f"/turn/{i}")[1])["server"] for i in range(count)]


def test_requests_are_spread_and_a_loading_replica_gets_none(proxied: Proxied) -> None:
    port = proxied.plan.rasa_port
    assert set(_servers_answering(port, 6)) == {"rasa-0", "rasa-1"}
    proxied.rasa[1].ready = False  # as while its model loads
    _until(lambda: _state(proxied, "rasa-1") == "0")  # HAProxy's checks saw it
    assert set(_servers_answering(port, 6)) == {"rasa-0"}
    proxied.rasa[1].ready = True
    _until(lambda: _state(proxied, "rasa-1") == "2")
    assert set(_servers_answering(port, 6)) == {"rasa-0", "rasa-1"}


def _until(condition: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def _state(proxied: Proxied, server: str) -> str:
    """HAProxy's operational state of a Rasa server: 2 up, 0 down."""
    for line in admin(proxied.plan.stats_socket, "show servers state rasa_replicas").splitlines():
        parts = line.split()
        if len(parts) > 5 and parts[3] == server:
            return parts[5]
    return ""


def test_a_dead_replica_costs_no_request(proxied: Proxied) -> None:
    proxied.rasa[0].kill()
    # Before its checks fail, the connection it refuses is sent to the other replica.
    statuses = [_get(proxied.plan.rasa_port, f"/turn/{i}")[0] for i in range(10)]
    assert statuses == [200] * 10


def test_a_replica_that_dies_under_concurrent_turns_costs_no_turn(proxied: Proxied) -> None:
    proxied.rasa[0].kill()
    # Turns sent together before its checks fail: each connection it refuses is retried on
    # the other replica, and the first refusal takes it out of the rotation.
    statuses: list[int] = []
    for _ in range(5):
        statuses += _at_once(proxied.plan.rasa_port, [f"/turn/{i}" for i in range(6)])
    assert statuses == [200] * 30


def test_the_client_address_arrives_once_and_cannot_be_forged(proxied: Proxied) -> None:
    for server in proxied.rasa:
        server.seen.clear()
    for _ in range(2):
        status, _body = _get(
            proxied.plan.rasa_port,
            "/webhooks/rest/webhook",
            source="127.0.0.7",
            headers={"X-Forwarded-For": "10.1.2.3"},
        )
        assert status == 200
    seen = [entry["xff"] for server in proxied.rasa for entry in server.seen]
    assert seen == [["127.0.0.7"], ["127.0.0.7"]]
    proxied.console.seen.clear()
    _get(
        proxied.plan.console_port or 0,
        "/queue",
        source="127.0.0.8",
        headers={"X-Forwarded-For": "10.9.9.9"},
    )
    assert proxied.console.seen == [{"path": "/queue", "xff": ["127.0.0.8"]}]


def test_socketio_long_polling_is_refused(proxied: Proxied) -> None:
    port = proxied.plan.rasa_port
    polling = _get(port, "/webchat/socket.io/?EIO=4&transport=polling")[0]
    websocket = _get(port, "/webchat/socket.io/?EIO=4&transport=websocket")[0]
    assert (polling, websocket) == (400, 200)


def test_the_admin_socket_reports_each_server(proxied: Proxied) -> None:
    with socket.socket(socket.AF_UNIX) as sock:
        sock.connect(str(proxied.plan.stats_socket))
        sock.sendall(b"show servers state rasa_replicas\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    assert b"rasa-0" in answer and b"rasa-1" in answer


def _at_once(port: int, paths: list[str]) -> list[int]:
    """The statuses of GETs of ``paths``, all sent at once."""
    statuses: list[int] = []
    threads = [
        threading.Thread(target=lambda p=path: statuses.append(_get(port, p)[0])) for path in paths
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_a_replica_gets_at_most_turns_at_once_the_rest_wait_and_are_answered(
    proxied: Proxied,
) -> None:
    limit = proxied.plan.turns_at_once
    started = time.monotonic()
    statuses = _at_once(proxied.plan.rasa_port, [f"/slow/{i}" for i in range(5 * limit)])
    took = time.monotonic() - started
    assert statuses == [200] * (5 * limit), "every waiting turn is answered"
    assert [server.most_at_once for server in proxied.rasa] == [limit, limit]
    # 5 x limit turns over two replicas taking `limit` each: three rounds, not one.
    assert took >= 2 * SLOW_S


def test_web_chat_websockets_are_not_held_to_the_turn_limit(proxied: Proxied) -> None:
    limit = proxied.plan.turns_at_once
    paths = [f"/webchat/socket.io/?EIO=4&transport=websocket&n={i}" for i in range(4 * limit)]
    assert _at_once(proxied.plan.rasa_port, paths) == [200] * (4 * limit)
    assert all(server.most_at_once > limit for server in proxied.rasa)


def test_draining_a_replica_drains_its_websockets_too(proxied: Proxied) -> None:
    admin(proxied.plan.stats_socket, "set server rasa_replicas/rasa-1 state drain")
    before = len(proxied.rasa[1].seen)
    for i in range(6):
        assert (
            _get(proxied.plan.rasa_port, f"/webchat/socket.io/?transport=websocket&n={i}")[0] == 200
        )
        assert _get(proxied.plan.rasa_port, f"/webhooks/rest/webhook?n={i}")[0] == 200
    assert len(proxied.rasa[1].seen) == before
