"""The ``telegram`` command group of the operators' CLI.

Separate from :mod:`bot.engine.channels.telegram_poll` so ``python -m bot --help`` does not load
python-telegram-bot and httpx; only the command itself does.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import Any

POLL_TIMEOUT_S = 50


def register(subparsers: Any) -> None:
    """Add ``telegram poll`` to the operators' CLI."""
    parser = subparsers.add_parser(
        "telegram",
        help="the Telegram channel",
        description="The Telegram channel. Settings: TELEGRAM_BOT_TOKEN, "
        "TELEGRAM_SECRET_TOKEN, TELEGRAM_API_BASE_URL, TELEGRAM_MODE.",
    )
    actions = parser.add_subparsers(dest="telegram_command", metavar="ACTION", required=True)
    do_poll = actions.add_parser(
        "poll",
        help="fetch updates from Telegram and post them to the local webhook",
        description="Long-poll Telegram (getUpdates) and post each update to the Rasa "
        "server's Telegram webhook at RASA_URL with the secret header: for a machine "
        "Telegram cannot reach. `make run` starts it when TELEGRAM_BOT_TOKEN is set and "
        "TELEGRAM_MODE is poll. Stops on Ctrl-C or SIGTERM.",
    )
    do_poll.add_argument(
        "--timeout",
        type=int,
        default=POLL_TIMEOUT_S,
        help=f"seconds Telegram may hold each request (default {POLL_TIMEOUT_S})",
    )
    do_poll.set_defaults(handler=_poll)


def _poll(args: argparse.Namespace) -> int:
    from bot.core.settings import Settings
    from bot.engine.channels.settings import TelegramSettings
    from bot.engine.channels.telegram_poll import WEBHOOK_PATH, PollerError, poll

    logging.basicConfig(level=logging.INFO, format="%(asctime)s telegram-poller %(message)s")
    telegram = TelegramSettings.from_env()
    if telegram is None:
        print("Telegram is not configured: set TELEGRAM_BOT_TOKEN.", file=sys.stderr)
        return 2
    webhook_url = Settings.from_env().rasa_url + WEBHOOK_PATH
    print(f"Polling Telegram for updates; delivering them to {webhook_url}.", flush=True)
    try:
        asyncio.run(poll(telegram, webhook_url, max(0, args.timeout)))
    except PollerError as exc:
        print(f"Telegram poller stopped: {exc}", file=sys.stderr)
        return 1
    print("Telegram poller stopped.")
    return 0
