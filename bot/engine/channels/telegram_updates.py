"""What a Telegram update asks of us: parsed from Telegram's JSON, without Rasa.

The webhook and the unit tests share :func:`parse_update`, so the rules below (private
chats only, ``/start`` is a greeting, non-text messages get a polite reply) are tested
without a running server.
"""

from __future__ import annotations

import enum
import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from telegram import Message, Update
from telegram.constants import ChatType, MessageEntityType

from bot.domain.language_choice import language_named

SENDER_PREFIX = "telegram:"
GREETING_PAYLOAD = "/greet"
# Telegram's own commands that mean "start over"; both open with the greeting.
GREETING_COMMANDS = frozenset({"start", "help"})

# Checked in this order: an animation is also a document, a venue also a location.
_MEDIA_NOUNS: tuple[tuple[str, str], ...] = (
    ("animation", "GIFs"),
    ("photo", "photos"),
    ("sticker", "stickers"),
    ("voice", "voice messages"),
    ("video_note", "video messages"),
    ("video", "videos"),
    ("audio", "audio files"),
    ("document", "files"),
    ("venue", "locations"),
    ("location", "locations"),
    ("contact", "contact cards"),
    ("poll", "polls"),
    ("dice", "dice"),
)

#: The English noun of each kind of media -> its key in locales/*/telegram.yml.
MEDIA_KINDS = {noun: attribute for attribute, noun in reversed(_MEDIA_NOUNS)}
#: ``/language`` (optionally ``/language zh``): choose the conversation's language.
LANGUAGE_COMMAND = "language"
SWITCH_LANGUAGE_PAYLOAD = "/switch_language"


class UpdateKind(enum.Enum):
    """What the channel does with an update."""

    TEXT = "text"  # a customer's words (or a command mapped to words) for Rasa
    CALLBACK = "callback"  # an inline button was pressed: answer it, feed its payload
    NON_TEXT = "non_text"  # a photo, sticker, voice message...: reply that we read text
    IGNORED = "ignored"  # nothing to do: acknowledge and drop


@dataclass(frozen=True)
class Incoming:
    """One update, reduced to what the conversation needs.

    Attributes:
        kind: what to do with it.
        update_id: Telegram's update id (for de-duplication and logs).
        chat_id: the private chat to answer in; None for ignored updates.
        text: the message for Rasa (TEXT), or the button's callback data (CALLBACK).
        callback_query_id: the id to acknowledge with answerCallbackQuery (CALLBACK).
        media: plural noun for the kind of message we cannot read (NON_TEXT).
        message_id: the message's id in the chat, when there is one.
        edited: the customer edited an earlier message.
        reason: why an update is ignored, for the log.
        user_language: the language of the customer's Telegram app ("zh-hant", "en"),
            used only while the conversation shows none of its own.
    """

    kind: UpdateKind
    update_id: int
    chat_id: int | None = None
    text: str = ""
    callback_query_id: str | None = None
    media: str | None = None
    message_id: int | None = None
    edited: bool = False
    reason: str = ""
    user_language: str | None = None

    @property
    def sender_id(self) -> str:
        """The Rasa conversation id: ``telegram:<chat id>``."""
        if self.chat_id is None:
            raise ValueError("an ignored update has no conversation")
        return sender_id_for_chat(self.chat_id)

    def metadata(self) -> dict[str, Any]:
        """What Rasa keeps with the user message, to trace it back to Telegram."""
        data: dict[str, Any] = {"telegram_update_id": self.update_id}
        if self.message_id is not None:
            data["telegram_message_id"] = self.message_id
        if self.edited:
            data["edited"] = True
        if self.kind is UpdateKind.CALLBACK:
            data["button"] = True
        return data


class UpdateError(ValueError):
    """The request body is not a Telegram update."""


def sender_id_for_chat(chat_id: int) -> str:
    """The Rasa sender id of a Telegram chat: ``telegram:<chat id>``."""
    return f"{SENDER_PREFIX}{chat_id}"


def chat_id_from_sender(sender_id: str) -> int:
    """The Telegram chat id inside a ``telegram:<chat id>`` sender id.

    Raises:
        ValueError: ``sender_id`` is not a Telegram conversation.
    """
    if not sender_id.startswith(SENDER_PREFIX):
        raise ValueError(f"{sender_id!r} is not a Telegram conversation")
    return int(sender_id[len(SENDER_PREFIX) :])


