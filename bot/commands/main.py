"""The root of the operators' command line: ``python -m bot COMMAND ...``.

Builds one argument parser from the command groups listed in :data:`COMMANDS`, runs the
chosen command's handler and turns a settings or database problem into a clear message
and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.exc import OperationalError

from bot.commands import common
from bot.core.settings import SettingsError

Handler = Callable[[argparse.Namespace], int]
Registrar = Callable[[Any], None]

#: Command groups, in the order ``--help`` lists them: ``"module:function"``.
COMMANDS: list[str] = [
    "bot.commands.db:register",
    "bot.commands.shipments:register",
    "bot.commands.demo:register",
    "bot.commands.leads:register",
    "bot.commands.kb:register",
    "bot.commands.rates:register",
    "bot.commands.run:register",
    "bot.commands.replicas:register",
    "bot.commands.telegram:register",
    "bot.commands.complaints:register",
    "bot.commands.users:register",
    "bot.commands.console:register",
    "bot.commands.kpi:register",
    "bot.commands.customers:register",
]


def _load(spec: str) -> Registrar:
    module_name, _, attribute = spec.partition(":")
    registrar: Registrar = getattr(importlib.import_module(module_name), attribute)
    return registrar


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser with every command group in :data:`COMMANDS`."""
    parser = argparse.ArgumentParser(
        prog="python -m bot",
        description="Freight Desk operations: database, shipments, demo data and leads. "
        "Settings come from the environment (DATABASE_URL, FREIGHTDESK_TIMEZONE, ...). "
        "Run `python -m bot COMMAND --help` for a command's options.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for spec in COMMANDS:
        _load(spec)(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Args:
        argv: arguments without the program name; default ``sys.argv[1:]``.

    Returns:
        The exit code: 0 on success, 1 when the command failed, 2 when the database must
        be migrated first or the settings are wrong.
    """
    from bot.domain import logmask

    # Workers and the console run as CLI commands: none of them logs a contact in clear.
    logmask.install()
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except SettingsError as exc:
        print(f"Settings problem: {exc}", file=sys.stderr)
        return common.EXIT_NOT_READY
    except OperationalError as exc:
        print(
            f"Cannot use the database: {exc.orig}. Check DATABASE_URL and that the database "
            "server is running.",
            file=sys.stderr,
        )
        return common.EXIT_NOT_READY
