"""Running a rendered Kubernetes container's command from this checkout, without a cluster.

A container's args and environment are taken as kustomize renders them (ConfigMap
literals, every ``secretKeyRef`` filled from a test Secret) plus the image's ``ENV``; paths
inside the image are mapped to this checkout. Used by tests/ops/test_deploy_pods.py and
tests/e2e/test_deploy_rasa_pod.py.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from bot.core.settings import REPO_ROOT
from bot.ops.stack import free_port
from tests.ops.deploy_tools import DEPLOY

OVERLAY = DEPLOY / "k8s" / "overlays" / "production"
#: Paths inside the image, and where this checkout has them.
IMAGE_PATHS = {
    "/etc/freightdesk/endpoints.yml": str(DEPLOY / "k8s" / "base" / "endpoints.yml"),
    "/app/": f"{REPO_ROOT}/",
}


def secret_values(database_url: str) -> dict[str, str]:
    """Values for every key of `freightdesk-secrets`, the databases at ``database_url``."""
    return {
        "database-url": database_url,
        "tracker-database-url": database_url,
        "redis-password": "redis-password-for-the-test",
        "webchat-redis-url": "redis://:redis-password-for-the-test@127.0.0.1:6379/1",
        "rabbitmq-url": "amqp://freightdesk:rabbit-password-for-the-test@127.0.0.1:5672/",
        "rabbitmq-password": "rabbit-password-for-the-test",
        "rasa-token": "rasa-token-for-the-test-0123456789",
        "session-secret": "session-secret-for-the-test-0123456789",
        "action-secret": "action-secret-for-the-test-0123456789ab",
        "telegram-bot-token": "7000000001:AAE2eTestTokenForTheDeployTestOnly-00",
        "telegram-secret-token": "telegram-secret-for-the-test",
    }


def image_env() -> dict[str, str]:
    """The runtime stage's ENV of deploy/Dockerfile."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text(encoding="utf-8"))
    final = text[text.rindex("\nFROM ") :]
    env: dict[str, str] = {}
    for line in final.splitlines():
        if line.startswith("ENV "):
            env.update(re.findall(r"(\w+)=(\S+)", line))
    return env


def local(value: str) -> str:
    """``value`` with the image's paths replaced by this checkout's."""
    for image_path, here in IMAGE_PATHS.items():
        value = value.replace(image_path, here)
    return value


def container(rendered: list[dict[str, Any]], kind: str, name: str, which: str) -> dict[str, Any]:
    """The container (or init container) ``which`` of workload ``kind``/``name``."""
    doc = next(d for d in rendered if d["kind"] == kind and d["metadata"]["name"] == name)
    spec = doc["spec"]
    pod = (spec["jobTemplate"]["spec"] if kind == "CronJob" else spec)["template"]["spec"]
    every = [*pod.get("initContainers", []), *pod["containers"]]
    return next(c for c in every if c["name"] == which)


def pod_env(
    rendered: list[dict[str, Any]], spec: dict[str, Any], secret: dict[str, str], var: Path
) -> dict[str, str]:
    """The environment the container gets in the cluster, plus what a test process lacks."""
    config_maps = {d["metadata"]["name"]: d for d in rendered if d["kind"] == "ConfigMap"}
    env = {k: local(v) for k, v in image_env().items()}
    for source in spec.get("envFrom", []):
        env.update(config_maps[source["configMapRef"]["name"]]["data"])
    for item in spec.get("env", []):
        if "value" in item:
            env[item["name"]] = item["value"]
        else:
            reference = item["valueFrom"]["secretKeyRef"]
            if reference["key"] in secret or not reference.get("optional"):
                env[item["name"]] = secret[reference["key"]]
    # The image's Python is on PATH and the code in /app; here they are the venv's and ours.
    return {
        **env,
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(REPO_ROOT),
        "FREIGHTDESK_VAR_DIR": str(var),
        "RASA_TELEMETRY_ENABLED": "false",
    }


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a container's args (after `python`) to the end."""
    return subprocess.run(
        [sys.executable, *(local(a) for a in args)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def migrate(rendered: list[dict[str, Any]], secret: dict[str, str], var: Path) -> None:
    """The action server's init container: `bot db upgrade`."""
    init = container(rendered, "Deployment", "freightdesk-actions", "migrate")
    result = run(init["args"], pod_env(rendered, init, secret, var))
    assert result.returncode == 0, result.stdout + result.stderr


class Servers:
    """Servers started from containers' args on free loopback ports; stop() ends them."""

    def __init__(self, logs: Path) -> None:
        self._logs = logs
        self._running: list[tuple[subprocess.Popen[bytes], IO[bytes]]] = []

    def start(self, args: list[str], env: dict[str, str]) -> int:
        """Start ``args`` with its --port (and --host/--interface) moved to loopback."""
        port = free_port()
        args = [*args]
        args[args.index("--port") + 1] = str(port)
        for flag in ("--host", "--interface"):
            if flag in args:
                args[args.index(flag) + 1] = "127.0.0.1"
        log = (self._logs / f"server-{port}.log").open("wb")
        process = subprocess.Popen(
            [sys.executable, *(local(a) for a in args)],
            cwd=REPO_ROOT,
            env={**env, "FREIGHTDESK_ACTION_HOST": "127.0.0.1"},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self._running.append((process, log))
        return port

    def alive(self) -> bool:
        """Whether every started server is still running."""
        return all(process.poll() is None for process, _ in self._running)

    def stop(self) -> None:
        """Stop every server (SIGTERM, then SIGKILL after 20 s)."""
        for process, log in self._running:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()
        self._running.clear()


def rabbitmqctl(*args: str) -> str:
    """Run rabbitmqctl on the local RabbitMQ (as root) and return its output."""
    ctl = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    result = subprocess.run(
        [ctl, "-q", *args], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, f"rabbitmqctl {args}: {result.stderr}"
    return result.stdout


@contextmanager
def rabbitmq_vhost() -> Iterator[str]:
    """A RabbitMQ virtual host of the caller's own, for the guest user; deleted after."""
    name = f"freightdesk-deploy-{secrets.token_hex(4)}"
    rabbitmqctl("add_vhost", name)
    try:
        rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
        yield name
    finally:
        rabbitmqctl("delete_vhost", name)


def queue_counts(vhost: str, column: str) -> dict[str, int]:
    """``{queue: column}`` for the queues of ``vhost`` (column: messages, consumers)."""
    listing = rabbitmqctl("list_queues", "-p", vhost, "name", column)
    pairs = (line.split() for line in listing.splitlines() if line.strip())
    # The first line may be the column names.
    return {pair[0]: int(pair[1]) for pair in pairs if len(pair) == 2 and pair[1].isdigit()}
