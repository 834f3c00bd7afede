"""NLU figures: the project's pipeline against Rasa's default pipeline, in one run.

Both are trained from scratch on the same ``data/nlu`` (fresh output directories, an
empty Rasa cache each): the project with its full ``rasa train`` (NLU and dialogue,
``--force``; its wall time, with the load average next to it because the machine is
shared, is the training-time figure), the default pipeline with ``rasa train nlu``. Both
are scored on the same held-out set (tests/data/nlu_heldout.yml, never trained on). A
message answered with ``nlu_fallback`` counts as a miss, as it is for the live bot, which
answers it with the fallback. Printed side by side: intent macro-F1 (the FAQ topics as
one intent ``faq``), accuracy, recall and precision of ``out_of_scope`` alone, FAQ topic
accuracy, training wall time.

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
RASA = Path(sys.executable).with_name("rasa")
FALLBACK = "nlu_fallback"
OUT_OF_SCOPE = "out_of_scope"
TARGET_F1 = 0.97
TARGET_TRAINING_S = 120.0
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


def _train(args: list[str], out: Path) -> float:
    """Run `rasa train ...` into ``out`` with an empty cache; return the wall time in s."""
    env = {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "RASA_CACHE_DIRECTORY": str(out / "cache"),
    }
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


def train_nlu(config: Path, out: Path) -> tuple[Path, float]:
    """A fresh NLU-only model of ``config`` on data/nlu; its path and training time."""
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
    *, full_training: bool = True, show_misses: bool = False, keep_model: Path | None = None
) -> dict[str, Scores]:
    """Train both pipelines, score them on the held-out set and print the figures.

    The project's model is the full `rasa train` (timed; its NLU is what an NLU-only
    training would give), unless ``full_training`` is off, when it is trained NLU-only.
    """
    pairs = heldout_pairs()
    texts = [text for text, _ in pairs]
    rows: dict[str, tuple[Scores, float]] = {}
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
        rows["project"] = (score(pairs, parse_all(model, texts)), elapsed)
        early = rows["project"][0]
        print(
            f"project: macro-F1 {early.macro_f1:.3f}, accuracy {early.accuracy:.3f}, "
            f"out_of_scope recall {early.oos_recall:.3f} precision {early.oos_precision:.3f}, "
            f"trained in {_minutes(elapsed)}; the default pipeline's training follows",
            flush=True,
        )
        default_config = Path(tmp) / "default-config.yml"
        default_config.write_text(DEFAULT_CONFIG)
        print("training Rasa's default pipeline (NLU only, nothing cached)...", flush=True)
        model, elapsed = train_nlu(default_config, Path(tmp) / "default")
        rows["Rasa default"] = (score(pairs, parse_all(model, texts)), elapsed)
    project = rows["project"][0]
    print(
        f"held-out set: {project.examples} messages over {project.intents} intents "
        f"(tests/data/nlu_heldout.yml); target macro-F1 >= {TARGET_F1}"
    )
    print_side_by_side(rows)
    print(f"({_load()} after the trainings)")
    if full_training:
        print(
            f"training time, project's full `rasa train` (NLU + dialogue, --force, empty "
            f"cache): {_minutes(rows['project'][1])} (target < {_minutes(TARGET_TRAINING_S)}); "
            f"{load_before} before, {load_after} after"
        )
        if keep_model is not None:
            print(f"that model is now {keep_model}")
    for name, (scores, _) in rows.items():
        print(
            f"{name} top confusions: "
            + ", ".join(f"{t}->{p} x{n}" for (t, p), n in scores.confusions)
        )
    if show_misses:
        for text, expected, got in project.misses:
            print(f"  miss: {expected:>18} -> {got:<18} {text}")
    return {name: scores for name, (scores, _) in rows.items()}


if __name__ == "__main__":
    warnings.filterwarnings("ignore")
    main(show_misses="--misses" in sys.argv, full_training="--skip-training" not in sys.argv)
