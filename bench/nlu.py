"""NLU figures: the project's pipeline against Rasa's default pipeline, in one run.

Both are trained from scratch on the same ``data/nlu`` (fresh output directories, an
empty Rasa cache each): the project with its full ``rasa train`` (NLU and dialogue,
``--force``; its wall time, with the load average next to it because the machine is
shared, is the training-time figure), the default pipeline with ``rasa train nlu``. Both
are scored on the same held-out sets, English (tests/data/nlu_heldout.yml) and Chinese
(tests/data/nlu_heldout_zh.yml: Traditional, Cantonese, code-mixed, some Simplified), never
trained on. A message answered with ``nlu_fallback`` counts as a miss, as it is for the
live bot, which answers it with the fallback. Printed side by side per language: intent
macro-F1 (the FAQ topics as one intent ``faq``), accuracy, recall and precision of
``out_of_scope`` alone, FAQ topic accuracy, fallbacks, training wall time; then the memory
(resident set) of a process holding the project's model loaded as Rasa loads it, and with
``--before-model`` the same for an older model (e.g. main's models/freightdesk.tar.gz).

`python -m bench` runs this part (`python -m bench.nlu` too). Figures are printed, never asserted.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from bot.core.settings import REPO_ROOT

HELDOUT = REPO_ROOT / "tests" / "data" / "nlu_heldout.yml"
HELDOUT_ZH = REPO_ROOT / "tests" / "data" / "nlu_heldout_zh.yml"
HELDOUT_SETS = {"English": HELDOUT, "Chinese": HELDOUT_ZH}
RASA = Path(sys.executable).with_name("rasa")
FALLBACK = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"
TARGET_F1 = 0.97
TARGET_F1_ZH = 0.95
TARGET_TRAINING_S = 120.0
#: TensorFlow threads of the default pipeline's training (`BENCH_DEFAULT_THREADS`, 0 = all
#: cores). One by default: it trains DIET and the ResponseSelector with transformers for
#: 100 epochs each (20-60 minutes on the shared 2-core machine), and on one thread the
#: machine stays usable meanwhile; its F1 is the figure, its time only informs.
DEFAULT_PIPELINE_THREADS = int(os.environ.get("BENCH_DEFAULT_THREADS", "1"))
#: Rasa 3.6's default pipeline and policies: what `rasa init` leaves commented out.
DEFAULT_CONFIG = """\
recipe: default.v1
assistant_id: stock-default
language: en
pipeline: null
policies: null
"""


def heldout_pairs(path: Path = HELDOUT) -> list[tuple[str, str]]:
    """(text, full intent) pairs of the held-out set; FAQ examples keep their topic."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [
        (message.get("text"), message.get("intent_response_key") or message.get("intent"))
        for message in data.intent_examples
    ]


@dataclass
class Scores:
    """Held-out figures of one model; ``nlu_fallback`` is a miss."""

    macro_f1: float
    accuracy: float
    oos_recall: float
    oos_precision: float
    faq_topic_accuracy: float
    examples: int
    intents: int
    fallbacks: int
    confusions: list[tuple[tuple[str, str], int]] = field(default_factory=list)
    misses: list[tuple[str, str, str]] = field(default_factory=list)


def score(pairs: list[tuple[str, str]], parsed: list[dict]) -> Scores:
    """Scores of parse results (Rasa's /model/parse shape) against the expected intents."""
    from sklearn.metrics import f1_score

    truth, predicted, misses = [], [], []
    faq_total = faq_right = 0
    for (text, full), result in zip(pairs, parsed, strict=True):
        expected = full.split("/")[0]
        intent = (result.get("intent") or {}).get("name") or FALLBACK
        truth.append(expected)
        predicted.append(intent)
        if intent != expected:
            misses.append((text, expected, intent))
        if expected == "faq":
            faq_total += 1
            selector = (result.get("response_selector") or {}).get("faq") or {}
            key = (selector.get("response") or {}).get("intent_response_key")
            faq_right += int(intent == "faq" and key == full)
    labels = sorted(set(truth))
    macro = f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)
    right = sum(t == p for t, p in zip(truth, predicted, strict=True))
    oos_true = sum(t == OUT_OF_SCOPE for t in truth)
    oos_predicted = sum(p == OUT_OF_SCOPE for p in predicted)
    oos_hit = sum(t == p == OUT_OF_SCOPE for t, p in zip(truth, predicted, strict=True))
    confusions = Counter((t, p) for _, t, p in misses).most_common(8)
    return Scores(
        macro_f1=float(macro),
        accuracy=right / len(truth),
        oos_recall=oos_hit / oos_true if oos_true else 0.0,
        oos_precision=oos_hit / oos_predicted if oos_predicted else 0.0,
        faq_topic_accuracy=faq_right / faq_total if faq_total else 0.0,
        examples=len(truth),
        intents=len(labels),
        fallbacks=sum(p == FALLBACK for p in predicted),
        confusions=confusions,
        misses=misses,
    )


