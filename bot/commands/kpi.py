"""``python -m bot kpi report|targets set|review|consume|rollups``: KPI figures for managers."""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from collections.abc import Callable
from datetime import date
from typing import Any

from bot.core.settings import KPI_EVENTS_QUEUE, POISON_QUEUE_SUFFIX

#: Where Rasa's SQL event broker writes, unless ``KPI_EVENT_BROKER_URL`` says otherwise.
BROKER_URL_ENV = "KPI_EVENT_BROKER_URL"
#: The RabbitMQ server of Rasa's Pika event broker (production profile).
RABBITMQ_URL_ENV = "FREIGHTDESK_RABBITMQ_URL"
#: The queue to read, when not :data:`bot.core.settings.KPI_EVENTS_QUEUE`.
RABBITMQ_QUEUE_ENV = "FREIGHTDESK_RABBITMQ_QUEUE"
#: Without --follow, the RabbitMQ consumer ends after this many seconds without a message.
RABBITMQ_IDLE_S = 2.0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-30") from None


def register(subparsers: Any) -> None:
    """Add ``kpi report``, ``kpi targets set``, ``kpi review`` and ``kpi consume`` to the
    operators' CLI."""
    from bot.domain.kpi.formulas import DIMENSIONS, KPI_BY_CODE

    parser = subparsers.add_parser(
        "kpi",
        help="KPI report, targets and event consumption",
        description="Service KPIs: the report against targets and benchmarks, managers' "
        "targets, and one pass over Rasa's SQL event broker.",
    )
    actions = parser.add_subparsers(dest="kpi_command", metavar="ACTION", required=True)

    report = actions.add_parser(
        "report",
        help="every KPI for a period against its target (green/amber/red) and benchmark",
        description="Every KPI for the days --from to --to (both included, counted in the "
        "service centre's time zone), graded against its target. Formulas: docs/kpis.md.",
    )
    report.add_argument("--from", dest="start", type=_day, required=True, metavar="YYYY-MM-DD")
    report.add_argument("--to", dest="end", type=_day, required=True, metavar="YYYY-MM-DD")
    report.add_argument("--by", choices=DIMENSIONS, help="slice the figures by this dimension")
    report.add_argument("--period", default="all", help="label of the targets to use")
    report.add_argument("--json", action="store_true", help="print JSON instead of a table")
    report.set_defaults(handler=_report)

    rollups = actions.add_parser(
        "rollups",
        help="roll up the conversation and survey KPIs per day (backfill or refresh)",
        description="The KPI report reads whole days from daily rollups (docs/kpis.md). "
        "`backfill` rolls up every day with facts (or --from to --to), e.g. after the "
        "upgrade that adds them; `refresh` rolls up again the days changed since (the "
        "event consumer does this after each batch).",
    )
    rollups.add_argument("rollups_command", choices=("backfill", "refresh"))
    rollups.add_argument("--from", dest="start", type=_day, metavar="YYYY-MM-DD")
    rollups.add_argument("--to", dest="end", type=_day, metavar="YYYY-MM-DD")
    rollups.set_defaults(handler=_rollups)

    targets = actions.add_parser("targets", help="managers' KPI targets")
    target_actions = targets.add_subparsers(dest="targets_command", metavar="ACTION", required=True)
    do_set = target_actions.add_parser(
        "set",
        help="set a KPI's target, amber threshold and benchmark",
        description=f"Set a KPI's target. KPI codes: {', '.join(KPI_BY_CODE)}.",
    )
    do_set.add_argument("code", choices=list(KPI_BY_CODE), metavar="CODE")
    do_set.add_argument("value", type=float, metavar="VALUE")
    do_set.add_argument("--amber", type=float, help="amber threshold (missed target, not red)")
    do_set.add_argument("--benchmark", type=float, help="competitor or industry figure")
    do_set.add_argument("--source", help="where the benchmark comes from (required with it)")
    do_set.add_argument("--period", default="all", help="label of the period (default: all)")
    do_set.set_defaults(handler=_set_target)

    review = actions.add_parser(
        "review",
        help="the service review of a week or month as HTML or PDF",
        description="The periodic service review for review meetings: KPIs against target "
        "and benchmark with the change from the previous period, volumes, the top complaint "
        "categories and their follow-up record, notable comments. --account makes the "
        "per-account review for a key customer.",
    )
    review.add_argument(
        "--period", required=True, metavar="PERIOD", help="a month (2026-11) or a week (2026-W47)"
    )
    review.add_argument("--format", choices=("html", "pdf"), default="html")
    review.add_argument("--out", required=True, metavar="FILE", help="file to write")
    review.add_argument("--account", help="a key customer account (per-account review)")
    review.set_defaults(handler=_review)

    consume = actions.add_parser(
        "consume",
        help="read new Rasa events (SQL event broker or RabbitMQ) into conversation facts",
        description="Fold Rasa's events into conversation facts. By default one pass over "
        f"the `events` table of Rasa's SQL event broker (--broker-url, ${BROKER_URL_ENV}, "
        "default sqlite:///var/rasa_events.db) from where the last pass stopped; with "
        f"--rabbitmq, the queue of Rasa's Pika event broker (${RABBITMQ_URL_ENV}, queue "
        f"${RABBITMQ_QUEUE_ENV} or {KPI_EVENTS_QUEUE}) until it is empty. --follow keeps "
        "going until SIGTERM or Ctrl-C. Events seen before change nothing.",
    )
    consume.add_argument("--broker-url", help=f"broker database URL (default ${BROKER_URL_ENV})")
    consume.add_argument(
        "--rabbitmq",
        nargs="?",
        const="",
        metavar="URL",
        help=f"consume from RabbitMQ (URL default ${RABBITMQ_URL_ENV}; "
        "amqp://user:password@host:5672/vhost)",
    )
    consume.add_argument("--queue", help=f"RabbitMQ queue (default {KPI_EVENTS_QUEUE})")
    consume.add_argument(
        "--follow", action="store_true", help="keep consuming until SIGTERM or Ctrl-C"
    )
    consume.add_argument(
        "--interval",
        type=float,
        default=1.0,
        help="seconds between passes over the SQL broker with --follow (default 1)",
    )
    consume.set_defaults(handler=_consume)


