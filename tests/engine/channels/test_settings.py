"""Telegram settings from the environment: validated, with messages naming the variable."""

from __future__ import annotations

import pytest

from bot.core.settings import SettingsError
from bot.engine.channels.settings import TelegramSettings

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SECRET = "s3cret-token_for-tests"


def test_not_configured_without_a_bot_token() -> None:
    assert TelegramSettings.from_env({}) is None
    assert TelegramSettings.from_env({"TELEGRAM_SECRET_TOKEN": SECRET}) is None


def test_defaults_to_telegram_and_polling() -> None:
    settings = TelegramSettings.from_env(
        {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_SECRET_TOKEN": SECRET}
    )
    assert settings is not None
    assert settings.bot_api_url == "https://api.telegram.org/bot"
    assert settings.mode == "poll"
    assert settings.bot_id == "123456789"


def test_local_stand_in_over_http_is_allowed() -> None:
    settings = TelegramSettings.from_env(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_SECRET_TOKEN": SECRET,
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/",
            "TELEGRAM_MODE": "webhook",
        }
    )
    assert settings is not None
    assert settings.bot_api_url == "http://127.0.0.1:8081/bot"
    assert settings.mode == "webhook"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"TELEGRAM_BOT_TOKEN": "12345"}, "TELEGRAM_BOT_TOKEN does not look like"),
        ({"TELEGRAM_BOT_TOKEN": TOKEN}, "TELEGRAM_SECRET_TOKEN is not set"),
        (
            {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_SECRET_TOKEN": "short"},
            "TELEGRAM_SECRET_TOKEN must be 16 to 256",
        ),
        (
            {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_SECRET_TOKEN": SECRET,
                "TELEGRAM_API_BASE_URL": "http://bot-api.internal:8081",
            },
            "must use https",
        ),
        (
            {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_SECRET_TOKEN": SECRET,
                "TELEGRAM_API_BASE_URL": f"https://api.telegram.org/bot{TOKEN}",
            },
            "without '/bot<token>'",
        ),
        (
            {
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_SECRET_TOKEN": SECRET,
                "TELEGRAM_API_BASE_URL": "api.telegram.org",
            },
            "must be an http",
        ),
        (
            {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_SECRET_TOKEN": SECRET, "TELEGRAM_MODE": "x"},
            "TELEGRAM_MODE must be",
        ),
    ],
)
def test_unusable_values_are_refused_with_the_variable_named(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=message):
        TelegramSettings.from_env(env)


def test_the_error_never_shows_the_token() -> None:
    with pytest.raises(SettingsError) as caught:
        TelegramSettings.from_env({"TELEGRAM_BOT_TOKEN": TOKEN + "!"})
    assert TOKEN not in str(caught.value)