def parse_all(model: Path, texts: list[str]) -> list[dict]:
    """Parse every text with the model, in process (what /model/parse answers)."""
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)  # not one debug line per parsed message
    agent = Agent.load(str(model))

    async def _parse() -> list[dict]:
        return [await agent.parse_message(text) for text in texts]

    return asyncio.run(_parse())


def _train(args: list[str], out: Path, threads: int = 0) -> float:
    """Run `rasa train ...` into ``out`` with an empty cache; return the wall time in s.

    ``threads`` > 0 limits TensorFlow (and OpenMP) to that many threads.
    """
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "RASA_CACHE_DIRECTORY": str(out / "cache"),
    }
    if threads > 0:
        for name in (
            "TF_INTRA_OP_PARALLELISM_THREADS",
            "TF_INTER_OP_PARALLELISM_THREADS",
            "OMP_NUM_THREADS",
        ):
            env[name] = str(threads)
    start = time.perf_counter()
    subprocess.run(
        [str(RASA), "train", *args, "--out", str(out), "--quiet"],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - start


def train_nlu(config: Path, out: Path, threads: int = 0) -> tuple[Path, float]:
    """A fresh NLU-only model of ``config`` on data/nlu; its path and training time
    (``threads`` > 0: TensorFlow limited to that many threads)."""
    elapsed = _train(
        [
            "nlu",
            "--config",
            str(config),
            "--domain",
            str(REPO_ROOT / "domain.yml"),
            "--nlu",
            str(REPO_ROOT / "data" / "nlu"),
            "--fixed-model-name",
            "nlu",
        ],
        out,
        threads,
    )
    return out / "nlu.tar.gz", elapsed


def full_training_time(out: Path, keep: Path | None = None) -> float:
    """Wall time of the project's full `rasa train` (NLU and dialogue), nothing cached.

    With ``keep``, the trained model is copied there (e.g. models/freightdesk.tar.gz).
    """
    elapsed = _train(["--force", "--fixed-model-name", "full"], out)
    if keep is not None:
        shutil.copyfile(out / "full.tar.gz", keep)
    return elapsed


def _minutes(seconds: float) -> str:
    return f"{seconds // 60:.0f}:{seconds % 60:04.1f}"


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def loaded_rss_mb(model: Path) -> float:
    """Resident memory (MB) of a fresh Python process that loaded ``model`` as Rasa's
    server does (``Agent.load``) and parsed one English and one Chinese message."""
    result = subprocess.run(
        [sys.executable, "-m", "bench.nlu", "--rss-of", str(model)],
        cwd=REPO_ROOT,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"},
        check=True,
        capture_output=True,
        text=True,
    )
    return float(result.stdout.strip().splitlines()[-1])


def _print_own_rss(model: str) -> None:
    parse_all(Path(model), ["where is my parcel 160-48219371", "我嘅貨件幾時到"])
    status = Path("/proc/self/status").read_text()
    kilobytes = next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))
    print(int(kilobytes) / 1024)


def heldout_sets() -> dict[str, list[tuple[str, str]]]:
    """The held-out sets that exist, by language."""
    return {name: heldout_pairs(path) for name, path in HELDOUT_SETS.items() if path.exists()}


def score_sets(model: Path, sets: dict[str, list[tuple[str, str]]]) -> dict[str, Scores]:
    """The model's scores on each held-out set (one model load, every message parsed)."""
    texts = [text for pairs in sets.values() for text, _ in pairs]
    parsed = parse_all(model, texts)
    scores, start = {}, 0
    for name, pairs in sets.items():
        scores[name] = score(pairs, parsed[start : start + len(pairs)])
        start += len(pairs)
    return scores


def print_side_by_side(rows: dict[str, tuple[Scores, float]]) -> None:
    """One column per pipeline."""
    names = list(rows)
    width = max(24, *(len(name) + 2 for name in names))
    print(f"{'':34}" + "".join(f"{name:>{width}}" for name in names))
    lines = [
        ("intent macro-F1 (fallback = miss)", lambda s, t: f"{s.macro_f1:.3f}"),
        ("accuracy", lambda s, t: f"{s.accuracy:.3f}"),
        ("out_of_scope recall", lambda s, t: f"{s.oos_recall:.3f}"),
        ("out_of_scope precision", lambda s, t: f"{s.oos_precision:.3f}"),
        ("FAQ topic accuracy", lambda s, t: f"{s.faq_topic_accuracy:.3f}"),
        ("answered nlu_fallback", lambda s, t: f"{s.fallbacks}"),
        ("training wall time (fresh)", lambda s, t: _minutes(t)),
    ]
    for label, cell in lines:
        print(f"{label:34}" + "".join(f"{cell(*rows[n]):>{width}}" for n in names))


