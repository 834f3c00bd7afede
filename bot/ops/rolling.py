"""Rolling model update: a new model taken up one Rasa replica at a time.

The replicas load ``<run>/model/current.tar.gz``, a link the production runner points at
the model it started with (bot/ops/replicas.py). :func:`roll` points the link at the new
model, then for each replica in turn:

1. tells HAProxy to drain it (no new requests; those in flight finish);
2. waits until HAProxy has no request on it (bounded);
3. has supervisord stop it (SIGTERM: Sanic finishes what it is answering) and start it;
4. waits until its readiness route answers 200 (its new model loaded), then puts it
   back in HAProxy's rotation and waits until HAProxy sees it up.

The other replicas serve meanwhile, so customers see no failed turn.
``python -m bot replicas roll --model PATH`` runs it against a running production profile.
"""

from __future__ import annotations

import os
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from bot.ops import haproxy
from bot.ops.supervisor import SupervisorClient

RASA_BACKEND = "rasa_replicas"
MODEL_LINK = Path("model") / "current.tar.gz"


class RollError(RuntimeError):
    """A replica did not take up the new model."""


def point_model(run_dir: Path, model: Path) -> Path:
    """Point ``<run>/model/current.tar.gz`` at ``model`` (atomically) and return the link."""
    link = run_dir / MODEL_LINK
    link.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    staging = link.with_name(f".next-{os.getpid()}.tar.gz")
    staging.unlink(missing_ok=True)
    staging.symlink_to(model.resolve())
    os.replace(staging, link)
    return link


def _stat(socket: Path, server: str) -> dict[str, str]:
    lines = haproxy.admin(socket, "show stat").splitlines()
    header = lines[0].lstrip("# ").split(",")
    for line in lines[1:]:
        fields = dict(zip(header, line.split(","), strict=False))
        if fields.get("pxname") == RASA_BACKEND and fields.get("svname") == server:
            return fields
    raise RollError(f"HAProxy has no server {server}")


def replicas(socket: Path) -> list[tuple[str, str]]:
    """(name, host:port) of each Rasa replica, as HAProxy has them."""
    found = []
    for line in haproxy.admin(socket, f"show servers state {RASA_BACKEND}").splitlines():
        parts = line.split()
        # be_id be_name srv_id srv_name srv_addr srv_op_state ... srv_port is field 18
        if len(parts) > 18 and parts[1] == RASA_BACKEND:
            found.append((parts[3], f"{parts[4]}:{parts[18]}"))
    return found


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise RollError(f"timed out waiting for {what}")
        time.sleep(0.5)


def _ready(address: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://{address}{haproxy.READY_PATH}", timeout=5) as r:
            return bool(r.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def roll(
    run_dir: Path,
    model: Path,
    *,
    load_timeout: float = 900,
    drain_timeout: float = 60,
    say: Callable[[str], None] = lambda _: None,
) -> None:
    """Take up ``model`` on every replica, one at a time (see the module docstring).

    Raises:
        RollError: a replica did not drain, stop or load the model in time; the others
            keep serving (on their old or new model).
    """
    socket = run_dir / "haproxy.sock"
    supervisor = SupervisorClient(run_dir / "supervisor.sock")
    point_model(run_dir, model)
    for name, address in replicas(socket):
        _roll_one(socket, supervisor, name, address, model, load_timeout, drain_timeout, say)


def _roll_one(
    socket: Path,
    supervisor: SupervisorClient,
    name: str,
    address: str,
    model: Path,
    load_timeout: float,
    drain_timeout: float,
    say: Callable[[str], None],
) -> None:
    say(f"{name}: draining")
    haproxy.admin(socket, f"set server {RASA_BACKEND}/{name} state drain")
    _wait(lambda: _stat(socket, name)["scur"] == "0", drain_timeout, f"{name} to drain")
    say(f"{name}: restarting on {model.name}")
    supervisor.stop(name)
    supervisor.start(name)
    _wait(lambda: _ready(address), load_timeout, f"{name} to load the model")
    haproxy.admin(socket, f"set server {RASA_BACKEND}/{name} state ready")
    _wait(lambda: _stat(socket, name)["status"].startswith("UP"), 60, f"HAProxy to put {name} back")
    say(f"{name}: serving the new model")
