"""`make bench`: figures for the enquiry desk, printed, never asserted.

- intent macro-F1 (and FAQ topic accuracy) on the held-out set in tests/data, which is
  never trained on;
- p50/p95 of a REST round trip in one conversation and of /model/parse, on a stack
  started like `make run` (SQLite, loopback);
- training time of a full (uncached) training run;
- scale-out (bench/scale.py): p95 of turns 1-10 against 291-300 of one conversation on
  SQLite and PostgreSQL, and N customers at once on one and two Rasa replicas;
- the KPI report over 1M survey answers, 1M conversations and 100k complaints on SQLite
  and PostgreSQL (bench/kpi.py; `python -m bench --kpi-only` runs it alone).
Targets: macro-F1 >= 0.95, REST p95 < 60 ms, training < 2 minutes.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from bench import kpi as kpi_bench
from bench import scale as scale_bench
from bot.core.settings import REPO_ROOT
from bot.ops.stack import Stack, free_port, latest_model, prepare_database

HELDOUT = REPO_ROOT / "tests" / "data" / "nlu_heldout.yml"
TOKEN = "bench-token"


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def _heldout() -> list[tuple[str, str]]:
    """(text, full intent) pairs of the held-out set; FAQ examples keep their topic."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(HELDOUT))
    pairs = []
    for message in data.intent_examples:
        intent = message.get("intent")
        full = message.get("intent_response_key") or intent
        pairs.append((message.get("text"), full))
    return pairs


def nlu_figures(base_url: str) -> None:
    """Macro-F1 of intents (FAQ as one intent) and FAQ topic accuracy on held-out data."""
    from sklearn.metrics import f1_score

    pairs = _heldout()
    truth, predicted, faq_total, faq_right = [], [], 0, 0
    timings = []
    for text, full in pairs:
        start = time.perf_counter()
        response = requests.post(
            f"{base_url}/model/parse", params={"token": TOKEN}, json={"text": text}, timeout=30
        )
        timings.append((time.perf_counter() - start) * 1000)
        parsed = response.json()
        intent = parsed["intent"]["name"]
        if intent == "nlu_fallback":
            ranking = [r["name"] for r in parsed.get("intent_ranking", [])]
            intent = next((name for name in ranking if name != "nlu_fallback"), intent)
        expected = full.split("/")[0]
        truth.append(expected)
        predicted.append(intent)
        if expected == "faq":
            faq_total += 1
            selector = parsed.get("response_selector", {}).get("faq", {})
            key = selector.get("response", {}).get("intent_response_key")
            faq_right += int(intent == "faq" and key == full)
    labels = sorted(set(truth))
    macro = f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)
    print(f"held-out examples: {len(pairs)} over {len(labels)} intents")
    print(f"intent macro-F1 (held-out): {macro:.3f}  (target >= 0.95)")
    if faq_total:
        print(f"FAQ topic accuracy (held-out): {faq_right / faq_total:.3f} of {faq_total}")
    wrong = [(t, p) for t, p in zip(truth, predicted, strict=False) if t != p]
    if wrong:
        confusions: dict[tuple[str, str], int] = {}
        for pair in wrong:
            confusions[pair] = confusions.get(pair, 0) + 1
        top = sorted(confusions.items(), key=lambda item: -item[1])[:8]
        print("top confusions: " + ", ".join(f"{t}->{p} x{n}" for (t, p), n in top))
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


def training_figure() -> None:
    """Wall time of one full training run with Rasa's cache disabled."""
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        subprocess.run(
            [
                str(Path(sys.executable).parent / "rasa"),
                "train",
                "--force",
                "--out",
                out,
                "--quiet",
            ],
            cwd=REPO_ROOT,
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        elapsed = time.perf_counter() - start
    print(
        f"training time (full, --force): {elapsed // 60:.0f}:{elapsed % 60:04.1f}  (target < 2:00)"
    )


def main() -> int:
    """Run the benchmarks and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=200, help="REST turns in one conversation")
    parser.add_argument("--skip-training", action="store_true", help="skip the training timing")
    parser.add_argument("--model", type=Path, help="model to measure (default: newest in models/)")
    parser.add_argument("--kpi-only", action="store_true", help="only the KPI report benchmark")
    parser.add_argument(
        "--scale-only", action="store_true", help="only the scale-out figures (bench/scale.py)"
    )
    parser.add_argument("--customers", type=int, default=20, help="simulated customers (load)")
    args = parser.parse_args()
    if args.kpi_only:
        kpi_bench.main()
        return 0
    if args.scale_only:
        scale_bench.main(customers=args.customers)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        var_dir = Path(tmp)
        database_url = f"sqlite:///{var_dir / 'freightdesk.db'}"
        prepare_database(database_url)
        stack = Stack(
            model=args.model or latest_model(REPO_ROOT / "models"),
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
            rest_figures(stack.url, args.turns)
        finally:
            stack.stop()
    scale_bench.main(customers=args.customers)
    if not args.skip_training:
        training_figure()
    kpi_bench.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
