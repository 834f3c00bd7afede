"""Demo data: a handful of shipments on Hong Kong and South China lanes.

The shipments cover every kind of tracking number, every mode and the usual statuses,
so the assistant can be shown end to end without a real feed.
"""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.models import Shipment
from bot.shipments import ImportReport, import_csv

DEMO_SHIPMENTS_CSV = Path(__file__).resolve().parent / "demo_data" / "shipments.csv"


def seed_demo(session: Session) -> ImportReport:
    """Import the demo shipments; running it again adds nothing.

    Args:
        session: open database session; the caller commits.

    Returns:
        The import report (all zeros when the demo data was already there).
    """
    return import_csv(session, DEMO_SHIPMENTS_CSV)


def is_seeded(session: Session) -> bool:
    """Tell whether every demo shipment is in the database."""
    numbers = _demo_numbers()
    stored = session.execute(
        select(func.count()).select_from(Shipment).where(Shipment.tracking_number.in_(numbers))
    ).scalar_one()
    return bool(stored == len(numbers))


def _demo_numbers() -> list[str]:
    with DEMO_SHIPMENTS_CSV.open(newline="", encoding="utf-8") as handle:
        return sorted({row["tracking_number"] for row in csv.DictReader(handle)})