def _report(args: argparse.Namespace) -> int:
    from bot.commands import common
    from bot.domain.kpi.report import build_report, format_report
    from bot.storage.db import session_scope

    settings = common.settings()
    engine = common.ready_engine(settings)
    if engine is None:
        return common.EXIT_NOT_READY
    if args.end < args.start:
        print("--to is before --from: give the first day, then the last.", file=sys.stderr)
        return common.EXIT_FAILED
    with session_scope(engine) as session:
        report = build_report(session, args.start, args.end, settings.tz, args.by, args.period)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(format_report(report))
    return common.EXIT_OK


def _rollups(args: argparse.Namespace) -> int:
    from bot.commands import common
    from bot.domain.kpi import rollups
    from bot.storage.db import session_scope

    settings = common.settings()
    engine = common.ready_engine(settings)
    if engine is None:
        return common.EXIT_NOT_READY
    if args.start and args.end and args.end < args.start:
        print("--to is before --from: give the first day, then the last.", file=sys.stderr)
        return common.EXIT_FAILED
    with session_scope(engine) as session:
        if args.rollups_command == "backfill":
            days = rollups.backfill(session, settings.tz, args.start, args.end)
        else:
            days = rollups.refresh_stale(session, settings.tz)
    print(f"Rolled up {days} day(s).")
    return common.EXIT_OK


def _set_target(args: argparse.Namespace) -> int:
    from bot.commands import common
    from bot.domain.kpi.report import set_target
    from bot.storage.db import session_scope

    engine = common.ready_engine(common.settings())
    if engine is None:
        return common.EXIT_NOT_READY
    try:
        with session_scope(engine) as session:
            set_target(
                session, args.code, args.value, args.amber, args.benchmark, args.source, args.period
            )
            _audit(session, args)
    except ValueError as exc:
        print(f"Target not saved: {exc}.", file=sys.stderr)
        return common.EXIT_FAILED
    amber = "" if args.amber is None else f", amber {args.amber:g}"
    print(f"Target for {args.code} ({args.period}) is now {args.value:g}{amber}.")
    return common.EXIT_OK


def _audit(session: Any, args: argparse.Namespace) -> None:
    """Record the change in the targets' audit trail, as the console's form does."""
    import getpass

    from bot.storage.models import KpiTargetChange

    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    session.add(
        KpiTargetChange(
            code=args.code,
            period=args.period,
            target=args.value,
            amber=args.amber,
            benchmark=args.benchmark,
            benchmark_source=args.source if args.benchmark is not None else None,
            actor=f"cli:{user}"[:80],
        )
    )


