"""Demo data: a handful of shipments on Hong Kong and South China lanes.

The shipments cover every kind of tracking number, every mode and the usual statuses,
so the assistant can be shown end to end without a real feed.
"""

from __future__ import annotations

import csv
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.domain.shipment_import import ImportReport, import_csv
from bot.storage.models import Shipment

DEMO_SHIPMENTS_CSV = Path(__file__).resolve().parent / "demo_data" / "shipments.csv"


def seed_demo(session: Session, today: date | None = None) -> ImportReport:
    """Import the demo shipments, moved in time so they look current; again adds nothing.

    Every date in the demo file is shifted by the same whole number of days so that the
    newest event happened yesterday: a demo on any day shows shipments in transit with
    ETAs ahead, not a stale history.

    Args:
        session: open database session; the caller commits.
        today: the day to seed for (default: today, UTC).

    Returns:
        The import report (all zeros when the demo data was already there).
    """
    if is_seeded(session):
        return ImportReport()
    with DEMO_SHIPMENTS_CSV.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields = list(reader.fieldnames or [])
        rows = list(reader)
    newest = max(datetime.fromisoformat(row["occurred_at"]).date() for row in rows)
    shift = timedelta(days=((today or date.today()) - newest).days - 1)
    for row in rows:
        row["occurred_at"] = _shifted(row["occurred_at"], shift)
        if row.get("eta"):
            row["eta"] = _shifted(row["eta"], shift)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "shipments.csv"
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)
        return import_csv(session, path)


def _shifted(value: str, shift: timedelta) -> str:
    """An ISO date or date-time moved by ``shift``, in the same form."""
    if "T" in value:
        return (datetime.fromisoformat(value) + shift).isoformat()
    return (date.fromisoformat(value) + shift).isoformat()


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
