"""``python -m bot replicas roll``: take up a new model on a running production profile,
one replica at a time (:mod:`bot.ops.rolling`)."""

from __future__ import annotations

import argparse
from typing import Any

from bot.commands import common


def register(subparsers: Any) -> None:
    """Add ``replicas roll``."""
    parser = subparsers.add_parser(
        "replicas",
        help="operate the production profile's Rasa replicas",
        description="Operate the Rasa replicas of a running production profile.",
    )
    actions = parser.add_subparsers(dest="replicas_command", required=True)
    roll = actions.add_parser(
        "roll",
        help="take up a new model one replica at a time (no failed turn)",
        description="Point the replicas at MODEL, then restart them one at a time: each is "
        "drained in HAProxy, restarted by supervisord, and put back once its readiness "
        "check says the model is loaded; the others serve meanwhile.",
    )
    roll.add_argument("--model", help="the new model (default: the newest in models/)")
    roll.set_defaults(handler=_roll)


def _roll(args: argparse.Namespace) -> int:
    import sys
    from pathlib import Path

    from bot.core.settings import REPO_ROOT
    from bot.ops.rolling import RollError, roll
    from bot.ops.stack import latest_model

    settings = common.settings()
    model = Path(args.model) if args.model else latest_model(REPO_ROOT / "models")
    if not model.is_file():
        print(f"No model at {model}.", file=sys.stderr)
        return common.EXIT_FAILED
    run_dir = settings.var_dir / "run"
    if not (run_dir / "haproxy.sock").exists():
        print(f"No production profile is running from {settings.var_dir}.", file=sys.stderr)
        return common.EXIT_NOT_READY
    try:
        roll(run_dir, model, say=lambda line: print(line, flush=True))
    except (RollError, OSError) as exc:
        print(f"The rolling update stopped: {exc}", file=sys.stderr)
        return common.EXIT_FAILED
    print(f"Every replica serves {model.name}.")
    return common.EXIT_OK
