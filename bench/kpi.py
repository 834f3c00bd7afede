"""KPI report at scale: 1M survey answers, 1M conversations, 100k complaints.

Fills a temporary SQLite file and a temporary PostgreSQL database (created and dropped
here) with generated rows by bulk insert (``executemany`` on SQLite, ``COPY`` on
PostgreSQL), then times the KPI report over a year and over one month, whole and sliced,
in process and through ``python -m bot kpi report``. Target: under 2 s on each backend.
Figures are printed, never asserted. PostgreSQL is expected where the tests expect it
(``FREIGHTDESK_TEST_PG_URL``, default postgres@127.0.0.1:5432, trust auth).
"""

from __future__ import annotations

import csv
import io
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg2
from psycopg2 import sql
from sqlalchemy import bindparam, insert, update
from sqlalchemy.dialects.postgresql import dialect as postgresql_dialect
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.schema import CreateIndex

from bot.core.settings import REPO_ROOT
from bot.domain.accounts import account_at
from bot.domain.kpi import rollups
from bot.domain.kpi.report import build_report
from bot.storage import db
from bot.storage.models import UTC, Base, Complaint, Handoff

SURVEYS = 1_000_000
CONVERSATIONS = 1_000_000
HANDOFFS = 200_000  # one conversation in five is handed to a person
COMPLAINTS = 100_000
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)
SECONDS_IN_YEAR = 365 * 86400
TARGET_S = 1.0
NULL = "\\N"
PG_ADMIN_URL = os.environ.get(
    "FREIGHTDESK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
CHANNELS = ("rest", "telegram", "webchat")
AGENTS = tuple(f"agent{n:02d}" for n in range(40))
TEAMS = ("sea", "air", "express", "complaints")
INTENTS = ("track_shipment", "ask_quote", "faq", "ask_term", "complain", "request_human")
ACCOUNTS = (None, None, None, "ACME", "GLOBEX", "INITECH", "UMBRELLA")
CATEGORIES = ("delay", "damage", "loss", "billing", "service")

Row = tuple[Any, ...]


def _stamp(rng: random.Random) -> datetime:
    return YEAR_START + timedelta(seconds=rng.randrange(SECONDS_IN_YEAR))


def _later(at: datetime | None, seconds: float) -> datetime | None:
    return None if at is None else at + timedelta(seconds=seconds)


def _language(n: int) -> str:
    """Two in five conversations in Chinese (without a draw, so the rows stay as before)."""
    return "zh" if n % 5 in (1, 3) else "en"


SURVEY_COLUMNS = [
    "response_id",
    "sender_id",
    "channel",
    "agent",
    "team",
    "complaint_reference",
    "service",
    "account",
    "csat",
    "fcr",
    "ces",
    "nps",
    "comment",
    "offered_at",
    "answered_at",
    "language",
]


def surveys(rng: random.Random) -> Iterator[Row]:
    """Survey rows: 80% answered, a third after an agent."""
    for n in range(SURVEYS):
        at = _stamp(rng)
        agent = rng.choice(AGENTS) if n % 3 == 0 else None
        answered = rng.random() < 0.8
        yield (
            f"r{n}",
            f"s{n}",
            rng.choice(CHANNELS),
            agent,
            rng.choice(TEAMS) if agent else None,
            None,
            rng.choice(INTENTS),
            rng.choice(ACCOUNTS),
            rng.randint(1, 5) if answered else None,
            (rng.random() < 0.75) if answered else None,
            rng.randint(1, 5) if answered else None,
            rng.randint(0, 10) if answered else None,
            None,
            at,
            at + timedelta(minutes=2) if answered else None,
            _language(n),
        )


FACT_COLUMNS = [
    "sender_id",
    "session_started_at",
    "channel",
    "first_event_at",
    "last_event_at",
    "first_user_at",
    "intents",
    "first_intent",
    "user_message_count",
    "fallback_count",
    "bot_first_response_ms",
    "handed_off",
    "agent",
    "team",
    "resolved",
    "account",
    "language",
]


def facts(rng: random.Random) -> Iterator[Row]:
    """Conversation sessions: one in five handed off."""
    for n in range(CONVERSATIONS):
        at = _stamp(rng)
        handed = n % 5 == 0
        intent = rng.choice(INTENTS)
        messages = rng.randint(1, 12)
        yield (
            f"c{n}",
            at,
            rng.choice(CHANNELS),
            at,
            at + timedelta(minutes=5),
            at + timedelta(seconds=1),
            intent,
            intent,
            messages,
            rng.randint(0, messages // 4),
            rng.randint(80, 3000),
            handed,
            rng.choice(AGENTS) if handed else None,
            rng.choice(TEAMS) if handed else None,
            None,
            rng.choice(ACCOUNTS),
            _language(n),
        )


HANDOFF_COLUMNS = [
    "sender_id",
    "channel",
    "reason",
    "team",
    "summary",
    "context",
    "status",
    "agent",
    "created_at",
    "taken_at",
    "first_agent_reply_at",
    "handed_back_at",
    "closed_at",
]


def handoffs(rng: random.Random) -> Iterator[Row]:
    """Handoffs: most taken, most of those answered and closed."""
    for n in range(HANDOFFS):
        at = _stamp(rng)
        taken = _later(at, rng.randint(5, 900)) if rng.random() < 0.95 else None
        reply = _later(taken, rng.randint(5, 300))
        closed = _later(reply, rng.randint(60, 3600))
        yield (
            f"c{n * 5}",
            rng.choice(CHANNELS),
            "request",
            rng.choice(TEAMS),
            "",
            "{}",
            "closed" if closed else "waiting",
            rng.choice(AGENTS) if taken else None,
            at,
            taken,
            reply,
            None,
            closed,
        )


COMPLAINT_COLUMNS = [
    "reference",
    "sender_id",
    "channel",
    "category",
    "severity",
    "description",
    "status",
    "assigned_to",
    "created_at",
    "updated_at",
    "due_at",
    "original_due_at",
    "resolution_due_at",
    "promise_kept",
    "resolved_at",
    "resolution_hours",
]


def complaints(rng: random.Random) -> Iterator[Row]:
    """Complaints: 90% with a follow-up on record, 85% resolved."""
    for n in range(COMPLAINTS):
        at = _stamp(rng)
        resolved = rng.random() < 0.85
        due = at + timedelta(hours=8)
        yield (
            f"CMP-2026-{n:06d}",
            f"k{n}",
            rng.choice(CHANNELS),
            rng.choice(CATEGORIES),
            "normal",
            "generated",
            "resolved" if resolved else "open",
            rng.choice(AGENTS),
            at,
            at,
            due,
            due,
            at + timedelta(days=3),
            (rng.random() < 0.9) if rng.random() < 0.9 else None,
            at + timedelta(hours=30) if resolved else None,
            round(rng.uniform(1, 60), 2) if resolved else None,
        )


TABLES: tuple[tuple[str, list[str], Callable[[random.Random], Iterator[Row]]], ...] = (
    ("survey_responses", SURVEY_COLUMNS, surveys),
    ("conversation_facts", FACT_COLUMNS, facts),
    ("handoffs", HANDOFF_COLUMNS, handoffs),
    ("complaints", COMPLAINT_COLUMNS, complaints),
)


def _sqlite_value(value: Any) -> Any:
    # UTCDateTime keeps naive UTC text on SQLite; bools are 0/1.
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ")
    if isinstance(value, bool):
        return int(value)
    return value


def _index_ddl(table: str, dialect: Dialect) -> tuple[list[str], list[str]]:
    """(DROP, CREATE) statements of ``table``'s indexes.

    A bulk load into a table with a dozen covering indexes updates every index row by
    row; loading bare and building each index once afterwards is many times faster.
    """
    indexes = sorted(Base.metadata.tables[table].indexes, key=lambda index: str(index.name))
    drops = [f'DROP INDEX IF EXISTS "{index.name}"' for index in indexes]
    creates = [str(CreateIndex(index).compile(dialect=dialect)) for index in indexes]
    return drops, creates


def load_sqlite(path: Path) -> None:
    """Bulk-insert every table into the SQLite file with executemany."""
    import sqlite3

    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=OFF")
        for table, columns, rows in TABLES:
            started = time.perf_counter()
            drops, creates = _index_ddl(table, sqlite_dialect())
            for statement in drops:
                connection.execute(statement)
            compiled = (
                insert(Base.metadata.tables[table])
                .values({name: bindparam(name) for name in columns})
                .compile(dialect=sqlite_dialect())
            )
            statement = str(compiled)
            order = [columns.index(name) for name in compiled.positiontup or ()]
            batch: list[Row] = []
            for row in rows(random.Random(table)):
                batch.append(tuple(_sqlite_value(row[index]) for index in order))
                if len(batch) == 50_000:
                    connection.executemany(statement, batch)
                    batch.clear()
            connection.executemany(statement, batch)
            for statement in creates:
                connection.execute(statement)
            connection.commit()
            print(f"  sqlite: {table} loaded and indexed in {time.perf_counter() - started:.1f} s")
        record_accounts(f"sqlite:///{path}", "sqlite")
        connection.execute("ANALYZE")
        connection.commit()
    finally:
        connection.close()


def record_accounts(url: str, label: str) -> None:
    """Give the loaded handoffs and complaints their customer's key account, as the
    writers record it and migration 0020 filled it in (the bulk load bypasses both)."""
    engine = db.make_engine(url)
    started = time.perf_counter()
    try:
        with engine.begin() as connection:
            for model in (Handoff, Complaint):
                connection.execute(
                    update(model).values(account=account_at(model.sender_id, model.created_at))
                )
    finally:
        engine.dispose()
    spent = time.perf_counter() - started
    print(f"  {label}: accounts of handoffs and complaints in {spent:.1f} s")


def load_postgres(url: str) -> None:
    """Bulk-load every table into the PostgreSQL database with COPY."""
    parsed = make_url(url)
    connection = psycopg2.connect(
        host=parsed.host,
        port=parsed.port,
        user=parsed.username,
        password=parsed.password,
        dbname=parsed.database,
    )
    try:
        for table, columns, rows in TABLES:
            started = time.perf_counter()
            copy = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv, NULL '\\N')").format(
                sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
            )
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            count = 0
            drops, creates = _index_ddl(table, postgresql_dialect())
            with connection.cursor() as cursor:
                for statement in drops:
                    cursor.execute(statement)
                for row in rows(random.Random(table)):
                    # \N is NULL; an empty field stays an empty string (summary, intents).
                    writer.writerow([NULL if value is None else value for value in row])
                    count += 1
                    if count % 100_000 == 0:
                        buffer.seek(0)
                        cursor.copy_expert(copy.as_string(connection), buffer)
                        buffer = io.StringIO()
                        writer = csv.writer(buffer)
                buffer.seek(0)
                cursor.copy_expert(copy.as_string(connection), buffer)
                for statement in creates:
                    cursor.execute(statement)
            connection.commit()
            print(
                f"  postgresql: {table} loaded and indexed in {time.perf_counter() - started:.1f} s"
            )
        record_accounts(url, "postgresql")
        connection.autocommit = True
        with connection.cursor() as cursor:
            # What autovacuum does after a bulk load: statistics, and the visibility map
            # that lets the covering KPI indexes answer without reading the table.
            cursor.execute("VACUUM ANALYZE")
    finally:
        connection.close()


