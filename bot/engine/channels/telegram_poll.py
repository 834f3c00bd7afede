"""Long polling for a machine with no public address: ``python -m bot telegram poll``.

Telegram cannot call a webhook on a laptop or a server behind NAT, so this worker asks
Telegram for updates (``getUpdates``) and posts each one, unchanged, to the local Rasa
webhook with the secret header, exactly as Telegram would. ``make run`` starts it when a
bot token is configured and ``TELEGRAM_MODE`` is ``poll`` (the default). Free of Rasa:
it talks to the Rasa server over HTTP.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from dataclasses import dataclass
from typing import Any

import httpx
from telegram import Bot
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.request import HTTPXRequest

from bot.engine.channels.settings import TelegramSettings

logger = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
POLL_TIMEOUT_S = 50  # Telegram holds getUpdates open this long when nothing happens
POST_TIMEOUT_S = 15.0
BACKOFF_S = (1.0, 2.0, 5.0, 10.0, 30.0)
# Updates our webhook serves; asking for these only keeps unwanted ones off the wire.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]


class PollerError(RuntimeError):
    """The poller cannot go on: a setting is wrong or Telegram refuses to hand out updates."""


@dataclass
class Poller:
    """Fetches updates from Telegram and delivers them to the local webhook.

    Attributes:
        settings: the Telegram settings.
        webhook_url: the Rasa server's Telegram webhook.
        poll_timeout: seconds Telegram may hold each ``getUpdates`` call.
    """

    settings: TelegramSettings
    webhook_url: str
    poll_timeout: int = POLL_TIMEOUT_S
    offset: int | None = None

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until ``stop`` is set.

        Raises:
            PollerError: Telegram refused the token, or a webhook is set for the bot, or
                the local webhook refused our secret.
        """
        request = HTTPXRequest(read_timeout=self.poll_timeout + 10.0, connect_timeout=10.0)
        bot = Bot(
            self.settings.bot_token,
            base_url=self.settings.bot_api_url,
            get_updates_request=request,
        )
        async with httpx.AsyncClient(timeout=POST_TIMEOUT_S) as client:
            failures = 0
            while not stop.is_set():
                try:
                    updates = await self._fetch(bot)
                    for update in updates:
                        await self._deliver(client, update, stop)
                        self.offset = int(update["update_id"]) + 1
                    failures = 0
                except RetryAfter as exc:
                    await _sleep(stop, float(_seconds(exc.retry_after)))
                except (NetworkError, httpx.HTTPError) as exc:
                    delay = BACKOFF_S[min(failures, len(BACKOFF_S) - 1)]
                    failures += 1
                    logger.warning("Telegram poller: %s; retrying in %.0f s", exc, delay)
                    await _sleep(stop, delay)

    async def _fetch(self, bot: Bot) -> list[dict[str, Any]]:
        try:
            updates = await bot.get_updates(
                offset=self.offset,
                timeout=self.poll_timeout,
                allowed_updates=ALLOWED_UPDATES,
            )
        except InvalidToken as exc:
            raise PollerError(
                "Telegram rejected TELEGRAM_BOT_TOKEN; check the token from BotFather."
            ) from exc
        except Conflict as exc:
            raise PollerError(
                "Telegram will not hand out updates by polling while a webhook is set for "
                "this bot (or another poller runs). Set TELEGRAM_MODE=webhook if Telegram "
                "reaches this server, or remove the webhook with deleteWebhook."
            ) from exc
        except (NetworkError, RetryAfter):
            raise
        except TelegramError as exc:
            raise PollerError(f"Telegram refused getUpdates: {exc}") from exc
        # to_dict() gives the Bot API's JSON back, unknown fields included.
        return [update.to_dict() for update in updates]

    async def _deliver(
        self, client: httpx.AsyncClient, update: dict[str, Any], stop: asyncio.Event
    ) -> None:
        """Post one update to the webhook, retrying while Rasa is down or restarting."""
        failures = 0
        while not stop.is_set():
            try:
                reply = await client.post(
                    self.webhook_url,
                    json=update,
                    headers={SECRET_HEADER: self.settings.secret_token},
                )
            except httpx.HTTPError as exc:
                problem = str(exc) or type(exc).__name__
            else:
                if reply.status_code == 403:
                    raise PollerError(
                        "The Rasa server refused our secret: it must run with the same "
                        "TELEGRAM_SECRET_TOKEN as this poller."
                    )
                if reply.status_code in (200, 400):
                    # 400: an update the webhook cannot read; resending would not help.
                    return
                problem = f"HTTP {reply.status_code}"
            delay = BACKOFF_S[min(failures, len(BACKOFF_S) - 1)]
            failures += 1
            logger.warning(
                "Telegram poller: webhook %s: %s; retrying in %.0f s",
                self.webhook_url,
                problem,
                delay,
            )
            await _sleep(stop, delay)


def _seconds(value: Any) -> float:
    return float(value.total_seconds()) if hasattr(value, "total_seconds") else float(value)


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(stop.wait(), timeout=seconds)


async def poll(settings: TelegramSettings, webhook_url: str, poll_timeout: int) -> None:
    """Run a :class:`Poller` until SIGINT or SIGTERM."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    poller = Poller(settings, webhook_url, poll_timeout)
    runner = asyncio.create_task(poller.run(stop))
    stopper = asyncio.create_task(stop.wait())
    # A long getUpdates would delay a stop by up to a minute; drop it instead.
    done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
    for task in (runner, stopper):
        task.cancel()
    if runner in done:
        runner.result()
