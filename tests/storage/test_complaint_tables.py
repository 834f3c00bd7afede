"""Migration 0002: the complaint tables come and go cleanly on both backends."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from bot.storage import db

COMPLAINT_TABLES = {"complaints", "complaint_events", "complaint_counters"}


def test_0002_creates_the_complaint_tables_with_their_indexes(db_url: str) -> None:
    inspector = inspect(db.get_engine(db_url))

    assert set(inspector.get_table_names()) >= COMPLAINT_TABLES
    indexes = {
        index["name"]: index["column_names"] for index in inspector.get_indexes("complaints")
    }
    assert indexes["ix_complaints_status_due_at"] == ["status", "due_at"]
    assert indexes["ix_complaints_due_at"] == ["due_at"]
    unique = {tuple(c["column_names"]) for c in inspector.get_unique_constraints("complaints")}
    assert {("reference",), ("dedupe_key",)} <= unique


def test_0002_downgrades_and_upgrades_again(db_url: str) -> None:
    config = db.alembic_config(db_url)

    command.downgrade(config, "0001_initial")
    db.dispose_engines()
    engine = db.make_engine(db_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert not COMPLAINT_TABLES & tables and "shipments" in tables

        command.upgrade(config, "head")
        assert set(inspect(engine).get_table_names()) >= COMPLAINT_TABLES
    finally:
        engine.dispose()