def time_reports(url: str, label: str) -> None:
    """Time the report in process (year, month, sliced) and once through the CLI."""
    engine = db.make_engine(url)
    tz = ZoneInfo("Asia/Hong_Kong")
    cases = (
        ("year", date(2026, 1, 1), date(2026, 12, 31), None),
        ("year by channel", date(2026, 1, 1), date(2026, 12, 31), "channel"),
        ("year by agent", date(2026, 1, 1), date(2026, 12, 31), "agent"),
        ("year by team", date(2026, 1, 1), date(2026, 12, 31), "team"),
        ("year by account", date(2026, 1, 1), date(2026, 12, 31), "account"),
        ("year by intent", date(2026, 1, 1), date(2026, 12, 31), "intent"),
        ("year by handled", date(2026, 1, 1), date(2026, 12, 31), "handled"),
        ("year by language", date(2026, 1, 1), date(2026, 12, 31), "language"),
        ("November", date(2026, 11, 1), date(2026, 11, 30), None),
    )
    try:
        # Before: no day rolled up yet, so every figure is read from the raw facts.
        before = _time_cases(engine, tz, cases, f"{label} raw facts")
        with db.session_scope(engine) as session:
            started = time.perf_counter()
            days = rollups.backfill(session, tz)
        spent = time.perf_counter() - started
        print(f"  {label}: `kpi rollups backfill`: {days} days in {spent:.0f} s")
        after = _time_cases(engine, tz, cases, f"{label} rollups")
        for name, _start, _end, _by in cases:
            print(f"  {label}: {name}: {before[name]:.2f} s before, {after[name]:.2f} s after")
    finally:
        engine.dispose()
    env = {**os.environ, "DATABASE_URL": url, "RASA_TELEMETRY_ENABLED": "false"}
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bot",
            "kpi",
            "report",
            "--from",
            "2026-01-01",
            "--to",
            "2026-12-31",
            "--json",
        ],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    elapsed = time.perf_counter() - started
    state = "ok" if done.returncode == 0 else f"failed: {done.stderr.strip()[-300:]}"
    print(f"  {label}: `python -m bot kpi report` (year, whole process): {elapsed:.2f} s, {state}")


