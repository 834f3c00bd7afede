"""What the domain needs from the conversation engine, declared by the domain.

Domain code that reaches into a customer's conversation (the complaint follow-up worker
telling a customer the outcome, an agent's console pausing the assistant, the survey
offered after a closed chat) talks to one of the small interfaces below, never to
``bot.engine``. :class:`bot.engine.rasa_client.RasaClient` implements all of them over
Rasa's HTTP API and raises :class:`NotifyError`; :mod:`bot.bootstrap` or the caller (the
console, a command) passes it in, and a test may pass anything with the same methods.

Plain Python: imports nothing of the project.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

#: Metadata key of the bot event that identifies one of our notices, so an attempt cut
#: short by a crash can be settled by looking for it in the conversation.
NOTICE_KEY = "freightdesk_notice"

#: Metadata key of a bot event that carries the agent's name (an agent's message).
AGENT_KEY = "agent"


class NotifyError(RuntimeError):
    """The conversation engine could not be reached, timed out or refused the request."""


def agent_message_notice(client_id: str) -> str:
    """The notice id an agent's message is sent under (its ``metadata[NOTICE_KEY]``).

    Args:
        client_id: the id the console gave the message.
    """
    return f"handoff-message:{client_id}"


class Notifier(Protocol):
    """Telling a customer something from code without an event loop (the follow-up
    worker, a command)."""

    def send_sync(
        self,
        sender_id: str,
        text: str,
        *,
        output_channel: str = "latest",
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        """Say ``text`` in the conversation.

        Raises:
            NotifyError: it could not be handed to the engine.
        """

    def was_sent_sync(self, sender_id: str, notice: str) -> bool:
        """Tell whether the conversation already holds the notice with this id.

        Raises:
            NotifyError: the engine could not be asked.
        """

    def language_sync(self, sender_id: str) -> str:
        """The language the conversation is in now ("en" or "zh"), as the assistant would
        answer its next message: the customer's explicit choice, else the language of
        their latest message that shows one.

        Raises:
            NotifyError: the engine could not be asked.
        """


class ConversationControl(Protocol):
    """What an agent's console does to a handed-over conversation."""

    async def pause(self, sender_id: str) -> None:
        """Stop the assistant answering; the customer's messages are still kept.

        Raises:
            NotifyError: the engine could not pause it.
        """

    async def resume(self, sender_id: str, text: str, *, metadata: Mapping[str, Any]) -> None:
        """Let the assistant answer again, telling the customer ``text``.

        Raises:
            NotifyError: the engine could not resume it.
        """

    async def send_agent_message(
        self, sender_id: str, text: str, *, agent: str, client_id: str
    ) -> None:
        """Deliver an agent's message, tagged with :data:`AGENT_KEY` and with
        :func:`agent_message_notice` of ``client_id`` as its notice id.

        Raises:
            NotifyError: it could not be delivered.
        """

    async def tracker_events(self, sender_id: str) -> list[dict[str, Any]]:
        """The conversation's events, oldest first (to write to it in its language).

        Raises:
            NotifyError: the engine could not be asked.
        """

    async def was_sent(self, sender_id: str, notice: str) -> bool:
        """Tell whether the conversation already holds the notice with this id.

        Raises:
            NotifyError: the engine could not be asked.
        """


class IntentTrigger(Protocol):
    """Making the assistant act in a conversation as if the customer had asked."""

    async def conversation_state(self, sender_id: str) -> dict[str, Any]:
        """The conversation's state without its events (``paused``, ``active_loop``, ...).

        Raises:
            NotifyError: the engine could not be asked.
        """

    async def trigger_intent(
        self,
        sender_id: str,
        intent: str,
        entities: Mapping[str, str] | None = None,
        *,
        output_channel: str = "latest",
    ) -> None:
        """Run ``intent`` (with ``entities``) in the conversation.

        Raises:
            NotifyError: the engine could not be reached or refused the intent.
        """
