"""What the bot sends on Telegram: text as HTML, buttons as inline keyboards.

Free of Rasa and of the network, so the formatting is tested on its own.
"""

from __future__ import annotations

import hashlib
import html
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.i18n import t
from bot.engine.channels.guard import TURN_FAILED_REPLY
from bot.engine.channels.telegram_updates import MEDIA_KINDS

# Telegram's limit on a button's callback data.
MAX_CALLBACK_BYTES = 64
# Escaping and links make the HTML longer than the text; split the text well below
# Telegram's limit (bot.domain.limits.TELEGRAM_MESSAGE_CHARS).
_CHUNK = 3500
# Short titles sit two to a row; longer ones get a row each so nothing is cut off on a phone.
_SHORT_TITLE = 18
_LINK_RE = re.compile(r"\[([^\]\n]+)\]\((https?://[^\s)]+)\)")
_TOKEN_PREFIX = "#p:"


def non_text_reply(media: str, language: str | None = None) -> str:
    """The polite answer to a message we cannot read (``media``: "photos", "stickers", as
    :func:`~bot.engine.channels.telegram_updates.media_noun` names it), in ``language``."""
    kind = MEDIA_KINDS.get(media)
    noun = t(f"telegram.media.{kind}", language) if kind else media
    return t("telegram.non_text", language, media=noun)


def expired_button_reply(language: str | None = None) -> str:
    """The answer to a button whose payload we no longer know, in ``language``."""
    return t("telegram.expired_button", language)


# The English texts, for callers that know no conversation.
NON_TEXT_REPLY = t("telegram.non_text", "en", media="{media}")
EXPIRED_BUTTON_REPLY = expired_button_reply("en")
APOLOGY_REPLY = TURN_FAILED_REPLY


def to_html(text: str) -> str:
    """Text for Telegram's HTML parse mode: escaped, with Markdown links made links.

    Responses are plain text that may hold ``[label](https://...)`` links; anything else
    that looks like markup is escaped so it shows as written.
    """
    parts: list[str] = []
    position = 0
    for match in _LINK_RE.finditer(text):
        parts.append(html.escape(text[position : match.start()], quote=False))
        label, url = match.group(1), match.group(2)
        parts.append(f'<a href="{html.escape(url)}">{html.escape(label, quote=False)}</a>')
        position = match.end()
    parts.append(html.escape(text[position:], quote=False))
    return "".join(parts)


def split_text(text: str, limit: int = _CHUNK) -> list[str]:
    """Split ``text`` into messages of at most ``limit`` characters.

    Breaks between paragraphs where it can, then between lines, then between words.
    """
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = max(window.rfind("\n\n"), -1)
        if cut <= 0:
            cut = window.rfind("\n")
        if cut <= 0:
            cut = window.rfind(" ")
        if cut <= 0:
            cut = limit
        chunks.append(rest[:cut].strip())
        rest = rest[cut:].strip()
    if rest:
        chunks.append(rest)
    return [chunk for chunk in chunks if chunk]


@dataclass
class CallbackPayloads:
    """Button payloads too long for Telegram's 64-byte callback data.

    Such a payload goes out as a short token and is looked up when the button is pressed.
    The table lives in memory and is bounded, so after a restart an old button's token is
    unknown: the customer is asked to type instead.
    """

    capacity: int = 5_000
    _payloads: OrderedDict[str, str] = field(default_factory=OrderedDict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def callback_data(self, payload: str) -> str:
        """The callback data that stands for ``payload``: itself if it fits, else a token."""
        if len(payload.encode()) <= MAX_CALLBACK_BYTES and not payload.startswith(_TOKEN_PREFIX):
            return payload
        token = _TOKEN_PREFIX + hashlib.sha256(payload.encode()).hexdigest()[:24]
        with self._lock:
            self._payloads[token] = payload
            self._payloads.move_to_end(token)
            while len(self._payloads) > self.capacity:
                self._payloads.popitem(last=False)
        return token

    def payload(self, callback_data: str) -> str | None:
        """The payload behind ``callback_data``; None for a token we no longer know."""
        if not callback_data.startswith(_TOKEN_PREFIX):
            return callback_data
        with self._lock:
            return self._payloads.get(callback_data)


def inline_keyboard(
    buttons: Iterable[Mapping[str, Any]], payloads: CallbackPayloads
) -> InlineKeyboardMarkup:
    """Rasa buttons (``title`` with ``payload`` or ``url``) as an inline keyboard."""
    keys: list[InlineKeyboardButton] = []
    for button in buttons:
        title = str(button.get("title") or button.get("payload") or "").strip()
        if not title:
            continue
        url = button.get("url")
        if url:
            keys.append(InlineKeyboardButton(title, url=str(url)))
        else:
            payload = str(button.get("payload") or title)
            keys.append(InlineKeyboardButton(title, callback_data=payloads.callback_data(payload)))
    per_row = 2 if all(len(key.text) <= _SHORT_TITLE for key in keys) else 1
    rows = [keys[start : start + per_row] for start in range(0, len(keys), per_row)]
    return InlineKeyboardMarkup(rows)
