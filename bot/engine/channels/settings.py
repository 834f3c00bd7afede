"""Telegram settings, read from the environment and validated at start.

Kept apart from :mod:`bot.core.settings` because only the Telegram channel and its poller need
them, and apart from the channel itself so the runner can check them without importing
Rasa.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from bot.core.settings import SettingsError

DEFAULT_API_BASE_URL = "https://api.telegram.org"
MODES = ("poll", "webhook")

# BotFather tokens are "<bot id>:<35 characters>"; checking the shape catches a pasted
# chat id or a truncated token before Telegram answers 401 to every call.
_TOKEN_RE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{30,64}$")
# Telegram's own rule for setWebhook's secret_token.
_SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{16,256}$")


@dataclass(frozen=True)
class TelegramSettings:
    """How to reach the Telegram Bot API and how to check Telegram's calls to us.

    Attributes:
        bot_token: the bot's token from BotFather (``TELEGRAM_BOT_TOKEN``).
        secret_token: the secret Telegram sends in ``X-Telegram-Bot-Api-Secret-Token``
            with every webhook call (``TELEGRAM_SECRET_TOKEN``).
        api_base_url: root of the Bot API server (``TELEGRAM_API_BASE_URL``), without the
            ``/bot<token>`` part.
        mode: ``poll`` (default: a worker fetches updates, for a machine with no public
            address) or ``webhook`` (Telegram calls our webhook) (``TELEGRAM_MODE``).
    """

    bot_token: str
    secret_token: str
    api_base_url: str = DEFAULT_API_BASE_URL
    mode: str = "poll"

    @property
    def bot_api_url(self) -> str:
        """Base URL in the form python-telegram-bot expects (the token is appended)."""
        return f"{self.api_base_url}/bot"

    @property
    def bot_id(self) -> str:
        """The bot's numeric id (the part of the token before the colon); not a secret."""
        return self.bot_token.split(":", 1)[0]

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> TelegramSettings | None:
        """Read the Telegram settings, or None when Telegram is not configured.

        Telegram counts as configured when ``TELEGRAM_BOT_TOKEN`` is set; every other
        setting is then checked.

        Args:
            environ: the environment; default ``os.environ``.

        Raises:
            SettingsError: a value cannot be used; the message names the variable.
        """
        env = os.environ if environ is None else environ
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip()
        if not token:
            return None
        if not _TOKEN_RE.match(token):
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN does not look like a bot token from BotFather "
                "(expected '<digits>:<35 or so letters, digits, - or _>')."
            )
        secret = env.get("TELEGRAM_SECRET_TOKEN", "").strip()
        if not secret:
            raise SettingsError(
                "TELEGRAM_SECRET_TOKEN is not set. It is required with TELEGRAM_BOT_TOKEN: "
                "the webhook only accepts calls carrying it. Generate one with "
                "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`."
            )
        if not _SECRET_RE.match(secret):
            raise SettingsError(
                "TELEGRAM_SECRET_TOKEN must be 16 to 256 characters of A-Z, a-z, 0-9, _ "
                "and - (Telegram's rule for webhook secrets)."
            )
        base_url = env.get("TELEGRAM_API_BASE_URL", "").strip().rstrip("/")
        base_url = base_url or DEFAULT_API_BASE_URL
        _check_base_url(base_url)
        mode = env.get("TELEGRAM_MODE", "poll").strip().lower() or "poll"
        if mode not in MODES:
            raise SettingsError(
                f"TELEGRAM_MODE must be 'poll' or 'webhook', not {mode!r}: 'poll' when this "
                "machine has no public address, 'webhook' when Telegram can reach it."
            )
        return cls(bot_token=token, secret_token=secret, api_base_url=base_url, mode=mode)


def _check_base_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SettingsError(
            f"TELEGRAM_API_BASE_URL must be an http(s) URL such as {DEFAULT_API_BASE_URL}, "
            f"not {url!r}."
        )
    if parts.path.rstrip("/").endswith("/bot") or "/bot" in parts.path:
        raise SettingsError(
            "TELEGRAM_API_BASE_URL is the server root (e.g. https://api.telegram.org), "
            "without '/bot<token>'."
        )
    # The token travels in the URL path, so it must not cross a network in clear text.
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        raise SettingsError(
            "TELEGRAM_API_BASE_URL must use https; plain http is allowed only for a server "
            "on this machine (a local Bot API server or the test stand-in)."
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
