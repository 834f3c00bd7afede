"""``python -m bot customers forget|purge`` in a subprocess, on SQLite files where Rasa's
own SQL tracker store wrote the conversations (the operations themselves:
tests/domain/test_privacy.py)."""

from __future__ import annotations

import asyncio
import json
import secrets
import signal
import subprocess
import sys
from pathlib import Path

import aio_pika

from bot.core.settings import POISON_QUEUE_SUFFIX, REPO_ROOT
from bot.storage import db
from tests.domain.privacy_data import NOW, converse, seed_customer, tracker_store

RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"


def _bot(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m bot ARGS`` with exactly ``env``, as a worker or an operator runs it."""
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=120,
    )


def test_the_forget_command_prints_what_it_removed(tmp_path: Path) -> None:
    var = tmp_path / "var"
    url = f"sqlite:///{var / 'freightdesk.db'}"
    db.upgrade(url)
    engine = db.get_engine(url)
    store = tracker_store(f"sqlite:///{var / 'rasa_tracker.db'}")
    converse(store, "user-123", NOW, "hello")
    seed_customer(engine, "user-123", "jo@example.com", NOW, ref="CMP-2026-00004")
    env = {
        "DATABASE_URL": url,
        "FREIGHTDESK_VAR_DIR": str(var),
        "PATH": "/usr/bin:/bin",
        "RASA_TELEMETRY_ENABLED": "false",
        "PYTHONPATH": str(REPO_ROOT),
    }
    done = _bot(env, "customers", "forget", "user-123")
    assert done.returncode == 0, done.stderr
    assert "Forgot user-123" in done.stdout
    assert "tracker store events deleted: 2" in done.stdout
    assert "leads deleted: 1" in done.stdout
    again = _bot(env, "customers", "forget", "user-123")
    assert "nothing stored for this customer" in again.stdout
    purged = _bot(env, "customers", "purge")
    assert purged.returncode == 0 and "retention purge" in purged.stdout, purged.stderr


def test_make_run_starts_the_daily_purge_which_stops_on_sigterm(tmp_path: Path) -> None:
    from bot.core.settings import Settings
    from bot.ops.stack import worker_commands

    command = worker_commands(Settings.from_env({}))["customers-purge"]
    assert command[-3:] == ["customers", "purge", "--daily"]
    var = tmp_path / "var"
    url = f"sqlite:///{var / 'freightdesk.db'}"
    db.upgrade(url)
    env = {
        "DATABASE_URL": url,
        "FREIGHTDESK_VAR_DIR": str(var),
        "PATH": "/usr/bin:/bin",
        "RASA_TELEMETRY_ENABLED": "false",
        "PYTHONPATH": str(REPO_ROOT),
    }
    worker = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env, cwd=REPO_ROOT)
    try:
        assert worker.stdout is not None
        assert "retention purge" in worker.stdout.readline()
        assert worker.poll() is None  # waiting for tomorrow
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
    finally:
        if worker.poll() is None:
            worker.kill()


def test_the_daily_purge_survives_a_failed_pass(tmp_path: Path) -> None:
    """A failing pass is logged and retried; the worker (and so the stack) stays up."""
    var = tmp_path / "var"
    url = f"sqlite:///{var / 'freightdesk.db'}"
    db.upgrade(url)
    (var / "rasa_tracker.db").write_bytes(b"this is not a SQLite database" * 100)
    env = {
        "DATABASE_URL": url,
        "FREIGHTDESK_VAR_DIR": str(var),
        "PATH": "/usr/bin:/bin",
        "RASA_TELEMETRY_ENABLED": "false",
        "PYTHONPATH": str(REPO_ROOT),
    }
    command = [sys.executable, "-m", "bot", "customers", "purge", "--daily"]
    worker = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
        cwd=REPO_ROOT,
    )
    try:
        assert worker.stdout is not None
        assert "retention purge failed" in worker.stdout.readline().lower()
        assert worker.poll() is None
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
    once = subprocess.run(
        command[:-1], capture_output=True, text=True, env=env, cwd=REPO_ROOT, timeout=120
    )
    assert once.returncode != 0  # run by hand, a failure is an error exit


def test_forget_clears_the_customers_parked_messages_from_the_poison_queue(
    tmp_path: Path,
) -> None:
    """Messages the KPI consumer parked (``<queue>.poison``) often carry what was said."""
    var = tmp_path / "var"
    url = f"sqlite:///{var / 'freightdesk.db'}"
    db.upgrade(url)
    seed_customer(db.get_engine(url), "telegram:4711", "jo@example.com", NOW, ref="CMP-2026-00005")
    queue = f"freightdesk_test_{secrets.token_hex(4)}"
    parked = [
        json.dumps({"sender_id": "telegram:4711", "event": "user", "text": "my TV broke"}),
        "not json, from jo@example.com",
        json.dumps({"sender_id": "web:0f0f", "event": "user", "text": "hello"}),
        "garbage",
    ]

    async def park() -> None:
        connection = await aio_pika.connect(RABBITMQ_URL)
        async with connection:
            channel = await connection.channel()
            await channel.declare_queue(queue + POISON_QUEUE_SUFFIX, durable=True)
            for body in parked:
                await channel.default_exchange.publish(
                    aio_pika.Message(body.encode()), routing_key=queue + POISON_QUEUE_SUFFIX
                )

    async def left_and_delete() -> list[str]:
        connection = await aio_pika.connect(RABBITMQ_URL)
        async with connection:
            channel = await connection.channel()
            declared = await channel.declare_queue(queue + POISON_QUEUE_SUFFIX, durable=True)
            bodies = []
            while (message := await declared.get(no_ack=True, fail=False)) is not None:
                bodies.append(message.body.decode())
            await channel.queue_delete(queue + POISON_QUEUE_SUFFIX)
        return bodies

    asyncio.run(park())
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bot", "customers", "forget", "jo@example.com"],
            capture_output=True,
            text=True,
            env={
                "DATABASE_URL": url,
                "FREIGHTDESK_VAR_DIR": str(var),
                "FREIGHTDESK_RABBITMQ_URL": RABBITMQ_URL,
                "FREIGHTDESK_RABBITMQ_QUEUE": queue,
                "PATH": "/usr/bin:/bin",
                "RASA_TELEMETRY_ENABLED": "false",
                "PYTHONPATH": str(REPO_ROOT),
            },
            cwd=REPO_ROOT,
            timeout=120,
        )
    finally:
        left = asyncio.run(left_and_delete())
    assert done.returncode == 0, done.stderr
    assert "parked event messages deleted: 2" in done.stdout
    assert sorted(left) == sorted(parked[2:])


def test_the_production_purge_worker_needs_no_server_secret(pg_database_url: str) -> None:
    """The production profile starts the purge without Rasa's or the action servers'
    secrets (bot/ops/replicas.py gives them to the servers only); it reads only the
    tracker store's URL and purges."""
    db.upgrade(pg_database_url)
    store = tracker_store(pg_database_url)
    converse(store, "user-pg-1", NOW, "hello")
    env = {
        "FREIGHTDESK_PROFILE": "production",
        "DATABASE_URL": pg_database_url,
        "PATH": "/usr/bin:/bin",
        "RASA_TELEMETRY_ENABLED": "false",
        "PYTHONPATH": str(REPO_ROOT),
    }
    purged = _bot(env, "customers", "purge")
    assert purged.returncode == 0, purged.stderr
    assert "retention purge" in purged.stdout
    assert "is not set" not in purged.stderr
