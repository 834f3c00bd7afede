"""``python -m bot balancer``: what the production runner starts in front of the replicas."""

from __future__ import annotations

import http.server
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from bot.core.settings import REPO_ROOT
from bot.ops.stack import free_port


class _Replica(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = f"replica {self.server.server_address[1]}".encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def replica() -> Iterator[int]:
    """An HTTP server on a free loopback port that names its port; yields the port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), _Replica)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def _get(url: str, deadline: float) -> str:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return str(response.read().decode())
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_the_balancer_forwards_connections_and_stops_on_sigterm(replica: int) -> None:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bot",
            "balancer",
            "--listen",
            f"127.0.0.1:{port}",
            "--to",
            f"127.0.0.1:{replica}",
        ],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    try:
        assert _get(f"http://127.0.0.1:{port}/", time.monotonic() + 30) == f"replica {replica}"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
