"""Two Rasa replicas sharing one PostgreSQL tracker store and the atomic Redis lock.

The replicas (each with its own action server) and the balancer are real processes on
free ports, started from the production endpoints, with a fresh PostgreSQL database and
a Redis key prefix made for this module and dropped after it. Each conversation's
messages go alternately to the two replicas, several conversations at once; then two
messages of one conversation arrive at both replicas at the same moment.
"""

from __future__ import annotations

import os
import secrets
import threading
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

from bot import runner
from bot.config import REPO_ROOT
from bot.profiles import lock_store_config, tracker_store_config
from bot.replicas import ReplicaSet, write_production_endpoints
from bot.runner import free_port, latest_model, prepare_database
from tests.conftest import PG_ADMIN_URL, _pg_admin_connection

TOKEN = "scaleout-test-token-0123456789"
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
    replicas: ReplicaSet
    tracker_url: str

    def say(self, replica: int, sender: str, text: str) -> str:
        base = self.replicas.replica_urls()[replica]
        response = requests.post(
            f"{base}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=120
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
                return [tuple(row) for row in rows]  # type: ignore[misc]
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def replicated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicated]:
    name = f"freightdesk_t_{secrets.token_hex(6)}"
    prefix = f"fdtest{secrets.token_hex(4)}"
    admin = _pg_admin_connection()
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    var_dir = tmp_path_factory.mktemp("replicas")
    replicas = ReplicaSet(
        model=latest_model(REPO_ROOT / "models"),
        endpoints=write_production_endpoints(
            Path(var_dir) / "endpoints.production.yml",
            {
                "action_endpoint": {"url": "http://127.0.0.1:5055/webhook"},
                "tracker_store": tracker_store_config(url),
                "lock_store": lock_store_config("redis://127.0.0.1:6379/1", key_prefix=prefix),
            },
        ),
        replicas=2,
        public_port=free_port(),
        replica_ports=[free_port(), free_port()],
        action_ports=[free_port(), free_port()],
        env={
            **os.environ,
            "DATABASE_URL": url,
            "FREIGHTDESK_VAR_DIR": str(var_dir),
            "RASA_TOKEN": TOKEN,
        },
        log_dir=Path(var_dir) / "logs",
        token=TOKEN,
    )
    # Two models load at once on a machine shared with other work.
    runner.START_TIMEOUT_S = max(runner.START_TIMEOUT_S, 600.0)
    try:
        prepare_database(url)
        replicas.start()
        yield Replicated(replicas, url)
    finally:
        replicas.stop()
        from bot import db

        db.dispose_engines()
        with admin.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        admin.close()
        client = redis.StrictRedis(host="127.0.0.1", port=6379, db=1)
        keys = list(client.scan_iter(f"{prefix}:*"))
        if keys:
            client.delete(*keys)


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
            f"{replicated.replicas.url}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            headers={"Connection": "close"},
            timeout=120,
        )
        assert response.status_code == 200
        replies.append(" ".join(m.get("text") or "" for m in response.json()).lower())
    for reply, (_, expected) in zip(replies, QUOTE_FLOW, strict=True):
        assert expected in reply
    _assert_serialised(replicated.events(sender))
