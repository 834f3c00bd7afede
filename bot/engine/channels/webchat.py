"""The web chat: a page at ``/webchat/`` and its socket.io endpoint, on the Rasa server.

Enable it in ``credentials.yml`` as ``bot.engine.channels.webchat.WebChatInput``. The page is
built from ``web/`` into ``web/dist`` (``make run`` and ``make test`` build it) and talks
socket.io on ``/webchat/socket.io/``. Differences from Rasa's own ``socketio`` channel:

* the conversation is ``web:<session id>``; the server makes the session id and hands
  the page a *session token*, ``<session id>.<issued>.<signature>`` (HMAC-SHA256 with the
  server's secret, :class:`SessionSigner`). The page keeps the token, so a reload (or a
  dropped connection) rejoins the same conversation; a token the server did not sign
  starts a new conversation, so knowing (or guessing) a sender id gets nobody into that
  conversation. A token expires after ``FREIGHTDESK_WEBCHAT_IDLE_DAYS`` (default 30) days
  without use: each join and each message hands the page a fresh one;
* one client address may open only so many new sessions an hour
  (:data:`bot.domain.rate_limits.NEW_WEB_SESSIONS_PER_ADDRESS`), and each message carries
  the address in its metadata (``client_address``) for the per-address limits on
  complaints and handoffs. A loopback peer (a local reverse proxy, a test) is not a
  client address and is not counted;
* on (re)joining, the server sends the conversation so far from the tracker store, so the
  page shows it after a reload, including messages sent while the page was closed;
* ``enter_room`` is awaited: python-socketio 5 made it a coroutine, and Rasa 3.6's
  channel calls it without ``await``, so its session persistence silently does nothing;
* only same-origin pages may connect unless ``cors_allowed_origins`` says otherwise;
* websockets only (:data:`TRANSPORTS`): HTTP long polling is refused, so a session never
  spans two replicas behind the proxy (docs/scaling.md);
* with ``FREIGHTDESK_WEBCHAT_REDIS_URL`` set (the production profile sets it) the replicas
  share socket.io's messages through Redis (python-socketio's ``AsyncRedisManager``, on
  the channel ``FREIGHTDESK_WEBCHAT_REDIS_CHANNEL``): a message for a conversation,
  proactive ones included (an agent's reply, a complaint outcome, a shipment notice, the
  survey offer), reaches its page whichever replica handled it and whichever replica the
  page's websocket is on. Unset (the embedded profile), messages stay in the process.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import logging
import mimetypes
import os
import re
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from rasa.shared.core.events import BotUttered, UserUttered
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import (  # type: ignore[import-untyped]  # ships no type hints
    AsyncRedisManager,
    AsyncServer,
)

from bot.core.files import private_dir
from bot.core.settings import (
    REPO_ROOT,
    WEBCHAT_REDIS_CHANNEL_ENV,
    WEBCHAT_REDIS_URL_ENV,
    Settings,
    SettingsError,
)
from bot.domain.limits import WEBCHAT_MESSAGE_CHARS
from bot.domain.rate_limits import (
    CLIENT_ADDRESS_KEY,
    LIMITED_TEXT,
    NEW_WEB_SESSION_WINDOW,
    NEW_WEB_SESSIONS_PER_ADDRESS,
    WindowCounter,
)
from bot.engine.channels.guard import CommandPolicy, clean_text, unreadable_reply
from bot.engine.channels.webchat_page import render_page
from bot.engine.languages import stored_language
from bot.engine.rasa_fixes import apply_fixes

logger = logging.getLogger(__name__)

SENDER_PREFIX = "web:"
DIST_DIR = REPO_ROOT / "web" / "dist"
URL_PREFIX = "/webchat"
SOCKETIO_PATH = "/webchat/socket.io"
#: socket.io transports the server accepts: websockets only, never HTTP long polling.
TRANSPORTS = ["websocket"]
HISTORY_LIMIT = 100
#: The socket.io event a packet too deeply nested to parse is read as.
UNREADABLE_EVENT = "freightdesk_unreadable"
#: Largest socket.io packet accepted (a message keeps at most WEBCHAT_MESSAGE_CHARS).
MAX_PACKET_BYTES = 64 * 1024
SECRET_ENV = "FREIGHTDESK_SESSION_SECRET"
SECRET_FILE = "webchat_secret"
MIN_SECRET_CHARS = 32
_SESSION_RE = re.compile(r"^[0-9a-f]{32}$")
_TOKEN_RE = re.compile(
    r"^(?P<session>[0-9a-f]{32})\.(?P<issued>[0-9]{1,12})\.(?P<signature>[A-Za-z0-9_-]{43})$"
)
IDLE_DAYS_ENV = "FREIGHTDESK_WEBCHAT_IDLE_DAYS"
#: How long a web chat session token stays valid without being used.
DEFAULT_MAX_IDLE = timedelta(days=30)
#: Clock difference between replicas tolerated in a token's issue time.
_CLOCK_SKEW_SECONDS = 300
_ASSET_RE = re.compile(r"^[A-Za-z0-9_.-]+\.(js|css|svg|png|ico|map)$")
# The page loads nothing from elsewhere: no CDN, no inline script.
_PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' https: data:; "
    "connect-src 'self'; style-src 'self'; script-src 'self'; base-uri 'none'; "
    "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}
#: The Redis channel of the web chat's messages when none is configured.
DEFAULT_REDIS_CHANNEL = "freightdesk:webchat"
NOT_BUILT = (
    "<!doctype html><title>Web chat not built</title><p>The web chat page has not been "
    "built. Run <code>make run</code> (or <code>cd web && npm ci && npm run build</code>) "
    "and reload.</p>"
)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def sender_id_for_session(session_id: str) -> str:
    """The Rasa sender id of a web chat session: ``web:<session id>``."""
    return f"{SENDER_PREFIX}{session_id}"


def valid_session_id(value: Any) -> str | None:
    """``value`` if it has the shape of a session id this server makes, else None."""
    if isinstance(value, str) and _SESSION_RE.match(value):
        return value
    return None


class SessionSigner:
    """Makes and checks the web chat's session tokens: ``<session id>.<issued>.<signature>``.

    The signature is HMAC-SHA256 of the session id and the issue time (Unix seconds)
    under the server's secret, so only this server (or a replica sharing the secret) can
    make a token; the page cannot choose its session, and a sender id seen in a log or the
    console is not a key. A token older than ``max_idle`` names no session any more (a
    token copied off a shared computer stops working); the channel hands out a fresh one
    at each use, so only idleness ends a conversation's token.
    """

    def __init__(
        self,
        secret: str,
        max_idle: timedelta = DEFAULT_MAX_IDLE,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Sign with ``secret`` (at least :data:`MIN_SECRET_CHARS` characters)."""
        if len(secret) < MIN_SECRET_CHARS:
            raise SettingsError(
                f"{SECRET_ENV} must be at least {MIN_SECRET_CHARS} characters; generate one "
                "with `python -c 'import secrets; print(secrets.token_urlsafe(32))'`."
            )
        self._key = secret.encode()
        self.max_idle = max_idle
        self._clock = clock

    def _signature(self, session_id: str, issued: str) -> str:
        message = f"webchat-session:{session_id}:{issued}".encode()
        digest = hmac.new(self._key, message, hashlib.sha256)
        return base64.urlsafe_b64encode(digest.digest()).decode().rstrip("=")

    def token_for(self, session_id: str) -> str:
        """A token of ``session_id``, issued now."""
        issued = str(int(self._clock()))
        return f"{session_id}.{issued}.{self._signature(session_id, issued)}"

    def session_of(self, token: Any) -> str | None:
        """The session id of an unexpired token this server signed, else None."""
        match = _TOKEN_RE.match(token) if isinstance(token, str) else None
        if match is None:
            return None
        session_id, issued = match.group("session"), match.group("issued")
        expected = self._signature(session_id, issued)
        if not hmac.compare_digest(expected, match.group("signature")):
            return None
        age = self._clock() - int(issued)
        if age > self.max_idle.total_seconds() or age < -_CLOCK_SKEW_SECONDS:
            return None
        return session_id


