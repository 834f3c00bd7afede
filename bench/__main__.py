"""`make bench`: figures for the enquiry desk, printed, never asserted.

`python -m bench` (what `make bench` runs) prints the NLU comparison (bench/nlu.py):
- the project's pipeline and Rasa's default pipeline, both trained from scratch on
  data/nlu in this run and scored on the English and the Chinese held-out sets in
  tests/data (never trained on), a `nlu_fallback` counting as a miss: intent macro-F1,
  accuracy, out-of-scope recall and precision, FAQ topic accuracy, side by side;
- the wall time of the project's full `rasa train` (nothing cached), with the load average;
- the memory of a process holding the project's model loaded (and, with
  `--before-model PATH`, an older model's, e.g. main's models/freightdesk.tar.gz).

It then prints the shipment-event intake figures (bench/carrier_intake.py) and the load on
one and on two Rasa replicas through HAProxy, side by side (bench/scale.py: 20 customers x
10 turns at once; throughput, p50/p95/p99, errors, the memory of each replica and action
server). `--all` adds the figures that need a running stack or a big database:
- held-out intent macro-F1 of the model in models/ through /model/parse, and p50/p95 of a
  REST round trip in one conversation and of /model/parse, on a stack started like
  `make run` (SQLite, loopback); `--rest-only` runs just these;
- scale-out (bench/scale.py): p95 of turns 1-10 against 291-300 of one conversation on
  SQLite and PostgreSQL (`--scale-only` runs it and the load alone; `--long-turns 0`
  leaves the long conversation out);
- shipment events ingested per second on PostgreSQL (batched, and through the HTTP
  intake with its p95) and the fan-out of one event to 10,000 subscribers
  (bench/carrier_intake.py; `python -m bench --events-only` runs it alone);
- the KPI report over 1M survey answers, 1M conversations and 100k complaints on SQLite
  and PostgreSQL (bench/kpi.py; `python -m bench --kpi-only` runs it alone);
- the dashboard's pages and the year's KPI report sliced by channel, agent, team, account
  and language on the same data, rolled up (bench/dashboard.py; `python -m bench
  --dashboard-only` runs it alone).
Targets: macro-F1 >= 0.97 in English and >= 0.95 in Chinese (fallback = miss) and above
the default pipeline's, REST p95
< 60 ms, training < 2 minutes.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import requests

from bench import carrier_intake as events_bench
from bench import dashboard as dashboard_bench
from bench import kpi as kpi_bench
from bench import nlu as nlu_bench
from bench import scale as scale_bench
from bot.core.settings import REPO_ROOT
from bot.ops.stack import Stack, free_port, latest_model, prepare_database

TOKEN = "bench-token"


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def nlu_figures(base_url: str) -> None:
    """The served model on the held-out set through /model/parse; fallback is a miss."""
    pairs = nlu_bench.heldout_pairs()
    parsed, timings = [], []
    for text, _ in pairs:
        start = time.perf_counter()
        response = requests.post(
            f"{base_url}/model/parse", params={"token": TOKEN}, json={"text": text}, timeout=30
        )
        timings.append((time.perf_counter() - start) * 1000)
        parsed.append(response.json())
    scores = nlu_bench.score(pairs, parsed)
    print(
        f"served model, held-out intent macro-F1 (fallback = miss): {scores.macro_f1:.3f} "
        f"over {scores.examples} messages; out_of_scope recall {scores.oos_recall:.3f}, "
        f"precision {scores.oos_precision:.3f}; FAQ topic accuracy "
        f"{scores.faq_topic_accuracy:.3f}"
    )
    print(
        f"/model/parse latency over {len(timings)} calls: "
        f"p50 {_percentile(timings, 50):.1f} ms, p95 {_percentile(timings, 95):.1f} ms"
    )


CONVERSATION = [
    "hello",
    "what does FOB mean?",
    "what are your opening hours?",
    "how long does air freight take to Singapore?",
    "thanks",
    "where is my shipment 160-12345675",
    "what is demurrage",
    "can I ship lithium batteries",
]


def _turn(base_url: str, sender: str, text: str) -> float:
    start = time.perf_counter()
    response = requests.post(
        f"{base_url}/webhooks/rest/webhook",
        json={"sender": sender, "message": text},
        timeout=60,
    )
    response.raise_for_status()
    return (time.perf_counter() - start) * 1000


def rest_figures(base_url: str, turns: int) -> None:
    """REST round trips, one customer at a time.

    Typical: customer conversations of two passes over CONVERSATION (16 turns), one after
    another. Long: a single conversation of ``turns`` turns, to show how latency grows
    with the conversation's length (Rasa reloads every event each turn).
    """
    typical = [
        _turn(base_url, f"bench-{os.getpid()}-{n}", text)
        for n in range(10)
        for text in CONVERSATION * 2
    ]
    print(
        f"REST round trip, {len(typical)} turns in 16-turn conversations, one at a time: "
        f"p50 {_percentile(typical, 50):.1f} ms, p95 {_percentile(typical, 95):.1f} ms "
        "(target p95 < 60 ms)"
    )
    sender = f"bench-long-{os.getpid()}"
    timings = [_turn(base_url, sender, CONVERSATION[n % len(CONVERSATION)]) for n in range(turns)]
    first, last = timings[:10], timings[-10:]
    print(
        f"One {turns}-turn conversation: p50 {_percentile(timings, 50):.1f} ms, "
        f"p95 {_percentile(timings, 95):.1f} ms; turns 1-10 p95 {_percentile(first, 95):.1f} ms, "
        f"last 10 turns p95 {_percentile(last, 95):.1f} ms"
    )


def stack_figures(model: Path | None, turns: int) -> None:
    """The served model's held-out figures and REST latencies on a `make run`-like stack."""
    with tempfile.TemporaryDirectory() as tmp:
        var_dir = Path(tmp)
        database_url = f"sqlite:///{var_dir / 'freightdesk.db'}"
        prepare_database(database_url)
        stack = Stack(
            model=model or latest_model(REPO_ROOT / "models"),
            rasa_port=free_port(),
            action_port=free_port(),
            env={
                **os.environ,
                "DATABASE_URL": database_url,
                "FREIGHTDESK_VAR_DIR": str(var_dir),
                "RASA_TOKEN": TOKEN,
            },
            tracker_db=var_dir / "tracker.db",
            log_dir=var_dir / "logs",
            token=TOKEN,
        )
        print("starting the stack...", flush=True)
        stack.start()
        try:
            nlu_figures(stack.url)
            rest_figures(stack.url, turns)
        finally:
            stack.stop()


