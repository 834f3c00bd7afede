"""`make run` starts the Telegram poller only when Telegram is configured for polling."""

from __future__ import annotations

import sys

import pytest

from bot.core.settings import Settings, SettingsError
from bot.ops.stack import worker_commands

TELEGRAM = {
    "TELEGRAM_BOT_TOKEN": "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
    "TELEGRAM_SECRET_TOKEN": "s3cret-token_for-tests",
}


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*TELEGRAM, "TELEGRAM_MODE", "TELEGRAM_API_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


def test_no_poller_without_a_bot_token() -> None:
    assert "telegram-poller" not in worker_commands(Settings.from_env({}))


def test_poller_runs_the_cli_command_when_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in TELEGRAM.items():
        monkeypatch.setenv(name, value)
    workers = worker_commands(Settings.from_env({}))
    assert workers["telegram-poller"] == [sys.executable, "-m", "bot", "telegram", "poll"]


def test_no_poller_in_webhook_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**TELEGRAM, "TELEGRAM_MODE": "webhook"}.items():
        monkeypatch.setenv(name, value)
    assert "telegram-poller" not in worker_commands(Settings.from_env({}))


def test_a_broken_setting_stops_start_up_with_its_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TELEGRAM["TELEGRAM_BOT_TOKEN"])
    with pytest.raises(SettingsError, match="TELEGRAM_SECRET_TOKEN"):
        worker_commands(Settings.from_env({}))
