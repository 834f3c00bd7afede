"""Scale-out figures: latency against conversation length, and load on 1 and 2 replicas.

- Long conversation: one customer, 300 turns, p95 of turns 1-10 against turns 291-300,
  with the project's bounded tracker store on SQLite and on PostgreSQL (target: within
  1.3x), and Rasa's own SQL tracker store on SQLite for comparison.
- Load: N customers (default 20) of 10 turns each at once, bounded to 60 s, through
  HAProxy to one and to two Rasa replicas (PostgreSQL tracker store, atomic Redis lock
  store), printed side by side: throughput, p50/p95/p99, errors, the resident memory of
  each replica and of its action server, and the machine's load average during the run.

Every database, Redis key and folder is made for the run and removed after it.
`python -m bench --scale-only` runs this part alone.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2
import redis
import requests
from psycopg2 import sql
from sqlalchemy.engine import make_url

from bot.core.settings import REPO_ROOT
from bot.ops.profiles import lock_store_config, tracker_store_config
from bot.ops.replicas import ReplicaSet, write_production_endpoints
from bot.ops.stack import Stack, free_port, latest_model, prepare_database

TOKEN = "bench-scale-token-0123456789abcdef"
PG_ADMIN_URL = os.environ.get(
    "FREIGHTDESK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
TURNS = [
    "hello",
    "what does FOB mean?",
    "what are your opening hours?",
    "how long does air freight take to Singapore?",
    "thanks",
    "where is my shipment 160-12345675",
    "what is demurrage",
    "can I ship lithium batteries",
    "what's a TEU",
    "bye",
]


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile of ``values`` (milliseconds in, milliseconds out)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


@contextlib.contextmanager
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database, dropped afterwards."""
    url = make_url(PG_ADMIN_URL)
    name = f"freightdesk_bench_{secrets.token_hex(5)}"
    admin = psycopg2.connect(
        host=url.host or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "postgres",
        password=url.password,
        dbname=url.database or "postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        from bot.storage import db

        db.dispose_engines()
        with admin.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        admin.close()


def _say(base_url: str, sender: str, text: str) -> float:
    start = time.perf_counter()
    response = requests.post(
        f"{base_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": text},
        timeout=60,
    )
    response.raise_for_status()
    return (time.perf_counter() - start) * 1000


def _endpoints(var_dir: Path, tracker: dict[str, object], lock_prefix: str | None) -> Path:
    config: dict[str, object] = {
        "action_endpoint": {
            "url": "http://127.0.0.1:5055/webhook",
            "enable_selective_domain": True,
        },
        "tracker_store": tracker,
    }
    if lock_prefix:
        config["lock_store"] = lock_store_config("redis://127.0.0.1:6379/1", lock_prefix)
    return write_production_endpoints(var_dir / f"endpoints.{secrets.token_hex(3)}.yml", config)


def long_conversation(
    label: str, tracker: dict[str, object], database_url: str, turns: int
) -> None:
    """One ``turns``-turn conversation; print p95 of the first and last ten turns."""
    with tempfile.TemporaryDirectory() as tmp:
        var_dir = Path(tmp)
        prepare_database(database_url)
        stack = Stack(
            model=latest_model(REPO_ROOT / "models"),
            rasa_port=free_port(),
            action_port=free_port(),
            env={**os.environ, "DATABASE_URL": database_url, "FREIGHTDESK_VAR_DIR": tmp},
            endpoints=_endpoints(var_dir, tracker, None),
            tracker_db=var_dir / "tracker.db",
            log_dir=var_dir / "logs",
            token=TOKEN,
        )
        stack.start()
        try:
            sender = f"bench-long-{secrets.token_hex(4)}"
            rasa_pid = stack.processes["rasa"].pid
            timings, cpu = [], []
            for n in range(turns):
                before = _cpu_ms(rasa_pid)
                timings.append(_say(stack.url, sender, TURNS[n % len(TURNS)]))
                cpu.append(_cpu_ms(rasa_pid) - before)
        finally:
            stack.stop()
    first, last = percentile(timings[:10], 95), percentile(timings[-10:], 95)
    # Turns 11-20 too: the first turns also pay one-off warm-up costs.
    cpu_first, cpu_second = sum(cpu[:10]) / 10, sum(cpu[10:20]) / 10
    cpu_last = sum(cpu[-10:]) / 10
    print(
        f"  {label}: turns 1-10 p95 {first:.1f} ms, turns {turns - 9}-{turns} p95 "
        f"{last:.1f} ms, ratio {last / first:.2f} (target <= 1.30); Rasa CPU per turn "
        f"(mean) turns 1-10 {cpu_first:.1f}, 11-20 {cpu_second:.1f}, last 10 {cpu_last:.1f} ms",
        flush=True,
    )


