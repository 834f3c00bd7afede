"""``python -m bot kpi report|targets set|review|consume``: KPI figures for managers."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from typing import Any

#: Where Rasa's SQL event broker writes, unless ``KPI_EVENT_BROKER_URL`` says otherwise.
BROKER_URL_ENV = "KPI_EVENT_BROKER_URL"


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-30") from None


def register(subparsers: Any) -> None:
    """Add ``kpi report``, ``kpi targets set``, ``kpi review`` and ``kpi consume`` to the
    operators' CLI."""
    from bot.kpi.formulas import DIMENSIONS, KPI_BY_CODE

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
        help="read new events from Rasa's SQL event broker into conversation facts",
        description="One pass over the `events` table of Rasa's SQL event broker "
        f"(${BROKER_URL_ENV}, default sqlite:///var/rasa_events.db), from where the last "
        "pass stopped. Events seen before change nothing.",
    )
    consume.add_argument("--broker-url", help=f"broker database URL (default ${BROKER_URL_ENV})")
    consume.set_defaults(handler=_consume)


def _report(args: argparse.Namespace) -> int:
    from bot.cli import EXIT_FAILED, EXIT_NOT_READY, EXIT_OK, _ready_engine, _settings
    from bot.db import session_scope
    from bot.kpi.report import build_report, format_report

    settings = _settings()
    engine = _ready_engine(settings)
    if engine is None:
        return EXIT_NOT_READY
    if args.end < args.start:
        print("--to is before --from: give the first day, then the last.", file=sys.stderr)
        return EXIT_FAILED
    with session_scope(engine) as session:
        report = build_report(session, args.start, args.end, settings.tz, args.by, args.period)
    if args.json:
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(format_report(report))
    return EXIT_OK


def _set_target(args: argparse.Namespace) -> int:
    from bot.cli import EXIT_FAILED, EXIT_NOT_READY, EXIT_OK, _ready_engine, _settings
    from bot.db import session_scope
    from bot.kpi.report import set_target

    engine = _ready_engine(_settings())
    if engine is None:
        return EXIT_NOT_READY
    try:
        with session_scope(engine) as session:
            set_target(
                session, args.code, args.value, args.amber, args.benchmark, args.source, args.period
            )
            _audit(session, args)
    except ValueError as exc:
        print(f"Target not saved: {exc}.", file=sys.stderr)
        return EXIT_FAILED
    amber = "" if args.amber is None else f", amber {args.amber:g}"
    print(f"Target for {args.code} ({args.period}) is now {args.value:g}{amber}.")
    return EXIT_OK


def _audit(session: Any, args: argparse.Namespace) -> None:
    """Record the change in the targets' audit trail, as the console's form does."""
    import getpass

    from bot.models import KpiTargetChange

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

    from bot.cli import EXIT_FAILED, EXIT_NOT_READY, EXIT_OK, _ready_engine, _settings
    from bot.db import session_scope
    from bot.kpi.review import build_review, parse_period, render_html, render_pdf

    try:
        period = parse_period(args.period)
    except ValueError as exc:
        print(f"No review made: {exc}.", file=sys.stderr)
        return EXIT_FAILED
    settings = _settings()
    engine = _ready_engine(settings)
    if engine is None:
        return EXIT_NOT_READY
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
        return EXIT_FAILED
    print(f"Service review {period.label} ({review.scope}) written to {out}.")
    return EXIT_OK


def _consume(args: argparse.Namespace) -> int:
    from sqlalchemy import inspect

    from bot.cli import EXIT_FAILED, EXIT_NOT_READY, EXIT_OK, _ready_engine, _settings
    from bot.db import display_url, make_engine
    from bot.kpi.events import BROKER_EVENTS, consume_sql_broker

    settings = _settings()
    engine = _ready_engine(settings)
    if engine is None:
        return EXIT_NOT_READY
    url = (
        args.broker_url
        or os.environ.get(BROKER_URL_ENV)
        or f"sqlite:///{settings.var_dir / 'rasa_events.db'}"
    )
    broker = make_engine(url)
    try:
        if not inspect(broker).has_table(BROKER_EVENTS.name):
            print(
                f"No Rasa event table at {display_url(url)}: configure the SQL event broker "
                "in endpoints.yml (event_broker: type SQL) and start Rasa, then try again.",
                file=sys.stderr,
            )
            return EXIT_FAILED
        result = consume_sql_broker(engine, broker)
    finally:
        broker.dispose()
    print(
        f"Read {result.read} events ({result.applied} new); "
        f"the next pass starts after event {result.position}."
    )
    return EXIT_OK
