"""Shared fixtures: a migrated database on SQLite and on the real PostgreSQL.

Every test that takes ``db_url`` (or ``engine`` / ``session``) runs twice: once on a
SQLite file in the test's temporary folder and once on a fresh PostgreSQL database made
for that test and dropped after it. PostgreSQL is expected at 127.0.0.1:5432 (user
``postgres``, trust auth); ``FREIGHTDESK_TEST_PG_URL`` points elsewhere. If it cannot be
reached the tests fail with a message saying so: they are never skipped, because a
storage bug that only PostgreSQL shows must not pass unseen.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg2
import pytest
from psycopg2 import sql
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from bot.domain import logmask
from bot.storage import db

if TYPE_CHECKING:
    from tests.support.production import Production

#: Server-level URL used to create and drop the per-test PostgreSQL databases.
PG_ADMIN_URL = os.environ.get(
    "FREIGHTDESK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = ("sqlite", "postgresql")


def _pg_admin_connection() -> psycopg2.extensions.connection:
    """Connect to the PostgreSQL server in autocommit mode, or fail the test clearly."""
    url = make_url(PG_ADMIN_URL)
    try:
        connection = psycopg2.connect(
            host=url.host or "127.0.0.1",
            port=url.port or 5432,
            user=url.username or "postgres",
            password=url.password,
            dbname=url.database or "postgres",
            connect_timeout=5,
        )
    except psycopg2.OperationalError as exc:
        problem = str(exc).strip()
    else:
        connection.autocommit = True  # CREATE/DROP DATABASE cannot run in a transaction
        return connection
    # Failed outside the except block, so the report shows this message and no traceback.
    pytest.fail(
        f"PostgreSQL is not reachable at {url.render_as_string(hide_password=True)}: "
        f"{problem}\nThe storage tests run on PostgreSQL as well as SQLite. Start "
        "PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth) or set "
        "FREIGHTDESK_TEST_PG_URL to a server where the user may create databases.",
        pytrace=False,
    )


@pytest.fixture
def pg_database_url() -> Iterator[str]:
    """Create an empty, uniquely named PostgreSQL database and drop it afterwards.

    Yields:
        The new database's SQLAlchemy URL (``freightdesk_t_<random>``), not migrated.
    """
    name = f"freightdesk_t_{secrets.token_hex(6)}"
    admin = _pg_admin_connection()
    try:
        with admin.cursor() as cursor:
            # Database names cannot be bound parameters; sql.Identifier quotes it safely.
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        # Pooled connections would keep the database busy; FORCE ends any left over.
        db.dispose_engines()
        with admin.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
        admin.close()


@pytest.fixture
def sqlite_database_url(tmp_path: Path) -> Iterator[str]:
    """A SQLite file in a folder that does not exist yet (the engine must create it).

    Yields:
        The database's SQLAlchemy URL, not migrated.
    """
    yield f"sqlite:///{tmp_path / 'var' / 'freightdesk.db'}"
    db.dispose_engines()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest) -> str:
    """A freshly migrated database, once per backend (SQLite, then PostgreSQL).

    Returns:
        SQLAlchemy URL of a database upgraded to the newest migration, empty of rows and
        used by this test alone.
    """
    fixture = "sqlite_database_url" if request.param == "sqlite" else "pg_database_url"
    url: str = request.getfixturevalue(fixture)
    db.upgrade(url)
    return url


@pytest.fixture
def engine(db_url: str) -> Engine:
    """The process-wide engine for the test's database (``bot.storage.db.get_engine``)."""
    return db.get_engine(db_url)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session on the test's database, rolled back and closed after the test.

    Code under test only flushes; a test that needs committed data (to read it from a
    second session) commits explicitly.
    """
    with Session(engine, future=True, expire_on_commit=False) as db_session:
        yield db_session
        db_session.rollback()


@pytest.fixture(autouse=True)
def _no_log_masking_left_behind() -> Iterator[None]:
    """A test that runs a process's entry point in-process (``bot.commands.main.main``)
    installs log masking for the whole test process; undo it so later tests see their
    own log lines as the code wrote them."""
    yield
    logmask.uninstall()


@pytest.fixture(scope="session")
def _production_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Production]:
    """The session's one two-replica production stack, started when a test first needs it
    and stopped (SIGTERM, exit code 0 checked) when the session ends."""
    # Imported here: tests/support/production.py uses this module's PostgreSQL helpers.
    from tests.support.production import REST_ALLOWED, production

    with production(
        Path(tmp_path_factory.mktemp("production")),
        {"FREIGHTDESK_REST_ALLOWED_NETWORKS": REST_ALLOWED},
    ) as running:
        yield running


@pytest.fixture
def production_stack(_production_session: Production) -> Production:
    """The shared production profile (tests/support/production.py): two Rasa replicas and
    their action servers behind HAProxy, the workers, all under supervisord; whole (every
    program running, every server in HAProxy's rotation) when the test starts."""
    from tests.support.production import wait_healthy

    return wait_healthy(_production_session)
