"""Database engines, sessions and migrations.

One engine per database URL per process, one session per unit of work (a CLI command, an
action run, a request), and tables that only Alembic migrations create: nothing here
touches the schema at import time.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.core.files import private_file
from bot.core.settings import Settings

T = TypeVar("T")

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

#: Seconds a PostgreSQL connection attempt may take (``FREIGHTDESK_DB_CONNECT_TIMEOUT``).
DB_CONNECT_TIMEOUT_S = 5
#: Milliseconds a PostgreSQL statement may run (``FREIGHTDESK_DB_STATEMENT_TIMEOUT_MS``).
DB_STATEMENT_TIMEOUT_MS = 15000

#: How long a SQLite transaction waits for another process's write lock before failing.
SQLITE_BUSY_TIMEOUT_MS = 15000

#: Execution option of a unit of work that only reads (:func:`session_scope`'s
#: ``read_only``): on SQLite its transaction starts with a plain ``BEGIN``.
READ_ONLY_OPTION = "freightdesk_read_only"

_engines: dict[str, Engine] = {}
_engines_lock = threading.Lock()


def postgresql_timeouts(
    environ: Mapping[str, str] | None = None, *, statement_timeout_ms: int | None = None
) -> dict[str, Any]:
    """psycopg2 ``connect_args`` that bound how long a connection and a statement may take.

    A database that accepts connections but never answers (or a lock held for minutes)
    would otherwise hold a customer's turn for as long as the action server lets it:
    connecting gives up after ``FREIGHTDESK_DB_CONNECT_TIMEOUT`` seconds (default
    :data:`DB_CONNECT_TIMEOUT_S`), a statement after ``FREIGHTDESK_DB_STATEMENT_TIMEOUT_MS``
    (default :data:`DB_STATEMENT_TIMEOUT_MS`; 0 for none), both under the action timeout
    (:mod:`bot.engine.action_failures`), so the customer hears an honest message in time.
    """
    env = os.environ if environ is None else environ
    connect = max(1, int(float(env.get("FREIGHTDESK_DB_CONNECT_TIMEOUT") or DB_CONNECT_TIMEOUT_S)))
    if statement_timeout_ms is None:
        raw = env.get("FREIGHTDESK_DB_STATEMENT_TIMEOUT_MS") or DB_STATEMENT_TIMEOUT_MS
        statement_timeout_ms = int(raw)
    return {
        "connect_timeout": connect,
        "options": f"-c statement_timeout={max(0, statement_timeout_ms)}",
    }


def make_engine(
    url: str, *, sqlite_immediate: bool = True, statement_timeout_ms: int | None = None
) -> Engine:
    """Create a new engine for ``url`` with the settings this project relies on.

    SQLite: the database file's folder is created, every connection enforces foreign keys
    and uses WAL (so the Rasa action server and the CLI can read while another writes),
    and connections may be shared across threads. PostgreSQL: pooled connections are
    checked before use, so a database restart costs one retry instead of an error.

    Args:
        url: SQLAlchemy database URL.
        sqlite_immediate: on SQLite, start every transaction with ``BEGIN IMMEDIATE``
            (the default). Most of the project's transactions read, then write (a
            complaint checks its dedupe key, then inserts): with a plain ``BEGIN`` in WAL
            mode, another process's commit between the read and the first write fails the
            write at once with "database is locked", whatever the busy timeout (measured:
            most such transactions failed while the KPI consumer committed every second).
            ``IMMEDIATE`` takes the write lock first and waits its turn; readers are not
            blocked (WAL). ``False`` only for a process that never writes.
        statement_timeout_ms: PostgreSQL: the statement timeout instead of the configured
            one (:func:`postgresql_timeouts`); migrations pass 0.

    Every engine hides statement parameters from its error texts (``hide_parameters``):
    a failed insert would otherwise quote a complaint's description or a contact into
    the log. PostgreSQL connections get connect and statement timeouts.

    Returns:
        A new engine; callers that want the shared one use :func:`get_engine`.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            # Customers' data: the file (and so its -wal and -shm) is owner-only.
            private_file(Path(database).expanduser())
        engine = create_engine(
            url, future=True, hide_parameters=True, connect_args={"check_same_thread": False}
        )
        _configure_sqlite(engine, "BEGIN IMMEDIATE" if sqlite_immediate else "BEGIN")
        return engine
    connect_args: dict[str, Any] = {}
    options: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() == "psycopg2":
        connect_args = postgresql_timeouts(statement_timeout_ms=statement_timeout_ms)
        # A flush that updates many rows of one shape (a batch of carrier events moving
        # its shipments) goes in pages of 100 rows a round trip, not one row each: INSERTs
        # already go as multi-row VALUES. An UPDATE or DELETE run with many parameter sets
        # then reports no row count, which nothing here reads.
        options["executemany_mode"] = "values_plus_batch"
    return create_engine(
        url,
        future=True,
        pool_pre_ping=True,
        hide_parameters=True,
        connect_args=connect_args,
        **options,
    )


