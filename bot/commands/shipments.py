"""``python -m bot shipments import|show|notify``: load status events, look a shipment up,
run the worker that tells subscribed customers about their shipments."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from bot.commands import common


def register(subparsers: Any) -> None:
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
    do_import.set_defaults(handler=_import)
    show = actions.add_parser(
        "show",
        help="show a shipment as a customer would see it",
        description="Show a shipment's tracking reply, as the assistant would send it.",
    )
    show.add_argument("number", metavar="NUMBER", help="tracking number, in any spelling")
    show.set_defaults(handler=_show)
    notify = actions.add_parser(
        "notify",
        help="send subscribed customers the shipment notices that are due",
        description="The notice worker: sends the outbox's due shipment notices to each "
        "customer's channel in their language, once each, retrying failures on later passes.",
    )
    notify.add_argument("--interval", type=float, default=5.0, help="seconds between passes")
    notify.add_argument("--once", action="store_true", help="make one pass and exit")
    notify.set_defaults(handler=_notify)
    figures = actions.add_parser(
        "notices",
        help="what the shipment notices did over the last days",
        description="Shipment notices written in the last DAYS days: sent by kind, "
        "exceptions told proactively, not sent (updates stopped), waiting, failing; and "
        "subscriptions started.",
    )
    figures.add_argument("--days", type=int, default=7, help="how many days back (7)")
    figures.set_defaults(handler=_notices)


def _import(args: argparse.Namespace) -> int:
    from bot.domain.shipment_import import import_csv
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


def _show(args: argparse.Namespace) -> int:
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


def _notify(args: argparse.Namespace) -> int:
    import logging
    import signal
    import threading
    from datetime import datetime, timezone

    from bot.domain.shipment_updates.delivery import deliver
    from bot.engine.rasa_client import client_from_settings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    settings = common.settings()
    engine = common.ready_engine(settings)
    if engine is None:
        return common.EXIT_NOT_READY
    rasa = client_from_settings(settings)
    stop = threading.Event()

    def _on_signal(_signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    while not stop.is_set():
        try:
            for sent in deliver(engine, rasa, now=datetime.now(timezone.utc), tz=settings.tz):
                logging.info("shipment notice %s: %s %s", sent.notice_id, sent.outcome, sent.detail)
        except Exception:  # a database outage must not end the worker; the next pass retries
            logging.exception("shipment notice pass failed")
        if args.once:
            break
        stop.wait(max(0.5, args.interval))
    return common.EXIT_OK


def _notices(args: argparse.Namespace) -> int:
    from datetime import datetime, timedelta, timezone

    from bot.domain.shipment_updates.figures import notice_figures
    from bot.storage.db import session_scope

    engine = common.ready_engine(common.settings())
    if engine is None:
        return common.EXIT_NOT_READY
    end = datetime.now(timezone.utc)
    with session_scope(engine) as session:
        figures = notice_figures(session, end - timedelta(days=max(1, args.days)), end)
    sent = ", ".join(f"{kind} {count}" for kind, count in sorted(figures.sent.items())) or "none"
    print(f"Shipment notices, last {max(1, args.days)} day(s):")
    print(f"  sent: {sum(figures.sent.values())} ({sent})")
    print(f"  exceptions and holds told proactively: {figures.exceptions_notified}")
    print(f"  not sent (customer stopped updates): {figures.not_sent}")
    print(f"  waiting: {figures.waiting} (failing: {figures.failing})")
    print(f"  subscriptions started: {figures.subscriptions}")
    return common.EXIT_OK
