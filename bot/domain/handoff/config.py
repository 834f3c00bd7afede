"""The handoff settings file agents edit: keywords, canned replies, the wait estimate.

Read through :class:`bot.core.config_files.ConfigFile`, so an edit takes effect in every
running process without a restart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from bot.core.config_files import ConfigFile, ConfigFileError, read_mapping
from bot.core.i18n import normalise_input
from bot.core.settings import REPO_ROOT

_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

#: The handoff settings file agents may edit (keywords, canned replies, wait estimate).
HANDOFF_CONFIG_FILE = REPO_ROOT / "config" / "handoff.yml"


class HandoffConfigError(ConfigFileError):
    """The handoff settings file is broken; the message names the file and the entry."""


@dataclass(frozen=True)
class CannedReply:
    """A service-standard phrase offered in the console."""

    label: str
    text: str


@dataclass(frozen=True)
class HandoffConfig:
    """The contents of ``config/handoff.yml``."""

    keywords: tuple[str, ...]
    minutes_per_conversation: float
    canned_replies: tuple[CannedReply, ...]
    acknowledge_every_minutes: float = 3.0


def load_handoff_config(path: Path | None = None) -> HandoffConfig:
    """Read and validate the handoff settings file.

    Args:
        path: the YAML file; default :data:`HANDOFF_CONFIG_FILE`.

    Raises:
        HandoffConfigError: the file is missing, not YAML, or an entry is wrong.
    """
    file = path or HANDOFF_CONFIG_FILE
    data = read_mapping(file, HandoffConfigError)
    keywords = data.get("keywords") or []
    if not isinstance(keywords, list) or not all(
        isinstance(k, str) and k.strip() for k in keywords
    ):
        raise HandoffConfigError(f"{file}: keywords should be a list of words or phrases")
    minutes = data.get("minutes_per_conversation", 6)
    if isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or minutes <= 0:
        raise HandoffConfigError(f"{file}: minutes_per_conversation should be above 0")
    every = data.get("acknowledge_every_minutes", 3)
    if isinstance(every, bool) or not isinstance(every, (int, float)) or every < 0:
        raise HandoffConfigError(f"{file}: acknowledge_every_minutes should be 0 or more")
    replies: list[CannedReply] = []
    for index, item in enumerate(data.get("canned_replies") or []):
        if not (
            isinstance(item, dict)
            and isinstance(item.get("label"), str)
            and isinstance(item.get("text"), str)
            and item["text"].strip()
        ):
            raise HandoffConfigError(f"{file}: canned_replies[{index}] needs a label and a text")
        replies.append(CannedReply(item["label"].strip(), item["text"].strip()))
    return HandoffConfig(
        keywords=tuple(k.strip().lower() for k in keywords),
        minutes_per_conversation=float(minutes),
        canned_replies=tuple(replies),
        acknowledge_every_minutes=float(every),
    )


_HANDOFF_CONFIG: ConfigFile[HandoffConfig] = ConfigFile(HANDOFF_CONFIG_FILE, load_handoff_config)


def handoff_config(path: Path | None = None) -> HandoffConfig:
    """The handoff settings, read again whenever the file has changed.

    Agents edit the keyword list while the assistant runs; checking the file's modification
    time costs one ``stat`` and spares them a restart.

    Args:
        path: the YAML file; default :data:`HANDOFF_CONFIG_FILE`.

    Raises:
        HandoffConfigError: the file is missing, not YAML, or an entry is wrong.
    """
    return _HANDOFF_CONFIG.get(path)


def keyword_triggers(path: Path | None = None) -> tuple[str, ...]:
    """The words and phrases that hand a conversation to a person (lower case)."""
    return handoff_config(path).keywords


def matches_keyword(text: str, path: Path | None = None) -> str | None:
    """Find a handoff keyword in a customer's message.

    Whole words only, in any capitalisation, so "police" matches "Police!" but "sue" does
    not match "issue". Chinese is written without spaces, so a Chinese keyword ("律師")
    matches anywhere in the message ("我要搵律師"); Simplified and full-width forms are
    folded first (:func:`bot.core.i18n.normalise_input`).

    Args:
        text: the customer's message.
        path: settings file; default :data:`HANDOFF_CONFIG_FILE`.

    Returns:
        The keyword found first in the list, or None.
    """
    lowered = normalise_input(text or "").lower()
    for keyword in keyword_triggers(path):
        words = r"\s+".join(re.escape(word) for word in keyword.split())
        if _HAN.search(keyword):
            if re.search(words, lowered):
                return keyword
        elif re.search(rf"(?<!\w){words}(?!\w)", lowered):
            return keyword
    return None
