"""The production profile, started as operators start it: `python -m bot run`.

`FREIGHTDESK_PROFILE=production` with a fresh PostgreSQL database (project tables and
Rasa's tracker store), a Redis key prefix and a RabbitMQ user and vhost made for this
module and removed after it: two Rasa replicas with their action servers, the balancer
and the workers. Each conversation's messages go alternately to the two replicas,
several conversations at once; then two messages of one conversation arrive at both
replicas at the same moment. SIGTERM then stops everything with exit code 0.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import requests
import sqlalchemy as sa
from psycopg2 import sql
from sqlalchemy.engine import make_url

from bot.core.settings import REPO_ROOT
from bot.ops.stack import free_port
from tests.conftest import PG_ADMIN_URL, _pg_admin_connection

TOKEN = "scaleout-test-token-0123456789"
START_TIMEOUT_S = 900
QUOTE_FLOW = [
    ("can I get a quote?", "which service"),
    ("air freight", "from"),
    ("Shenzhen", "going"),
    ("Rotterdam", "weight"),
    ("300 kg", "volume"),
    ("2 cbm", "334"),
]


@dataclass
class Replicated:
    replica_urls: list[str]
    url: str
    tracker_url: str
    action_urls: list[str]

    def say(self, replica: int, sender: str, text: str) -> str:
        response = requests.post(
            f"{self.replica_urls[replica]}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            timeout=120,
        )
        assert response.status_code == 200, response.text
        return "\n".join(m.get("text") or "" for m in response.json()).lower()

    def events(self, sender: str) -> list[tuple[str, str | None, str | None]]:
        """(type, action name, text) of the sender's stored events, in order."""
        engine = sa.create_engine(self.tracker_url)
        try:
            with engine.connect() as connection:
                rows = connection.execute(
                    sa.text(
                        "SELECT type_name, action_name, data::json->>'text' FROM events "
                        "WHERE sender_id = :s ORDER BY id"
                    ),
                    {"s": sender},
                )
                return [(kind, action, text) for kind, action, text in rows]
        finally:
            engine.dispose()


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


def _free_pair() -> int:
    """A port p with p and p + 1 both free (replica i listens on p + i)."""
    for _ in range(50):
        port = free_port()
        try:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", port + 1))
        except OSError:
            continue
        return port
    raise RuntimeError("no two consecutive free ports")


@pytest.fixture(scope="module")
def replicated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicated]:
    name = f"freightdesk_t_{secrets.token_hex(6)}"
    tag = secrets.token_hex(4)
    prefix, rabbit_user, vhost = f"fdtest{tag}", f"fdtest{tag}", f"fdtest{tag}"
    rabbit_password = secrets.token_urlsafe(16)
    admin = _pg_admin_connection()
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    var_dir = Path(tmp_path_factory.mktemp("production"))
    rasa_port, replica_port, action_port = free_port(), _free_pair(), _free_pair()
    action_urls = [f"http://127.0.0.1:{action_port + i}" for i in range(2)]
    env = {
        **os.environ,
        "FREIGHTDESK_PROFILE": "production",
        "DATABASE_URL": url,
        "FREIGHTDESK_REDIS_URL": "redis://127.0.0.1:6379/1",
        "FREIGHTDESK_REDIS_PREFIX": prefix,
        "FREIGHTDESK_RABBITMQ_URL": (
            f"amqp://{rabbit_user}:{rabbit_password}@127.0.0.1:5672/{vhost}"
        ),
        "RASA_TOKEN": TOKEN,
        "FREIGHTDESK_SESSION_SECRET": "scaleout-test-session-secret-0123456789",
        "FREIGHTDESK_ACTION_SECRET": "scaleout-test-action-secret-0123456789",
        "RASA_PORT": str(rasa_port),
        "RASA_REPLICA_PORT": str(replica_port),
        "ACTION_PORT": str(action_port),
        "CONSOLE_PORT": str(free_port()),
        "FREIGHTDESK_VAR_DIR": str(var_dir),
        "FREIGHTDESK_START_TIMEOUT": str(START_TIMEOUT_S),
        "PYTHONPATH": str(REPO_ROOT),
    }
    for variable in ("TELEGRAM_BOT_TOKEN", "RASA_TRACKER_DATABASE_URL"):
        env.pop(variable, None)
    _rabbitmqctl("add_vhost", vhost)
    _rabbitmqctl("add_user", rabbit_user, rabbit_password)
    _rabbitmqctl("set_permissions", "-p", vhost, rabbit_user, ".*", ".*", ".*")
    log_path = var_dir / "run.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "run"],
        cwd=REPO_ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 2 * START_TIMEOUT_S
        while b"Freight Desk is up" not in log_path.read_bytes():
            assert process.poll() is None, log_path.read_text()[-3000:]
            assert time.monotonic() < deadline, "the production profile did not start"
            time.sleep(1)
        yield Replicated(
            [f"http://127.0.0.1:{replica_port + i}" for i in range(2)],
            f"http://127.0.0.1:{rasa_port}",
            url,
            action_urls,
        )
        os.killpg(process.pid, signal.SIGTERM)
        assert process.wait(timeout=120) == 0, log_path.read_text()[-3000:]
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
        with admin.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        admin.close()
        client = redis.StrictRedis(host="127.0.0.1", port=6379, db=1)
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)
        _rabbitmqctl("delete_user", rabbit_user)
        _rabbitmqctl("delete_vhost", vhost)


