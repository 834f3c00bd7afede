"""Conversation facts from RabbitMQ: Rasa's own Pika broker in, facts once, poison parked.

Each test gets its own RabbitMQ virtual host on the real server (127.0.0.1:5672, made
with ``rabbitmqctl`` and deleted after the test), events are published by Rasa's
``PikaEventBroker`` exactly as the Rasa server publishes them, and the consumer runs as
the operators run it: ``python -m bot kpi consume --rabbitmq URL --queue NAME``.
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aio_pika
import pytest
from sqlalchemy import func, select

from bot.core.settings import POISON_QUEUE_SUFFIX, RASA_EVENTS_EXCHANGE, REPO_ROOT
from bot.engine.eventstream.rabbitmq import REASON_HEADER
from bot.storage import db
from bot.storage.models import ConversationFact, ProcessedEvent
from tests.engine.eventstream.test_facts import _conversation, _user

RABBITMQ = "127.0.0.1:5672"
QUEUE = "kpi_events_test"
QUEUE_ARGS = ("--queue", QUEUE)


def _rabbitmqctl(*args: str) -> None:
    ctl = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    try:
        subprocess.run([ctl, "-q", *args], check=True, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        pytest.fail(
            f"rabbitmqctl {' '.join(args)} failed: {exc} {detail.decode(errors='replace')}\n"
            "These tests need the RabbitMQ server on 127.0.0.1:5672 and rabbitmqctl "
            "(run as root) to make a virtual host of their own.",
            pytrace=False,
        )


@pytest.fixture
def vhost() -> Iterator[str]:
    """A fresh RabbitMQ virtual host the guest user may use; deleted afterwards."""
    name = f"freightdesk-test-{secrets.token_hex(4)}"
    _rabbitmqctl("add_vhost", name)
    try:
        _rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
        yield name
    finally:
        _rabbitmqctl("delete_vhost", name)


def _url(vhost: str) -> str:
    return f"amqp://guest:guest@{RABBITMQ}/{vhost}"


async def _publish_with_rasa(
    vhost: str, events: list[dict[str, Any]], raw: tuple[bytes, ...] = ()
) -> None:
    """Publish through Rasa's PikaEventBroker, configured as in endpoints.yml."""
    # The broker calls rasa.shared.core.events without importing it; in the Rasa server
    # it is always loaded already, so load it here as the server does.
    import rasa.shared.core.events  # noqa: F401
    from rasa.core.brokers.pika import PikaEventBroker
    from rasa.utils.endpoints import EndpointConfig

    config = EndpointConfig(
        url=f"amqp://{RABBITMQ}/{vhost}",
        type="pika",
        username="guest",
        password="guest",
        queues=[QUEUE],
        connection_attempts=1,
    )
    broker = await PikaEventBroker.from_endpoint_config(config, asyncio.get_running_loop())
    assert broker is not None
    try:
        for event in events:
            broker.publish(event)
        # publish() hands each message to a task of its own; wait until all are sent.
        while broker._background_tasks:
            await asyncio.sleep(0.01)
    finally:
        await broker.close()
    if raw:
        connection = await aio_pika.connect(_url(vhost))
        async with connection:
            channel = await connection.channel()
            exchange = await channel.get_exchange(RASA_EVENTS_EXCHANGE)
            for body in raw:
                await exchange.publish(aio_pika.Message(body), routing_key="")


async def _drain(vhost: str, queue: str) -> list[aio_pika.abc.AbstractIncomingMessage]:
    """Take every message waiting in ``queue`` (acknowledged, so the queue is left empty)."""
    messages = []
    connection = await aio_pika.connect(_url(vhost))
    async with connection:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, passive=True)
        while (message := await declared.get(no_ack=True, fail=False)) is not None:
            messages.append(message)
    return messages


async def _waiting(vhost: str, queue: str) -> int:
    connection = await aio_pika.connect(_url(vhost))
    async with connection:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, passive=True)
        result = declared.declaration_result
        return int(result.message_count or 0)


def _consume(db_url: str, tmp_path: Path, vhost: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "FREIGHTDESK_VAR_DIR": str(tmp_path / "var"),
        "RASA_TELEMETRY_ENABLED": "false",
        "PYTHONPATH": str(REPO_ROOT),
    }
    env.pop("FREIGHTDESK_RABBITMQ_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", "kpi", "consume", "--rabbitmq", _url(vhost), *QUEUE_ARGS],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _facts(db_url: str) -> list[tuple[Any, ...]]:
    with db.session_scope(db.get_engine(db_url)) as session:
        return [
            (
                *(f.sender_id, f.channel, f.intents, f.user_message_count, f.fallback_count),
                *(f.bot_first_response_ms, f.handed_off, f.account),
            )
            for f in session.scalars(select(ConversationFact).order_by(ConversationFact.id))
        ]


