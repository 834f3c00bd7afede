"""The production profile's processes: Rasa replicas and action servers behind HAProxy,
workers beside them, every one supervised by supervisord.

:class:`ReplicaSet` writes three files into its run folder (all owner-only):

- the replicas' endpoints (PostgreSQL tracker store, atomic Redis lock store, RabbitMQ
  broker), whose action and NLG URLs point at HAProxy's action port;
- HAProxy's configuration (bot/ops/haproxy.py): the public Rasa port over the replicas
  (checked on the readiness route), the action port over the action servers, and the
  console's public port in front of the console;
- supervisord's configuration (bot/ops/supervisor.py): HAProxy, ``N`` action servers,
  ``N`` Rasa replicas (bound to loopback: only HAProxy reaches them), and the workers
  (console, follow-up watcher, KPI consumer, retention purge, Telegram poller).

It then starts supervisord, waits for every replica to load its model, and starts the
workers. A program that dies is restarted by supervisord while the rest keep serving;
HAProxy sends no traffic to a replica until its model is loaded again. :meth:`stop`
(SIGTERM or Ctrl-C of ``python -m bot run``) stops supervisord, which stops everything.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import yaml

from bot.core.files import private_dir
from bot.core.forwarding import TRUSTED_PROXIES_ENV
from bot.core.settings import ACTION_HOST_ENV, ACTION_SECRET_ENV, REPO_ROOT
from bot.engine.server import AUTH_TOKEN_ENV
from bot.ops import haproxy
from bot.ops.rolling import point_model
from bot.ops.stack import (
    PRIVATE_UMASK,
    RASA_MAX_BODY_BYTES,
    START_TIMEOUT_S,
    STOP_TIMEOUT_S,
    StackError,
    action_base_url,
    free_port,
    write_endpoints,
)
from bot.ops.supervisor import Program, SupervisorClient, SupervisorError, write_config

#: Where HAProxy connects from: the servers believe its X-Forwarded-For.
PROXY_ADDRESS = "127.0.0.1/32"
#: supervisord's state of a program it gave up on.
GAVE_UP = "FATAL"


def _reachable(host: str) -> str:
    """The address HAProxy reaches a server listening on ``host`` at."""
    return "127.0.0.1" if host in ("", "0.0.0.0", "::", "localhost") else host


@dataclass
class ReplicaSet:
    """Several Rasa replicas and action servers sharing one tracker store, behind HAProxy.

    Attributes:
        model: trained model file.
        endpoints: production endpoints file (tracker store, lock store, broker).
        replicas: number of Rasa replicas (and action servers).
        public_port: HAProxy's Rasa port (what customers and workers use).
        replica_port: port of replica 0's Rasa; replica i uses ``replica_port + i``.
        action_port: HAProxy's action port (Rasa's endpoints name it); action server i
            listens on ``action_port + 1 + i``.
        env: environment of every process.
        log_dir: a log per program and supervisord's own; None: ``<var>/log``.
        host: interface of HAProxy's public ports (the replicas bind to loopback).
        token: token of Rasa's HTTP API.
        action_host: interface the action servers bind to (default loopback).
        action_secret: the secret Rasa must send the action servers ('' for the
            ``FREIGHTDESK_ACTION_SECRET`` of ``env``, else one made for this run).
        workers: programs started once the replicas are ready (name -> command line).
        replica_ports, action_ports: explicit ports per replica (tests use free ones),
            instead of consecutive ones.
        console_port: the console's public port (HAProxy), when ``workers`` has a console;
            default ``CONSOLE_PORT`` of ``env`` or 5080.
        run_dir: where the generated configuration and sockets go ('' for ``<var>/run``).
        replica_env: variables for the Rasa replicas alone (the production profile's web
            chat Redis, :meth:`bot.ops.profiles.ProductionSettings.replica_env`).
    """

    model: Path
    endpoints: Path
    replicas: int = 2
    public_port: int = 5005
    replica_port: int = 5006
    action_port: int = 5055
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))
    log_dir: Path | None = None
    host: str = "127.0.0.1"
    token: str = ""
    action_host: str = "127.0.0.1"
    action_secret: str = ""
    workers: dict[str, list[str]] = field(default_factory=dict)
    replica_ports: list[int] = field(default_factory=list)
    action_ports: list[int] = field(default_factory=list)
    console_port: int = 0
    run_dir: Path | None = None
    replica_env: dict[str, str] = field(default_factory=dict)
    start_timeout: float = START_TIMEOUT_S
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None
    _console_backend: int = 0

    @property
    def url(self) -> str:
        """HAProxy's URL: the one address of the Rasa servers."""
        return f"http://127.0.0.1:{self.public_port}"

    def _replica_ports(self) -> list[int]:
        return self.replica_ports or [self.replica_port + i for i in range(self.replicas)]

    def _action_ports(self) -> list[int]:
        return self.action_ports or [self.action_port + 1 + i for i in range(self.replicas)]

    def replica_urls(self) -> list[str]:
        """Each replica's own URL (for tests and diagnostics)."""
        return [f"http://127.0.0.1:{port}" for port in self._replica_ports()]

    def action_urls(self) -> list[str]:
        """Each action server's own URL."""
        return [action_base_url(self.action_host, port) for port in self._action_ports()]

    @property
    def var_dir(self) -> Path:
        """The runtime folder (``FREIGHTDESK_VAR_DIR``, default var/)."""
        return Path(self.env.get("FREIGHTDESK_VAR_DIR", REPO_ROOT / "var"))

    @property
    def socket(self) -> Path:
        """supervisord's control socket."""
        return self._run_dir / "supervisor.sock"

    @property
    def _run_dir(self) -> Path:
        return self.run_dir or self.var_dir / "run"

    @property
    def supervisor(self) -> SupervisorClient:
        """A client of this set's supervisord."""
        return SupervisorClient(self.socket)

    def programs(
        self, endpoints: Path, haproxy_config: Path, model: Path | None = None
    ) -> list[Program]:
        """What supervisord runs: HAProxy, the action servers, the replicas, the workers."""
        python = sys.executable
        programs = [Program("haproxy", haproxy.command(haproxy_config), priority=100, startsecs=1)]
        for index, port in enumerate(self._action_ports()):
            programs.append(
                Program(
                    f"actions-{index}",
                    [
                        *(python, "-m", "bot.engine.action_server"),
                        *("--actions", "actions", "--port", str(port)),
                    ],
                    {ACTION_HOST_ENV: self.action_host, ACTION_SECRET_ENV: self.action_secret},
                    priority=200,
                )
            )
        for index, port in enumerate(self._replica_ports()):
            rasa_env = {**self.replica_env, "SANIC_REQUEST_MAX_SIZE": str(RASA_MAX_BODY_BYTES)}
            if self.token:
                rasa_env[AUTH_TOKEN_ENV] = self.token
            programs.append(
                Program(
                    f"rasa-{index}",
                    [
                        *(python, "-m", "bot.engine.server", "run"),
                        *("--model", str(model or self.model)),
                        *("--endpoints", str(endpoints)),
                        *("--credentials", str(REPO_ROOT / "credentials.yml")),
                        *("--interface", "127.0.0.1", "--port", str(port), "--enable-api"),
                    ],
                    rasa_env,
                    priority=300,
                    startsecs=10,
                )
            )
        for name, args in self.workers.items():
            worker_env = {"RASA_URL": self.url, "RASA_TOKEN": self.token}
            if name == "console":
                worker_env["CONSOLE_PORT"] = str(self._console_backend)
                worker_env["CONSOLE_HOST"] = "127.0.0.1"
            programs.append(Program(name, args, worker_env, autostart=False, priority=400))
        return programs

    def start(self) -> None:
        """Write the configuration, start supervisord, wait for the replicas, start workers.

        Raises:
            StackError: HAProxy refused its configuration, supervisord died, or a replica
                did not load its model in time.
        """
        env = {
            **self.env,
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            TRUSTED_PROXIES_ENV: self.env.get(TRUSTED_PROXIES_ENV) or PROXY_ADDRESS,
        }
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
        if not self.action_secret:
            import secrets

            self.action_secret = env.get(ACTION_SECRET_ENV) or secrets.token_urlsafe(32)
        # Only the action servers get the secret (from their program's environment).
        env.pop(ACTION_SECRET_ENV, None)
        env.pop(AUTH_TOKEN_ENV, None)
        run_dir = private_dir(self._run_dir)
        log_dir = private_dir(self.log_dir or self.var_dir / "log")
        public_console = self.console_port or int(env.get("CONSOLE_PORT", "5080"))
        self._console_backend = free_port()
        endpoints = write_endpoints(
            self.endpoints,
            run_dir / "endpoints.replicas.yml",
            action_port=self.action_port,
            tracker_db=None,
            action_secret=self.action_secret,
        )
        plan = haproxy.ProxyPlan(
            rasa_port=self.public_port,
            rasa_servers=[
                (f"rasa-{i}", "127.0.0.1", port) for i, port in enumerate(self._replica_ports())
            ],
            action_port=self.action_port,
            action_servers=[
                (f"actions-{i}", _reachable(self.action_host), port)
                for i, port in enumerate(self._action_ports())
            ],
            stats_socket=run_dir / "haproxy.sock",
            bind_host=self.host,
            console_port=public_console if "console" in self.workers else None,
            console_server=("127.0.0.1", self._console_backend)
            if "console" in self.workers
            else None,
        )
        haproxy_config = haproxy.write_config(plan, run_dir / "haproxy.cfg")
        try:
            haproxy.check_config(haproxy_config)
            # The replicas load a link to the model, which a rolling update re-points
            # (bot/ops/rolling.py).
            model = point_model(run_dir, self.model)
            config = write_config(self.programs(endpoints, haproxy_config, model), run_dir, log_dir)
        except (haproxy.ProxyConfigError, SupervisorError) as exc:
            raise StackError(str(exc)) from exc
        self.socket.unlink(missing_ok=True)
        self._log = os.fdopen(
            os.open(log_dir / "supervisord.out", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600),
            "ab",
        )
        self.process = subprocess.Popen(
            [sys.executable, "-m", "supervisor.supervisord", "-c", str(config)],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            # Ctrl-C reaches the runner, which stops supervisord in order.
            start_new_session=True,
            umask=PRIVATE_UMASK,
        )
        try:
            deadline = time.monotonic() + self.start_timeout
            for url in self.action_urls():
                self._wait_ok(f"{url}/health", deadline, "an action server")
            for url in self.replica_urls():
                self._wait_ok(f"{url}{haproxy.READY_PATH}", deadline, "a Rasa replica")
            self._wait_ok(f"{self.url}{haproxy.READY_PATH}", deadline, "HAProxy")
            for name in self.workers:
                self.supervisor.start(name)
        except BaseException:
            self.stop()
            raise

    def _wait_ok(self, url: str, deadline: float, name: str) -> None:
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise StackError(f"supervisord exited with code {self.process.returncode}")
            with contextlib.suppress(SupervisorError):
                gave_up = [
                    n
                    for n, info in self.supervisor.processes().items()
                    if info["statename"] == GAVE_UP
                ]
                if gave_up:
                    raise StackError(f"{gave_up[0]} could not start (see its log)")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.5)
        raise StackError(f"{name} did not get ready on {url} in time")

    def stop(self) -> None:
        """Stop supervisord, which stops every program (SIGTERM, then SIGKILL)."""
        process = self.process
        if process is not None:
            pids: list[int] = []
            with contextlib.suppress(SupervisorError):
                pids = [info["pid"] for info in self.supervisor.processes().values() if info["pid"]]
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    process.send_signal(signal.SIGTERM)
            try:
                # supervisord gives each program stopwaitsecs before SIGKILL.
                process.wait(timeout=STOP_TIMEOUT_S * 3)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                process.wait()
            for pid in pids:  # anything supervisord could not stop
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGKILL)
            self.process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def dead(self) -> str | None:
        """What has stopped for good: supervisord itself, or a program it gave up on."""
        if self.process is None or self.process.poll() is not None:
            return "supervisord"
        with contextlib.suppress(SupervisorError):
            for name, info in self.supervisor.processes().items():
                if info["statename"] == GAVE_UP:
                    return name
        return None


def write_production_endpoints(target: Path, endpoints: dict[str, object]) -> Path:
    """Write the production endpoints file (mode 0600: it carries passwords)."""
    private_dir(target.parent)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        yaml.safe_dump(endpoints, handle, sort_keys=False)
    return target
