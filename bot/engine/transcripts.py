"""Reading a conversation's transcript out of Rasa's tracker events.

The console shows it to the agent who holds a handed-over conversation and to managers
on the dashboard. An agent's message is a bot event carrying the agent's name under
:data:`bot.domain.conversations.AGENT_KEY`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.domain.conversations import AGENT_KEY
from bot.storage.models import UTC


@dataclass(frozen=True)
class TranscriptLine:
    """One line of the transcript shown to the agent."""

    who: str
    text: str
    at: datetime | None
    agent: str | None = None


def transcript(events: Sequence[Mapping[str, Any]]) -> list[TranscriptLine]:
    """The customer's and the bot's messages from a tracker's events, oldest first.

    Args:
        events: Rasa tracker events.

    Returns:
        Lines with ``who`` ``customer``, ``bot`` or ``agent`` (a bot event carrying the
        agent's name), and ``paused``/``resumed`` markers.
    """
    lines: list[TranscriptLine] = []
    for event in events:
        kind = event.get("event")
        stamp = event.get("timestamp")
        at = datetime.fromtimestamp(stamp, UTC) if isinstance(stamp, (int, float)) else None
        if kind == "user":
            metadata = event.get("metadata") if isinstance(event.get("metadata"), dict) else {}
            if (metadata or {}).get("is_external"):
                continue  # an intent triggered through the API (the survey), not typed
            lines.append(TranscriptLine("customer", str(event.get("text") or ""), at))
        elif kind == "bot":
            metadata = event.get("metadata") if isinstance(event.get("metadata"), dict) else {}
            agent = (metadata or {}).get(AGENT_KEY)
            text = str(event.get("text") or "")
            if not text:
                continue
            who = "agent" if agent else "bot"
            lines.append(TranscriptLine(who, text, at, str(agent) if agent else None))
        elif kind in ("pause", "resume"):
            lines.append(TranscriptLine("system", "paused" if kind == "pause" else "resumed", at))
    return lines
