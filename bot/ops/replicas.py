"""The production profile's processes: N Rasa replicas, N action servers, a balancer.

Replica ``i`` is a :class:`bot.ops.stack.Stack` (its own action server on
``action_port + i`` and Rasa on ``replica_port + i``) started from the production
endpoints (PostgreSQL tracker store, atomic Redis lock store, RabbitMQ broker). The
balancer (bot/ops/balancer.py, run as ``python -m bot balancer``) takes the public Rasa
port; the workers (console, follow-up watcher, KPI consumer, Telegram poller) start once
and talk to the balancer.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import yaml

from bot.core.files import private_dir
from bot.core.settings import REPO_ROOT
from bot.ops.stack import PRIVATE_UMASK, STOP_TIMEOUT_S, Stack, StackError


@dataclass
class ReplicaSet:
    """Several Rasa + action server pairs sharing one tracker store, behind a balancer.

    Attributes:
        model: trained model file.
        endpoints: production endpoints file (tracker store, lock store, broker).
        replicas: number of Rasa replicas (and action servers).
        public_port: port of the balancer (what customers and workers use).
        replica_port: port of replica 0's Rasa; replica i uses ``replica_port + i``.
        action_port: port of replica 0's action server; replica i uses ``action_port + i``.
        env: environment of every process.
        log_dir: a folder per replica and one log per worker; None: inherit output.
        host: interface the servers bind to.
        token: token of Rasa's HTTP API.
        action_host: interface the action servers bind to (default loopback).
        action_secret: the secret Rasa must send the action servers ('' for the
            ``FREIGHTDESK_ACTION_SECRET`` of ``env``, else one made for this run).
        workers: processes started once everything answers (name -> command line).
        replica_ports, action_ports: explicit ports per replica (tests use free ones),
            instead of consecutive ones from ``replica_port`` and ``action_port``.
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
    stacks: list[Stack] = field(default_factory=list)
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _logs: list[IO[bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        """The balancer's URL: the one address of the Rasa servers."""
        return f"http://127.0.0.1:{self.public_port}"

    def replica_urls(self) -> list[str]:
        """Each replica's own URL (for tests and diagnostics)."""
        return [stack.url for stack in self.stacks]

    def _spawn(self, name: str, args: list[str], env: dict[str, str]) -> None:
        output: IO[bytes] | None = None
        if self.log_dir is not None:
            private_dir(self.log_dir)
            log = self.log_dir / f"{name}.log"
            output = os.fdopen(os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab")
            self._logs.append(output)
        self.processes[name] = subprocess.Popen(
            args,
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT if output else None,
            start_new_session=True,
            umask=PRIVATE_UMASK,
        )

    def start(self) -> None:
        """Start every replica (in parallel), then the balancer, then the workers."""
        self.stacks = [
            Stack(
                model=self.model,
                rasa_port=self.replica_ports[index]
                if self.replica_ports
                else self.replica_port + index,
                action_port=self.action_ports[index]
                if self.action_ports
                else self.action_port + index,
                env=self.env,
                endpoints=self.endpoints,
                log_dir=self.log_dir / f"replica-{index}" if self.log_dir else None,
                host=self.host,
                token=self.token,
                action_host=self.action_host,
                action_secret=self.action_secret,
            )
            for index in range(self.replicas)
        ]
        errors: list[BaseException] = []

        def start_one(stack: Stack) -> None:
            try:
                stack.start()
            except BaseException as exc:  # reported below, after every thread ends
                errors.append(exc)

        threads = [threading.Thread(target=start_one, args=(s,)) for s in self.stacks]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        try:
            if errors:
                raise StackError(f"a Rasa replica did not start: {errors[0]}") from errors[0]
            env = {**self.env, "PYTHONPATH": str(REPO_ROOT)}
            targets = [f"127.0.0.1:{stack.rasa_port}" for stack in self.stacks]
            self._spawn(
                "balancer",
                [
                    sys.executable,
                    "-m",
                    "bot",
                    "balancer",
                    "--listen",
                    f"{self.host}:{self.public_port}",
                    "--to",
                    *targets,
                ],
                env,
            )
            self._wait_balancer()
            worker_env = {**env, "RASA_URL": self.url, "RASA_TOKEN": self.token}
            for name, args in self.workers.items():
                self._spawn(name, args, worker_env)
        except BaseException:
            self.stop()
            raise

    def _wait_balancer(self) -> None:
        import urllib.error
        import urllib.request

        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise StackError(f"the balancer did not answer on {self.url}")

    def stop(self) -> None:
        """Stop workers and balancer, then every replica."""
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
        for stack in self.stacks:
            stack.stop()
        for handle in self._logs:
            handle.close()
        self._logs.clear()

    def dead(self) -> str | None:
        """Name of a process that has exited, if any."""
        for index, stack in enumerate(self.stacks):
            name = stack.dead()
            if name:
                return f"replica {index} {name}"
        for name, process in self.processes.items():
            if process.poll() is not None:
                return name
        return None


def write_production_endpoints(target: Path, endpoints: dict[str, object]) -> Path:
    """Write the production endpoints file (mode 0600: it carries passwords)."""
    private_dir(target.parent)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        yaml.safe_dump(endpoints, handle, sort_keys=False)
    return target