def max_idle(environ: dict[str, str] | None = None) -> timedelta:
    """How long a token lasts unused: ``FREIGHTDESK_WEBCHAT_IDLE_DAYS`` (default 30).

    Raises:
        SettingsError: the value is not a whole number of days from 1 to 3650.
    """
    env = os.environ if environ is None else environ
    raw = env.get(IDLE_DAYS_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_IDLE
    if not raw.isdigit() or not 1 <= int(raw) <= 3650:
        raise SettingsError(f"{IDLE_DAYS_ENV} must be a whole number of days from 1 to 3650")
    return timedelta(days=int(raw))


def redis_manager_settings(environ: dict[str, str] | None = None) -> tuple[str, str] | None:
    """(Redis URL, channel) sharing socket.io's messages between replicas, or None.

    ``FREIGHTDESK_WEBCHAT_REDIS_URL`` (unset: the messages stay in this process) and
    ``FREIGHTDESK_WEBCHAT_REDIS_CHANNEL`` (default :data:`DEFAULT_REDIS_CHANNEL`).

    Raises:
        SettingsError: the URL is not a redis:// or rediss:// URL.
    """
    env = os.environ if environ is None else environ
    url = env.get(WEBCHAT_REDIS_URL_ENV, "").strip()
    if not url:
        return None
    if not url.startswith(("redis://", "rediss://")):
        raise SettingsError(f"{WEBCHAT_REDIS_URL_ENV} must be a redis:// or rediss:// URL")
    channel = env.get(WEBCHAT_REDIS_CHANNEL_ENV, "").strip() or DEFAULT_REDIS_CHANNEL
    return url, channel


def client_address(environ: dict[str, Any]) -> str | None:
    """The peer address of a socket.io connection, or None for a loopback peer.

    engine.io's Sanic driver writes ``127.0.0.1`` as ``REMOTE_ADDR`` whoever connects, so
    the address is read from the Sanic request. A loopback peer is a local reverse proxy
    (or a test): every customer would share it, so it is not a client address.
    """
    request = environ.get("sanic.request")
    value = getattr(request, "ip", None) if request is not None else None
    if not isinstance(value, str) or not value:
        return None
    try:
        if ipaddress.ip_address(value).is_loopback:
            return None
    except ValueError:
        return None
    return value


def session_secret(environ: dict[str, str] | None = None) -> str:
    """The signing secret: ``FREIGHTDESK_SESSION_SECRET``, else one made once in var/.

    Replicas must share it (set the variable, or share the var folder); a new secret
    makes every open web chat start a new conversation.
    """
    env = os.environ if environ is None else environ
    configured = env.get(SECRET_ENV, "").strip()
    if configured:
        return configured
    var_dir = Settings.from_env(dict(env)).var_dir
    path = var_dir / SECRET_FILE
    if not path.exists():
        private_dir(var_dir)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first: use theirs
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


def bot_messages(text: str | None, data: dict[str, Any]) -> list[dict[str, Any]]:
    """A bot utterance as the socket messages :class:`SocketIOOutput` would emit."""
    messages: list[dict[str, Any]] = [
        {"text": part} for part in (text or "").strip().split("\n\n") if part
    ]
    buttons = data.get("buttons") or []
    if buttons:
        if not messages:
            messages.append({"text": ""})
        messages[-1]["quick_replies"] = [
            {"content_type": "text", "title": b.get("title"), "payload": b.get("payload")}
            for b in buttons
        ]
    if data.get("image"):
        messages.append({"attachment": {"type": "image", "payload": {"src": data["image"]}}})
    return messages


def history_messages(events: list[Any], limit: int = HISTORY_LIMIT) -> list[dict[str, Any]]:
    """The conversation as the page shows it: user and bot messages, newest last.

    User messages show what the customer saw: a button's title rather than its payload,
    and nothing for the page's own opening request.
    """
    messages: list[dict[str, Any]] = []
    for event in events:
        if isinstance(event, UserUttered):
            metadata = event.metadata or {}
            if metadata.get("hidden"):
                continue
            shown = metadata.get("display") or event.text or ""
            messages.append({"sender": "user", "text": shown})
        elif isinstance(event, BotUttered):
            for message in bot_messages(event.text, event.data or {}):
                messages.append({"sender": "bot", **message})
    return messages[-limit:]


def _client_metadata(data: dict[str, Any]) -> dict[str, Any]:
    """Only what the page is expected to send; anything else from a browser is dropped."""
    raw = data.get("metadata")
    if not isinstance(raw, dict):
        return {}
    metadata: dict[str, Any] = {}
    if isinstance(raw.get("display"), str):
        metadata["display"] = raw["display"][:200]
    if raw.get("hidden") is True:
        metadata["hidden"] = True
    return metadata


class _PacketJson:
    """The ``json`` module for socket.io packets, answering JSON it cannot parse.

    ``json.loads`` raises ``RecursionError`` on JSON nested a few thousand levels deep;
    inside python-socketio that drops the packet with a log line and the customer hears
    nothing. Read as the :data:`UNREADABLE_EVENT` event instead, the page is told.
    """

    dumps = staticmethod(json.dumps)

    @staticmethod
    def loads(text: str | bytes, **kwargs: Any) -> Any:
        try:
            return json.loads(text, **kwargs)
        except RecursionError:
            return [UNREADABLE_EVENT]


class _WebChatBlueprint(SocketBlueprint):
    """Rasa's socket blueprint, remembering the app so the channel can read trackers."""

    def __init__(self, channel: WebChatInput, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ctx.channel = channel

    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        self.ctx.channel.app = app
        super().register(app, options)


class WebChatInput(SocketIOInput):
    """The web chat channel: the page, its assets and the socket.io endpoint."""

    @classmethod
    def name(cls) -> str:
        """Name of the channel, recorded with each message (``output_channel=latest``)."""
        return "webchat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Build the channel; ``cors_allowed_origins`` lists other sites that may embed it."""
        credentials = credentials or {}
        apply_fixes()  # Rasa builds the channels first (bot.engine.rasa_fixes)
        return cls(
            cors_allowed_origins=credentials.get("cors_allowed_origins"),
            dist_dir=Path(credentials.get("dist_dir") or DIST_DIR),
            signer=SessionSigner(session_secret(), max_idle()),
            redis_manager=redis_manager_settings(),
        )

    def __init__(
        self,
        cors_allowed_origins: list[str] | None = None,
        dist_dir: Path = DIST_DIR,
        signer: SessionSigner | None = None,
        redis_manager: tuple[str, str] | None = None,
    ) -> None:
        """Serve the page from ``dist_dir``; only same-origin pages connect by default.

        ``redis_manager``: (Redis URL, channel) through which the replicas share socket.io's
        messages (:func:`redis_manager_settings`); None keeps them in this process.
        """
        super().__init__(
            user_message_evt="user_uttered",
            bot_message_evt="bot_uttered",
            session_persistence=True,
            socketio_path=SOCKETIO_PATH,
        )
        self.cors_allowed_origins = cors_allowed_origins
        self.dist_dir = dist_dir
        self.signer = signer or SessionSigner(session_secret(), max_idle())
        self.redis_manager = redis_manager
        self.new_sessions = WindowCounter(NEW_WEB_SESSIONS_PER_ADDRESS, NEW_WEB_SESSION_WINDOW)
        self.app: Sanic | None = None
        self._policy: tuple[int, CommandPolicy] | None = None

    def policy(self) -> CommandPolicy:
        """The slash-command policy of the loaded model's domain (cached per domain)."""
        agent = getattr(getattr(self.app, "ctx", None), "agent", None)
        domain = getattr(agent, "domain", None)
        if self._policy is None or self._policy[0] != id(domain):
            self._policy = (id(domain), CommandPolicy.from_domain(domain))
        return self._policy[1]

    def url_prefix(self) -> str:
        """The page lives at ``/webchat/``, not under ``/webhooks/``."""
        return URL_PREFIX

    def get_output_channel(self) -> OutputChannel | None:
        """The output for proactive messages: the conversation's socket.io room."""
        if self.sio is None:
            return None
        return SocketIOOutput(self.sio, self.bot_message_evt)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """The page, its assets and the socket.io events."""
        manager = None
        if self.redis_manager is not None:
            url, channel = self.redis_manager
            # Each emit is handled here and published on the channel; every other replica
            # hands it to its own sockets in the room (the conversation's pages).
            manager = AsyncRedisManager(url, channel=channel)
        # None: python-socketio accepts the page's own origin only.
        sio = AsyncServer(
            async_mode="sanic",
            cors_allowed_origins=self.cors_allowed_origins,
            max_http_buffer_size=MAX_PACKET_BYTES,
            json=_PacketJson,
            # Websockets only: a long-polling client makes several requests that a proxy
            # may send to different replicas, and only one of them knows its session. The
            # page asks for websockets alone and HAProxy refuses polling too.
            transports=TRANSPORTS,
            client_manager=manager,
        )
        self.sio = sio
        webchat = _WebChatBlueprint(self, sio, SOCKETIO_PATH, "freightdesk_webchat", __name__)

        @webchat.route("/", methods=["GET"])
        async def page(request: Request) -> HTTPResponse:
            index = self.dist_dir / "index.html"
            if not index.is_file():
                return response.html(NOT_BUILT, status=503)
            # The words come from the catalogue (webchat_page); ?lang=zh opens it in Chinese.
            text = render_page(index.read_text(encoding="utf-8"), request.args.get("lang"))
            return response.html(text, headers=_PAGE_HEADERS)

        @webchat.route("/assets/<name:str>", methods=["GET"])
        async def asset(_: Request, name: str) -> HTTPResponse:
            path = self.dist_dir / "assets" / name
            # Names are checked, never joined blindly: no way out of dist/assets.
            if not _ASSET_RE.match(name) or not path.is_file():
                return response.text("Not found", status=404)
            mime_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
            return await response.file(path, mime_type=mime_type, headers=_PAGE_HEADERS)

        @webchat.listener("before_server_stop")
        async def close_sockets(*_: Any) -> None:
            # Ends the open connections' ping tasks cleanly instead of leaving them pending.
            await sio.shutdown()

        # What answers a socket's own request (its token, its history, a refusal) goes to
        # that socket, which is on this replica: ``ignore_queue`` keeps it off Redis.

        @sio.on("connect")
        async def connect(sid: str, environ: dict[str, Any], auth: Any = None) -> bool:
            await sio.save_session(sid, {"address": client_address(environ)})
            return True

        @sio.on("session_request")
        async def session_request(sid: str, data: Any = None) -> None:
            requested = data.get("session_id") if isinstance(data, dict) else None
            address = (await sio.get_session(sid) or {}).get("address")
            # Only an unexpired token this server signed rejoins a conversation; anything
            # else (an old or unsigned id, a guess, another customer's sender id) starts a
            # new one, and one address may start only so many.
            session_id = self.signer.session_of(requested)
            if session_id is None:
                if address and not self.new_sessions.allow(address):
                    logger.warning("web chat: new sessions from one address rate limited")
                    await sio.emit(
                        self.bot_message_evt,
                        {"text": LIMITED_TEXT["web_session"]},
                        room=sid,
                        ignore_queue=True,
                    )
                    return
                session_id = uuid.uuid4().hex
            token = self.signer.token_for(session_id)
            sender_id = sender_id_for_session(session_id)
            await sio.save_session(sid, {"sender_id": sender_id, "address": address})
            # The room is named after the sender id, so output for ``web:<id>`` (also a
            # proactive one) reaches every tab of that conversation.
            await sio.enter_room(sid, sender_id)
            await sio.emit("session_confirm", token, room=sid, ignore_queue=True)
            await sio.emit("history", await self._history(sender_id), room=sid, ignore_queue=True)

        @sio.on(UNREADABLE_EVENT)
        async def unreadable(sid: str, *_: Any) -> None:
            logger.warning("web chat: a packet nested too deep to read was refused")
            session = await sio.get_session(sid)
            sender_id = session.get("sender_id") if session else None
            agent = getattr(getattr(self.app, "ctx", None), "agent", None)
            language = await stored_language(agent, sender_id) if sender_id else None
            await sio.emit(
                self.bot_message_evt,
                {"text": unreadable_reply(language)},
                room=sid,
                ignore_queue=True,
            )

        @sio.on(self.user_message_evt)
        async def handle_message(sid: str, data: Any = None) -> None:
            session = await sio.get_session(sid)
            sender_id = session.get("sender_id") if session else None
            if sender_id is None or not isinstance(data, dict):
                logger.warning("web chat message before session_request; ignored")
                return
            text = str(data.get("message") or "").strip()[:WEBCHAT_MESSAGE_CHARS]
            text = self.policy().screen(clean_text(text))
            if not text:
                return
            metadata = _client_metadata(data)
            if session.get("address"):
                metadata[CLIENT_ADDRESS_KEY] = session["address"]
            # A fresh token at each message: the session expires only when left idle.
            session_id = sender_id.removeprefix(SENDER_PREFIX)
            await sio.emit(
                "session_confirm", self.signer.token_for(session_id), room=sid, ignore_queue=True
            )
            await on_new_message(
                UserMessage(
                    text,
                    SocketIOOutput(sio, self.bot_message_evt),
                    sender_id,
                    input_channel=self.name(),
                    metadata=metadata,
                )
            )

        return webchat

    async def _history(self, sender_id: str) -> list[dict[str, Any]]:
        agent = getattr(getattr(self.app, "ctx", None), "agent", None)
        if agent is None or agent.tracker_store is None:
            return []
        try:
            tracker = await agent.tracker_store.retrieve(sender_id)
        except Exception:
            # The page still works without the history; the log says why it is missing.
            logger.exception("could not read the web chat history of %s", sender_id)
            return []
        return history_messages(list(tracker.events)) if tracker is not None else []
