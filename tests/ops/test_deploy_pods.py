"""The rendered Kubernetes pods' commands run: their args and environment, as rendered by
kustomize (ConfigMap literals, every secretKeyRef filled from a test Secret), plus the
image's ENV, run from this checkout against the real PostgreSQL.

No cluster and no image: this checks what the manifests say (commands, variables, probe
paths, the endpoints file) is what the processes need, so a pod does not crash-loop on a
missing variable or a misspelt flag.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import yaml

from bot.core.settings import REPO_ROOT
from bot.ops.stack import free_port
from tests.ops.deploy_tools import DEPLOY, ENDPOINTS, kustomize

OVERLAY = DEPLOY / "k8s" / "overlays" / "production"
#: Paths inside the image, and where this checkout has them.
IMAGE_PATHS = {
    "/etc/freightdesk/endpoints.yml": str(DEPLOY / "k8s" / "base" / "endpoints.yml"),
    "/app/": f"{REPO_ROOT}/",
}


@pytest.fixture(scope="module")
def rendered() -> list[dict[str, Any]]:
    return kustomize(OVERLAY)


@pytest.fixture
def secret(pg_database_url: str) -> dict[str, str]:
    """The values of `freightdesk-secrets` for this test (a fresh PostgreSQL database)."""
    return {
        "database-url": pg_database_url,
        "tracker-database-url": pg_database_url,
        "redis-password": "redis-password-for-the-test",
        "rabbitmq-url": "amqp://freightdesk:rabbit-password-for-the-test@127.0.0.1:5672/",
        "rabbitmq-password": "rabbit-password-for-the-test",
        "rasa-token": "rasa-token-for-the-test-0123456789",
        "session-secret": "session-secret-for-the-test-0123456789",
        "action-secret": "action-secret-for-the-test-0123456789ab",
        "telegram-bot-token": "123:telegram-token-for-the-test",
        "telegram-secret-token": "telegram-secret-for-the-test",
    }


def _image_env() -> dict[str, str]:
    """The runtime stage's ENV of deploy/Dockerfile."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text(encoding="utf-8"))
    final = text[text.rindex("\nFROM ") :]
    env: dict[str, str] = {}
    for line in final.splitlines():
        if line.startswith("ENV "):
            env.update(re.findall(r"(\w+)=(\S+)", line))
    return env


def _local(value: str) -> str:
    for image_path, here in IMAGE_PATHS.items():
        value = value.replace(image_path, here)
    return value


def _container(
    rendered: list[dict[str, Any]], kind: str, name: str, container: str
) -> dict[str, Any]:
    doc = next(d for d in rendered if d["kind"] == kind and d["metadata"]["name"] == name)
    spec = doc["spec"]
    pod = (spec["jobTemplate"]["spec"] if kind == "CronJob" else spec)["template"]["spec"]
    every = [*pod.get("initContainers", []), *pod["containers"]]
    return next(c for c in every if c["name"] == container)


def _pod_env(
    rendered: list[dict[str, Any]], container: dict[str, Any], secret: dict[str, str], var: Path
) -> dict[str, str]:
    config_maps = {d["metadata"]["name"]: d for d in rendered if d["kind"] == "ConfigMap"}
    env = {k: _local(v) for k, v in _image_env().items()}
    for source in container.get("envFrom", []):
        env.update(config_maps[source["configMapRef"]["name"]]["data"])
    for item in container.get("env", []):
        if "value" in item:
            env[item["name"]] = item["value"]
        else:
            env[item["name"]] = secret[item["valueFrom"]["secretKeyRef"]["key"]]
    # What the image has and a test process lacks: its Python's PATH, the code, var/.
    return {
        **env,
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(REPO_ROOT),
        "FREIGHTDESK_VAR_DIR": str(var),
        "RASA_TELEMETRY_ENABLED": "false",
    }


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *(_local(a) for a in args)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _migrate(rendered: list[dict[str, Any]], secret: dict[str, str], var: Path) -> None:
    """The action server's init container: `bot db upgrade`."""
    init = _container(rendered, "Deployment", "freightdesk-actions", "migrate")
    result = _run(init["args"], _pod_env(rendered, init, secret, var))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[Any]:
    """Start a rendered container's server on a free port; stopped afterwards."""
    processes: list[subprocess.Popen[str]] = []

    def start(args: list[str], env: dict[str, str]) -> int:
        port = free_port()
        args = [*args]
        args[args.index("--port") + 1] = str(port)
        if "--host" in args:
            args[args.index("--host") + 1] = "127.0.0.1"
        env = {**env, "FREIGHTDESK_ACTION_HOST": "127.0.0.1"}
        log = open(tmp_path / f"server-{port}.log", "w")  # noqa: SIM115 - closed with the process
        processes.append(
            subprocess.Popen(
                [sys.executable, *(_local(a) for a in args)],
                cwd=REPO_ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                text=True,
            )
        )
        return port

    yield start
    for process in processes:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_ready(url: str, deadline_s: float = 120) -> int:
    deadline = time.monotonic() + deadline_s
    status = 0
    while time.monotonic() < deadline:
        try:
            status = requests.get(url, timeout=3, allow_redirects=False).status_code
            if status == 200:
                return status
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    return status


