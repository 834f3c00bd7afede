"""Migration 0003: the handoff and console tables come and go cleanly on both backends."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from bot.storage import db

TABLES = {"staff_users", "console_sessions", "login_attempts", "handoffs", "handoff_messages"}


def test_0003_downgrades_and_upgrades_again(db_url: str) -> None:
    config = db.alembic_config(db_url)
    engine = db.make_engine(db_url)
    try:
        assert set(inspect(engine).get_table_names()) >= TABLES
        command.downgrade(config, "0002_complaints")
        db.dispose_engines()
        tables = set(inspect(engine).get_table_names())
        assert not TABLES & tables and "complaints" in tables

        command.upgrade(config, "head")
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()