def _time_cases(
    engine: Any, tz: ZoneInfo, cases: tuple[tuple[str, date, date, str | None], ...], label: str
) -> dict[str, float]:
    """Time each report case once; print and return the seconds."""
    timings: dict[str, float] = {}
    for name, start, end, by in cases:
        with db.session_scope(engine) as session:
            started = time.perf_counter()
            report = build_report(session, start, end, tz, by)
            elapsed = time.perf_counter() - started
        timings[name] = elapsed
        verdict = "ok" if elapsed < TARGET_S else "OVER TARGET"
        print(
            f"  {label}: kpi report, {name}: {elapsed:.2f} s "
            f"({len(report.lines)} figures; target < {TARGET_S:.0f} s: {verdict})"
        )
    return timings


def _pg_admin() -> Any:
    parsed = make_url(PG_ADMIN_URL)
    connection = psycopg2.connect(
        host=parsed.host or "127.0.0.1",
        port=parsed.port or 5432,
        user=parsed.username or "postgres",
        password=parsed.password,
        dbname=parsed.database or "postgres",
        connect_timeout=5,
    )
    connection.autocommit = True
    return connection


def main() -> None:
    """Run the KPI benchmark on SQLite, then on PostgreSQL."""
    print(
        f"KPI report over {SURVEYS:,} survey answers, {CONVERSATIONS:,} conversations, "
        f"{HANDOFFS:,} handoffs and {COMPLAINTS:,} complaints (target < {TARGET_S:.0f} s)"
    )
    with tempfile.TemporaryDirectory(prefix="kpi-bench-") as folder:
        path = Path(folder) / "kpi.db"
        url = f"sqlite:///{path}"
        db.upgrade(url)
        started = time.perf_counter()
        load_sqlite(path)
        print(f"  sqlite: generated and loaded in {time.perf_counter() - started:.0f} s")
        time_reports(url, "sqlite")
        db.dispose_engines()

    name = f"freightdesk_kpi_bench_{secrets.token_hex(4)}"
    admin = _pg_admin()
    try:
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        url = make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        db.upgrade(url)
        started = time.perf_counter()
        load_postgres(url)
        print(f"  postgresql: generated and loaded in {time.perf_counter() - started:.0f} s")
        time_reports(url, "postgresql")
    finally:
        db.dispose_engines()
        with admin.cursor() as cursor:
            # FORCE ends connections a failed run may have left open.
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        admin.close()


if __name__ == "__main__":
    main()
