"""``python -m bot console``: serve the agent console (:mod:`bot.console`)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

from bot.commands import common

#: Where the console listens unless CONSOLE_PORT or ``--port`` says otherwise.
DEFAULT_PORT = 5080


def register(subparsers: Any) -> None:
    """Add ``console`` (serve the agent console)."""
    parser = subparsers.add_parser(
        "console",
        help="serve the agent console (web)",
        description="Serve the agent console on HOST:PORT (default 127.0.0.1:5080, or "
        "CONSOLE_HOST/CONSOLE_PORT). It reaches Rasa at RASA_URL with RASA_TOKEN (or "
        "var/rasa_token). Accounts: `python -m bot users add`. Stops on Ctrl-C or SIGTERM.",
    )
    parser.add_argument("--host", default=None, help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None, help=f"port (default {DEFAULT_PORT})")
    parser.set_defaults(handler=_serve)


def _serve(args: argparse.Namespace) -> int:
    from bot.console.app import create_app, serve
    from bot.console.config import ConsoleConfig
    from bot.domain.kpi.hints import HintsError, hint_rules

    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    settings = common.settings()
    engine = common.ready_engine(settings)
    if engine is None:
        return common.EXIT_NOT_READY
    try:
        hint_rules()  # the dashboard's hints file: a wrong entry stops start-up, named
    except HintsError as exc:
        print(f"The console cannot start: {exc}", file=sys.stderr)
        return common.EXIT_NOT_READY
    host = args.host or os.environ.get("CONSOLE_HOST", "127.0.0.1")
    port = args.port or int(os.environ.get("CONSOLE_PORT", str(DEFAULT_PORT)))
    secure = os.environ.get("CONSOLE_SECURE_COOKIES", "") == "1"
    config = ConsoleConfig.from_settings(settings, secure_cookies=secure)
    # Closing a handoff (and resolving a complaint) here offers the customer the survey.
    serve(create_app(config, engine=engine), host, port)
    return common.EXIT_OK
