"""A CSV feed of shipment status events, for the import's and the look-up's tests."""

from __future__ import annotations

import csv
from pathlib import Path

COLUMNS = [
    "tracking_number",
    "mode",
    "service",
    "origin",
    "destination",
    "status",
    "location",
    "occurred_at",
    "description",
    "eta",
    "account",
    "pieces",
    "weight_kg",
]
AWB = "160-12345675"
CONTAINER = "CSQU3054383"


def feed_row(number: str = AWB, status: str = "in_transit", at: str = "", **extra: str) -> dict:
    """One row of the feed by column: an air waybill's scan unless told otherwise."""
    row = {
        "tracking_number": number,
        "mode": "air" if number == AWB else "sea_fcl",
        "service": "Air freight",
        "origin": "Hong Kong (HKG)",
        "destination": "Los Angeles (LAX)",
        "status": status,
        "location": "Hong Kong (HKG)",
        "occurred_at": at or "2025-03-11T23:50:00+08:00",
        "description": f"{status} scan",
        "eta": "",
        "account": "",
        "pieces": "",
        "weight_kg": "",
    }
    row.update(extra)
    return row


def write_feed(path: Path, rows: list[dict], columns: list[str] = COLUMNS) -> Path:
    """Write ``rows`` to ``path`` as a CSV file with a header row; return the path."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


AIR_ROWS = [
    feed_row(status="booked", at="2025-03-10T09:15:00+08:00", location="Hong Kong"),
    feed_row(status="picked_up", at="2025-03-10T16:40:00+08:00", location="Kwai Chung"),
    feed_row(status="at_hub", at="2025-03-11T08:05:00+08:00", location="HKG cargo terminal"),
    feed_row(
        status="in_transit",
        at="2025-03-11T23:50:00+08:00",
        description="Departed on flight CX884",
        eta="2025-03-13",
        account="HKTRD001",
        pieces="4",
        weight_kg="182.5",
    ),
]