def _review(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.commands import common
    from bot.domain.kpi.pdf_fonts import FontMissing
    from bot.domain.kpi.review import build_review, parse_period, render_html, render_pdf
    from bot.storage.db import session_scope

    try:
        period = parse_period(args.period)
    except ValueError as exc:
        print(f"No review made: {exc}.", file=sys.stderr)
        return common.EXIT_FAILED
    settings = common.settings()
    engine = common.ready_engine(settings)
    if engine is None:
        return common.EXIT_NOT_READY
    with session_scope(engine) as session:
        review = build_review(session, period, settings.tz, account=args.account)
    out = Path(args.out)
    try:
        if args.format == "pdf":
            out.write_bytes(render_pdf(review, settings.tz))
        else:
            out.write_text(render_html(review, settings.tz), encoding="utf-8")
    except OSError as exc:
        print(f"Could not write {out}: {exc.strerror or exc}.", file=sys.stderr)
        return common.EXIT_FAILED
    except FontMissing as exc:
        print(f"No PDF made: {exc}.", file=sys.stderr)
        return common.EXIT_FAILED
    print(f"Service review {period.label} ({review.scope}) written to {out}.")
    return common.EXIT_OK


def _consume(args: argparse.Namespace) -> int:
    from bot.commands import common
    from bot.storage.db import display_url, make_engine

    settings = common.settings()
    engine = make_engine(settings.database_url)
    try:
        if not _up_to_date(engine, settings.database_url):
            return common.EXIT_NOT_READY
        if args.rabbitmq is not None:
            url = args.rabbitmq or settings.rabbitmq_url
            if not url:
                print(
                    f"No RabbitMQ URL: give --rabbitmq URL or set ${RABBITMQ_URL_ENV}.",
                    file=sys.stderr,
                )
                return common.EXIT_FAILED
            return _consume_rabbitmq(args, engine, url, args.queue or settings.rabbitmq_queue)
        url = args.broker_url or settings.event_broker_url
        broker = make_engine(url)
        try:
            return _consume_sql(args, engine, broker, display_url(url))
        finally:
            broker.dispose()
    finally:
        engine.dispose()


def _up_to_date(engine: Any, url: str) -> bool:
    from bot.storage.db import display_url, is_up_to_date

    if is_up_to_date(engine):
        return True
    print(
        f"The database at {display_url(url)} is not up to date. "
        "Run `python -m bot db upgrade` first.",
        file=sys.stderr,
    )
    return False


def _stop_on_signals(stop: Callable[[], None]) -> None:
    """Make SIGTERM and SIGINT end the loop after the batch in hand, not mid-transaction."""
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda _signum, _frame: stop())


def _consume_sql(args: argparse.Namespace, engine: Any, broker: Any, where: str) -> int:
    from sqlalchemy import inspect

    from bot.commands import common
    from bot.engine.eventstream.facts import (
        BROKER_EVENTS,
        ConsumeResult,
        consume_sql_broker,
        follow_sql_broker,
    )

    if not args.follow:
        if not inspect(broker).has_table(BROKER_EVENTS.name):
            print(
                f"No Rasa event table at {where}: configure the SQL event broker "
                "in endpoints.yml (event_broker: type SQL) and start Rasa, then try again.",
                file=sys.stderr,
            )
            return common.EXIT_FAILED
        result = consume_sql_broker(engine, broker, tz=common.settings().tz)
        print(
            f"Read {result.read} events ({result.applied} new); "
            f"the next pass starts after event {result.position}."
        )
        return common.EXIT_OK

    def report(result: ConsumeResult) -> None:
        print(f"Read {result.read} events ({result.applied} new), up to event {result.position}.")

    stop = threading.Event()
    _stop_on_signals(stop.set)
    print(f"Following Rasa's SQL event broker at {where}; SIGTERM or Ctrl-C stops.", flush=True)
    total = follow_sql_broker(
        engine, broker, stop, args.interval, on_pass=report, tz=common.settings().tz
    )
    print(f"Stopped after {total.read} events ({total.applied} new).", flush=True)
    return common.EXIT_OK


def _consume_rabbitmq(args: argparse.Namespace, engine: Any, url: str, queue: str) -> int:
    import asyncio
    import contextlib

    from aiormq.exceptions import AMQPConnectionError

    from bot.commands import common
    from bot.engine.eventstream.rabbitmq import RabbitStats, consume_rabbitmq
    from bot.storage.db import display_url

    where = f"queue {queue} on {display_url(url)}"

    def report(stats: RabbitStats) -> None:
        print(
            f"Received {stats.received} messages: {stats.applied} new events, "
            f"{stats.seen_before} seen before, {stats.parked} parked.",
            flush=True,
        )

    async def run() -> RabbitStats:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        while True:
            try:
                return await consume_rabbitmq(
                    engine,
                    url,
                    queue,
                    stop=stop,
                    idle_timeout=None if args.follow else RABBITMQ_IDLE_S,
                    on_batch=report if args.follow else None,
                    tz=common.settings().tz,
                )
            except (OSError, AMQPConnectionError) as exc:
                if not args.follow:
                    raise
                # A worker waits for RabbitMQ rather than take the whole stack down.
                print(f"RabbitMQ unreachable ({exc}); trying again in 5 s.", flush=True)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), 5.0)
                if stop.is_set():
                    return RabbitStats()

    if args.follow:
        print(f"Following {where}; SIGTERM or Ctrl-C stops.", flush=True)
    try:
        stats = asyncio.run(run())
    except (OSError, AMQPConnectionError) as exc:
        print(f"Could not reach RabbitMQ ({where}): {exc}", file=sys.stderr)
        return common.EXIT_FAILED
    report(stats)
    if stats.parked:
        print(f"Messages that are not Rasa events are in {queue}{POISON_QUEUE_SUFFIX}.")
    return common.EXIT_OK
