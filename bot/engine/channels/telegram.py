"""Telegram as a Rasa input channel, on python-telegram-bot 22.

Enable it in ``credentials.yml`` as ``bot.engine.channels.telegram.TelegramInput``; its settings
come from the environment (see :mod:`bot.engine.channels.settings`). Telegram, or the poller of
:mod:`bot.engine.channels.telegram_poll`, posts updates to ``/webhooks/telegram/webhook``. The
webhook checks Telegram's secret header, answers at once and runs the turn in a
background task, so a slow turn never makes Telegram send the update again.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Bot
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.request import HTTPXRequest

from bot.domain.limits import CUSTOMER_MESSAGE_CHARS, TELEGRAM_MESSAGE_CHARS
from bot.engine.channels.guard import CommandPolicy, clean_text, turn_failed_reply
from bot.engine.channels.settings import TelegramSettings
from bot.engine.channels.telegram_replies import (
    CallbackPayloads,
    expired_button_reply,
    inline_keyboard,
    non_text_reply,
    split_text,
    to_html,
)
from bot.engine.channels.telegram_updates import (
    Incoming,
    RecentUpdates,
    UpdateError,
    UpdateKind,
    chat_id_from_sender,
    parse_update,
)
from bot.engine.languages import stored_language
from bot.engine.rasa_fixes import apply_fixes

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# Every Bot API call has a timeout, so a stalled Telegram cannot hold a turn forever.
API_TIMEOUT_S = 10.0

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def make_bot(settings: TelegramSettings) -> Bot:
    """A python-telegram-bot ``Bot`` on the configured Bot API server, with timeouts."""
    request = HTTPXRequest(
        connection_pool_size=16,
        read_timeout=API_TIMEOUT_S,
        write_timeout=API_TIMEOUT_S,
        connect_timeout=API_TIMEOUT_S,
        pool_timeout=API_TIMEOUT_S,
    )
    return Bot(settings.bot_token, base_url=settings.bot_api_url, request=request)


class TelegramOutput(OutputChannel):
    """Sends the bot's messages to a Telegram chat, asynchronously, on the running loop.

    Rasa's own Telegram output is an aiogram bot that its input channel builds with
    ``asyncio.run()``, which fails inside the server's loop; this one is a plain object
    bound to a shared ``Bot``, so proactive messages work too.
    """

    @classmethod
    def name(cls) -> str:
        """The channel name Rasa records with each message."""
        return "telegram"

    def __init__(self, bot: Bot, payloads: CallbackPayloads) -> None:
        """Bind the output to ``bot``; long button payloads go through ``payloads``."""
        self.bot = bot
        self.payloads = payloads

    async def _send(self, recipient_id: str, text: str, reply_markup: Any = None) -> None:
        chat_id = chat_id_from_sender(recipient_id)
        chunks = split_text(text) or [" "]
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            await self.bot.send_message(
                chat_id,
                to_html(chunk)[:TELEGRAM_MESSAGE_CHARS],
                parse_mode=ParseMode.HTML,
                # Buttons go under the last part, where the customer's eye ends up.
                reply_markup=reply_markup if last else None,
            )

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """Send ``text`` (split if longer than Telegram allows)."""
        await self._send(recipient_id, text)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """Send ``text`` with the buttons as an inline keyboard under it."""
        await self._send(recipient_id, text, inline_keyboard(buttons, self.payloads))

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        """Send a picture by its URL."""
        await self.bot.send_photo(chat_id_from_sender(recipient_id), photo=image)

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        """Custom payloads are for the web page; on Telegram they are logged, not sent."""
        logger.warning("custom JSON message for %s not sent on Telegram", recipient_id)


class TelegramInput(InputChannel):
    """The Telegram webhook: ``POST /webhooks/telegram/webhook``."""

    @classmethod
    def name(cls) -> str:
        """Name of the channel: the webhook's path and Rasa's ``input_channel``."""
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Build the channel from the environment; ``credentials.yml`` holds no secrets.

        Raises:
            SettingsError: a Telegram setting is set but unusable.
        """
        del credentials  # settings come from the environment, never from the YAML file
        apply_fixes()  # Rasa builds the channels first (bot.engine.rasa_fixes)
        settings = TelegramSettings.from_env()
        if settings is None:
            logger.info("Telegram is not configured (TELEGRAM_BOT_TOKEN): webhook disabled")
        return cls(settings)

    def __init__(self, settings: TelegramSettings | None, bot: Bot | None = None) -> None:
        """Serve ``settings``' bot; with None the webhook answers 503 (not configured)."""
        self.settings = settings
        self._bot = bot
        self.recent = RecentUpdates()
        self.payloads = CallbackPayloads()
        self._tasks: set[asyncio.Task[None]] = set()
        # Typed slash commands are screened against the loaded model's domain.
        self.command_policy = CommandPolicy(frozenset(), frozenset())
        self._policy_domain: int | None = None
        # Rasa's agent, for the conversation's language in the channel's own messages.
        self._agent: Any = None

    @property
    def bot(self) -> Bot:
        """The shared ``Bot``, made on first use (inside the server's event loop)."""
        if self.settings is None:
            raise RuntimeError("Telegram is not configured")
        if self._bot is None:
            self._bot = make_bot(self.settings)
        return self._bot

    def get_output_channel(self) -> OutputChannel | None:
        """The output for proactive messages (``output_channel=latest``)."""
        if self.settings is None:
            return None
        return TelegramOutput(self.bot, self.payloads)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """The webhook and a health route."""
        telegram_webhook = Blueprint("freightdesk_telegram", __name__)

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.settings else "not configured"})

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            agent = getattr(request.app.ctx, "agent", None)
            domain = getattr(agent, "domain", None)
            if domain is not None and self._policy_domain != id(domain):
                self.command_policy = CommandPolicy.from_domain(domain)
                self._policy_domain = id(domain)
            self._agent = agent
            return self._receive(request, on_new_message)

        @telegram_webhook.listener("before_server_stop")
        async def close_bot(*_: Any) -> None:
            if self._tasks:
                await asyncio.wait(self._tasks, timeout=5)
            if self._bot is not None:
                await self._bot.shutdown()

        return telegram_webhook

    def _receive(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        if self.settings is None:
            return response.json(
                {"status": "not configured", "detail": "set TELEGRAM_BOT_TOKEN"}, status=503
            )
        given = request.headers.get(SECRET_HEADER, "")
        if not hmac.compare_digest(given.encode(), self.settings.secret_token.encode()):
            logger.warning("Telegram webhook: call without the right secret token refused")
            return response.json({"status": "forbidden"}, status=403)
        try:
            incoming = parse_update(request.json)
        except UpdateError as exc:
            logger.warning("Telegram webhook: %s", exc)
            return response.json({"status": "bad request", "detail": str(exc)}, status=400)
        except Exception as exc:
            # Sanic's JSON error or a shape PTB cannot read: a 400, never a 500.
            logger.warning("Telegram webhook: unreadable body: %s", exc)
            return response.json({"status": "bad request"}, status=400)
        if not self.recent.first_time(incoming.update_id):
            logger.info("Telegram update %s already handled; ignored", incoming.update_id)
            return response.json({"status": "duplicate"})
        if incoming.kind is UpdateKind.IGNORED:
            logger.debug("Telegram update %s ignored: %s", incoming.update_id, incoming.reason)
            return response.json({"status": "ignored"})
        # Answer Telegram now; the turn (NLU, actions, replies) runs in the background.
        task = asyncio.get_running_loop().create_task(self.handle(incoming, on_new_message))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return response.json({"status": "accepted"})

    async def handle(self, incoming: Incoming, on_new_message: OnNewMessage) -> None:
        """Run one turn for ``incoming``; on failure, apologise to the customer."""
        output = TelegramOutput(self.bot, self.payloads)
        sender_id = incoming.sender_id
        try:
            text = incoming.text
            if incoming.kind is UpdateKind.CALLBACK:
                await self._answer_callback(incoming)
                payload = self.payloads.payload(text)
                if payload is None:
                    language = await self._language(incoming)
                    await output.send_text_message(sender_id, expired_button_reply(language))
                    return
                # Callback data comes from the customer's client, which can send any
                # text: screened like typed text (our buttons' commands pass as they are).
                text = self.command_policy.screen(clean_text(payload))[:CUSTOMER_MESSAGE_CHARS]
            elif incoming.kind is UpdateKind.NON_TEXT:
                language = await self._language(incoming)
                await output.send_text_message(
                    sender_id, non_text_reply(incoming.media or "", language)
                )
                return
            else:
                text = self.command_policy.screen(clean_text(text))[:CUSTOMER_MESSAGE_CHARS]
            await on_new_message(
                UserMessage(
                    text,
                    output,
                    sender_id,
                    input_channel=self.name(),
                    metadata=incoming.metadata(),
                )
            )
        except Exception:
            logger.exception("Telegram update %s failed", incoming.update_id)
            try:
                language = await self._language(incoming)
                await output.send_text_message(sender_id, turn_failed_reply(language))
            except Exception:
                # Already logged above; Telegram itself may be what is down.
                logger.warning("could not send the apology to %s", sender_id)

    async def _language(self, incoming: Incoming) -> str:
        """The conversation's language for the channel's own messages; the customer's
        Telegram app language while the conversation shows none."""
        text = incoming.text if incoming.kind is UpdateKind.TEXT else None
        return await stored_language(
            self._agent, incoming.sender_id, text, hint=incoming.user_language
        )

    async def _answer_callback(self, incoming: Incoming) -> None:
        """Stop the button's spinner; a failure here must not lose the customer's choice."""
        if incoming.callback_query_id is None:
            return
        try:
            await self.bot.answer_callback_query(incoming.callback_query_id)
        except TelegramError as exc:
            logger.warning("answerCallbackQuery failed for %s: %s", incoming.sender_id, exc)
