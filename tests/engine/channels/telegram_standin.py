"""A stand-in for the Telegram Bot API on a free loopback port, for tests.

It answers the calls the channel and the poller make (``getMe``, ``sendMessage``,
``sendPhoto``, ``answerCallbackQuery``, ``getUpdates``, ``deleteWebhook``) the way
Telegram does, and records each call so a test can read what the customer would have
received. It runs aiohttp on its own event loop in a thread, so synchronous tests (and
Rasa in another process) can use it alike. Tests never reach Telegram.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

BOT_USER = {
    "id": 7000000001,
    "is_bot": True,
    "first_name": "Freight Desk",
    "username": "freightdesk_test_bot",
    "can_join_groups": False,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}
_NUMERIC = {"chat_id", "offset", "limit", "timeout", "message_id"}
_TAG_RE = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class ApiCall:
    """One call the stand-in received: the Bot API method and its parameters."""

    method: str
    params: dict[str, Any]
    at: float = field(default_factory=time.monotonic)

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None

    @property
    def text(self) -> str:
        return str(self.params.get("text", ""))

    @property
    def buttons(self) -> list[dict[str, Any]]:
        """The inline keyboard's buttons, row after row."""
        markup = self.params.get("reply_markup") or {}
        return [key for row in markup.get("inline_keyboard", []) for key in row]


class BotApiStandIn:
    """The stand-in server. Start with :meth:`start`, stop with :meth:`stop`."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.port = 0
        self._calls: list[ApiCall] = []
        self._lock = threading.Lock()
        self._message_ids = itertools.count(1000)
        self._updates: list[dict[str, Any]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._new_update: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        #: Seconds to hold the answer to a sendMessage for a chat (to show the webhook
        #: does not wait for the bot's reply).
        self.send_delay: dict[int, float] = {}

    @property
    def url(self) -> str:
        """Root URL, as ``TELEGRAM_API_BASE_URL`` expects it."""
        return f"http://127.0.0.1:{self.port}"

    # -- what tests read -----------------------------------------------------------------

    def calls(self, method: str | None = None, chat_id: int | None = None) -> list[ApiCall]:
        """Calls received so far, optionally of one method and for one chat."""
        with self._lock:
            calls = list(self._calls)
        return [
            call
            for call in calls
            if (method is None or call.method == method)
            and (chat_id is None or call.chat_id == chat_id)
        ]

    def messages(self, chat_id: int) -> list[ApiCall]:
        """``sendMessage`` calls for ``chat_id``, oldest first."""
        return self.calls("sendMessage", chat_id)

    def wait_for(
        self,
        predicate: Callable[[BotApiStandIn], bool],
        timeout: float = 60.0,
        what: str = "the expected Bot API calls",
    ) -> None:
        """Wait until ``predicate(self)`` holds; fail the test after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate(self):
                return
            time.sleep(0.05)
        raise AssertionError(f"timed out waiting for {what}; calls: {self.calls()}")

    def wait_for_messages(self, chat_id: int, count: int = 1, timeout: float = 60.0) -> list[str]:
        """Wait for ``count`` messages to ``chat_id``; return every text sent there."""
        self.wait_for(
            lambda api: len(api.messages(chat_id)) >= count,
            timeout,
            f"{count} message(s) to chat {chat_id}",
        )
        return [call.text for call in self.messages(chat_id)]

    def queue_update(self, update: dict[str, Any]) -> None:
        """Make ``update`` available to ``getUpdates`` (long polling)."""
        with self._lock:
            self._updates.append(update)
        if self._loop is not None and self._new_update is not None:
            self._loop.call_soon_threadsafe(self._new_update.set)

    # -- server --------------------------------------------------------------------------

    def start(self) -> BotApiStandIn:
        """Start serving on a free loopback port; return once it accepts connections."""
        ready = threading.Event()
        self._thread = threading.Thread(
            target=self._serve, args=(ready,), name="bot-api-stand-in", daemon=True
        )
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the Bot API stand-in did not start")
        return self

    def stop(self) -> None:
        """Stop the server and its thread."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _serve(self, ready: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        self._new_update = asyncio.Event()
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        ready.set()
        try:
            loop.run_forever()
        finally:
            loop.run_until_complete(self._runner.cleanup())
            loop.close()

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(401, "Unauthorized")
        method = request.match_info["method"]
        params = await _params(request)
        with self._lock:
            self._calls.append(ApiCall(method, params))
        handler = {
            "getMe": self._get_me,
            "sendMessage": self._send_message,
            "sendPhoto": self._send_photo,
            "answerCallbackQuery": self._true,
            "deleteWebhook": self._true,
            "setWebhook": self._true,
            "getUpdates": self._get_updates,
        }.get(method)
        if handler is None:
            return _error(404, "Not Found")
        return await handler(params)

    async def _get_me(self, _params: dict[str, Any]) -> web.Response:
        return _ok(BOT_USER)

    async def _true(self, _params: dict[str, Any]) -> web.Response:
        return _ok(True)

    def _message(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = params.get("chat_id")
        if chat_id is None:
            raise web.HTTPBadRequest()
        return {
            "message_id": next(self._message_ids),
            "from": {k: BOT_USER[k] for k in ("id", "is_bot", "first_name", "username")},
            "chat": {"id": int(chat_id), "first_name": "Customer", "type": "private"},
            "date": int(time.time()),
        }

    async def _send_message(self, params: dict[str, Any]) -> web.Response:
        if not str(params.get("text", "")).strip():
            return _error(400, "Bad Request: message text is empty")
        message = self._message(params)
        delay = self.send_delay.get(int(params["chat_id"]), 0.0)
        if delay:
            await asyncio.sleep(delay)
        message["text"] = _TAG_RE.sub("", str(params["text"]))
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        return _ok(message)

    async def _send_photo(self, params: dict[str, Any]) -> web.Response:
        message = self._message(params)
        message["photo"] = [
            {"file_id": "AgACAgUAAxk", "file_unique_id": "AQAD", "width": 90, "height": 90}
        ]
        return _ok(message)

    async def _get_updates(self, params: dict[str, Any]) -> web.Response:
        offset = int(params.get("offset") or 0)
        # Hold the request like Telegram's long polling, but never longer than a test needs.
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), 5.0)
        assert self._new_update is not None
        while True:
            with self._lock:
                pending = [u for u in self._updates if u["update_id"] >= offset]
            if pending or time.monotonic() >= deadline:
                return _ok(pending[: int(params.get("limit") or 100)])
            self._new_update.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(
                    self._new_update.wait(), timeout=max(0.0, deadline - time.monotonic())
                )


async def _params(request: web.Request) -> dict[str, Any]:
    """The call's parameters, from a query string, a form or a JSON body (as Telegram)."""
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        params.update(await request.json())
    elif request.can_read_body:
        form = await request.post()
        params.update({key: value for key, value in form.items() if isinstance(value, str)})
    for key, value in list(params.items()):
        if isinstance(value, str) and value[:1] in "{[":
            with contextlib.suppress(ValueError):
                params[key] = json.loads(value)
        elif key in _NUMERIC and isinstance(value, str):
            with contextlib.suppress(ValueError):
                params[key] = int(value)
    return params


def _ok(result: Any) -> web.Response:
    return web.json_response({"ok": True, "result": result})


def _error(code: int, description: str) -> web.Response:
    return web.json_response(
        {"ok": False, "error_code": code, "description": description}, status=code
    )
