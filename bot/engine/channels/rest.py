"""The REST channel (``POST /webhooks/rest/webhook``) as a trusted integration.

Enable it in ``credentials.yml`` as ``bot.engine.channels.rest.CustomerRestInput``; it keeps
Rasa's path and request format (``{"sender": "user-123", "message": "hi"}``, optional
``?stream=true``), so existing callers work unchanged. ``GET /webhooks/rest/ready`` answers
200 only once the model is loaded (the proxy's readiness check), 503 before. The caller
names the sender, so this channel is for a server (a website back end, a CRM, the tests)
that has already identified its customer, not for browsers: by default only callers on
this machine (loopback) are served; behind HAProxy the caller is the address the proxy
forwards (``FREIGHTDESK_TRUSTED_PROXIES``, :mod:`bot.core.forwarding`).

Differences from Rasa's own ``rest`` channel:

* callers from other addresses get 403 unless ``FREIGHTDESK_REST_ALLOWED_NETWORKS`` lists
  their network; with ``FREIGHTDESK_REST_TOKEN`` set every call must carry
  ``Authorization: Bearer <token>`` (401 otherwise);
* the sender may not name a web chat (``web:``) or Telegram (``telegram:``)
  conversation: those belong to their channels (403);
* ``input_channel`` and ``metadata`` from the body are ignored: a caller cannot pose as
  another channel (where proactive messages and "reply in this chat" would go);
* a message longer than :data:`~bot.domain.limits.CUSTOMER_MESSAGE_CHARS` is politely refused
  without reaching Rasa, and a typed slash command is screened
  (:class:`~bot.engine.channels.guard.CommandPolicy`);
* a malformed body (also JSON nested too deep to parse) is a 400 with a reason, never a
  500, and a sender id outside the safe form (:data:`~bot.engine.channels.guard.SENDER_ID_PATTERN`)
  is a 400;
* a turn that fails with an exception is answered with one honest apology
  (:func:`~bot.engine.channels.guard.turn_failed_reply`, in the conversation's
  language), not ``200 []``.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
import logging
import os
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from rasa.core.channels.rest import QueueOutputChannel, RestInput
from rasa.shared.constants import DEFAULT_SENDER_ID
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from bot.core.forwarding import (
    FORWARDED_FOR_HEADER,
    Network,
    client_address,
    trusted_proxies,
)
from bot.core.i18n import detect_language
from bot.core.settings import SettingsError
from bot.domain.limits import CUSTOMER_MESSAGE_CHARS
from bot.engine.channels.guard import (
    CommandPolicy,
    clean_text,
    sender_problem,
    too_long_reply,
    turn_failed_reply,
)
from bot.engine.languages import stored_language
from bot.engine.rasa_fixes import apply_fixes

logger = logging.getLogger(__name__)

NETWORKS_ENV = "FREIGHTDESK_REST_ALLOWED_NETWORKS"
TOKEN_ENV = "FREIGHTDESK_REST_TOKEN"
DEFAULT_NETWORKS = "127.0.0.0/8,::1/128"

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


@dataclass(frozen=True)
class RestAccess:
    """Who may call the REST channel.

    Attributes:
        networks: caller addresses served (``FREIGHTDESK_REST_ALLOWED_NETWORKS``, comma
            separated; default loopback only).
        token: bearer token every call must carry (``FREIGHTDESK_REST_TOKEN``); empty for
            none.
        proxies: proxies whose ``X-Forwarded-For`` names the caller
            (``FREIGHTDESK_TRUSTED_PROXIES``, :mod:`bot.core.forwarding`); none by default.
    """

    networks: tuple[Network, ...]
    token: str = ""
    proxies: tuple[Network, ...] = ()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> RestAccess:
        """Read the settings.

        Raises:
            SettingsError: a network is not an address or CIDR block.
        """
        env = os.environ if environ is None else environ
        raw = env.get(NETWORKS_ENV, "").strip() or DEFAULT_NETWORKS
        networks: list[Network] = []
        for part in raw.split(","):
            if not part.strip():
                continue
            try:
                networks.append(ipaddress.ip_network(part.strip(), strict=False))
            except ValueError as exc:
                raise SettingsError(
                    f"{NETWORKS_ENV} must list networks such as 127.0.0.0/8 or 10.0.0.0/8, "
                    f"separated by commas; {part.strip()!r} is not one."
                ) from exc
        return cls(tuple(networks), env.get(TOKEN_ENV, "").strip(), trusted_proxies(env))

    def caller(self, peer: str, forwarded_for: list[str]) -> str:
        """The caller's address: ``peer``, or what a trusted proxy says it forwarded."""
        return client_address(peer, forwarded_for, self.proxies)

    def allows_address(self, address: str) -> bool:
        """True when a caller at ``address`` may use the channel."""
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return any(ip.version == net.version and ip in net for net in self.networks)

    def allows_token(self, authorization: str) -> bool:
        """True when no token is configured or ``authorization`` carries it."""
        if not self.token:
            return True
        scheme, _, given = authorization.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            given.strip().encode(), self.token.encode()
        )


def _error(status: int, detail: str) -> HTTPResponse:
    return response.json({"error": detail}, status=status)