def test_the_purge_cronjob_runs_against_postgresql(
    rendered: list[dict[str, Any]], secret: dict[str, str], tmp_path: Path
) -> None:
    _migrate(rendered, secret, tmp_path)
    purge = _container(rendered, "CronJob", "freightdesk-customers-purge", "purge")
    result = _run(purge["args"], _pod_env(rendered, purge, secret, tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "retention purge" in result.stdout


def test_the_action_server_pod_passes_its_probes(
    rendered: list[dict[str, Any]], secret: dict[str, str], tmp_path: Path, serve: Any
) -> None:
    _migrate(rendered, secret, tmp_path)
    actions = _container(rendered, "Deployment", "freightdesk-actions", "actions")
    port = serve(actions["args"], _pod_env(rendered, actions, secret, tmp_path))
    for probe in ("readinessProbe", "livenessProbe"):
        path = actions[probe]["httpGet"]["path"]
        assert _wait_ready(f"http://127.0.0.1:{port}{path}") == 200, probe
    # The secret Rasa sends (the same Secret key, in the header endpoints.yml names) is
    # the one this pod checks.
    call = {"next_action": "action_listen", "tracker": {"sender_id": "probe"}}
    url = f"http://127.0.0.1:{port}/webhook"
    assert requests.post(url, json=call, timeout=10).status_code == 401
    header = {"X-Freightdesk-Action-Secret": secret["action-secret"]}
    assert requests.post(url, json=call, headers=header, timeout=10).status_code != 401


def test_the_console_pod_passes_its_probes(
    rendered: list[dict[str, Any]], secret: dict[str, str], tmp_path: Path, serve: Any
) -> None:
    _migrate(rendered, secret, tmp_path)
    console = _container(rendered, "Deployment", "freightdesk-console", "console")
    port = serve(console["args"], _pod_env(rendered, console, secret, tmp_path))
    path = console["readinessProbe"]["httpGet"]["path"]
    assert _wait_ready(f"http://127.0.0.1:{port}{path}") == 200


def _rabbitmqctl(*args: str) -> str:
    ctl = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    result = subprocess.run(
        [ctl, "-q", *args], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, f"rabbitmqctl {args}: {result.stderr}"
    return result.stdout


@pytest.fixture
def vhost() -> Iterator[str]:
    """A RabbitMQ virtual host of this test's own (the real server on 127.0.0.1:5672)."""
    name = f"freightdesk-deploy-{secrets.token_hex(4)}"
    _rabbitmqctl("add_vhost", name)
    try:
        _rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
        yield name
    finally:
        _rabbitmqctl("delete_vhost", name)


def test_the_kpi_consumer_pod_consumes_the_queue_rasa_publishes_to(
    rendered: list[dict[str, Any]], secret: dict[str, str], tmp_path: Path, vhost: str
) -> None:
    _migrate(rendered, secret, tmp_path)
    secret = {**secret, "rabbitmq-url": f"amqp://guest:guest@127.0.0.1:5672/{vhost}"}
    consumer = _container(rendered, "Deployment", "freightdesk-kpi-consumer", "kpi-consumer")
    env = _pod_env(rendered, consumer, secret, tmp_path)
    queues = yaml.safe_load(ENDPOINTS.read_text(encoding="utf-8"))["event_broker"]["queues"]
    process = subprocess.Popen(
        [sys.executable, *consumer["args"]],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        consumers: dict[str, str] = {}
        while time.monotonic() < deadline and process.poll() is None:
            listing = _rabbitmqctl("list_queues", "-p", vhost, "name", "consumers")
            consumers = dict(line.split() for line in listing.splitlines() if line.strip())
            if consumers.get(queues[0]) == "1":
                break
            time.sleep(0.5)
        assert process.poll() is None, "the KPI consumer exited"
        assert consumers.get(queues[0]) == "1", consumers
    finally:
        process.terminate()
        process.wait(timeout=20)
