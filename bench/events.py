"""Rasa's SQL event broker and the KPI consumer sharing SQLite files, under stress.

``python -m bench.events [--interval S] [--writer-pause S] [--writer-immediate]``

Three processes, as in the embedded default: Rasa's own ``SQLEventBroker`` (with the
Rasa launcher's fixes) publishes 3,000 events of 300 conversations as fast as it can;
``python -m bot kpi consume --follow`` folds them into facts; a third process stands for
the action server and the console, writing the project database in transactions that
read, then write. Prints publish latency and errors, how soon the consumer caught up, and
how many of the other writer's transactions failed with "database is locked". Figures are
printed, never asserted.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

SENDERS, EVENTS_PER_SENDER = 300, 10
T0 = 1_793_000_000.0


def _events(sender: int) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [{"event": "session_started", "timestamp": T0 + sender}]
    for k in range(EVENTS_PER_SENDER - 1):
        event: dict[str, Any] = {
            "event": "user" if k % 2 == 0 else "bot",
            "timestamp": T0 + sender + 0.01 * (k + 1),
            "text": "hello",
        }
        if event["event"] == "user":
            event.update(parse_data={"intent": {"name": "greet"}}, input_channel="rest")
        events.append(event)
    for event in events:
        event["sender_id"] = f"bench-{sender}"
    return events


def _publish(events_db: str, results: Any) -> None:
    import rasa.shared.core.events  # noqa: F401 - loaded in the Rasa server, as here
    from rasa.core.brokers.sql import SQLEventBroker

    from bot.engine.rasa_fixes import apply_fixes

    apply_fixes()
    broker = SQLEventBroker(db=events_db)
    latencies, errors = [], 0
    for sender in range(SENDERS):
        for event in _events(sender):
            started = time.perf_counter()
            try:
                broker.publish(event)
            except Exception as exc:  # counted and shown: this is what is measured
                errors += 1
                print(f"  publish failed: {exc}", flush=True)
            latencies.append(time.perf_counter() - started)
    results.put((latencies, errors))


def _write(url: str, immediate: bool, pause: float, stop: Any, results: Any) -> None:
    from sqlalchemy import func, select

    from bot.storage import db
    from bot.storage.models import Handoff

    engine = db.make_engine(url, sqlite_immediate=immediate)
    commits = errors = 0
    while not stop.is_set():
        try:
            with db.session_scope(engine) as session:
                session.scalar(select(func.count()).select_from(Handoff))
                session.add(
                    Handoff(
                        sender_id=f"w{commits}",
                        channel="rest",
                        reason="request",
                        team="sea",
                        status="closed",
                    )
                )
            commits += 1
        except Exception:  # counted: "database is locked" is what is measured
            errors += 1
        time.sleep(pause)
    results.put((commits, errors))


def main() -> None:
    """Run the three processes once and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--interval", default="1.0", help="consumer's --interval (s)")
    parser.add_argument("--writer-pause", type=float, default=0.05, help="s between writes")
    parser.add_argument(
        "--writer-immediate", action="store_true", help="the writer uses BEGIN IMMEDIATE"
    )
    args = parser.parse_args()

    from sqlalchemy import func, select

    from bot.core.settings import REPO_ROOT
    from bot.ops.stack import prepare_sqlite_events
    from bot.storage import db
    from bot.storage.models import ProcessedEvent

    with tempfile.TemporaryDirectory(prefix="events-bench-") as folder:
        var = Path(folder)
        url = f"sqlite:///{var / 'freightdesk.db'}"
        db.upgrade(url)
        events_db = var / "rasa_events.db"
        prepare_sqlite_events(events_db)
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "KPI_EVENT_BROKER_URL": f"sqlite:///{events_db}",
            "FREIGHTDESK_VAR_DIR": str(var),
            "PYTHONPATH": str(REPO_ROOT),
        }
        interval = ("--interval", args.interval)
        consumer = subprocess.Popen(
            [sys.executable, "-m", "bot", "kpi", "consume", "--follow", *interval],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        published: Any = mp.Queue()
        written: Any = mp.Queue()
        stop = mp.Event()
        writer = mp.Process(
            target=_write, args=(url, args.writer_immediate, args.writer_pause, stop, written)
        )
        writer.start()
        started = time.perf_counter()
        publisher = mp.Process(target=_publish, args=(str(events_db), published))
        publisher.start()
        latencies, publish_errors = published.get()
        publisher.join()
        publish_s = time.perf_counter() - started
        engine = db.make_engine(url)
        total = SENDERS * EVENTS_PER_SENDER
        applied = 0
        while applied < total and time.perf_counter() - started < publish_s + 600:
            with db.session_scope(engine) as session:
                applied = int(session.scalar(select(func.count()).select_from(ProcessedEvent)))
            time.sleep(0.2)
        lag = time.perf_counter() - started - publish_s
        stop.set()
        commits, write_errors = written.get()
        writer.join()
        consumer.send_signal(signal.SIGTERM)
        output, _ = consumer.communicate(timeout=60)
        engine.dispose()
    latencies.sort()
    print(
        f"Rasa's SQLEventBroker: {len(latencies)} events in {publish_s:.1f} s, "
        f"p50 {1000 * statistics.median(latencies):.1f} ms, "
        f"p99 {1000 * latencies[int(0.99 * len(latencies))]:.1f} ms, errors {publish_errors}"
    )
    print(
        f"kpi consume --follow --interval {args.interval}: {applied}/{total} events applied, "
        f"caught up {lag:.1f} s after the last one; exit code {consumer.returncode}; "
        f"'locked' in its output: {'locked' in output}"
    )
    kind = "BEGIN IMMEDIATE" if args.writer_immediate else "plain BEGIN"
    print(
        f"other writer ({kind}, read then write, every {args.writer_pause} s): "
        f"{commits} commits, {write_errors} failed"
    )


if __name__ == "__main__":
    main()
