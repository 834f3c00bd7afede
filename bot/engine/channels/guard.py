"""What a customer's message may carry into Rasa, whichever channel it came by.

Three rules shared by the REST, web chat and Telegram channels:

* **Sender ids have one safe form** (:data:`SENDER_ID_PATTERN`): 1 to 128 of
  ``A-Z a-z 0-9 . _ : @ -``. Rasa's HTTP API does not decode a percent-encoded path
  segment, so a sender id with a space, ``/``, ``%``, ``#``, ``?`` or a non-ASCII
  character would be a different (phantom) conversation when the console pauses it or
  an agent, a complaint outcome or a survey offer writes to it. The REST channel refuses
  any other sender id with a 400 (nothing is trimmed or rewritten, so two ids never map
  onto one conversation); the web chat (``web:<32 hex>``) and Telegram
  (``telegram:<chat id>``) make theirs in this form, and :func:`safe_sender_id` is what
  the Rasa HTTP client checks before it addresses a conversation.
* **Sender ids belong to their channel.** ``web:<session>`` conversations are reachable
  only through the web chat's signed session, ``telegram:<chat>`` only through Telegram's
  signed webhook. The REST channel, where the caller names the sender, may not name
  either (:func:`reserved_sender`).
* **A slash command is a button, not a back door.** Rasa reads a message starting with
  ``/`` as ``/intent{"entity": "value"}`` and skips the NLU. Buttons rely on it
  (``/affirm``, ``/define_term{"term": "FOB"}``), but typed by a customer it could trigger
  Rasa's internal intents (``/restart`` even un-pauses a conversation handed to a
  person), ``EXTERNAL_`` intents meant for the server, or odd entities. Only the domain's
  own intents (no Rasa defaults, no ``EXTERNAL_``), with entities the domain declares and
  short plain values, pass; anything else loses its leading slashes and is read as text
  (:class:`CommandPolicy`).
* **Text is text.** Control characters (other than tab and newlines) are dropped and lone
  UTF-16 surrogates replaced (:func:`clean_text`): PostgreSQL refuses a NUL in a text
  column and no encoder takes a lone surrogate, so either would fail the turn's write.
* **Messages have a size**, so the NLU never gets a megabyte; not one size for every
  channel (:mod:`bot.domain.limits`): the REST channel refuses a message over
  :data:`~bot.domain.limits.CUSTOMER_MESSAGE_CHARS` with :data:`TOO_LONG_REPLY`, Telegram
  cuts one there, the web chat keeps
  :data:`~bot.domain.limits.WEBCHAT_MESSAGE_CHARS`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.core.i18n import format_number, t
from bot.domain.limits import CUSTOMER_MESSAGE_CHARS

#: Sender id prefixes of channels whose sender ids the server makes (never the client).
RESERVED_SENDER_PREFIXES: tuple[str, ...] = ("web:", "telegram:")
#: Longest sender id accepted from the REST channel (the tables hold 255).
MAX_SENDER_CHARS = 128
#: The one form of sender id every channel hands Rasa, and the HTTP client addresses.
SENDER_ID_PATTERN = re.compile(rf"[A-Za-z0-9._:@-]{{1,{MAX_SENDER_CHARS}}}")
#: Longest entity value a slash command may carry (a glossary term, a mode).
MAX_ENTITY_CHARS = 100


#: What the REST channel answers a message longer than ``CUSTOMER_MESSAGE_CHARS``.
def too_long_reply(language: str | None = None) -> str:
    """A message over the length limit, in ``language`` (locales/*/engine.yml)."""
    return t("engine.too_long", language, limit=format_number(CUSTOMER_MESSAGE_CHARS, language))


def turn_failed_reply(language: str | None = None) -> str:
    """The apology for a turn that failed, in ``language``."""
    return t("engine.turn_failed", language)


def unreadable_reply(language: str | None = None) -> str:
    """The answer to a packet that could not be read, in ``language``."""
    return t("engine.unreadable", language)


# The English texts, for callers that know no conversation.
TOO_LONG_REPLY = too_long_reply("en")
TURN_FAILED_REPLY = turn_failed_reply("en")
UNREADABLE_REPLY = unreadable_reply("en")

# Rasa's own intents (rasa.shared.core.constants.DEFAULT_INTENTS): never from a customer.
_RASA_INTENTS = frozenset({"restart", "back", "session_start", "nlu_fallback"})
_COMMAND = re.compile(r"^/(?P<intent>[A-Za-z0-9_]+(?:/[A-Za-z0-9_]+)?)(?P<entities>\{.*\})?$", re.S)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """``text`` without control characters (tab and newlines kept) or lone surrogates."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return _CONTROL_IN_TEXT.sub("", text)


def safe_sender_id(sender_id: Any) -> bool:
    """True when ``sender_id`` has the one safe form (:data:`SENDER_ID_PATTERN`)."""
    return isinstance(sender_id, str) and SENDER_ID_PATTERN.fullmatch(sender_id) is not None


def reserved_sender(sender_id: str) -> bool:
    """True when ``sender_id`` names a web chat or Telegram conversation."""
    return sender_id.strip().lower().startswith(RESERVED_SENDER_PREFIXES)


def sender_problem(sender_id: Any) -> str | None:
    """Why ``sender_id`` cannot be used on the REST channel, or None when it can."""
    if not isinstance(sender_id, str) or not sender_id.strip():
        return "'sender' must be a non-empty string"
    if len(sender_id) > MAX_SENDER_CHARS:
        return f"'sender' must be at most {MAX_SENDER_CHARS} characters"
    if _CONTROL.search(sender_id):
        return "'sender' must not contain control characters"
    if reserved_sender(sender_id):
        return (
            "'sender' names a web chat or Telegram conversation, which only that channel "
            "may address"
        )
    if not safe_sender_id(sender_id):
        return (
            "'sender' may hold only the letters A-Z and a-z, digits and . _ : @ - "
            "(no spaces, no other characters)"
        )
    return None


@dataclass(frozen=True)
class CommandPolicy:
    """The slash commands a customer's message may be read as.

    Attributes:
        intents: intents a command may name.
        entities: entities a command may set.
    """

    intents: frozenset[str]
    entities: frozenset[str]

    @classmethod
    def from_domain(cls, domain: Any) -> CommandPolicy:
        """The policy for a Rasa ``Domain`` (None: no command passes)."""
        if domain is None:
            return cls(frozenset(), frozenset())
        return cls.from_names(domain.intents, domain.entities)

    @classmethod
    def from_names(cls, intents: Iterable[str], entities: Iterable[str]) -> CommandPolicy:
        """The policy for these intent and entity names, internal ones left out."""
        allowed = frozenset(
            name
            for name in intents
            if name not in _RASA_INTENTS and not name.upper().startswith("EXTERNAL")
        )
        return cls(allowed, frozenset(entities))

    def allows(self, text: str) -> bool:
        """True when ``text`` is a slash command this policy lets through."""
        match = _COMMAND.match(text)
        if match is None:
            return False
        intent = match.group("intent")
        base = intent.split("/", 1)[0]
        if intent not in self.intents and not ("/" in intent and base in self.intents):
            return False
        raw = match.group("entities")
        if raw is None:
            return True
        try:
            entities = json.loads(raw)
        except ValueError:
            return False
        if not isinstance(entities, dict):
            return False
        return all(
            key in self.entities
            and isinstance(value, str | int | float)
            and not isinstance(value, bool)
            and len(str(value)) <= MAX_ENTITY_CHARS
            for key, value in entities.items()
        )

    def screen(self, text: str) -> str:
        """The text to give Rasa for what the customer sent.

        An allowed command is passed on as it is; any other text starting with ``/``
        loses its leading slashes, so Rasa reads it as words (``/restart`` -> "restart").
        """
        stripped = text.strip()
        if not stripped.startswith("/") or self.allows(stripped):
            return text
        return stripped.lstrip("/").lstrip()
