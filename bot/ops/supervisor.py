"""supervisord, the production profile's process supervisor: its configuration and control.

:func:`render_config` writes supervisord's configuration from a list of
:class:`Program`: each is restarted when it dies (``autorestart``), stopped with its whole
process group, and logs to its own file. Programs marked ``autostart=False`` (the
workers, which talk to Rasa) are started by the runner once the replicas are ready.
:class:`SupervisorClient` speaks supervisord's XML-RPC interface over its owner-only
unix socket (start a program, read a program's state and process id).

Every program inherits supervisord's environment; what differs per program (ports, the
action servers' secret, Rasa's API token) is written into the configuration file, which
is owner-only like the endpoints files.
"""

from __future__ import annotations

import http.client
import shlex
import xmlrpc.client
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from bot.core.settings import REPO_ROOT

#: Process states in which a program is up or on its way up.
RUNNING_STATES = frozenset({"STARTING", "RUNNING", "BACKOFF"})


class SupervisorError(RuntimeError):
    """supervisord cannot be configured or reached."""


@dataclass(frozen=True)
class Program:
    """One program supervisord runs.

    Attributes:
        name: program name (``rasa-0``, ``actions-1``, ``console``, ``haproxy``, ...).
        command: its command line.
        environment: variables added to supervisord's environment for it alone.
        autostart: start with supervisord (False: the runner starts it later).
        priority: lower starts first and stops last.
        startsecs: seconds it must stay up to count as started.
        stopwaitsecs: seconds between SIGTERM and SIGKILL when stopping.
    """

    name: str
    command: list[str]
    environment: Mapping[str, str] = field(default_factory=dict)
    autostart: bool = True
    priority: int = 500
    startsecs: int = 3
    stopwaitsecs: int = 20


def _value(text: str) -> str:
    """A value in supervisord's configuration: one line, ``%`` doubled (its interpolation)."""
    if "\n" in text or "\r" in text:
        raise SupervisorError("a value in supervisord's configuration spans lines")
    return text.replace("%", "%%")


def _environment(variables: Mapping[str, str]) -> str:
    # supervisord strips the quotes around each value and has no escape for one inside.
    if any(ch in value for value in variables.values() for ch in "\"'"):
        raise SupervisorError("a setting passed to a supervised program contains a quote")
    return ",".join(f'{key}="{_value(value)}"' for key, value in variables.items())


def render_config(programs: list[Program], run_dir: Path, log_dir: Path) -> str:
    """supervisord's configuration: itself in the foreground, its socket, the programs."""
    socket = run_dir / "supervisor.sock"
    lines = [
        "; Written by bot/ops/supervisor.py for this run (owner-only: it holds secrets).",
        "[supervisord]",
        "nodaemon=true",
        f"logfile={_value(str(log_dir / 'supervisord.log'))}",
        f"pidfile={_value(str(run_dir / 'supervisord.pid'))}",
        f"childlogdir={_value(str(log_dir))}",
        f"directory={_value(str(REPO_ROOT))}",
        "umask=077",
        "",
        "[unix_http_server]",
        f"file={_value(str(socket))}",
        "chmod=0700",
        "",
        "[rpcinterface:supervisor]",
        "supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface",
        "",
        "[supervisorctl]",
        f"serverurl=unix://{_value(str(socket))}",
    ]
    for program in programs:
        lines += [
            "",
            f"[program:{program.name}]",
            f"command={_value(shlex.join(program.command))}",
            f"directory={_value(str(REPO_ROOT))}",
            f"autostart={'true' if program.autostart else 'false'}",
            "autorestart=true",
            f"startsecs={program.startsecs}",
            # A program that keeps failing (a database down) keeps being retried.
            "startretries=1000",
            f"priority={program.priority}",
            "stopsignal=TERM",
            f"stopwaitsecs={program.stopwaitsecs}",
            "stopasgroup=true",
            "killasgroup=true",
            "redirect_stderr=true",
            f"stdout_logfile={_value(str(log_dir / f'{program.name}.log'))}",
            "stdout_logfile_maxbytes=20MB",
            "stdout_logfile_backups=3",
        ]
        if program.environment:
            lines.append(f"environment={_environment(program.environment)}")
    return "\n".join(lines) + "\n"


def write_config(programs: list[Program], run_dir: Path, log_dir: Path) -> Path:
    """Write ``supervisord.conf`` into ``run_dir`` (owner-only) and return its path."""
    run_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    log_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = run_dir / "supervisord.conf"
    target.touch(mode=0o600)
    target.chmod(0o600)
    target.write_text(render_config(programs, run_dir, log_dir))
    return target


class SupervisorClient:
    """supervisord's XML-RPC interface over its unix socket."""

    def __init__(self, socket: Path) -> None:
        """Talk to the supervisord listening on ``socket``."""
        self.socket = socket

    def _call(self, method: str, *args: Any) -> Any:
        from supervisor.xmlrpc import SupervisorTransport  # type: ignore[import-untyped]

        # A connection per call: the transport keeps a broken one after a failed call.
        transport = SupervisorTransport(None, None, f"unix://{self.socket}")
        proxy = xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport)
        try:
            return getattr(proxy.supervisor, method)(*args)
        except (OSError, xmlrpc.client.Error, http.client.HTTPException) as exc:
            raise SupervisorError(f"supervisord did not answer {method}: {exc}") from exc
        finally:
            transport.close()

    def state(self) -> str:
        """supervisord's own state (``RUNNING`` once it has read its configuration)."""
        return str(self._call("getState")["statename"])

    def processes(self) -> dict[str, dict[str, Any]]:
        """Every program's information (``statename``, ``pid``, ``start``, ...) by name."""
        infos = cast(list[dict[str, Any]], self._call("getAllProcessInfo"))
        return {info["name"]: info for info in infos}

    def pid(self, name: str) -> int:
        """The process id of a running program (0 when it is not running)."""
        return int(self._call("getProcessInfo", name)["pid"])

    def start(self, name: str) -> None:
        """Start a program that is not running (without waiting for it to be up)."""
        self._call("startProcess", name, False)

    def stop(self, name: str) -> None:
        """Stop a program (and its process group); it stays stopped until started."""
        self._call("stopProcess", name, True)
