"""``python -m bot seed-demo``: migrate the database and load the demo shipments."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from bot.commands import common


def register(subparsers: Any) -> None:
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
