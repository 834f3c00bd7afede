"""HAProxy in front of the production profile's servers: its configuration, from the plan.

HAProxy is Debian's package (the Makefile installs it). :func:`render_config` writes its
configuration from :class:`ProxyPlan` (the replica list and ports) through
``templates/haproxy.cfg.j2``:

- ``rasa``: the public Rasa port, round robin over the replicas, each checked on
  ``GET /webhooks/rest/ready``, which answers 200 only once that replica's model is
  loaded (bot/engine/channels/rest.py), so a loading or dead replica gets no traffic; a
  connection a dead replica refuses is sent to another one; socket.io long polling is
  refused (web chat is websockets only, bot/engine/channels/webchat.py). Each replica
  takes at most ``turns_at_once`` requests at once; the rest wait in HAProxy's queue, in
  the order they came (at most ``timeouts.queue``). Twenty customers' turns let into one
  replica together share its core and all finish late; queued, each is answered as soon
  as its own work is done, so the slowest turns come sooner (docs/scaling.md). Web chat
  websockets stay open for as long as the page does, so they go through a second
  backend, ``rasa_sockets``, without that limit, whose servers follow the state of
  ``rasa_replicas``' (checks, drain, maintenance);
- ``actions``: the action port Rasa's endpoints name, over the action servers (``/health``);
- ``console``: the console's public port, in front of the console process;
- connect, client, server, request and tunnel timeouts;
- ``X-Forwarded-For`` replaced by the connection's own address, which the servers believe
  from the proxy's address only (``FREIGHTDESK_TRUSTED_PROXIES``, bot/core/forwarding.py).

:func:`check_config` runs ``haproxy -c`` on a written file.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

#: Where Debian's package puts HAProxy.
HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
#: The readiness route each Rasa replica answers (200 once its model is loaded).
READY_PATH = "/webhooks/rest/ready"
TEMPLATE_DIR = Path(__file__).parent / "templates"

Server = tuple[str, str, int]


class ProxyConfigError(RuntimeError):
    """HAProxy refused the configuration."""


@dataclass(frozen=True)
class Timeouts:
    """HAProxy's timeouts (HAProxy's units: ``5s``, ``2m``, ``1h``).

    Attributes:
        connect: to open a connection to a server.
        client: a client silent mid-request or mid-response.
        server: a server silent; a turn on a busy machine takes seconds, never minutes.
        http_request: the whole request head (slow-header clients are cut off).
        keep_alive: an idle keep-alive connection.
        queue: waiting for a free server.
        tunnel: an idle websocket (web chat).
    """

    connect: str = "5s"
    client: str = "60s"
    server: str = "120s"
    http_request: str = "10s"
    keep_alive: str = "10s"
    queue: str = "30s"
    tunnel: str = "1h"


@dataclass(frozen=True)
class ProxyPlan:
    """What HAProxy stands in front of.

    Attributes:
        rasa_port: the public Rasa port (customers, channels, workers).
        rasa_servers: (name, host, port) of each Rasa replica.
        action_port: the port Rasa's endpoints name for actions and NLG.
        action_servers: (name, host, port) of each action server.
        stats_socket: HAProxy's admin socket (drain or re-enable a server).
        bind_host: interface of the public ports.
        action_bind_host: interface of the action port (loopback: only Rasa calls it).
        console_port: the console's public port, if the console is behind the proxy.
        console_server: (host, port) the console process listens on.
        timeouts: see :class:`Timeouts`.
        check_interval: time between health checks of each server.
        maxconn: connections HAProxy accepts at once.
        turns_at_once: requests one Rasa replica is given at once (websockets apart).
    """

    rasa_port: int
    rasa_servers: list[Server]
    action_port: int
    action_servers: list[Server]
    stats_socket: Path
    bind_host: str = "127.0.0.1"
    action_bind_host: str = "127.0.0.1"
    console_port: int | None = None
    console_server: tuple[str, int] | None = None
    timeouts: Timeouts = field(default_factory=Timeouts)
    check_interval: str = "2s"
    maxconn: int = 2000
    turns_at_once: int = 4


def render_config(plan: ProxyPlan) -> str:
    """HAProxy's configuration for ``plan``."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATE_DIR),
        autoescape=False,  # a configuration file, not HTML
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    return environment.get_template("haproxy.cfg.j2").render(
        **{name: getattr(plan, name) for name in plan.__dataclass_fields__},
        ready_path=READY_PATH,
    )


def write_config(plan: ProxyPlan, target: Path) -> Path:
    """Write the configuration to ``target`` (owner-only) and return it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_config(plan))
    target.chmod(0o600)
    return target


def check_config(path: Path) -> None:
    """Run ``haproxy -c`` on ``path``.

    Raises:
        ProxyConfigError: HAProxy is missing or refuses the file (its message included).
    """
    try:
        result = subprocess.run(
            [HAPROXY, "-c", "-f", str(path)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except FileNotFoundError as exc:
        raise ProxyConfigError(
            "haproxy is not installed (make run installs Debian's package)"
        ) from exc
    if result.returncode != 0:
        raise ProxyConfigError(f"haproxy refused {path}: {result.stderr or result.stdout}")


def command(path: Path) -> list[str]:
    """HAProxy's command line in the foreground (``-db``), logging to its output."""
    return [HAPROXY, "-db", "-f", str(path)]


def admin(socket: Path, line: str) -> str:
    """Send one command to HAProxy's admin socket (``show stat``, ``set server ...``)."""
    import socket as sockets

    with sockets.socket(sockets.AF_UNIX) as sock:
        sock.settimeout(10)
        sock.connect(str(socket))
        sock.sendall(line.encode() + b"\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer.decode()