def parse_update(data: Any) -> Incoming:
    """Decide what an update from Telegram asks of us.

    Only private chats are served: groups, supergroups and channels are ignored, as are
    updates without a message (membership changes, channel posts, polls...).

    Args:
        data: the update as Telegram sent it (decoded JSON).

    Returns:
        The update reduced to what the channel needs.

    Raises:
        UpdateError: ``data`` is not an update (no integer ``update_id``) or cannot be
            read by python-telegram-bot.
    """
    if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
        raise UpdateError("not a Telegram update: no integer update_id")
    try:
        update = Update.de_json(dict(data))
    except (KeyError, TypeError, ValueError) as exc:
        raise UpdateError(f"unreadable update {data['update_id']}: {exc}") from exc
    update_id = update.update_id

    query = update.callback_query
    if query is not None:
        message = query.message
        chat = message.chat if message is not None else None
        if chat is not None and chat.type != ChatType.PRIVATE:
            return Incoming(UpdateKind.IGNORED, update_id, reason=f"callback in a {chat.type}")
        if query.data is None:  # game buttons carry no data; we never send them
            return Incoming(UpdateKind.IGNORED, update_id, reason="callback without data")
        # An old message may be inaccessible; in a private chat the chat id is the user's.
        chat_id = chat.id if chat is not None else query.from_user.id
        return Incoming(
            UpdateKind.CALLBACK,
            update_id,
            chat_id=chat_id,
            text=query.data,
            callback_query_id=query.id,
            message_id=message.message_id if message is not None else None,
            user_language=query.from_user.language_code,
        )

    message = update.message or update.edited_message
    if message is None:
        kinds = [key for key in data if key != "update_id"]
        return Incoming(UpdateKind.IGNORED, update_id, reason=f"no message ({', '.join(kinds)})")
    if message.chat.type != ChatType.PRIVATE:
        return Incoming(UpdateKind.IGNORED, update_id, reason=f"{message.chat.type} chat")
    if message.from_user is not None and message.from_user.is_bot:
        return Incoming(UpdateKind.IGNORED, update_id, reason="message from a bot")
    edited = update.message is None
    common: dict[str, Any] = {
        "chat_id": message.chat.id,
        "message_id": message.message_id,
        "edited": edited,
        "user_language": message.from_user.language_code if message.from_user else None,
    }
    if message.text is not None:
        text = _command_to_text(message) if _is_command(message) else message.text.strip()
        if not text:
            return Incoming(UpdateKind.IGNORED, update_id, reason="empty text")
        return Incoming(UpdateKind.TEXT, update_id, text=text, **common)
    media = media_noun(message)
    if media is not None:
        return Incoming(UpdateKind.NON_TEXT, update_id, media=media, **common)
    # Service messages (a pinned message, a changed chat photo...) need no answer.
    return Incoming(UpdateKind.IGNORED, update_id, reason="service message", **common)


def media_noun(message: Message) -> str | None:
    """Plural noun for a non-text message ("photos", "voice messages"), or None."""
    for attribute, noun in _MEDIA_NOUNS:
        if getattr(message, attribute, None):
            return noun
    return None


def _is_command(message: Message) -> bool:
    return any(
        entity.type == MessageEntityType.BOT_COMMAND and entity.offset == 0
        for entity in message.entities
    )


def _command_to_text(message: Message) -> str:
    """``/start`` and ``/help`` greet; any other command is read as the words it holds.

    Passing "/whatever" on would make Rasa read it as an intent name, so the slash (and a
    "@botname" suffix) goes and the NLU reads the rest like any message.
    """
    text = (message.text or "").strip()
    command, _, rest = text.partition(" ")
    name = command[1:].split("@", 1)[0].lower()
    if name in GREETING_COMMANDS:
        return GREETING_PAYLOAD
    if name == LANGUAGE_COMMAND:
        # "/language" offers both languages as buttons; "/language 中文" switches at once.
        chosen = language_named(rest.strip())
        if chosen:
            return SWITCH_LANGUAGE_PAYLOAD + json.dumps({"language": chosen})
        return SWITCH_LANGUAGE_PAYLOAD
    return " ".join(part for part in (name.replace("_", " "), rest.strip()) if part)


@dataclass
class RecentUpdates:
    """Update ids seen lately, so an update Telegram sends again is handled once.

    Telegram resends an update when our answer is slow or lost; the poller can also repost
    one after a restart. The memory is bounded: the oldest ids are forgotten first.
    """

    capacity: int = 10_000
    _seen: OrderedDict[int, None] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def first_time(self, update_id: int) -> bool:
        """Record ``update_id``; True the first time it is seen, False after."""
        with self._lock:
            if update_id in self._seen:
                return False
            self._seen[update_id] = None
            while len(self._seen) > self.capacity:
                self._seen.popitem(last=False)
            return True