def _configure_sqlite(engine: Engine, begin: str = "BEGIN") -> None:
    # pysqlite opens transactions lazily and never for SAVEPOINTs, which breaks
    # ``Session.begin_nested()``; SQLAlchemy's documented fix is to turn its own
    # transaction handling off and emit BEGIN ourselves.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()

    # A unit of work that only reads begins a deferred transaction: in WAL mode it reads
    # a snapshot and never takes, nor waits for, the write lock, so a console page or a
    # report never queues behind (or ahead of) a customer's complaint being written.
    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        read_only = connection.get_execution_options().get(READ_ONLY_OPTION, False)
        connection.exec_driver_sql("BEGIN" if read_only else begin)


def get_engine(url: str | None = None) -> Engine:
    """Return this process's engine for ``url``, creating it on first use.

    Args:
        url: SQLAlchemy database URL; default ``Settings.from_env().database_url``.

    Returns:
        The same engine for the same URL for the life of the process.
    """
    key = url or Settings.from_env().database_url
    with _engines_lock:
        engine = _engines.get(key)
        if engine is None:
            engine = make_engine(key)
            _engines[key] = engine
        return engine


def dispose_engines() -> None:
    """Close every cached engine's pooled connections and forget the engines.

    Tests call this before dropping a database; a forked worker calls it so it does not
    share its parent's connections.
    """
    with _engines_lock:
        engines = list(_engines.values())
        _engines.clear()
    for engine in engines:
        engine.dispose()


@contextmanager
def session_scope(engine: Engine | None = None, *, read_only: bool = False) -> Iterator[Session]:
    """Run one unit of work in its own session.

    Commits when the block ends normally, rolls back when it raises, and always closes
    the session, so no connection outlives the unit of work.

    Args:
        engine: engine to use; default :func:`get_engine` for the configured database.
        read_only: the work only reads. On SQLite its transaction is a deferred ``BEGIN``
            instead of ``BEGIN IMMEDIATE``: it reads a consistent snapshot (WAL) without
            the write lock, so it neither waits for writers nor holds them up. Should it
            write after all, the write takes the lock then, and fails at once with
            "database is locked" if another process committed since its first read: an
            error, never a lost write. Other databases: no difference.

    Yields:
        A new session. Objects stay readable after the commit (``expire_on_commit`` is
        off) so callers can build replies from them without a new query.
    """
    bind = engine or get_engine()
    if read_only:
        bind = bind.execution_options(**{READ_ONLY_OPTION: True})
    factory = sessionmaker(bind=bind, future=True, expire_on_commit=False)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


async def run_in_session(
    engine: Engine, work: Callable[[Session], T], *, read_only: bool = False
) -> T:
    """Run ``work`` in one session (committed on success) in a worker thread.

    The one way async code (the console, the action server, Rasa-side code) does database
    work: the blocking driver call stays off the event loop, and the session is scoped to
    exactly this unit of work. ``read_only``: as for :func:`session_scope`.
    """

    def run() -> T:
        with session_scope(engine, read_only=read_only) as session:
            return work(session)

    return await asyncio.to_thread(run)


def alembic_config(url: str | None = None) -> Config:
    """Build the Alembic configuration in code, independent of the working directory.

    Args:
        url: database URL to migrate; default ``Settings.from_env().database_url``.

    Returns:
        A ``Config`` whose ``script_location`` is ``bot/migrations``; the URL travels in
        ``config.attributes["url"]`` so a ``%`` in a password needs no escaping.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["url"] = url or Settings.from_env().database_url
    return config


def upgrade(url: str | None = None) -> None:
    """Migrate the database at ``url`` to the newest revision.

    Args:
        url: database URL; default ``Settings.from_env().database_url``.
    """
    command.upgrade(alembic_config(url), "head")


def head_revision() -> str:
    """Return the newest migration revision shipped with the code."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    if head is None:
        raise RuntimeError(f"no Alembic revisions found in {MIGRATIONS_DIR}")
    return str(head)


def current_revision(engine: Engine) -> str | None:
    """Return the revision the database behind ``engine`` is at, or None if unmigrated."""
    with engine.connect() as connection:
        revision = MigrationContext.configure(connection).get_current_revision()
    return None if revision is None else str(revision)


def is_up_to_date(engine: Engine) -> bool:
    """Tell whether the database behind ``engine`` is at the newest revision."""
    return current_revision(engine) == head_revision()


def display_url(url: str) -> str:
    """Return ``url`` with any password hidden, for messages and logs."""
    return str(make_url(url).render_as_string(hide_password=True))


#: What no model declares but migration 0012 makes for the console's search: the SQLite
#: full-text table (FTS5 adds ``search_index_*`` tables of its own) and PostgreSQL's
#: expression indexes.
SEARCH_OBJECTS = ("search_index", "ix_transcript_lines_search", "ix_complaints_search")


def include_name(name: str | None, _kind: str, _parents: Any) -> bool:
    """Alembic's filter for comparing the models with the database: the search objects
    are left out."""
    return not (name or "").startswith(SEARCH_OBJECTS)
