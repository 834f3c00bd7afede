"""The rendered Kubernetes pods' commands run (tests/ops/deploy_pods.py says how), against
the real PostgreSQL and RabbitMQ, without a cluster or an image.

This checks that what the manifests say (commands, variables, probe paths, the endpoints
file) is what the processes need, so a pod does not crash-loop on a missing variable or a
misspelt flag. The Rasa pod itself: tests/e2e/test_deploy_rasa_pod.py.
"""

from __future__ import annotations

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
from tests.ops.deploy_pods import (
    OVERLAY,
    Servers,
    container,
    migrate,
    pod_env,
    queue_counts,
    rabbitmq_vhost,
    run,
    secret_values,
)
from tests.ops.deploy_tools import ENDPOINTS, kustomize


@pytest.fixture(scope="module")
def rendered() -> list[dict[str, Any]]:
    return kustomize(OVERLAY)


@pytest.fixture
def secret(pg_database_url: str) -> dict[str, str]:
    return secret_values(pg_database_url)


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Servers]:
    started = Servers(tmp_path)
    yield started
    started.stop()


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
    migrate(rendered, secret, tmp_path)
    purge = container(rendered, "CronJob", "freightdesk-customers-purge", "purge")
    result = run(purge["args"], pod_env(rendered, purge, secret, tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "retention purge" in result.stdout


def test_the_action_server_pod_passes_its_probes(
    rendered: list[dict[str, Any]], secret: dict[str, str], tmp_path: Path, servers: Servers
) -> None:
    migrate(rendered, secret, tmp_path)
    actions = container(rendered, "Deployment", "freightdesk-actions", "actions")
    port = servers.start(actions["args"], pod_env(rendered, actions, secret, tmp_path))
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
    rendered: list[dict[str, Any]], secret: dict[str, str], tmp_path: Path, servers: Servers
) -> None:
    migrate(rendered, secret, tmp_path)
    console = container(rendered, "Deployment", "freightdesk-console", "console")
    port = servers.start(console["args"], pod_env(rendered, console, secret, tmp_path))
    path = console["readinessProbe"]["httpGet"]["path"]
    assert _wait_ready(f"http://127.0.0.1:{port}{path}") == 200


def test_the_kpi_consumer_pod_consumes_the_queue_rasa_publishes_to(
    rendered: list[dict[str, Any]], secret: dict[str, str], tmp_path: Path
) -> None:
    migrate(rendered, secret, tmp_path)
    queue = yaml.safe_load(ENDPOINTS.read_text(encoding="utf-8"))["event_broker"]["queues"][0]
    consumer = container(rendered, "Deployment", "freightdesk-kpi-consumer", "kpi-consumer")
    with rabbitmq_vhost() as vhost:
        secret = {**secret, "rabbitmq-url": f"amqp://guest:guest@127.0.0.1:5672/{vhost}"}
        process = subprocess.Popen(
            [sys.executable, *consumer["args"]],
            cwd=REPO_ROOT,
            env=pod_env(rendered, consumer, secret, tmp_path),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            consumers: dict[str, int] = {}
            while time.monotonic() < deadline and process.poll() is None:
                consumers = queue_counts(vhost, "consumers")
                if consumers.get(queue) == 1:
                    break
                time.sleep(0.5)
            assert process.poll() is None, "the KPI consumer exited"
            assert consumers.get(queue) == 1, consumers
        finally:
            process.terminate()
            process.wait(timeout=20)
