"""Engines, sessions, migrations and column types, on SQLite and PostgreSQL."""

from __future__ import annotations

import importlib
import socket
import sqlite3
import stat
import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from bot.storage import db
from bot.storage.models import UTC, Base, Lead, Shipment, ShipmentEvent

HONG_KONG = ZoneInfo("Asia/Hong_Kong")


def _shipment(number: str = "160-12345675") -> Shipment:
    return Shipment(tracking_number=number, number_kind="air_waybill", mode="air")


def test_upgrade_creates_the_tables_at_the_newest_revision(engine: Engine) -> None:
    tables = set(inspect(engine).get_table_names())

    assert {"shipments", "shipment_events", "leads", "alembic_version"} <= tables
    newest = sorted(
        p.stem for p in (Path(db.__file__).parent / "migrations" / "versions").glob("0*.py")
    )[-1]
    assert db.current_revision(engine) == db.head_revision() == newest
    assert db.is_up_to_date(engine)


def test_upgrade_again_changes_nothing(db_url: str, engine: Engine) -> None:
    with db.session_scope(engine) as session:
        session.add(_shipment())

    db.upgrade(db_url)

    with db.session_scope(engine) as session:
        assert session.execute(select(Shipment.tracking_number)).scalars().all() == ["160-12345675"]


def test_models_match_the_migrations(engine: Engine) -> None:
    # A model changed without a migration shows up here as a difference.
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": db.include_name}
        )
        assert compare_metadata(context, Base.metadata) == []


def test_upgrade_does_not_depend_on_the_working_directory(
    sqlite_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    db.upgrade(sqlite_database_url)

    assert db.is_up_to_date(db.get_engine(sqlite_database_url))


def test_nothing_creates_tables_but_migrations(sqlite_database_url: str) -> None:
    # Importing every module and opening a session must leave a new database empty.
    for module in (
        "bot.commands.main",
        "bot.domain.demo",
        "bot.domain.leads",
        "bot.domain.shipment_import",
        "bot.domain.shipments",
        "bot.storage.models",
    ):
        importlib.import_module(module)

    engine = db.get_engine(sqlite_database_url)
    with db.session_scope(engine):
        pass

    assert inspect(engine).get_table_names() == []
    assert db.current_revision(engine) is None
    assert not db.is_up_to_date(engine)


def test_get_engine_returns_one_engine_per_url(db_url: str, tmp_path: Path) -> None:
    other = f"sqlite:///{tmp_path / 'other.db'}"

    assert db.get_engine(db_url) is db.get_engine(db_url)
    assert db.get_engine(other) is not db.get_engine(db_url)


def test_get_engine_defaults_to_the_configured_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'configured.db'}"
    monkeypatch.setenv("DATABASE_URL", url)

    try:
        assert str(db.get_engine().url) == url
    finally:
        db.dispose_engines()


def test_session_scope_commits_on_success(engine: Engine) -> None:
    with db.session_scope(engine) as session:
        session.add(_shipment())

    with db.session_scope(engine) as session:
        assert session.execute(select(Shipment)).scalar_one().tracking_number == "160-12345675"


def test_session_scope_rolls_back_on_error(engine: Engine) -> None:
    with pytest.raises(RuntimeError), db.session_scope(engine) as session:
        session.add(_shipment())
        session.flush()
        raise RuntimeError("boom")

    with db.session_scope(engine) as session:
        assert session.execute(select(Shipment)).first() is None


def test_tracking_numbers_are_unique(session: Session) -> None:
    session.add(_shipment())
    session.flush()
    session.add(_shipment())

    with pytest.raises(IntegrityError):
        session.flush()


def test_events_need_an_existing_shipment(session: Session) -> None:
    # On SQLite this only holds because every connection turns foreign keys on.
    session.add(
        ShipmentEvent(
            shipment_id=999,
            occurred_at=datetime(2025, 3, 1, tzinfo=UTC),
            status="booked",
        )
    )

    with pytest.raises(IntegrityError):
        session.flush()


def test_the_same_event_cannot_be_stored_twice(session: Session) -> None:
    shipment = _shipment()
    at = datetime(2025, 3, 1, 9, 0, tzinfo=HONG_KONG)
    shipment.events.append(ShipmentEvent(occurred_at=at, status="booked"))
    shipment.events.append(ShipmentEvent(occurred_at=at, status="booked"))
    session.add(shipment)

    with pytest.raises(IntegrityError):
        session.flush()


def test_sqlite_uses_wal_and_foreign_keys(sqlite_database_url: str) -> None:
    engine = db.get_engine(sqlite_database_url)

    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
    assert Path(sqlite_database_url.removeprefix("sqlite:///")).parent.is_dir()


