"""``python -m bot db upgrade``: create or migrate the project's tables (Alembic)."""

from __future__ import annotations

import argparse
from typing import Any

from bot.commands import common


def register(subparsers: Any) -> None:
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
    upgrade.set_defaults(handler=_upgrade)


def _upgrade(_args: argparse.Namespace) -> int:
    from bot.storage import db

    settings = common.settings()
    db.upgrade(settings.database_url)
    print(
        f"Database {db.display_url(settings.database_url)} is at revision "
        f"{db.head_revision()} (newest)."
    )
    return common.EXIT_OK