def main() -> int:
    """Run the benchmarks and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=200, help="REST turns in one conversation")
    parser.add_argument(
        "--skip-training", action="store_true", help="skip the full training's timing"
    )
    parser.add_argument("--misses", action="store_true", help="list the project's held-out misses")
    parser.add_argument(
        "--save-model",
        action="store_true",
        help="keep the fully trained model as models/freightdesk.tar.gz",
    )
    parser.add_argument(
        "--all", action="store_true", help="also the stack, scale-out and KPI figures"
    )
    parser.add_argument(
        "--before-model",
        type=Path,
        help="also the memory of a process holding this older model (e.g. main's model)",
    )
    parser.add_argument("--model", type=Path, help="model to serve (default: newest in models/)")
    parser.add_argument("--rest-only", action="store_true", help="only the stack's figures")
    parser.add_argument("--kpi-only", action="store_true", help="only the KPI report benchmark")
    parser.add_argument(
        "--dashboard-only",
        action="store_true",
        help="only the dashboard's figures at 1M rows (bench/dashboard.py)",
    )
    parser.add_argument(
        "--events-only",
        action="store_true",
        help="only the shipment-event intake figures (bench/carrier_intake.py)",
    )
    parser.add_argument(
        "--scale-only", action="store_true", help="only the scale-out figures (bench/scale.py)"
    )
    parser.add_argument("--customers", type=int, default=20, help="simulated customers (load)")
    parser.add_argument(
        "--long-turns",
        type=int,
        default=300,
        help="turns of the scale-out's long conversation (0: leave it out)",
    )
    args = parser.parse_args()
    # Rasa's and TensorFlow's deprecation chatter would bury the figures.
    warnings.filterwarnings("ignore")
    if args.kpi_only:
        kpi_bench.main()
        return 0
    if args.dashboard_only:
        dashboard_bench.main()
        return 0
    if args.events_only:
        events_bench.main()
        return 0
    if args.scale_only:
        scale_bench.main(customers=args.customers, long_turns=args.long_turns)
        return 0
    if args.rest_only:
        stack_figures(args.model, args.turns)
        return 0
    nlu_bench.main(
        full_training=not args.skip_training,
        show_misses=args.misses,
        keep_model=REPO_ROOT / "models" / "freightdesk.tar.gz" if args.save_model else None,
        before_model=args.before_model,
    )
    events_bench.main()
    if args.all:
        stack_figures(args.model, args.turns)
        scale_bench.main(customers=args.customers, long_turns=args.long_turns)
        kpi_bench.main()
        dashboard_bench.main()
    else:
        scale_bench.load_figures(customers=args.customers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
