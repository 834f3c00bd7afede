"""Migration 0004: the KPI tables and indexes come and go cleanly on both backends."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from bot.storage import db

TABLES = {
    "survey_responses",
    "conversation_facts",
    "processed_events",
    "event_consumer_state",
    "kpi_targets",
}


def test_0004_downgrades_and_upgrades_again(db_url: str) -> None:
    config = db.alembic_config(db_url)
    engine = db.make_engine(db_url)
    try:
        assert set(inspect(engine).get_table_names()) >= TABLES
        complaint_indexes = {ix["name"] for ix in inspect(engine).get_indexes("complaints")}
        assert "ix_complaints_created_at" in complaint_indexes
        command.downgrade(config, "0003_handoff")
        db.dispose_engines()
        tables = set(inspect(engine).get_table_names())
        assert not TABLES & tables and "handoffs" in tables
        handoff_indexes = {ix["name"] for ix in inspect(engine).get_indexes("handoffs")}
        assert "ix_handoffs_created_at" not in handoff_indexes

        command.upgrade(config, "head")
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()
