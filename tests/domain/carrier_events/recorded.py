"""The recorded carrier messages under tests/data/carrier_events."""

from __future__ import annotations

from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "data" / "carrier_events"


def recorded(name: str) -> bytes:
    """The bytes of one recorded message."""
    return (DATA / name).read_bytes()
