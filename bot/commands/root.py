"""Command line for staff and operators: ``python -m bot COMMAND ...``.

Adding a command
----------------
Each command group lives with the code it drives and is listed in :data:`COMMANDS`.
A group is a function ``register(subparsers)`` that adds its sub-parser(s) and sets
``handler`` on each: ``parser.set_defaults(handler=fn)``, where ``fn(args) -> int``
returns the exit code. To add ``run``, ``kb check``, ``complaints``, ``users`` or
``kpi``, write such a function in your module and add ``"your.module:register"`` to
:data:`COMMANDS`. Every group's module is imported to build ``--help``, so keep heavy
imports (Rasa, spaCy) inside the handler, where only that command pays for them.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.exc import OperationalError

from bot.commands import common
from bot.core.settings import SettingsError

Handler = Callable[[argparse.Namespace], int]
Registrar = Callable[[Any], None]

#: Command groups, in the order ``--help`` lists them: ``"module:function"``.
COMMANDS: list[str] = [
    "bot.commands.root:register_db",
    "bot.commands.root:register_shipments",
    "bot.commands.root:register_seed_demo",
    "bot.commands.root:register_leads",
    "bot.ops.stack:register",
    "bot.commands.telegram:register",
    "bot.domain.complaints.service:register",
    "bot.domain.users:register",
    "bot.console.app:register",
    "bot.commands.kpi:register",
    "bot.domain.privacy:register",
]

# -- db ---------------------------------------------------------------------------------


def register_db(subparsers: Any) -> None:
    """Add ``db upgrade``."""
    parser = subparsers.add_parser(
        "db",
        help="manage the database schema",
        description="Manage the database schema (Alembic migrations in bot/migrations).",
    )
    actions = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade = actions.add_parser(
        "upgrade",
        help="create or migrate the tables to the newest revision",
        description="Create the tables, or migrate them to the newest revision. Safe to "
        "run again: an up-to-date database is left as it is.",
    )
    upgrade.set_defaults(handler=_db_upgrade)


def _db_upgrade(_args: argparse.Namespace) -> int:
    from bot.storage import db

    settings = common.settings()
    db.upgrade(settings.database_url)
    print(
        f"Database {db.display_url(settings.database_url)} is at revision "
        f"{db.head_revision()} (newest)."
    )
    return common.EXIT_OK


# -- shipments --------------------------------------------------------------------------


def register_shipments(subparsers: Any) -> None:
    """Add ``shipments import`` and ``shipments show``."""
    parser = subparsers.add_parser(
        "shipments",
        help="import status events and look up shipments",
        description="Import shipment status events and look up shipments.",
    )
    actions = parser.add_subparsers(dest="shipments_command", metavar="ACTION", required=True)
    do_import = actions.add_parser(
        "import",
        help="import status events from a CSV file",
        description="Import status events from a CSV file, one row per event. Columns: "
        "tracking_number, mode, service, origin, destination, status, location, "
        "occurred_at (ISO 8601 with offset), description; optional eta, account, pieces, "
        "weight_kg. A shipment with a bad row is skipped and the row reported; importing "
        "the same file again adds nothing. Exits with 1 if any row was rejected.",
    )
    do_import.add_argument("file", type=Path, metavar="FILE.csv", help="the CSV file")
    do_import.set_defaults(handler=_shipments_import)
    show = actions.add_parser(
        "show",
        help="show a shipment as a customer would see it",
        description="Show a shipment's tracking reply, as the assistant would send it.",
    )
    show.add_argument("number", metavar="NUMBER", help="tracking number, in any spelling")
    show.set_defaults(handler=_shipments_show)


def _shipments_import(args: argparse.Namespace) -> int:
    from bot.domain.shipments import import_csv
    from bot.storage.db import session_scope

    path: Path = args.file
    if not path.is_file():
        print(f"No such file: {path}", file=sys.stderr)
        return common.EXIT_FAILED
    engine = common.ready_engine(common.settings())
    if engine is None:
        return common.EXIT_NOT_READY
    with session_scope(engine) as session:
        report = import_csv(session, path)
    print(f"Imported {path}: {report.summary()}")
    for error in report.errors:
        print(f"  {error}", file=sys.stderr)
    return common.EXIT_OK if report.ok else common.EXIT_FAILED


def _shipments_show(args: argparse.Namespace) -> int:
    from bot.domain.shipments import find_shipment, format_shipment
    from bot.domain.tracking import check_tracking_number
    from bot.storage.db import session_scope

    settings = common.settings()
    parsed = check_tracking_number(args.number)
    if parsed is None:
        print(f"{args.number!r} is not a tracking number we recognise.", file=sys.stderr)
        return common.EXIT_FAILED
    if not parsed.valid:
        print(parsed.problem, file=sys.stderr)
        return common.EXIT_FAILED
    engine = common.ready_engine(settings)
    if engine is None:
        return common.EXIT_NOT_READY
    with session_scope(engine) as session:
        view = find_shipment(session, parsed.number)
    if view is None:
        print(f"No shipment with number {parsed.number}.", file=sys.stderr)
        return common.EXIT_FAILED
    print(format_shipment(view, settings.tz))
    return common.EXIT_OK


# -- seed-demo --------------------------------------------------------------------------


def register_seed_demo(subparsers: Any) -> None:
    """Add ``seed-demo``."""
    parser = subparsers.add_parser(
        "seed-demo",
        help="migrate the database and load the demo shipments",
        description="Migrate the database, then load the demo shipments from "
        "bot/domain/demo_data/shipments.csv. Running it again adds nothing.",
    )
    parser.set_defaults(handler=_seed_demo)


def _seed_demo(_args: argparse.Namespace) -> int:
    from bot.domain.demo import seed_demo
    from bot.storage import db

    settings = common.settings()
    db.upgrade(settings.database_url)
    with db.session_scope(db.get_engine(settings.database_url)) as session:
        report = seed_demo(session)
    if not report.ok:
        print(f"Demo data is broken: {report.summary()}", file=sys.stderr)
        for error in report.errors:
            print(f"  {error}", file=sys.stderr)
        return common.EXIT_FAILED
    if report.created or report.updated or report.events_added:
        print(f"Demo data added: {report.summary()}")
    else:
        print("Demo data was already there; nothing added.")
    return common.EXIT_OK


# -- leads ------------------------------------------------------------------------------


def register_leads(subparsers: Any) -> None:
    """Add ``leads list``."""
    parser = subparsers.add_parser(
        "leads",
        help="sales leads from quotes",
        description="Sales leads left by customers who asked for a quote.",
    )
    actions = parser.add_subparsers(dest="leads_command", metavar="ACTION", required=True)
    do_list = actions.add_parser(
        "list",
        help="list the newest leads",
        description="List the newest leads first. Contacts are masked unless --unmask is "
        "given, so the list can be shown on a shared screen.",
    )
    do_list.add_argument("--status", help="only leads with this status, e.g. new")
    do_list.add_argument(
        "--limit", type=int, default=50, help="at most this many leads (default 50)"
    )
    do_list.add_argument(
        "--unmask", action="store_true", help="show contacts in full, to follow them up"
    )
    do_list.set_defaults(handler=_leads_list)


def _leads_list(args: argparse.Namespace) -> int:
    from bot.domain.leads import list_leads
    from bot.storage.db import session_scope

    settings = common.settings()
    engine = common.ready_engine(settings)
    if engine is None:
        return common.EXIT_NOT_READY
    with session_scope(engine) as session:
        leads = list_leads(session, status=args.status, limit=max(1, args.limit))
    if not leads:
        print("No leads yet.")
        return common.EXIT_OK
    for lead in leads:
        created = lead.created_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M")
        contact = lead.contact if args.unmask else lead.masked_contact
        route = " to ".join(part for part in (lead.origin, lead.destination) if part)
        quote = (
            f"{lead.currency or ''} {lead.quoted_amount:,.2f}".strip()
            if lead.quoted_amount is not None
            else ""
        )
        details = ", ".join(
            part for part in (lead.company, lead.mode, route, quote, lead.channel) if part
        )
        print(f"#{lead.id} {created} [{lead.status}] {lead.name} <{contact}> {details}")
    return common.EXIT_OK


# -- entry point ------------------------------------------------------------------------


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
