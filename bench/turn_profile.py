"""Where a turn's CPU goes in the Rasa server: the bench's message mix on a real stack.

Starts the action server and one Rasa server as production runs them (the bounded
tracker store on PostgreSQL, the atomic Redis lock store, the localised NLG on the action
server), warms it up, measures Rasa's CPU per turn at steady state, then samples the
server with py-spy (a profiler the bench does not install: put it on ``PATH`` or name it
in ``PY_SPY``) and prints the share of the samples per part of the turn.

    python -m bench.turn_profile [--conversations 30] [--rate 200]
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

from bench.scale import TOKEN, TURNS, _cpu_ms, _rss_mb, _say, pg_database
from bot.core.settings import REPO_ROOT
from bot.ops.profiles import NLG_CLASS, lock_store_config, tracker_store_config
from bot.ops.replicas import write_production_endpoints
from bot.ops.stack import Stack, free_port, latest_model, prepare_database

#: Parts of a turn, recognised by the source file of the innermost frame that names one
#: (most specific first).
PARTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("NLU: tokenizer (ours, jieba)", ("bot/engine/nlu/", "/jieba/")),
    ("NLU: CountVectorsFeaturizer", ("count_vectors_featurizer",)),
    ("NLU: LexicalSyntacticFeaturizer", ("lexical_syntactic_featurizer",)),
    ("NLU: RegexFeaturizer", ("regex_featurizer",)),
    ("NLU: DIETClassifier", ("diet_classifier",)),
    ("NLU: ResponseSelector", ("response_selector",)),
    ("NLU: other components", ("rasa/nlu/",)),
    ("policies (Memoization, Rule)", ("rasa/core/policies/",)),
    ("tracker store (ours + SQLAlchemy)", ("tracker_store", "rasa_stores")),
    ("lock store", ("lock_store",)),
    ("event broker", ("brokers", "event_brokers")),
    ("NLG hop (ours)", ("nlg_client", "rasa/core/nlg/")),
    ("action server calls", ("rasa/core/actions/",)),
    ("channel, guard (ours)", ("bot/engine/channels/",)),
    ("graph runner, processor", ("rasa/engine/", "rasa/core/processor", "rasa/core/agent")),
    ("Rasa shared (events, trackers, domain)", ("rasa/shared/",)),
    ("HTTP server (Sanic)", ("/sanic/",)),
    ("HTTP client (aiohttp)", ("/aiohttp/",)),
    ("TensorFlow (outside a component)", ("/tensorflow/", "/keras/")),
    ("asyncio", ("asyncio/",)),
)


#: The innermost frame of Sanic's event loop waiting in ``select`` (py-spy samples it as
#: busy): not CPU of a turn.
IDLE = "(sanic/server/runners.py:155)"


def part_of(stack: str) -> str:
    """The part of a turn one collapsed py-spy stack belongs to (root;...;leaf): the first
    of :data:`PARTS` that any of its frames names."""
    for name, needles in PARTS:
        if any(needle in stack for needle in needles):
            return name
    return "other"


def summarise(raw: Path) -> Counter[str]:
    """Samples per part, from py-spy's ``raw`` (collapsed stacks) output."""
    parts: Counter[str] = Counter()
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack.endswith(IDLE) or not count.isdigit():
            continue
        parts[part_of(stack)] += int(count)
    return parts


def conversations(url: str, count: int, tag: str) -> int:
    """``count`` conversations of the bench's ten turns, one after another; turns sent."""
    for n in range(count):
        sender = f"profile-{tag}-{n}-{secrets.token_hex(3)}"
        for text in TURNS:
            _say(url, sender, text)
    return count * len(TURNS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=30)
    parser.add_argument("--rate", type=int, default=200, help="py-spy samples per second")
    args = parser.parse_args()
    py_spy = os.environ.get("PY_SPY") or shutil.which("py-spy")
    with tempfile.TemporaryDirectory() as tmp, pg_database() as database_url:
        var_dir = Path(tmp)
        prepare_database(database_url)
        endpoints = write_production_endpoints(
            var_dir / "endpoints.yml",
            {
                "action_endpoint": {
                    "url": "http://127.0.0.1:5055/webhook",
                    "enable_selective_domain": True,
                },
                "nlg": {"type": NLG_CLASS, "url": "http://127.0.0.1:5055/nlg"},
                "tracker_store": tracker_store_config(database_url),
                "lock_store": lock_store_config(
                    "redis://127.0.0.1:6379/1", f"profile-{secrets.token_hex(3)}"
                ),
            },
        )
        stack = Stack(
            model=latest_model(REPO_ROOT / "models"),
            rasa_port=free_port(),
            action_port=free_port(),
            env={**os.environ, "DATABASE_URL": database_url, "FREIGHTDESK_VAR_DIR": tmp},
            endpoints=endpoints,
            tracker_db=var_dir / "tracker.db",
            log_dir=var_dir / "logs",
            token=TOKEN,
            start_timeout=600,
        )
        stack.start()
        try:
            pid = stack.processes["rasa"].pid
            conversations(stack.url, 10, "warm")
            load = os.getloadavg()[0]
            before, start = _cpu_ms(pid), time.perf_counter()
            turns = conversations(stack.url, args.conversations, "measure")
            cpu, wall = _cpu_ms(pid) - before, time.perf_counter() - start
            print(
                f"Rasa CPU per turn at steady state: {cpu / turns:.1f} ms "
                f"({turns} turns, {turns / wall:.1f} turns/s one at a time, "
                f"load average {load:.2f} -> {os.getloadavg()[0]:.2f})",
                flush=True,
            )
            print(
                f"Resident memory after them: Rasa {_rss_mb(pid):.0f} MB, action server "
                f"{_rss_mb(stack.processes['actions'].pid):.0f} MB",
                flush=True,
            )
            if not py_spy:
                print("py-spy not found (PATH or PY_SPY): no profile")
                return
            raw = var_dir / "profile.txt"
            spy = subprocess.Popen(
                [
                    py_spy,
                    "record",
                    "--pid",
                    str(pid),
                    "--rate",
                    str(args.rate),
                    "--format",
                    "raw",
                    "--output",
                    str(raw),
                    "--nonblocking",
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            time.sleep(1.0)
            conversations(stack.url, args.conversations, "profile")
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
            parts = summarise(raw)
            total = sum(parts.values()) or 1
            print(f"Samples of the Rasa server ({total} at {args.rate}/s), by part of a turn:")
            for name, count in parts.most_common():
                share = count / total
                print(f"  {name:<42} {100 * share:5.1f} %  {cpu / turns * share:5.1f} ms")
            keep = os.environ.get("PROFILE_RAW")
            if keep:
                shutil.copy(raw, keep)
        finally:
            stack.stop()


if __name__ == "__main__":
    main()
