"""deploy/probe.py: the one readiness rule of the image, compose and Kubernetes.

``http`` is run against a real action server; ``rasa`` against a stand-in answering
``/status`` as Rasa 3.6 does (401 without the token, 409 while no model is loaded, the
model file once it is) and, when told to, the REST channel's ``/webhooks/rest/ready``
(503 while loading, 200 once loaded), so a test can load "the model" at will. The real
Rasa: tests/e2e/test_deploy_rasa_pod.py.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from aiohttp import web

from bot.core.settings import REPO_ROOT
from bot.ops.stack import free_port
from tests.support.threaded_app import ThreadedApp

PROBE = REPO_ROOT / "deploy" / "probe.py"
TOKEN = "probe-test-token-0123456789abcdef"


def _probe(*args: str, env: dict[str, str] | None = None) -> int:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("RASA_", "FREIGHTDESK_"))}
    result = subprocess.run(
        [sys.executable, str(PROBE), *args],
        env={**clean, **(env or {})},
        capture_output=True,
        timeout=30,
        check=False,
    )
    return result.returncode


@pytest.fixture(scope="module")
def action_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """A real action server with a secret; yields its port."""
    tmp = tmp_path_factory.mktemp("actions")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.engine.action_server", "--actions", "actions", "--port",
         str(port)],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "FREIGHTDESK_VAR_DIR": str(tmp),
             "DATABASE_URL": f"sqlite:///{tmp / 'fd.db'}",
             "FREIGHTDESK_ACTION_SECRET": "s" * 40},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert process.poll() is None, "the action server exited"
            try:
                if requests.get(f"http://127.0.0.1:{port}/health", timeout=2).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.3)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_http_probe_passes_on_a_healthy_action_server(action_server: int) -> None:
    assert _probe("http", f"http://127.0.0.1:{action_server}/health") == 0


def test_http_probe_fails_on_a_refused_route_and_a_closed_port(action_server: int) -> None:
    # Every route but /health needs the action secret.
    assert _probe("http", f"http://127.0.0.1:{action_server}/webhook") == 1
    assert _probe("http", f"http://127.0.0.1:{free_port()}/health") == 1


@dataclass
class RasaStatus:
    """Answers /status like Rasa 3.6's server."""

    model_file: str | None = None
    ready_route: bool = False

    async def ready(self, _: web.Request) -> web.Response:
        if not self.ready_route:
            return web.json_response({"message": "not found"}, status=404)
        if self.model_file is None:
            return web.json_response({"status": "loading"}, status=503)
        return web.json_response({"status": "ready"})

    async def status(self, request: web.Request) -> web.Response:
        if request.query.get("token") != TOKEN:
            return web.json_response({"message": "User is not authenticated."}, status=401)
        if self.model_file is None:
            return web.json_response({"message": "No agent loaded."}, status=409)
        return web.json_response(
            {"model_id": "x", "model_file": self.model_file, "num_active_training_jobs": 0}
        )


@pytest.fixture
def rasa() -> Iterator[tuple[RasaStatus, int]]:
    state = RasaStatus()

    def make_app() -> web.Application:
        app = web.Application()
        app.router.add_get("/status", state.status)
        app.router.add_get("/webhooks/rest/ready", state.ready)
        return app

    server = ThreadedApp(make_app, "rasa-status", access_log=False)
    server.start()
    try:
        yield state, server.port
    finally:
        server.stop()


def test_rasa_is_ready_only_once_its_model_is_loaded(rasa: tuple[RasaStatus, int]) -> None:
    state, port = rasa
    env = {"RASA_PORT": str(port), "FREIGHTDESK_RASA_AUTH_TOKEN": TOKEN}
    assert _probe("rasa", env=env) == 1
    state.model_file = "/app/models/freightdesk.tar.gz"
    assert _probe("rasa", env=env) == 0
    assert _probe("rasa", env={**env, "FREIGHTDESK_RASA_AUTH_TOKEN": "wrong"}) == 1


def test_rasa_ready_route_needs_no_token(rasa: tuple[RasaStatus, int]) -> None:
    state, port = rasa
    state.ready_route = True
    env = {"RASA_PORT": str(port)}
    assert _probe("rasa", env=env) == 1
    state.model_file = "/app/models/freightdesk.tar.gz"
    assert _probe("rasa", env=env) == 0


def test_rasa_probe_fails_when_nothing_listens() -> None:
    assert _probe("rasa", env={"RASA_PORT": str(free_port())}) == 1


def test_probe_names_its_usage() -> None:
    assert _probe("nonsense") == 2