def latency_vs_length(turns: int = 300) -> None:
    """The bounded store on SQLite and PostgreSQL, Rasa's SQL store on SQLite."""
    print(f"Latency against conversation length ({turns} turns, one customer):", flush=True)
    bounded = "bot.engine.tracker_store.BoundedSQLTrackerStore"
    with tempfile.TemporaryDirectory() as tmp:
        long_conversation(
            "bounded store, SQLite",
            {"type": bounded, "dialect": "sqlite", "db": str(Path(tmp) / "t.db")},
            f"sqlite:///{Path(tmp) / 'fd.db'}",
            turns,
        )
    with pg_database() as url:
        long_conversation("bounded store, PostgreSQL", tracker_store_config(url), url, turns)
    with tempfile.TemporaryDirectory() as tmp:
        long_conversation(
            "Rasa's SQLTrackerStore, SQLite (before)",
            {"type": "SQL", "dialect": "sqlite", "db": str(Path(tmp) / "t.db")},
            f"sqlite:///{Path(tmp) / 'fd.db'}",
            turns,
        )


def _cpu_ms(pid: int) -> float:
    """CPU time (user + system) the process has used, in ms: unaffected by waiting for a
    core on a busy machine, unlike wall-clock latency."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


@dataclass
class LoadResult:
    """What one load run measured."""

    replicas: int
    turns: int
    wall_s: float
    timings: list[float]
    errors: list[str]
    #: Resident memory in MB of each replica and its action server (rasa-i, actions-i).
    rss_mb: dict[str, float] = field(default_factory=dict)
    #: The 1-minute load average when the customers started and when they were done.
    load_average: tuple[float, float] = (0.0, 0.0)

    @property
    def throughput(self) -> float:
        return self.turns / self.wall_s if self.wall_s else 0.0


def _load_average() -> float:
    return os.getloadavg()[0]


def load(replicas: int, customers: int, turns: int, limit_s: float) -> LoadResult:
    """``customers`` at once, ``turns`` each, through HAProxy; return the figures."""
    prefix = f"fdbench{secrets.token_hex(4)}"
    with tempfile.TemporaryDirectory() as tmp, pg_database() as url:
        var_dir = Path(tmp)
        prepare_database(url)
        replica_set = ReplicaSet(
            model=latest_model(REPO_ROOT / "models"),
            endpoints=_endpoints(var_dir, tracker_store_config(url), prefix),
            replicas=replicas,
            public_port=free_port(),
            action_port=free_port(),
            replica_ports=[free_port() for _ in range(replicas)],
            action_ports=[free_port() for _ in range(replicas)],
            env={**os.environ, "DATABASE_URL": url, "FREIGHTDESK_VAR_DIR": tmp},
            log_dir=var_dir / "logs",
            token=TOKEN,
        )
        replica_set.start()
        timings: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        deadline = time.monotonic() + limit_s

        def customer(number: int) -> None:
            sender = f"bench-load-{prefix}-{number}"
            session = requests.Session()
            for turn in range(turns):
                if time.monotonic() > deadline:
                    return
                start = time.perf_counter()
                problem = ""
                try:
                    response = session.post(
                        f"{replica_set.url}/webhooks/rest/webhook",
                        json={"sender": sender, "message": TURNS[turn % len(TURNS)]},
                        timeout=60,
                    )
                    if response.status_code != 200:
                        problem = f"HTTP {response.status_code}"
                    elif not response.json():
                        problem = f"no reply to {TURNS[turn % len(TURNS)]!r}"
                except (requests.RequestException, ValueError) as exc:
                    problem = type(exc).__name__
                elapsed = (time.perf_counter() - start) * 1000
                with lock:
                    if problem:
                        errors.append(problem)
                    else:
                        timings.append(elapsed)

        try:
            load_before = _load_average()
            began = time.perf_counter()
            threads = [threading.Thread(target=customer, args=(n,)) for n in range(customers)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            wall = time.perf_counter() - began
            load_after = _load_average()
            rss = {
                name: _rss_mb(info["pid"])
                for name, info in sorted(replica_set.supervisor.processes().items())
                if name.startswith(("rasa-", "actions-")) and info["pid"]
            }
        finally:
            replica_set.stop()
            client = redis.StrictRedis(host="127.0.0.1", port=6379, db=1)
            keys = list(client.scan_iter(f"{prefix}:*"))
            if keys:
                client.delete(*keys)
    return LoadResult(replicas, len(timings), wall, timings, errors, rss, (load_before, load_after))


def side_by_side(results: list[LoadResult]) -> str:
    """The load runs as one table, a column per replica count (and the ratio of the last
    to the first)."""
    rows: list[tuple[str, list[str]]] = [
        ("turns answered", [f"{r.turns} in {r.wall_s:.1f} s" for r in results]),
        ("throughput", [f"{r.throughput:.1f} turns/s" for r in results]),
        *(
            (f"p{pct}", [f"{percentile(r.timings, pct):.0f} ms" for r in results])
            for pct in (50, 95, 99)
        ),
        (
            "errors",
            [
                f"{len(r.errors)}" + (f" ({', '.join(sorted(set(r.errors)))})" if r.errors else "")
                for r in results
            ],
        ),
    ]
    most = max(r.replicas for r in results)
    for index in range(most):
        for role, label in (("rasa", "RSS rasa"), ("actions", "RSS actions")):
            name = f"{role}-{index}"
            rows.append(
                (
                    f"{label}-{index}",
                    [f"{r.rss_mb[name]:.0f} MB" if name in r.rss_mb else "-" for r in results],
                )
            )
    rows.append(("RSS, all", [f"{sum(r.rss_mb.values()):.0f} MB" for r in results]))
    rows.append(
        ("load average", [f"{r.load_average[0]:.1f} -> {r.load_average[1]:.1f}" for r in results])
    )
    headers = [f"{r.replicas} replica{'s' if r.replicas > 1 else ''}" for r in results]
    if len(results) > 1 and results[0].throughput:
        headers.append(f"{results[-1].replicas} / {results[0].replicas}")
        rows[1][1].append(f"{results[-1].throughput / results[0].throughput:.2f}x")
    width = max(len(label) for label, _ in rows) + 2
    columns = [
        max(len(h), *(len(v[i]) for _, v in rows if i < len(v))) + 2 for i, h in enumerate(headers)
    ]
    lines = [
        "  " + " " * width + "".join(h.rjust(w) for h, w in zip(headers, columns, strict=True))
    ]
    for label, values in rows:
        lines.append(
            "  "
            + label.ljust(width)
            + "".join(v.rjust(w) for v, w in zip(values, columns, strict=False))
        )
    return "\n".join(lines)


def load_figures(customers: int = 20, turns: int = 10, limit_s: float = 60.0) -> None:
    """One and two Rasa replicas through HAProxy under the same load, side by side."""
    print(
        f"Load: {customers} customers x {turns} turns at once, at most {limit_s:.0f} s, "
        "PostgreSQL tracker store + atomic Redis lock, through HAProxy "
        f"({os.cpu_count()} cores):",
        flush=True,
    )
    results = []
    for replicas in (1, 2):
        results.append(load(replicas, customers, turns, limit_s))
        print(f"  {replicas} replica(s) done", flush=True)
    print(side_by_side(results), flush=True)


def main(
    customers: int = 20, turns: int = 10, limit_s: float = 60.0, long_turns: int = 300
) -> None:
    """All scale-out figures (``long_turns=0`` leaves out the long conversation)."""
    if long_turns:
        latency_vs_length(long_turns)
    load_figures(customers, turns, limit_s)
