"""The managers' dashboard at scale: the same 1M surveys, 1M conversations, 200k handoffs
and 100k complaints as ``bench.kpi``, loaded the same way and rolled up (``kpi rollups
backfill``, as the event-stream consumer keeps them), then each dashboard page's queries
timed on SQLite and PostgreSQL (a month, as the dashboard shows by default) and the KPI
report over the year, whole and sliced.

``python -m bench.dashboard`` (``--sqlite-only`` or ``--postgresql-only`` for one
backend; ``--url URL`` times a database already loaded and rolled up; ``--month-only``
rolls up October and November only and times the month's pages, not the year's
report). Figures are printed, never asserted.
"""

from __future__ import annotations

import os
import secrets
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from psycopg2 import sql
from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench.kpi import PG_ADMIN_URL, _pg_admin, load_postgres, load_sqlite
from bot.domain.kpi import conversations as log
from bot.domain.kpi import rollups
from bot.domain.kpi.dashboard import Filters, agent_rows, distinct_values, tiles, trends
from bot.domain.kpi.languages import language_rows
from bot.domain.kpi.pdf_fonts import FontMissing
from bot.domain.kpi.report import build_report
from bot.domain.kpi.review import build_review, parse_period, render_pdf
from bot.storage import db

HK = ZoneInfo("Asia/Hong_Kong")
START, END = date(2026, 11, 1), date(2026, 11, 30)
#: The first day of the month before, which the tiles compare with.
PREVIOUS_START = date(2026, 10, 1)
YEAR_START, YEAR_END = date(2026, 1, 1), date(2026, 12, 31)
TARGET_S = 1.0


def _time(label: str, name: str, url: str, work: Callable[[Any], Any]) -> Any:
    engine = db.make_engine(url)
    try:
        with db.session_scope(engine) as session:
            started = time.perf_counter()
            try:
                result = work(session)
            except FontMissing as exc:
                print(f"  {label}: {name}: not run ({exc})", flush=True)
                return None
            elapsed = time.perf_counter() - started
    finally:
        engine.dispose()
    verdict = "ok" if elapsed < TARGET_S else "OVER TARGET"
    print(f"  {label}: {name}: {elapsed:.2f} s ({verdict})", flush=True)
    return result


def _export(session: Any) -> int:
    rows, after, total = [], None, 0
    while True:
        rows, after = log.export_batch(session, START, END, HK, after=after, limit=2000)
        total += len(log.csv_text(rows))
        if after is None:
            return total


def roll_up(url: str, label: str, month_only: bool = False) -> None:
    """Roll up every day of the loaded data (with ``month_only``, the pages' month and the
    month before), as the consumer keeps the rollups."""
    engine = db.make_engine(url)
    span = (PREVIOUS_START, END) if month_only else (None, None)
    try:
        with db.session_scope(engine) as session:
            started = time.perf_counter()
            days = rollups.backfill(session, HK, *span)
        if engine.dialect.name == "postgresql":
            # What autovacuum does after the backfill: the visibility map that lets the
            # histograms' covering index answer without reading the table.
            with engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                    text("VACUUM kpi_rollup_histograms, kpi_rollup_sums")
                )
        print(
            f"  {label}: kpi rollups backfill: {days} days in {time.perf_counter() - started:.0f} s"
        )
    finally:
        engine.dispose()


def time_pages(url: str, label: str, month_only: bool = False) -> None:
    """Time what each dashboard page asks of the database, for November 2026, and the
    year's KPI report whole and sliced (not with ``month_only``)."""
    month = parse_period("2026-11")
    cases: list[tuple[str, Callable[[Any], Any]]] = [
        *(
            (
                f"kpi report, year{f' by {by}' if by else ''}",
                lambda s, by=by: build_report(s, YEAR_START, YEAR_END, HK, by),
            )
            for by in (None, "channel", "agent", "team", "account", "language")
        ),
        # The KPI report of the month, for comparison on the same machine and moment.
        ("baseline: kpi report, month", lambda s: build_report(s, START, END, HK)),
        (
            "dashboard tiles, month with previous month",
            lambda s: tiles(s, START, END, HK, with_previous=True),
        ),
        ("dashboard trends, month by day", lambda s: trends(s, START, END, HK)),
        (
            "dashboard tiles + trends, channel filter",
            lambda s: (
                tiles(s, START, END, HK, Filters(channel="telegram"), with_previous=True),
                trends(s, START, END, HK, Filters(channel="telegram")),
            ),
        ),
        (
            "dashboard tiles, key account (handoffs, complaints by their recorded account)",
            lambda s: tiles(s, START, END, HK, Filters(account="ACME"), with_previous=True),
        ),
        (
            "KPIs by language (the dashboard's table), month",
            lambda s: language_rows(s, START, END, HK),
        ),
        (
            "dashboard tiles, language filter (handoffs, complaints via the facts)",
            lambda s: tiles(s, START, END, HK, Filters(language="zh"), with_previous=True),
        ),
        ("filter menus (distinct values)", distinct_values),
        ("per-agent table, month", lambda s: agent_rows(s, START, END, HK)),
        ("an agent's own figures", lambda s: tiles(s, START, END, HK, Filters(agent="agent07"))),
        ("conversation log, page 1", lambda s: log.search(s, START, END, HK)),
        (
            "conversation log, handed off, intent complain, page 20",
            lambda s: log.search(
                s, START, END, HK, intent="complain", outcome="handed_off", page=20
            ),
        ),
        ("survey comments, lowest CSAT first", lambda s: log.comments(s, START, END, HK)),
        ("service review, month", lambda s: build_review(s, month, HK)),
        (
            "service review PDF, key account",
            lambda s: render_pdf(build_review(s, month, HK, account="ACME"), HK),
        ),
    ]
    for name, work in cases:
        if not (month_only and name.startswith("kpi report, year")):
            _time(label, name, url, work)
    engine = db.make_engine(url)
    try:
        with db.session_scope(engine) as session:
            started = time.perf_counter()
            size = _export(session)
            elapsed = time.perf_counter() - started
    finally:
        engine.dispose()
    print(f"  {label}: CSV export, month ({size / 1e6:.1f} MB): {elapsed:.2f} s")
    print(f"  {label}: load average {' '.join(f'{n:.1f}' for n in os.getloadavg())}")


def main() -> None:
    """Load the data on SQLite and on PostgreSQL (or one of them) and time the pages."""
    print(f"load average {' '.join(f'{n:.1f}' for n in os.getloadavg())}", flush=True)
    month_only = "--month-only" in sys.argv
    if "--url" in sys.argv:
        time_pages(sys.argv[sys.argv.index("--url") + 1], "given database", month_only)
        return
    if "--postgresql-only" not in sys.argv:
        with tempfile.TemporaryDirectory(prefix="dash-bench-") as folder:
            path = Path(folder) / "kpi.db"
            url = f"sqlite:///{path}"
            db.upgrade(url)
            load_sqlite(path)
            roll_up(url, "sqlite", month_only)
            time_pages(url, "sqlite", month_only)
            db.dispose_engines()
    if "--sqlite-only" in sys.argv:
        return
    name = f"freightdesk_dash_bench_{secrets.token_hex(4)}"
    admin = _pg_admin()
    try:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        db.upgrade(url)
        load_postgres(url)
        roll_up(url, "postgresql", month_only)
        time_pages(url, "postgresql", month_only)
    finally:
        db.dispose_engines()
        with admin.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        admin.close()


if __name__ == "__main__":
    main()
