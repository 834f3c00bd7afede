"""``python -m bot console``: the command `make run` starts serves the console on loopback."""

from __future__ import annotations

import requests

from bot.storage import db


def test_make_run_starts_the_console_which_serves_on_loopback(sqlite_database_url: str) -> None:
    import os
    import subprocess
    import sys
    import time

    from bot.core.settings import REPO_ROOT, Settings
    from bot.ops.stack import free_port, worker_commands

    command = worker_commands(Settings.from_env({}))["console"]
    assert command == [sys.executable, "-m", "bot", "console"]
    db.upgrade(sqlite_database_url)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": sqlite_database_url, "CONSOLE_PORT": str(port)}
    process = subprocess.Popen(command, cwd=REPO_ROOT, env=env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                page = requests.get(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except requests.ConnectionError:
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
        assert page.status_code == 200 and "Sign in" in page.text
    finally:
        process.terminate()
        assert process.wait(10) == 0