def main(
    *,
    full_training: bool = True,
    show_misses: bool = False,
    keep_model: Path | None = None,
    before_model: Path | None = None,
) -> dict[str, dict[str, Scores]]:
    """Train both pipelines, score them on the held-out sets and print the figures.

    The project's model is the full `rasa train` (timed; its NLU is what an NLU-only
    training would give), unless ``full_training`` is off, when it is trained NLU-only.
    Returns the scores by pipeline, then by held-out language.
    """
    sets = heldout_sets()
    results: dict[str, tuple[dict[str, Scores], float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-nlu-") as tmp:
        if full_training:
            print(
                "training the project: full `rasa train` (NLU + dialogue, --force, empty cache)...",
                flush=True,
            )
            load_before = _load()
            out = Path(tmp) / "project"
            elapsed = full_training_time(out, keep_model)
            load_after = _load()
            model = out / "full.tar.gz"
        else:
            print("training the project pipeline (NLU only, nothing cached)...", flush=True)
            model, elapsed = train_nlu(REPO_ROOT / "config.yml", Path(tmp) / "project")
        results["project"] = (score_sets(model, sets), elapsed)
        for language, early in results["project"][0].items():
            print(
                f"project, {language}: macro-F1 {early.macro_f1:.3f}, accuracy "
                f"{early.accuracy:.3f}, out_of_scope recall {early.oos_recall:.3f} precision "
                f"{early.oos_precision:.3f}",
                flush=True,
            )
        print(f"project trained in {_minutes(elapsed)}; memory follows", flush=True)
        rss_after = loaded_rss_mb(model)
        default_config = Path(tmp) / "default-config.yml"
        default_config.write_text(DEFAULT_CONFIG)
        threads = (
            f"{DEFAULT_PIPELINE_THREADS} TensorFlow thread(s)"
            if DEFAULT_PIPELINE_THREADS
            else "all cores"
        )
        print(
            f"training Rasa's default pipeline (NLU only, nothing cached, {threads})...",
            flush=True,
        )
        model, elapsed = train_nlu(default_config, Path(tmp) / "default", DEFAULT_PIPELINE_THREADS)
        results["Rasa default"] = (score_sets(model, sets), elapsed)
    for language, pairs in sets.items():
        target = TARGET_F1 if language == "English" else TARGET_F1_ZH
        print(
            f"\n{language} held-out set: {len(pairs)} messages over "
            f"{results['project'][0][language].intents} intents "
            f"({HELDOUT_SETS[language].relative_to(REPO_ROOT)}); target macro-F1 >= {target}"
        )
        print_side_by_side({name: (by[language], t) for name, (by, t) in results.items()})
    print(f"({_load()} after the trainings)")
    if full_training:
        print(
            f"training time, project's full `rasa train` (NLU + dialogue, --force, empty "
            f"cache): {_minutes(results['project'][1])} (target < "
            f"{_minutes(TARGET_TRAINING_S)}); {load_before} before, {load_after} after"
        )
        if keep_model is not None:
            print(f"that model is now {keep_model}")
    memory = f"memory of a process with the project's model loaded: {rss_after:.0f} MB"
    if before_model is not None:
        memory += f"; with {before_model}: {loaded_rss_mb(before_model):.0f} MB"
    print(memory)
    for name, (by_language, _) in results.items():
        for language, scores in by_language.items():
            print(
                f"{name}, {language}, top confusions: "
                + ", ".join(f"{t}->{p} x{n}" for (t, p), n in scores.confusions)
            )
    if show_misses:
        for language, scores in results["project"][0].items():
            for text, expected, got in scores.misses:
                print(f"  miss ({language}): {expected:>18} -> {got:<18} {text}")
    return {name: by_language for name, (by_language, _) in results.items()}


if __name__ == "__main__":
    warnings.filterwarnings("ignore")
    if "--rss-of" in sys.argv:
        _print_own_rss(sys.argv[sys.argv.index("--rss-of") + 1])
    else:
        main(show_misses="--misses" in sys.argv, full_training="--skip-training" not in sys.argv)
