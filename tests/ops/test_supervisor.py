"""supervisord as the production profile runs it (bot/ops/supervisor.py), for real.

Two small programs stand in for the servers: a killed one is restarted while the other
keeps running, a worker waits to be started, and SIGTERM to supervisord stops them all.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.ops.supervisor import (
    Program,
    SupervisorClient,
    SupervisorError,
    render_config,
    write_config,
)

SLEEPER = [sys.executable, "-c", "import time; time.sleep(100000)"]


def _wait(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie left for supervisord to reap is gone as far as serving goes.
    return "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()


@pytest.fixture
def supervised(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], SupervisorClient]]:
    programs = [
        Program("server-a", SLEEPER, {"ROLE": "a"}, startsecs=1),
        Program("server-b", SLEEPER, {"ROLE": "b 100%"}, startsecs=1),
        Program("worker", SLEEPER, autostart=False, startsecs=1),
    ]
    config = write_config(programs, tmp_path / "run", tmp_path / "log")
    assert oct(config.stat().st_mode & 0o777) == "0o600"
    process = subprocess.Popen(
        [sys.executable, "-m", "supervisor.supervisord", "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    client = SupervisorClient(tmp_path / "run" / "supervisor.sock")

    def up() -> bool:
        try:
            infos = client.processes()
        except SupervisorError:
            return False
        return all(infos[n]["statename"] == "RUNNING" for n in ("server-a", "server-b"))

    try:
        _wait(up)
        yield process, client
    finally:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=60)


def test_a_killed_program_is_restarted_and_the_others_keep_running(
    supervised: tuple[subprocess.Popen[bytes], SupervisorClient],
) -> None:
    _process, client = supervised
    a_before, b_before = client.pid("server-a"), client.pid("server-b")
    os.kill(a_before, signal.SIGKILL)
    _wait(lambda: client.pid("server-a") not in (0, a_before))
    assert client.processes()["server-a"]["statename"] in ("STARTING", "RUNNING")
    assert client.pid("server-b") == b_before and _alive(b_before)
    # The per-program setting arrived as written (supervisord's % escaped).
    environ = Path(f"/proc/{client.pid('server-b')}/environ").read_bytes().split(b"\0")
    assert b"ROLE=b 100%" in environ


def test_workers_wait_to_be_started(
    supervised: tuple[subprocess.Popen[bytes], SupervisorClient],
) -> None:
    _process, client = supervised
    assert client.processes()["worker"]["statename"] == "STOPPED"
    client.start("worker")
    _wait(lambda: client.processes()["worker"]["statename"] == "RUNNING")


def test_sigterm_stops_every_program(
    supervised: tuple[subprocess.Popen[bytes], SupervisorClient],
) -> None:
    process, client = supervised
    pids = [client.pid("server-a"), client.pid("server-b")]
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) == 0
    assert not any(_alive(pid) for pid in pids)


def test_a_setting_with_a_quote_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SupervisorError, match="quote"):
        render_config([Program("x", SLEEPER, {"A": 'say "hi"'})], tmp_path, tmp_path)