def _processed(db_url: str) -> int:
    with db.session_scope(db.get_engine(db_url)) as session:
        return int(session.scalar(select(func.count()).select_from(ProcessedEvent)) or 0)


EXPECTED = [
    ("cust-1", "telegram", "track_shipment nlu_fallback request_human", 3, 1, 250, True, "ACME")
]


def test_events_from_rasas_pika_broker_become_facts_once_and_poison_is_parked(
    db_url: str, tmp_path: Path, vhost: str
) -> None:
    events = _conversation()
    duplicate = events[2]  # the first user message, published twice
    not_an_event = {"hello": "world"}
    out_of_range = _user(1e13, "greet")  # passes the shape check, no date can hold it
    asyncio.run(
        _publish_with_rasa(
            vhost, [*events, duplicate, not_an_event, out_of_range], raw=(b"\xffnot json {",)
        )
    )
    assert asyncio.run(_waiting(vhost, QUEUE)) == 14

    done = _consume(db_url, tmp_path, vhost)
    assert done.returncode == 0, done.stderr
    assert "Received 14 messages: 10 new events, 1 seen before, 3 parked." in done.stdout
    assert f"{QUEUE}{POISON_QUEUE_SUFFIX}" in done.stdout
    assert _facts(db_url) == EXPECTED
    assert _processed(db_url) == 10
    assert asyncio.run(_waiting(vhost, QUEUE)) == 0

    parked = asyncio.run(_drain(vhost, QUEUE + POISON_QUEUE_SUFFIX))
    reasons = {m.body: str((m.headers or {})[REASON_HEADER]) for m in parked}
    assert len(parked) == 3
    assert reasons[b"\xffnot json {"].startswith("not JSON")
    assert reasons[json.dumps(not_an_event).encode()].startswith("not a Rasa event")
    assert "year" in reasons[json.dumps(out_of_range).encode()]  # the date it cannot hold

    # The same events published again (Rasa retrying after a lost connection): no change.
    asyncio.run(_publish_with_rasa(vhost, events))
    again = _consume(db_url, tmp_path, vhost)
    assert "Received 10 messages: 0 new events, 10 seen before, 0 parked." in again.stdout
    assert _facts(db_url) == EXPECTED and _processed(db_url) == 10


# Runs the consumer and kills its own process the moment the facts are committed, before
# RabbitMQ hears the acknowledgement: the worst time for a consumer to die.
CRASHING_CONSUMER = """
import asyncio, os, signal, sys
from bot.storage.db import make_engine
from bot.engine.eventstream.rabbitmq import consume_rabbitmq

def die(_count):
    os.kill(os.getpid(), signal.SIGKILL)

asyncio.run(consume_rabbitmq(make_engine(sys.argv[1]), sys.argv[2], sys.argv[3],
                             idle_timeout=10, after_commit=die))
"""


def test_a_consumer_killed_before_its_ack_gets_the_events_again_and_counts_them_once(
    db_url: str, tmp_path: Path, vhost: str
) -> None:
    asyncio.run(_publish_with_rasa(vhost, _conversation()))
    killed = subprocess.run(
        [sys.executable, "-c", CRASHING_CONSUMER, db_url, _url(vhost), QUEUE],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT), "RASA_TELEMETRY_ENABLED": "false"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert killed.returncode == -9, killed.stderr
    # The facts were committed, the messages never acknowledged: RabbitMQ has them again.
    assert _facts(db_url) == EXPECTED
    assert asyncio.run(_waiting(vhost, QUEUE)) == 10

    done = _consume(db_url, tmp_path, vhost)
    assert done.returncode == 0, done.stderr
    assert "Received 10 messages: 0 new events, 10 seen before, 0 parked." in done.stdout
    assert _facts(db_url) == EXPECTED and _processed(db_url) == 10
    assert asyncio.run(_waiting(vhost, QUEUE)) == 0


def test_without_a_url_the_consumer_says_what_to_set(db_url: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": db_url,
        "FREIGHTDESK_VAR_DIR": str(tmp_path / "var"),
        "PYTHONPATH": str(REPO_ROOT),
    }
    env.pop("FREIGHTDESK_RABBITMQ_URL", None)
    done = subprocess.run(
        [sys.executable, "-m", "bot", "kpi", "consume", "--rabbitmq"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    assert "give --rabbitmq URL or set $FREIGHTDESK_RABBITMQ_URL" in done.stderr
