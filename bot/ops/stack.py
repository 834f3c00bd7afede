"""Starts and stops the Freight Desk stack: the action server and the Rasa server.

`python -m bot run` (:mod:`bot.commands.run`) starts it; the test suite uses
:class:`Stack` to start the same two processes once per session on free ports.
Rasa is bound to loopback unless ``FREIGHTDESK_HOST`` says otherwise; the action server
(:mod:`bot.engine.action_server`) to loopback unless the production profile names another
interface, and it answers only requests carrying this run's shared secret, which Rasa
sends from the endpoints file written here.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import yaml

from bot.core.files import private_dir, private_file
from bot.core.settings import (
    ACTION_HOST_ENV,
    ACTION_SECRET_ENV,
    ACTION_SECRET_HEADER,
    REPO_ROOT,
    Settings,
)
from bot.engine.server import AUTH_TOKEN_ENV

logger = logging.getLogger(__name__)

# How long Rasa may take to load its model (~35 s on a quiet machine; minutes on a busy one).
START_TIMEOUT_S = float(os.environ.get("FREIGHTDESK_START_TIMEOUT", "600"))
STOP_TIMEOUT_S = 20.0
#: Largest request body the Rasa server reads (Sanic answers 413 above it); a customer
#: message is at most 20,000 characters, a Telegram update a few kilobytes.
RASA_MAX_BODY_BYTES = 1024 * 1024


#: The stack's processes create files readable and writable by their owner only.
PRIVATE_UMASK = 0o077


class StackError(RuntimeError):
    """A server of the stack failed to start or died."""


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rasa_token(settings: Settings) -> str:
    """The Rasa HTTP API token: ``RASA_TOKEN``, else one generated once and kept in var/."""
    if settings.rasa_token:
        return settings.rasa_token
    path = settings.var_dir / "rasa_token"
    if path.exists():
        return path.read_text().strip()
    private_dir(settings.var_dir)
    token = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(token)
    return token


def action_base_url(host: str, port: int) -> str:
    """Where Rasa (and the start-up check) reach an action server listening on ``host``."""
    if host in ("", "0.0.0.0", "::", "localhost"):
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def write_endpoints(
    source: Path,
    target: Path,
    *,
    action_port: int,
    tracker_db: Path | None,
    events_db: Path | None = None,
    action_host: str = "127.0.0.1",
    action_secret: str = "",
) -> Path:
    """Copy ``source`` endpoints to ``target`` with this run's action port and SQLite files.

    The action endpoint, and the NLG endpoint when there is one, get this run's address
    and, when there is one, the shared secret as a header Rasa sends with every call.

    Only the embedded SQLite tracker store and SQL event broker are rewritten (to absolute
    paths, so Rasa does not depend on its working directory); any other tracker store or
    event broker (PostgreSQL, RabbitMQ) is kept as written.
    """
    config = yaml.safe_load(source.read_text()) or {}
    action_endpoint = {
        **(config.get("action_endpoint") or {}),
        "url": f"{action_base_url(action_host, action_port)}/webhook",
    }
    if action_secret:
        action_endpoint["headers"] = {
            **(action_endpoint.get("headers") or {}),
            ACTION_SECRET_HEADER: action_secret,
        }
    config["action_endpoint"] = action_endpoint
    if config.get("nlg"):
        # The NLG endpoint is the same action server (bot.engine.nlg), same secret.
        nlg = {**config["nlg"], "url": f"{action_base_url(action_host, action_port)}/nlg"}
        if action_secret:
            nlg["headers"] = {**(nlg.get("headers") or {}), ACTION_SECRET_HEADER: action_secret}
        config["nlg"] = nlg
    tracker = config.get("tracker_store") or {}
    if tracker_db is not None and tracker.get("dialect") == "sqlite":
        tracker["db"] = str(tracker_db)
        config["tracker_store"] = tracker
    broker = config.get("event_broker") or {}
    if (
        events_db is not None
        and str(broker.get("type", "")).lower() == "sql"
        and broker.get("dialect", "sqlite") == "sqlite"
    ):
        broker["db"] = str(events_db)
        config["event_broker"] = broker
        prepare_sqlite_events(events_db)
    private_dir(target.parent)
    # Owner-only: a production file carries database and broker passwords.
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        yaml.safe_dump(config, handle, sort_keys=False)
    return target


def prepare_sqlite_events(path: Path) -> None:
    """Create the SQL event broker's SQLite file in WAL mode before Rasa opens it.

    Rasa's ``SQLEventBroker`` opens SQLite with the default rollback journal, where the
    KPI consumer's reads hold a lock that makes Rasa's commit wait (and fail with
    "database is locked" after five seconds). WAL mode is a property of the file, so
    setting it once here makes Rasa's writes and the consumer's reads run side by side.
    """
    private_dir(path.parent)
    private_file(path)
    connection = sqlite3.connect(path, timeout=30)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()


def _wait_http(url: str, process: subprocess.Popen[bytes], deadline: float, name: str) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StackError(f"{name} exited with code {process.returncode} during start-up")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.5)
    raise StackError(f"{name} did not answer on {url} in time")


@dataclass
class Stack:
    """The action server and Rasa server as child processes.

    Attributes:
        model: trained model file or folder of models.
        rasa_port: port of Rasa's REST channel and HTTP API.
        action_port: port of the action server.
        env: environment of both processes (``DATABASE_URL`` and friends).
        endpoints: endpoints file to derive this run's endpoints from.
        credentials: channel credentials file.
        tracker_db: SQLite tracker store file (embedded profile).
        events_db: SQLite file of Rasa's SQL event broker (embedded profile).
        log_dir: where each server's output goes; None: inherit this process's output.
        host: interface Rasa binds to.
        token: token of Rasa's HTTP API ('' for none).
        action_host: interface the action server binds to (loopback unless the
            production profile says otherwise).
        action_secret: the secret Rasa must send the action server; '' for one taken
            from ``FREIGHTDESK_ACTION_SECRET`` in ``env`` or else made for this run.
        workers: further processes (name -> command line) started once Rasa is up, with
            ``RASA_URL`` and ``RASA_TOKEN`` in their environment.
        start_timeout: seconds each start may take (loading the model is most of it).
    """

    model: Path
    rasa_port: int = 5005
    action_port: int = 5055
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    endpoints: Path = REPO_ROOT / "endpoints.yml"
    credentials: Path = REPO_ROOT / "credentials.yml"
    tracker_db: Path | None = None
    events_db: Path | None = None
    log_dir: Path | None = None
    host: str = "127.0.0.1"
    token: str = ""
    action_host: str = "127.0.0.1"
    action_secret: str = ""
    workers: dict[str, list[str]] = field(default_factory=dict)
    start_timeout: float = START_TIMEOUT_S
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _logs: list[IO[bytes]] = field(default_factory=list)
    _commands: dict[str, tuple[list[str], dict[str, str]]] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """Base URL of the Rasa server."""
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def action_url(self) -> str:
        """Base URL of the action server."""
        return action_base_url(self.action_host, self.action_port)

    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        output: IO[bytes] | None = None
        if self.log_dir is not None:
            private_dir(self.log_dir)
            log = self.log_dir / f"{name}.log"
            output = os.fdopen(os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab")
            self._logs.append(output)
        process = subprocess.Popen(
            args,
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            start_new_session=True,
            # Whatever the servers create (SQLite files, logs, tokens) is owner-only.
            umask=PRIVATE_UMASK,
        )
        self.processes[name] = process
        self._commands[name] = (args, env)
        return process

    def start(self) -> None:
        """Start both servers and wait until each answers; raise StackError otherwise."""
        env = {**self.env, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
        runtime_dir = private_dir(Path(env.get("FREIGHTDESK_VAR_DIR", REPO_ROOT / "var")))
        if not self.action_secret:
            self.action_secret = env.get(ACTION_SECRET_ENV) or secrets.token_urlsafe(32)
        endpoints = write_endpoints(
            self.endpoints,
            runtime_dir / f"endpoints.{self.rasa_port}.yml",
            action_port=self.action_port,
            tracker_db=self.tracker_db,
            events_db=self.events_db,
            action_host=self.action_host,
            action_secret=self.action_secret,
        )
        # Only the action server gets the secret by environment (never on a command line);
        # Rasa reads it from the owner-only endpoints file.
        env.pop(ACTION_SECRET_ENV, None)
        actions = self._spawn(
            "actions",
            [
                sys.executable,
                "-m",
                "bot.engine.action_server",
                "--actions",
                "actions",
                "--port",
                str(self.action_port),
            ],
            {**env, ACTION_HOST_ENV: self.action_host, ACTION_SECRET_ENV: self.action_secret},
        )
        rasa_args = [
            sys.executable,
            "-m",
            "bot.engine.server",
            "run",
            "--model",
            str(self.model),
            "--endpoints",
            str(endpoints),
            "--credentials",
            str(self.credentials),
            "--interface",
            self.host,
            "--port",
            str(self.rasa_port),
            "--enable-api",
        ]
        rasa_env = {"SANIC_REQUEST_MAX_SIZE": str(RASA_MAX_BODY_BYTES), **env}
        # The token travels in the environment (readable by its owner only), never on the
        # command line, which every local user sees in `ps`; the launcher hands it to Rasa.
        rasa_env.pop(AUTH_TOKEN_ENV, None)
        if self.token:
            rasa_env[AUTH_TOKEN_ENV] = self.token
        rasa = self._spawn("rasa", rasa_args, rasa_env)
        deadline = time.monotonic() + self.start_timeout
        try:
            _wait_http(f"{self.action_url}/health", actions, deadline, "actions")
            _wait_http(f"{self.url}/", rasa, deadline, "Rasa")
            self._wait_model_loaded(rasa, deadline)
            # Workers (pollers, schedulers) talk to Rasa, so they start once it is up.
            worker_env = {**env, "RASA_URL": self.url, "RASA_TOKEN": self.token}
            for name, args in self.workers.items():
                self._spawn(name, args, worker_env)
        except BaseException:
            self.stop()
            raise

    def _wait_model_loaded(self, rasa: subprocess.Popen[bytes], deadline: float) -> None:
        """Rasa answers '/' before the model is in; /status names the model once it is."""
        url = f"{self.url}/status" + (f"?token={self.token}" if self.token else "")
        while time.monotonic() < deadline:
            if rasa.poll() is not None:
                raise StackError(f"Rasa exited with code {rasa.returncode} during start-up")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if b'"model_file"' in response.read():
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.5)
        raise StackError("Rasa did not load its model in time")

    def stop(self) -> None:
        """Stop both servers (SIGTERM, then SIGKILL after a grace period)."""
        for process in self.processes.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT_S
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        self.processes.clear()
        for handle in self._logs:
            handle.close()
        self._logs.clear()

    def stop_server(self, name: str) -> None:
        """Stop one server of the stack (``actions``, ``rasa`` or a worker), as a crash would.

        Fault tests use it; :meth:`restart_server` starts it again with the same command.
        """
        process = self.processes.pop(name)
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()

    def restart_server(self, name: str) -> None:
        """Start a server stopped by :meth:`stop_server` again and wait until it answers."""
        args, env = self._commands[name]
        process = self._spawn(name, args, env)
        deadline = time.monotonic() + self.start_timeout
        if name == "actions":
            _wait_http(f"{self.action_url}/health", process, deadline, name)
        elif name == "rasa":
            _wait_http(f"{self.url}/", process, deadline, "Rasa")
            self._wait_model_loaded(process, deadline)

    def dead(self) -> str | None:
        """Name of a server that has exited, if any."""
        for name, process in self.processes.items():
            if process.poll() is not None:
                return name
        return None


def latest_model(models_dir: Path) -> Path:
    """The newest trained model in ``models_dir``."""
    models = sorted(models_dir.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    if not models:
        raise StackError(f"no trained model in {models_dir}: run `make train` first")
    return models[-1]


def worker_commands(settings: Settings) -> dict[str, list[str]]:
    """Background workers `make run` starts beside the servers (name -> command line).

    Each feature that needs a worker (a scheduler, a channel poller) adds its entry here,
    returning nothing when it is not configured.
    """
    from bot.engine.channels.settings import TelegramSettings

    # Promised follow-up times are kept whether or not anyone is watching the console.
    workers: dict[str, list[str]] = {
        "complaints-watch": [sys.executable, "-m", "bot", "complaints", "watch"],
        # The agent console on 127.0.0.1:CONSOLE_PORT (5080); it reaches Rasa with the
        # RASA_URL and RASA_TOKEN every worker is given.
        "console": [sys.executable, "-m", "bot", "console"],
        # Personal data older than config/retention.yml allows goes once a day.
        "customers-purge": [sys.executable, "-m", "bot", "customers", "purge", "--daily"],
        # Shipment notices owed to subscribed customers (the outbox), sent once each.
        "shipment-notices": [sys.executable, "-m", "bot", "shipments", "notify"],
    }
    # Conversation facts for the KPIs, from whichever event broker Rasa publishes to:
    # RabbitMQ when FREIGHTDESK_RABBITMQ_URL is set (the URL stays in the environment,
    # out of the process list), else the embedded SQL event broker's table.
    # The console's transcripts come from it too: a pass every 0.3 s keeps them live (an
    # idle pass reads only the newest event id).
    consume = [sys.executable, "-m", "bot", "kpi", "consume", "--follow"]
    workers["kpi-consumer"] = (
        [*consume, "--rabbitmq"] if settings.rabbitmq_url else [*consume, "--interval", "0.3"]
    )
    telegram = TelegramSettings.from_env()
    # Polling is for a machine Telegram cannot reach; in webhook mode Telegram calls Rasa.
    if telegram is not None and telegram.mode == "poll":
        workers["telegram-poller"] = [sys.executable, "-m", "bot", "telegram", "poll"]
    return workers


def prepare_database(database_url: str) -> str:
    """Migrate the database and seed the demo data on first start; say what happened."""
    from bot.domain.demo import is_seeded, seed_demo
    from bot.storage.db import get_engine, session_scope, upgrade

    upgrade(database_url)
    with session_scope(get_engine(database_url)) as session:
        if is_seeded(session):
            return "demo data already present"
        report = seed_demo(session)
    return f"seeded demo data ({report.created} shipments)"
