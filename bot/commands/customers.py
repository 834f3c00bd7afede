"""``python -m bot customers forget|purge``: customers' personal data (docs/security.md).

The operations are :func:`bot.domain.privacy.forget` and :func:`bot.domain.privacy.purge`;
this module finds Rasa's stores for them. In the production profile, with no
``--endpoints``, the tracker store is the profile's PostgreSQL database
(:mod:`bot.ops.profiles`); otherwise the endpoints file says, as Rasa reads it
(:mod:`bot.engine.rasa_stores`).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from bot.commands import common
from bot.core.settings import Settings

DAY_S = 24 * 3600
RETRY_S = 3600


def register(subparsers: Any) -> None:
    """Add ``customers forget`` and ``customers purge``."""
    parser = subparsers.add_parser(
        "customers",
        help="customers' personal data: forget one customer, apply the retention policy",
        description="Customers' personal data (docs/security.md). Rasa's stores are found "
        "from endpoints.yml (or FREIGHTDESK_ENDPOINTS), as Rasa finds them.",
    )
    actions = parser.add_subparsers(dest="customers_command", metavar="ACTION", required=True)
    do_forget = actions.add_parser(
        "forget",
        help="delete one customer's personal data everywhere",
        description="Delete one customer's personal data: their conversations in Rasa's "
        "tracker store and event broker, leads, complaint descriptions/contacts/notes, "
        "survey comments, handoff transcripts; KPI facts stay under a random pseudonym. "
        "ID is a sender id (user-123, web:..., telegram:...) or an email address or phone "
        "number the customer gave, which also finds their other conversations. Prints "
        "what it removed.",
    )
    do_forget.add_argument("identifier", metavar="ID", help="sender id, email or phone")
    do_forget.add_argument("--endpoints", type=Path, default=None, help="Rasa endpoints file")
    do_forget.set_defaults(handler=_forget)
    do_purge = actions.add_parser(
        "purge",
        help="apply config/retention.yml once (or daily with --daily)",
        description="Remove personal data older than config/retention.yml allows; KPI "
        "facts are kept. With --daily, repeat every 24 hours until Ctrl-C or SIGTERM (the "
        "worker `make run` starts).",
    )
    do_purge.add_argument("--daily", action="store_true", help="run now and every 24 hours")
    do_purge.add_argument("--endpoints", type=Path, default=None, help="Rasa endpoints file")
    do_purge.set_defaults(handler=_purge)


def _rasa_engines(settings: Settings, endpoints: Path | None) -> dict[str, Engine]:
    """Engines of Rasa's SQL stores, by label ("tracker store", "event broker")."""
    import os

    from bot.engine.rasa_stores import open_stores, rasa_store_urls

    if settings.profile == "production" and endpoints is None:
        from bot.ops.profiles import tracker_database_url

        # The production profile writes its endpoints at start; its tracker store is
        # PostgreSQL and its broker RabbitMQ (consumed, so nothing of ours stays there).
        # Only the URL is read: this worker is not given the servers' secrets.
        urls = {"tracker store": tracker_database_url(os.environ)}
    else:
        urls = rasa_store_urls(settings, endpoints)
    return open_stores(urls)


def _forget(args: argparse.Namespace) -> int:
    from bot.domain.privacy import forget
    from bot.storage.db import display_url, session_scope

    settings = common.settings()
    engine = common.ready_engine(settings)
    if engine is None:
        return common.EXIT_NOT_READY
    rasa = _rasa_engines(settings, args.endpoints)
    with session_scope(engine) as session:
        senders, report = forget(session, args.identifier, rasa)
    if settings.rabbitmq_url:
        report.add(
            "parked event messages deleted", _forget_parked(settings, args.identifier, senders)
        )
    stores = ", ".join(f"{k} {display_url(str(e.url))}" for k, e in rasa.items()) or "none"
    print(f"Forgot {', '.join(sorted(senders))} (Rasa stores: {stores}).")
    print("\n".join(report.lines()) if report.total else "  nothing stored for this customer")
    return common.EXIT_OK


def _forget_parked(settings: Settings, identifier: str, senders: set[str]) -> int:
    """Delete the customer's messages parked in the KPI consumer's poison queue."""
    import asyncio

    from bot.domain.contacts import parse_contact
    from bot.engine.eventstream.rabbitmq import forget_in_poison_queue

    contact = parse_contact(identifier)
    contacts = {contact.value} if contact is not None else set()
    return asyncio.run(
        forget_in_poison_queue(settings.rabbitmq_url, settings.rabbitmq_queue, senders, contacts)
    )


def _purge(args: argparse.Namespace) -> int:
    import logging
    import signal
    import threading

    from bot.domain.privacy import Retention, purge
    from bot.storage.db import session_scope
    from bot.storage.models import utcnow

    settings = common.settings()
    retention = Retention.load()
    engine = common.ready_engine(settings)
    if engine is None:
        return common.EXIT_NOT_READY
    stop = threading.Event()
    if args.daily:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
    while True:
        try:
            with session_scope(engine) as session:
                report = purge(session, retention, _rasa_engines(settings, args.endpoints))
        except Exception as exc:
            if not args.daily:
                raise
            # The worker lives beside the servers: a busy or briefly unreachable database
            # must not end it (or, through the runner, the whole stack). Try again soon.
            logging.getLogger(__name__).exception("retention purge failed; retrying in 1 hour")
            print(f"Retention purge failed ({exc}); retrying in 1 hour.", flush=True)
            if stop.wait(RETRY_S):
                return common.EXIT_OK
            continue
        print(f"{utcnow():%Y-%m-%d %H:%M} UTC retention purge:", flush=True)
        print("\n".join(report.lines()) if report.total else "  nothing had expired", flush=True)
        if not args.daily or stop.wait(DAY_S):
            return common.EXIT_OK