def test_two_replicas_and_action_servers_are_up(replicated: Replicated) -> None:
    for base in [*replicated.replica_urls, replicated.url]:
        assert requests.get(f"{base}/", timeout=30).status_code == 200
    for base in replicated.action_urls:
        assert requests.get(f"{base}/health", timeout=30).status_code == 200
    status = requests.get(f"{replicated.replica_urls[1]}/status", params={"token": TOKEN})
    assert status.status_code == 200 and "model_file" in status.json()


def _assert_serialised(events: list[tuple[str, str | None, str | None]]) -> None:
    """Each customer message's turn ends (action_listen) before the next one starts."""
    for index, (kind, _, _) in enumerate(events):
        if kind == "user":
            assert events[index - 1][:2] == ("action", "action_listen"), events[
                index - 3 : index + 1
            ]


def test_alternating_replicas_concurrent_conversations(replicated: Replicated) -> None:
    senders = [f"scale-{uuid.uuid4().hex[:10]}" for _ in range(4)]
    problems: list[str] = []

    def converse(number: int, sender: str) -> None:
        try:
            for step, (text, expected) in enumerate(QUOTE_FLOW):
                reply = replicated.say((number + step) % 2, sender, text)
                if expected not in reply:
                    problems.append(f"{sender} step {step} {text!r}: {reply!r}")
                    return
        except Exception as exc:  # reported to the test below
            problems.append(f"{sender}: {exc!r}")

    threads = [threading.Thread(target=converse, args=(n, s)) for n, s in enumerate(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not problems

    # Two messages of one conversation at the same moment, one at each replica.
    answers: dict[tuple[str, int], str] = {}

    def ask(sender: str, replica: int, text: str) -> None:
        answers[(sender, replica)] = replicated.say(replica, sender, text)

    threads = [
        threading.Thread(target=ask, args=(sender, replica, text))
        for sender in senders
        for replica, text in ((0, "what does FOB mean?"), (1, "what is demurrage"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for sender in senders:
        assert "free on board" in answers[(sender, 0)]
        assert "demurrage" in answers[(sender, 1)]

    sent = [text for text, _ in QUOTE_FLOW]
    for sender in senders:
        events = replicated.events(sender)
        user_texts = [text for kind, _, text in events if kind == "user"]
        # Every message stored once: the flow in order, then both questions in some order.
        assert user_texts[: len(sent)] == sent
        assert sorted(user_texts[len(sent) :]) == ["what does FOB mean?", "what is demurrage"]
        _assert_serialised(events)


def test_the_balancer_reaches_both_replicas_and_continues_conversations(
    replicated: Replicated,
) -> None:
    sender = f"scale-{uuid.uuid4().hex[:10]}"
    replies = []
    for text, _ in QUOTE_FLOW:
        # A new connection per message: the balancer sends each to the next replica.
        response = requests.post(
            f"{replicated.url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            headers={"Connection": "close"},
            timeout=120,
        )
        assert response.status_code == 200
        replies.append(" ".join(m.get("text") or "" for m in response.json()).lower())
    for reply, (_, expected) in zip(replies, QUOTE_FLOW, strict=True):
        assert expected in reply
    _assert_serialised(replicated.events(sender))
