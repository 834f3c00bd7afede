"""The production profile started as operators start it (`python -m bot run`), for tests.

A fresh PostgreSQL database (project tables and Rasa's tracker store), a Redis key prefix
and a RabbitMQ user and vhost are made for the run and removed after it; Rasa replicas and
action servers run behind HAProxy under supervisord. SIGTERM then stops everything, and
the runner must exit 0.

The test session starts one such stack, the first time a test asks for it, and every
module that needs a production stack shares it (``production_stack`` in tests/conftest.py):
each of its two replicas costs a model load of minutes on a busy machine. A test that
kills or replaces a process must leave the stack as it found it; before every test
:func:`wait_healthy` checks that (and waits for a restart still under way).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import redis
import sqlalchemy as sa
from psycopg2 import sql
from sqlalchemy.engine import make_url

from bot.core.settings import REPO_ROOT
from bot.ops.stack import free_port
from bot.ops.supervisor import SupervisorClient
from tests.conftest import PG_ADMIN_URL, _pg_admin_connection

TOKEN = "scaleout-test-token-0123456789"
START_TIMEOUT_S = 900
#: Callers the REST channel serves on the shared stack: this machine's main address only,
#: so 127.0.0.2 and beyond (the same machine, other loopback addresses) are "outside".
REST_ALLOWED = "127.0.0.1/32"
#: How long a test waits for the shared stack to be whole again (a replica reloading).
HEALTHY_TIMEOUT_S = 900


@dataclass
class Production:
    """A running production profile and how to reach its parts."""

    url: str
    replica_urls: list[str]
    action_urls: list[str]
    console_port: int
    rasa_port: int
    database_url: str
    var_dir: Path
    env: dict[str, str]

    @property
    def supervisor(self) -> SupervisorClient:
        """The supervisord of this run."""
        return SupervisorClient(self.var_dir / "run" / "supervisor.sock")

    @property
    def haproxy_socket(self) -> Path:
        """HAProxy's admin socket."""
        return self.var_dir / "run" / "haproxy.sock"

    def haproxy(self, command: str) -> str:
        """Send a command to HAProxy's admin socket and return its answer."""
        with socket.socket(socket.AF_UNIX) as sock:
            sock.connect(str(self.haproxy_socket))
            sock.sendall(command.encode() + b"\n")
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        return answer.decode()

    def tracker_events(self, sender: str) -> list[tuple[str, str | None, str | None]]:
        """(type, action name, text) of the sender's stored events, in order."""
        engine = sa.create_engine(self.database_url)
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

    def sessions_served(self, server: str, backend: str = "rasa_replicas") -> int:
        """HAProxy's count of sessions (connections) it has sent to ``server``."""
        lines = self.haproxy("show stat").splitlines()
        header = lines[0].lstrip("# ").split(",")
        for line in lines[1:]:
            fields = dict(zip(header, line.split(","), strict=False))
            if fields.get("pxname") == backend and fields.get("svname") == server:
                return int(fields["stot"])
        raise AssertionError(f"HAProxy does not know {backend}/{server}")

    def server_states(self, backend: str = "rasa_replicas") -> dict[str, str]:
        """HAProxy's view of each server of ``backend``: UP or DOWN (or MAINT, DRAIN)."""
        states: dict[str, str] = {}
        for line in self.haproxy(f"show servers state {backend}").splitlines():
            parts = line.split()
            if len(parts) > 7 and parts[1] == backend:
                # srv_op_state 2 is running; srv_admin_state non-zero is maintenance or drain.
                operational = "UP" if parts[5] == "2" else "DOWN"
                admin = int(parts[6])
                states[parts[3]] = (
                    operational if admin == 0 else ("DRAIN" if admin & 0x08 else "MAINT")
                )
        return states

    def problems(self) -> list[str]:
        """What keeps the stack from being as started: nothing when it is whole."""
        found = [
            f"{name} is {info['statename']}"
            for name, info in self.supervisor.processes().items()
            if info["statename"] != "RUNNING"
        ]
        for url in self.replica_urls:
            if not _answers(f"{url}/webhooks/rest/ready"):
                found.append(f"replica {url} is not ready")
        for url in self.action_urls:
            if not _answers(f"{url}/health"):
                found.append(f"action server {url} does not answer")
        for backend in ("rasa_replicas", "action_servers"):
            states = self.server_states(backend)
            if not states:
                found.append(f"HAProxy does not know {backend}")
            found += [
                f"HAProxy: {backend}/{name} is {s}" for name, s in states.items() if s != "UP"
            ]
        return found


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return bool(response.status == 200)
    except (OSError, ValueError):
        return False


