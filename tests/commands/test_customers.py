"""``python -m bot customers forget|purge`` in a subprocess, on SQLite files where Rasa's
own SQL tracker store wrote the conversations (the operations themselves:
tests/domain/test_privacy.py)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from bot.core.settings import REPO_ROOT
from bot.storage import db
from tests.domain.privacy_data import NOW, converse, seed_customer, tracker_store


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
    done = subprocess.run(
        [sys.executable, "-m", "bot", "customers", "forget", "user-123"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Forgot user-123" in done.stdout
    assert "tracker store events deleted: 2" in done.stdout
    assert "leads deleted: 1" in done.stdout
    again = subprocess.run(
        [sys.executable, "-m", "bot", "customers", "forget", "user-123"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=120,
    )
    assert "nothing stored for this customer" in again.stdout
    purged = subprocess.run(
        [sys.executable, "-m", "bot", "customers", "purge"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO_ROOT,
        timeout=120,
    )
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
