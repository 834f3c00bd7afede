"""Rasa's SQL stores are found from the endpoints file as Rasa finds them."""

from __future__ import annotations

from pathlib import Path

from bot.core.settings import Settings
from bot.engine.rasa_stores import rasa_store_urls


def test_rasas_stores_are_found_as_rasa_finds_them(tmp_path: Path) -> None:
    embedded = Settings.from_env({"FREIGHTDESK_VAR_DIR": str(tmp_path)})
    urls = rasa_store_urls(embedded)
    assert urls["tracker store"] == f"sqlite:///{tmp_path / 'rasa_tracker.db'}"
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(
        "tracker_store:\n  type: SQL\n  dialect: postgresql\n  url: db.internal\n  port: 5433\n"
        "  db: rasa\n  username: rasa\n  password: pw\n"
        "event_broker:\n  type: pika\n  url: amqp://u:p@127.0.0.1:5672/v\n  queues: [q]\n"
    )
    urls = rasa_store_urls(embedded, endpoints)
    assert urls == {"tracker store": "postgresql://rasa:pw@db.internal:5433/rasa"}
