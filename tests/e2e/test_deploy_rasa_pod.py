"""The Kubernetes Rasa pod as rendered, run for real: the trained model, the container
endpoints file with its ${VAR}s, the PostgreSQL tracker store, the Redis lock, the RabbitMQ
broker and the rendered action server (tests/ops/deploy_pods.py says how a rendered
container is run here without a cluster).

What a cluster's DNS and the operator's overlay would give, a test on one machine sets
itself: the action server's, Redis's and RabbitMQ's loopback addresses and the loopback
REST allow-list. Everything else is the rendered manifests' own.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa
import yaml

from tests.ops.deploy_pods import (
    OVERLAY,
    Servers,
    container,
    migrate,
    pod_env,
    queue_counts,
    rabbitmq_vhost,
    secret_values,
)
from tests.ops.deploy_tools import DEPLOY, ENDPOINTS, kustomize

PROBE = DEPLOY / "probe.py"


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[Servers]:
    started = Servers(tmp_path)
    yield started
    started.stop()


def _probe(port: int, token: str) -> int:
    env = {"RASA_PORT": str(port), "FREIGHTDESK_RASA_AUTH_TOKEN": token, "PATH": "/usr/bin"}
    return subprocess.run(
        [sys.executable, str(PROBE), "rasa"], env=env, timeout=30, check=False
    ).returncode


def test_the_rendered_rasa_pod_loads_its_model_and_answers(
    pg_database_url: str, tmp_path: Path, servers: Servers
) -> None:
    rendered = kustomize(OVERLAY)
    # An operator without Telegram: its keys (optional in the manifests) are not in the Secret.
    # This machine's Redis has no password.
    secret = {
        **secret_values(pg_database_url),
        "redis-password": "",
        "webchat-redis-url": "redis://127.0.0.1:6379/1",
    }
    del secret["telegram-bot-token"], secret["telegram-secret-token"]
    migrate(rendered, secret, tmp_path)
    queue = yaml.safe_load(ENDPOINTS.read_text(encoding="utf-8"))["event_broker"]["queues"][0]
    with rabbitmq_vhost() as vhost:
        secret["rabbitmq-url"] = f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
        secret["rabbitmq-password"] = "guest"
        actions = container(rendered, "Deployment", "freightdesk-actions", "actions")
        action_port = servers.start(actions["args"], pod_env(rendered, actions, secret, tmp_path))
        rasa = container(rendered, "Deployment", "freightdesk-rasa", "rasa")
        env: dict[str, Any] = {
            **pod_env(rendered, rasa, secret, tmp_path),
            # What the cluster's DNS and the operator's overlay would say.
            "FREIGHTDESK_ACTION_URL": f"http://127.0.0.1:{action_port}",
            "FREIGHTDESK_REDIS_HOST": "127.0.0.1",
            "FREIGHTDESK_RABBITMQ_USER": "guest",
            "FREIGHTDESK_REST_ALLOWED_NETWORKS": "127.0.0.1/32",
        }
        port = servers.start(rasa["args"], env)
        token = secret["rasa-token"]

        # Not ready while loading; ready within the startup probe's allowance.
        assert _probe(port, token) == 1
        startup = rasa["startupProbe"]
        deadline = time.monotonic() + startup["periodSeconds"] * startup["failureThreshold"]
        while time.monotonic() < deadline and _probe(port, token) != 0:
            assert servers.alive(), "a server exited: see its log under the test's tmp_path"
            time.sleep(2)
        assert _probe(port, token) == 0, "Rasa did not load its model in the startup allowance"
        # Readiness is the token-free /webhooks/rest/ready, which says only "loaded";
        # Rasa's /status, which names the model, still refuses a wrong token.
        assert _probe(port, "not-the-token") == 0
        status = requests.get(
            f"http://127.0.0.1:{port}/status", params={"token": "not-the-token"}, timeout=10
        )
        assert status.status_code in (401, 403)
        liveness = rasa["livenessProbe"]["httpGet"]["path"]
        assert requests.get(f"http://127.0.0.1:{port}{liveness}", timeout=10).status_code == 200

        # A customer's turn: answered through the action server's localised responses.
        sender = f"deploy-{uuid.uuid4().hex[:8]}"
        reply = requests.post(
            f"http://127.0.0.1:{port}/webhooks/rest/webhook",
            json={"sender": sender, "message": "hello"},
            timeout=120,
        )
        assert reply.status_code == 200, reply.text
        assert any(m.get("text") for m in reply.json()), reply.json()

        # The turn is in the PostgreSQL tracker store and went to the RabbitMQ queue.
        engine = sa.create_engine(pg_database_url)
        try:
            with engine.connect() as connection:
                stored = connection.execute(
                    sa.text("SELECT count(*) FROM events WHERE sender_id = :s"), {"s": sender}
                ).scalar_one()
        finally:
            engine.dispose()
        assert stored >= 3
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not queue_counts(vhost, "messages").get(queue):
            time.sleep(0.5)
        assert queue_counts(vhost, "messages").get(queue, 0) >= 3
        servers.stop()
