"""The time of a change: every domain operation that takes an optional ``now`` reads it
through :func:`moment_of`, so tests can fix the clock and nothing stores a naive time."""

from __future__ import annotations

from datetime import datetime

from bot.storage.models import UTC, utcnow


def moment_of(now: datetime | None) -> datetime:
    """The time of a change as aware UTC: ``now`` if given, else the current time.

    Raises:
        ValueError: ``now`` is naive.
    """
    if now is None:
        return utcnow()
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"naive datetime {now!r}: give it a time zone")
    return now.astimezone(UTC)
