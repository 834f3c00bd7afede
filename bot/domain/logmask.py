"""Customers' email addresses and phone numbers never reach a log file in clear.

:func:`install` wraps the log record factory of the process, so every record, whichever
logger made it and whichever handler (Rasa's, Sanic's, ours) later writes it, has its
message masked when it is created: ``jo@example.com`` becomes ``j…@example.com`` and
``+852 6123 4567`` becomes ``…4567`` (what :func:`bot.domain.contacts.mask` shows staff). A
handler filter would miss the handlers Rasa installs after start-up; the factory cannot.

Secrets that libraries put in URLs they log are masked the same way: the Telegram bot
token in Bot API paths (httpx logs each ``POST .../bot<token>/sendMessage``) and a
``token=`` query parameter (Rasa's HTTP API token).

Tracebacks are masked with the message (a database error's text quotes the values it
failed to write); complaint references (``CMP-2026-00001``) are not personal data and
stay readable.

Every Freight Desk process installs it: the operators' CLI and its workers
(:func:`bot.commands.main.main`), Rasa however it starts (:mod:`bot.engine.rasa_fixes`) and
the action server (the ``actions`` package).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from bot.domain.complaints.rules import REFERENCE_PATTERN
from bot.domain.contacts import mask_contacts_in_text

#: The record factory :func:`install` wrapped, while it is installed.
_installed: Callable[..., logging.LogRecord] | None = None
_BOT_TOKEN = re.compile(r"(/bot\d{3,20}):[A-Za-z0-9_-]{20,}")
_TOKEN_PARAM = re.compile(r"([?&]token=)[^&\s\"']+")
_KEPT = re.compile("\x00(\\d+)\x00")
# Formats tracebacks the way every stock handler's formatter would.
_TRACEBACKS = logging.Formatter()


def mask_secrets(text: str) -> str:
    """``text`` with Telegram bot tokens and ``token=`` URL parameters hidden."""
    if "/bot" in text:
        text = _BOT_TOKEN.sub(r"\1:***", text)
    if "token=" in text:
        text = _TOKEN_PARAM.sub(r"\1***", text)
    return text


def mask_text(text: str) -> str:
    """``text`` with contacts and secrets masked, complaint references kept as they are.

    A reference (``CMP-2026-00001``) is not personal data and is what staff search the
    logs for, but its digits read like a phone number; it is set aside while contacts are
    masked.
    """
    references: list[str] = []

    def keep(match: re.Match[str]) -> str:
        references.append(match.group())
        return f"\x00{len(references) - 1}\x00"

    text = REFERENCE_PATTERN.sub(keep, text)
    text = mask_secrets(mask_contacts_in_text(text))
    if references:
        text = _KEPT.sub(lambda m: references[int(m.group(1))], text)
    return text


def mask_record(record: logging.LogRecord) -> logging.LogRecord:
    """Replace the record's message (with its arguments merged in) by a masked one.

    A traceback (``exc_info``, ``stack_info``) is formatted now and masked too: exception
    texts carry what failed to be written (a database error quotes the row's values).
    """
    if record.exc_info and not record.exc_text:
        record.exc_text = mask_text(_TRACEBACKS.formatException(record.exc_info))
    elif record.exc_text:
        record.exc_text = mask_text(record.exc_text)
    if record.stack_info:
        record.stack_info = mask_text(record.stack_info)
    try:
        message = record.getMessage()
    except Exception:
        # A malformed format string: logging reports it when the record is written.
        return record
    masked = mask_text(message)
    if masked != message:
        record.msg = masked
        record.args = None
    return record


def install() -> None:
    """Mask contacts in every log record this process makes from now on (idempotent)."""
    global _installed
    if _installed is not None:
        return
    original = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return mask_record(original(*args, **kwargs))

    logging.setLogRecordFactory(factory)
    _installed = original


def uninstall() -> None:
    """Undo :func:`install` (a test that ran a process's entry point in-process)."""
    global _installed
    if _installed is not None:
        logging.setLogRecordFactory(_installed)
        _installed = None