def test_a_read_only_unit_of_work_on_sqlite_does_not_queue_behind_a_writer(
    sqlite_database_url: str,
) -> None:
    db.upgrade(sqlite_database_url)
    engine = db.get_engine(sqlite_database_url)
    with db.session_scope(engine) as session:
        session.add(_shipment("160-11111115"))
    # Another process is in the middle of a write and holds SQLite's write lock.
    writer = db.make_engine(sqlite_database_url)
    with writer.connect() as holding:
        holding.execute(text("DELETE FROM shipments"))  # not committed yet
        started = time.monotonic()
        with db.session_scope(engine, read_only=True) as session:
            seen = session.scalars(select(Shipment.tracking_number)).all()
        # The reader sees the last committed state at once (15 s busy timeout otherwise).
        assert seen == ["160-11111115"] and time.monotonic() - started < 2
        # Whereas a unit of work that may write queues for the lock (here 0.3 s, in vain).
        waiting = sqlite3.connect(sqlite_database_url.removeprefix("sqlite:///"), timeout=0.3)
        with pytest.raises(sqlite3.OperationalError, match="database is locked"):
            waiting.execute("BEGIN IMMEDIATE")
        waiting.close()
        holding.rollback()
    writer.dispose()
    with db.session_scope(engine) as session:
        assert session.scalars(select(Shipment.tracking_number)).all() == ["160-11111115"]


def test_datetimes_come_back_as_the_same_instant_in_utc(engine: Engine) -> None:
    local = datetime(2025, 3, 12, 14, 5, 30, tzinfo=HONG_KONG)
    with db.session_scope(engine) as session:
        shipment = _shipment()
        shipment.events.append(ShipmentEvent(occurred_at=local, status="in_transit"))
        session.add(shipment)

    with db.session_scope(engine) as session:
        stored = session.execute(select(ShipmentEvent.occurred_at)).scalar_one()

    assert stored == local
    assert stored.utcoffset() == timedelta(0)
    assert (stored.hour, stored.minute) == (6, 5)


def test_naive_datetimes_are_refused(session: Session) -> None:
    shipment = _shipment()
    shipment.events.append(ShipmentEvent(occurred_at=datetime(2025, 3, 12, 14, 5), status="x"))
    session.add(shipment)

    with pytest.raises(StatementError, match="naive datetime"):
        session.flush()


def test_eta_keeps_a_date_as_a_date_and_a_time_as_a_time(engine: Engine) -> None:
    with db.session_scope(engine) as session:
        by_day, by_time = _shipment("160-12345675"), _shipment("176-55308120")
        by_day.eta = datetime(2025, 3, 15).date()
        by_time.eta = datetime(2025, 3, 15, 23, 30, tzinfo=HONG_KONG)
        session.add_all([by_day, by_time])

    with db.session_scope(engine) as session:
        etas = dict(session.execute(select(Shipment.tracking_number, Shipment.eta_date)).all())
        shipments = {s.tracking_number: s for s in session.execute(select(Shipment)).scalars()}

    assert etas["160-12345675"] == datetime(2025, 3, 15).date()
    assert type(shipments["160-12345675"].eta) is type(datetime(2025, 3, 15).date())
    assert shipments["176-55308120"].eta == datetime(2025, 3, 15, 15, 30, tzinfo=UTC)


def test_money_comes_back_exact(engine: Engine) -> None:
    with db.session_scope(engine) as session:
        session.add(
            Lead(
                sender_id="s1",
                name="Chan Tai Man",
                contact_kind="email",
                contact="tm.chan@example.com",
                quoted_amount=Decimal("12345.67"),
            )
        )

    with db.session_scope(engine) as session:
        lead = session.execute(select(Lead)).scalar_one()

    assert lead.quoted_amount == Decimal("12345.67")
    assert isinstance(lead.quoted_amount, Decimal)
    assert (lead.status, lead.channel) == ("new", "")
    assert lead.created_at.tzinfo is not None


def test_display_url_hides_the_password() -> None:
    shown = db.display_url("postgresql://app:s3cret@db.example:5432/freightdesk")

    assert "s3cret" not in shown
    assert "app:***@db.example" in shown


def test_a_database_error_does_not_quote_the_values_it_failed_to_write(db_url: str) -> None:
    engine = db.get_engine(db_url)
    with pytest.raises(sa.exc.DBAPIError) as caught, engine.begin() as connection:
        connection.execute(
            sa.text("INSERT INTO no_such_table (description) VALUES (:d)"),
            {"d": "my TV broke, call jo@example.com"},
        )
    assert "jo@example.com" not in str(caught.value)


def test_a_sqlite_database_and_its_folder_are_owner_only(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'var' / 'freightdesk.db'}"
    db.upgrade(url)
    for path in (tmp_path / "var").iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE((tmp_path / "var").stat().st_mode) == 0o700
    db.dispose_engines()


def test_a_postgresql_statement_has_a_time_limit(
    pg_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FREIGHTDESK_DB_STATEMENT_TIMEOUT_MS", "300")
    engine = db.make_engine(pg_database_url)
    started = time.monotonic()
    with pytest.raises(sa.exc.OperationalError, match="statement timeout"), engine.connect() as c:
        c.execute(sa.text("SELECT pg_sleep(10)"))
    assert time.monotonic() - started < 5
    engine.dispose()


def test_a_postgresql_server_that_never_answers_fails_the_connection_in_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("FREIGHTDESK_DB_CONNECT_TIMEOUT", "1")
    # A real socket that accepts connections and never says a word.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        engine = db.make_engine(f"postgresql://fd@127.0.0.1:{port}/freightdesk")
        started = time.monotonic()
        with pytest.raises(sa.exc.OperationalError, match="timeout"):
            engine.connect()
        assert time.monotonic() - started < 5
        engine.dispose()
