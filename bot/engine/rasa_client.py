"""The one client of the Rasa server's HTTP API: into a customer's conversation from outside.

Everything the service does to a conversation from outside Rasa goes through
:class:`RasaClient`: proactive messages (complaint outcomes, an agent's replies), pausing
and resuming a handed-over conversation, triggering the survey offer, and reading the
tracker. It implements the interfaces the domain declares in
:mod:`bot.domain.conversations` and raises their :class:`~bot.domain.conversations.NotifyError`.

Rasa delivers a ``bot`` event appended with ``execute_side_effects=true`` on the
conversation's channel (``output_channel=latest``: the channel the customer last wrote
on), and stores it in the conversation's tracker. The tracker is saved only when the
delivery succeeded, so a message found in the tracker was delivered; :meth:`was_sent`
uses that to settle whether an attempt cut short by a crash got through.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import aiohttp

from bot.core.i18n import conversation_language
from bot.core.settings import Settings
from bot.domain.conversations import AGENT_KEY, NOTICE_KEY, NotifyError, agent_message_notice
from bot.engine.channels.guard import safe_sender_id

#: The slots of the wait in the handoff queue (domain.yml, actions/handoff.py), cleared when
#: an agent hands the conversation back or closes it.
WAIT_SLOTS = ("requested_slot", "handoff_wait_done", "handoff_id", "handoff_acked_at")


class RasaClient:
    """Talks to customers' conversations through Rasa's HTTP API.

    Args:
        base_url: the Rasa server, e.g. ``http://127.0.0.1:5005``.
        token: the HTTP API token (``--auth-token``); empty for none.
        timeout: seconds before a request is given up.
    """

    def __init__(self, base_url: str, token: str, timeout: float = 10) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.timeout = timeout

    def _url(self, sender_id: str, suffix: str) -> str:
        # Rasa (Sanic) does not decode a percent-encoded path segment: a quoted space or
        # slash would address another, phantom conversation. Every channel makes sender
        # ids of the safe form (bot.engine.channels.guard), so any other id is refused
        # here rather than written somewhere the customer never reads.
        if not safe_sender_id(sender_id):
            raise NotifyError(
                f"cannot address conversation {sender_id!r} through Rasa's HTTP API: a "
                "sender id holds only A-Z a-z 0-9 . _ : @ -"
            )
        return f"{self.base_url}/conversations/{quote(sender_id, safe=':@')}/{suffix}"

    def _params(self, **extra: str) -> dict[str, str]:
        params = dict(extra)
        if self.token:
            params["token"] = self.token
        return params

    async def _request(self, method: str, url: str, params: dict[str, str], body: Any) -> Any:
        timeout = aiohttp.ClientTimeout(total=self.timeout)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as http,
                http.request(method, url, params=params, json=body) as response,
            ):
                if response.status != 200:
                    text = (await response.text())[:200]
                    raise NotifyError(f"Rasa answered {response.status}: {text}")
                if method == "GET":
                    return await response.json(content_type=None)
                return None
        except asyncio.TimeoutError:
            raise NotifyError(
                f"Rasa at {self.base_url} did not answer within {self.timeout:g} s"
            ) from None
        except aiohttp.ClientError as exc:
            # The exception's text may carry the URL with the token; name only its kind.
            raise NotifyError(
                f"cannot reach Rasa at {self.base_url} ({type(exc).__name__})"
            ) from None
        except ValueError as exc:
            raise NotifyError(f"Rasa sent an answer that is not JSON ({exc})") from None

    # -- messages -------------------------------------------------------------------------

    async def send(
        self,
        sender_id: str,
        text: str,
        *,
        output_channel: str = "latest",
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        """Say ``text`` to the customer in conversation ``sender_id``.

        Args:
            sender_id: the conversation.
            text: the message.
            output_channel: Rasa's output channel; ``latest`` is the one the customer
                last used.
            metadata: stored with the bot event (e.g. which notice this is).

        Raises:
            NotifyError: Rasa could not be reached, timed out or did not answer 200.
        """
        event = {"event": "bot", "text": text, "metadata": dict(metadata or {})}
        params = self._params(output_channel=output_channel, execute_side_effects="true")
        await self._request("POST", self._url(sender_id, "tracker/events"), params, event)

    async def was_sent(self, sender_id: str, notice: str) -> bool:
        """Tell whether the conversation already holds the notice with this id.

        Args:
            sender_id: the conversation.
            notice: the ``metadata[NOTICE_KEY]`` the notice was sent with.

        Raises:
            NotifyError: Rasa could not be reached or answered wrongly.
        """
        return any(
            event.get("event") == "bot"
            and isinstance(event.get("metadata"), dict)
            and event["metadata"].get(NOTICE_KEY) == notice
            for event in await self.tracker_events(sender_id)
        )

    def send_sync(
        self,
        sender_id: str,
        text: str,
        *,
        output_channel: str = "latest",
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        """:meth:`send` for code without an event loop (the CLI, the follow-up worker)."""
        asyncio.run(self.send(sender_id, text, output_channel=output_channel, metadata=metadata))

    def was_sent_sync(self, sender_id: str, notice: str) -> bool:
        """:meth:`was_sent` for code without an event loop."""
        return asyncio.run(self.was_sent(sender_id, notice))

    async def language(self, sender_id: str) -> str:
        """The language the conversation is in now ("en" or "zh"): what the assistant would
        answer its next message in (:func:`bot.core.i18n.conversation_language` over the
        tracker's events and its ``language`` slot).

        Raises:
            NotifyError: Rasa could not be reached or answered wrongly.
        """
        tracker = await self._request(
            "GET", self._url(sender_id, "tracker"), self._params(include_events="ALL"), None
        )
        if not isinstance(tracker, dict):
            raise NotifyError("Rasa sent a conversation that is not a JSON object")
        events = [e for e in tracker.get("events") or [] if isinstance(e, dict)]
        slots = tracker.get("slots")
        chosen = slots.get("language") if isinstance(slots, dict) else None
        return conversation_language(events, chosen)

    def language_sync(self, sender_id: str) -> str:
        """:meth:`language` for code without an event loop (the follow-up worker)."""
        return asyncio.run(self.language(sender_id))

    # -- a handed-over conversation -------------------------------------------------------

    async def append(
        self, sender_id: str, events: Sequence[Mapping[str, Any]], *, side_effects: bool
    ) -> None:
        """Append ``events`` in one request; with side effects bot events are delivered.

        Raises:
            NotifyError: Rasa could not be reached or did not answer 200.
        """
        extra = {"output_channel": "latest", "execute_side_effects": "true"} if side_effects else {}
        await self._request(
            "POST",
            self._url(sender_id, "tracker/events"),
            self._params(**extra),
            [dict(event) for event in events],
        )

    async def pause(self, sender_id: str) -> None:
        """Pause the conversation: Rasa logs the customer's messages but does not answer."""
        await self.append(sender_id, [{"event": "pause"}], side_effects=False)

    async def resume(self, sender_id: str, text: str, *, metadata: Mapping[str, Any]) -> None:
        """Resume the conversation and tell the customer, in one request.

        ``action_listen`` goes with ``resume``: without it a conversation in which an
        action ran during the pause stays silent after resuming. The wait in the queue
        (``handoff_wait_form``, still active while the agent chatted) ends with it, so the
        customer's next message goes to the assistant again.
        """
        await self.append(
            sender_id,
            [
                {"event": "resume"},
                {"event": "active_loop", "name": None},
                *({"event": "slot", "name": name, "value": None} for name in WAIT_SLOTS),
                {"event": "action", "name": "action_listen"},
                {"event": "bot", "text": text, "metadata": dict(metadata)},
            ],
            side_effects=True,
        )

    async def send_agent_message(
        self, sender_id: str, text: str, *, agent: str, client_id: str
    ) -> None:
        """Deliver an agent's message on the customer's channel, tagged with the agent."""
        await self.send(
            sender_id,
            text,
            metadata={AGENT_KEY: agent, NOTICE_KEY: agent_message_notice(client_id)},
        )

    # -- the assistant's side -------------------------------------------------------------

    async def trigger_intent(
        self,
        sender_id: str,
        intent: str,
        entities: Mapping[str, str] | None = None,
        *,
        output_channel: str = "latest",
    ) -> None:
        """Make the assistant act on ``intent`` in the conversation, as if the customer
        had said it (an ``EXTERNAL_`` intent, which the transcript does not show as theirs).

        What the assistant says goes out on ``output_channel``.

        Raises:
            NotifyError: Rasa could not be reached, timed out or did not answer 200 (for
                example 404 for an intent the model does not know).
        """
        body = {"name": intent, "entities": dict(entities or {})}
        params = self._params(output_channel=output_channel)
        await self._request("POST", self._url(sender_id, "trigger_intent"), params, body)

    # -- reading the tracker --------------------------------------------------------------

    async def conversation_state(self, sender_id: str) -> dict[str, Any]:
        """The conversation's current state without its events (slots, ``paused``,
        ``active_loop``, ``latest_input_channel``).

        Raises:
            NotifyError: Rasa could not be reached or answered wrongly.
        """
        tracker = await self._request(
            "GET", self._url(sender_id, "tracker"), self._params(include_events="NONE"), None
        )
        if not isinstance(tracker, dict):
            raise NotifyError("Rasa sent a conversation that is not a JSON object")
        return tracker

    async def tracker_events(self, sender_id: str) -> list[dict[str, Any]]:
        """The conversation's events, oldest first.

        Raises:
            NotifyError: Rasa could not be reached or answered wrongly.
        """
        tracker = await self._request(
            "GET", self._url(sender_id, "tracker"), self._params(include_events="ALL"), None
        )
        events = tracker.get("events") if isinstance(tracker, dict) else None
        return [e for e in events or [] if isinstance(e, dict)]


def client_from_settings(settings: Settings, timeout: float = 10) -> RasaClient:
    """A client of the configured Rasa server.

    The token is ``RASA_TOKEN``, else the one ``make run`` generated into
    ``var/rasa_token``; none is generated here, since Rasa would not know it.
    """
    token = settings.rasa_token
    if not token:
        path = settings.var_dir / "rasa_token"
        if path.is_file():
            token = path.read_text(encoding="utf-8").strip()
    return RasaClient(settings.rasa_url, token, timeout=timeout)
