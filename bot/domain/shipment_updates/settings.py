"""When notices may go out and how late an ETA must slip to be worth a message."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time, timedelta


@dataclass(frozen=True)
class UpdateSettings:
    """Settings of shipment notices.

    Attributes:
        quiet_start: local time from which non-urgent notices wait (default 22:00).
        quiet_end: local time they go out again (default 08:00).
        eta_margin: an ETA later by more than this is an ETA slip (default 12 hours).
    """

    quiet_start: time = time(22, 0)
    quiet_end: time = time(8, 0)
    eta_margin: timedelta = timedelta(hours=12)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> UpdateSettings:
        """``FREIGHTDESK_QUIET_HOURS`` (``22:00-08:00``; ``off`` for none) and
        ``FREIGHTDESK_ETA_SLIP_HOURS`` (12).

        Raises:
            ValueError: a value cannot be read.
        """
        quiet = env.get("FREIGHTDESK_QUIET_HOURS", "22:00-08:00").strip()
        if quiet.lower() == "off":
            start = end = time(0, 0)
        else:
            try:
                first, second = quiet.split("-")
                start, end = time.fromisoformat(first.strip()), time.fromisoformat(second.strip())
            except ValueError:
                raise ValueError(
                    f"FREIGHTDESK_QUIET_HOURS must look like 22:00-08:00 or be off, not {quiet!r}"
                ) from None
        try:
            hours = float(env.get("FREIGHTDESK_ETA_SLIP_HOURS", "12"))
        except ValueError:
            raise ValueError("FREIGHTDESK_ETA_SLIP_HOURS must be a number of hours") from None
        return cls(start, end, timedelta(hours=hours))