async def _failed_turn(
    request: Request, sender_id: str, text: str, said: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """What a turn that failed answers: whatever was said before, then one apology in the
    conversation's language."""
    agent = getattr(request.app.ctx, "agent", None)
    language = await stored_language(agent, sender_id, text)
    return [*said, {"recipient_id": sender_id, "text": turn_failed_reply(language)}]


class CustomerRestInput(RestInput):
    """Rasa's REST channel with the checks described in the module docstring."""

    @classmethod
    def name(cls) -> str:
        """``rest``: the same path and channel name as Rasa's own."""
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Build the channel; its settings come from the environment."""
        del credentials  # nothing secret or tunable lives in credentials.yml
        apply_fixes()  # Rasa builds the channels first (bot.engine.rasa_fixes)
        return cls(RestAccess.from_env())

    def __init__(self, access: RestAccess | None = None) -> None:
        """Serve callers allowed by ``access`` (default: loopback, no token)."""
        self.access = access or RestAccess.from_env()
        self._policy: tuple[int, CommandPolicy] | None = None

    def policy(self, request: Request) -> CommandPolicy:
        """The slash-command policy of the loaded model's domain (cached per domain)."""
        agent = getattr(request.app.ctx, "agent", None)
        domain = getattr(agent, "domain", None)
        if self._policy is None or self._policy[0] != id(domain):
            self._policy = (id(domain), CommandPolicy.from_domain(domain))
        return self._policy[1]

    def _refusal(self, request: Request) -> HTTPResponse | None:
        """The response for a caller that may not use the channel, if any."""
        caller = self.access.caller(
            request.ip or "", request.headers.getall(FORWARDED_FOR_HEADER, [])
        )
        if not self.access.allows_address(caller):
            logger.warning("REST webhook: call from %s refused (network not allowed)", caller)
            return _error(403, "this address may not use the REST channel")
        if not self.access.allows_token(request.headers.get("Authorization", "")):
            return _error(401, "missing or wrong bearer token")
        return None

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """``GET /`` (health) and ``POST /webhook``."""
        rest = Blueprint("freightdesk_rest", __name__)

        @rest.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @rest.route("/ready", methods=["GET"])
        async def ready(request: Request) -> HTTPResponse:
            # The proxy's health check: a replica still loading its model (or one whose
            # model failed to load) gets no traffic. Rasa's /status needs the API token.
            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or not agent.is_ready():
                return response.json({"status": "loading"}, status=503)
            return response.json({"status": "ready"})

        @rest.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse | ResponseStream:
            refused = self._refusal(request)
            if refused is not None:
                return refused
            try:
                body = json.loads(request.body or b"")
            except (ValueError, UnicodeDecodeError, RecursionError):
                # RecursionError: JSON nested deeper than the parser goes is not a request.
                return _error(400, 'the body must be JSON: {"sender": ..., "message": ...}')
            if not isinstance(body, dict):
                return _error(400, "the body must be a JSON object")
            sender = body.get("sender")
            # As Rasa's own channel: no sender is the "default" conversation, a number is
            # its digits.
            if sender is None:
                sender = DEFAULT_SENDER_ID
            elif isinstance(sender, int) and not isinstance(sender, bool):
                sender = str(sender)
            problem = sender_problem(sender)
            if problem is not None:
                status = 403 if "conversation" in problem else 400
                return _error(status, problem)
            sender_id = str(sender)
            text = body.get("message")
            if text is None:
                text = ""
            if not isinstance(text, str):
                return _error(400, "'message' must be a string")
            if len(text) > CUSTOMER_MESSAGE_CHARS:
                logger.info("REST webhook: %d-character message refused", len(text))
                reply = too_long_reply(detect_language(text[:2000]))
                return response.json([{"recipient_id": sender_id, "text": reply}])
            text = self.policy(request).screen(clean_text(text))
            if request.args.get("stream", "").lower() == "true":
                return response.stream(
                    self._streamer(on_new_message, text, sender_id),
                    content_type="text/event-stream",
                )
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(text, collector, sender_id, input_channel=self.name())
                )
            except asyncio.CancelledError:
                logger.error("REST webhook: the turn of %s timed out", sender_id)
                return response.json(
                    await _failed_turn(request, sender_id, text, collector.messages)
                )
            except Exception:
                logger.exception("REST webhook: the turn of %s failed", sender_id)
                return response.json(
                    await _failed_turn(request, sender_id, text, collector.messages)
                )
            return response.json(collector.messages)

        return rest

    def _streamer(
        self, on_new_message: OnNewMessage, text: str, sender_id: str
    ) -> Callable[[Any], Coroutine[Any, Any, None]]:
        async def stream(resp: Any) -> None:
            queue: asyncio.Queue[Any] = asyncio.Queue()

            async def turn() -> None:
                try:
                    await on_new_message(
                        UserMessage(
                            text, QueueOutputChannel(queue), sender_id, input_channel=self.name()
                        )
                    )
                finally:
                    await queue.put("DONE")

            task = asyncio.ensure_future(turn())
            while (item := await queue.get()) != "DONE":
                await resp.write(json.dumps(item) + "\n")
            await task

        return stream