def wait_healthy(stack: Production, timeout: float = HEALTHY_TIMEOUT_S) -> Production:
    """``stack`` once every program runs and HAProxy sends to every server (else fail)."""
    deadline = time.monotonic() + timeout
    while problems := stack.problems():
        assert time.monotonic() < deadline, f"the shared production stack is broken: {problems}"
        time.sleep(1)
    return stack


def _rabbitmqctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


def free_run(count: int) -> int:
    """A port p with p ... p + count - 1 all free (replica i listens on p + i)."""
    for _ in range(50):
        port = free_port()
        try:
            with contextlib.ExitStack() as probes:
                for offset in range(1, count):
                    probe = probes.enter_context(socket.socket())
                    probe.bind(("127.0.0.1", port + offset))
        except OSError:
            continue
        return port
    raise RuntimeError(f"no {count} consecutive free ports")


def _stop_leftover_supervisord(run_dir: Path) -> None:
    """A supervisord the runner could not stop (the runner was killed) is stopped here."""
    pidfile = run_dir / "supervisord.pid"
    with contextlib.suppress(FileNotFoundError, ValueError, ProcessLookupError):
        pid = int(pidfile.read_text().strip())
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            os.kill(pid, 0)
            time.sleep(0.5)
        os.kill(pid, signal.SIGKILL)


@contextlib.contextmanager
def production(var_dir: Path, extra_env: Mapping[str, str] | None = None) -> Iterator[Production]:
    """Start `python -m bot run` in the production profile with two replicas."""
    name = f"freightdesk_t_{secrets.token_hex(6)}"
    tag = secrets.token_hex(4)
    prefix, rabbit_user, vhost = f"fdtest{tag}", f"fdtest{tag}", f"fdtest{tag}"
    rabbit_password = secrets.token_urlsafe(16)
    admin = _pg_admin_connection()
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    rasa_port, replica_port, console_port = free_port(), free_run(2), free_port()
    action_port = free_run(3)  # HAProxy's action port, then one per action server
    env = {
        **os.environ,
        "FREIGHTDESK_PROFILE": "production",
        "DATABASE_URL": url,
        "FREIGHTDESK_REDIS_URL": "redis://127.0.0.1:6379/1",
        "FREIGHTDESK_REDIS_PREFIX": prefix,
        "FREIGHTDESK_RABBITMQ_URL": f"amqp://{rabbit_user}:{rabbit_password}@127.0.0.1:5672/{vhost}",
        "RASA_TOKEN": TOKEN,
        "FREIGHTDESK_SESSION_SECRET": "scaleout-test-session-secret-0123456789",
        "FREIGHTDESK_ACTION_SECRET": "scaleout-test-action-secret-0123456789",
        "RASA_PORT": str(rasa_port),
        "RASA_REPLICA_PORT": str(replica_port),
        "ACTION_PORT": str(action_port),
        "CONSOLE_PORT": str(console_port),
        "FREIGHTDESK_VAR_DIR": str(var_dir),
        "FREIGHTDESK_START_TIMEOUT": str(START_TIMEOUT_S),
        "PYTHONPATH": str(REPO_ROOT),
        **(extra_env or {}),
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
        yield Production(
            url=f"http://127.0.0.1:{rasa_port}",
            replica_urls=[f"http://127.0.0.1:{replica_port + i}" for i in range(2)],
            action_urls=[f"http://127.0.0.1:{action_port + 1 + i}" for i in range(2)],
            console_port=console_port,
            rasa_port=rasa_port,
            database_url=url,
            var_dir=var_dir,
            env=env,
        )
        os.killpg(process.pid, signal.SIGTERM)
        assert process.wait(timeout=180) == 0, log_path.read_text()[-3000:]
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        _stop_leftover_supervisord(var_dir / "run")
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
