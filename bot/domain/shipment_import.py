"""Shipment status events from a CSV feed: each row checked, each shipment stored or updated.

The operators' ``shipments import`` command and the demo data use :func:`import_csv`;
what a customer is then told about a shipment is :mod:`bot.domain.shipments`.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from bot.domain.contacts import parse_contact
from bot.domain.shipments import event_order
from bot.domain.tracking import AIR_WAYBILL, CONTAINER, EXPRESS, POSTAL, check_tracking_number
from bot.storage.models import MODES, STATUSES, UTC, Shipment, ShipmentEvent

# Which modes each kind of number can belong to: a container number on an air shipment
# is a data error worth reporting rather than importing.
_MODES_BY_KIND: dict[str, frozenset[str]] = {
    AIR_WAYBILL: frozenset({"air"}),
    CONTAINER: frozenset({"sea_fcl", "sea_lcl"}),
    POSTAL: frozenset({"economy", "express"}),
    EXPRESS: frozenset({"express", "economy"}),
}

CSV_REQUIRED_COLUMNS: tuple[str, ...] = (
    "tracking_number",
    "mode",
    "service",
    "origin",
    "destination",
    "status",
    "location",
    "occurred_at",
    "description",
)
CSV_OPTIONAL_COLUMNS: tuple[str, ...] = ("eta", "account", "pieces", "weight_kg", "contact")


@dataclass
class ImportReport:
    """What an import did.

    Attributes:
        created: shipments that were new.
        updated: existing shipments that changed.
        events_added: status events stored.
        errors: one ``"line N: ..."`` per rejected row; nothing of that row's shipment
            was saved.
    """

    created: int = 0
    updated: int = 0
    events_added: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every row was imported."""
        return not self.errors

    def summary(self) -> str:
        """One line for people: what was added and how many rows were rejected."""
        text = (
            f"{self.created} shipment(s) created, {self.updated} updated, "
            f"{self.events_added} event(s) added"
        )
        if self.errors:
            text += f"; {len(self.errors)} row(s) rejected"
        return text + "."


@dataclass
class _Row:
    line: int
    number: str
    kind: str
    mode: str
    service: str
    origin: str
    destination: str
    status: str
    location: str
    occurred_at: datetime
    description: str
    eta: date | datetime | None
    account: str | None
    pieces: int | None
    weight_kg: float | None
    contact: str | None = None


def _parse_moment(value: str) -> datetime | None:
    """Parse ISO 8601 with an offset; None when malformed or without an offset."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        return None
    return moment.astimezone(UTC)


def _parse_row(line: int, row: dict[str, Any]) -> tuple[_Row | None, str | None, list[str]]:
    """Validate one CSV row.

    Returns:
        The row (or None), the normalised tracking number when it could be read (so
        errors can hold back the whole shipment), and the errors.
    """
    get = {
        key: (row.get(key) or "").strip() for key in (*CSV_REQUIRED_COLUMNS, *CSV_OPTIONAL_COLUMNS)
    }
    errors: list[str] = []
    raw_number = get["tracking_number"]
    parsed = check_tracking_number(raw_number) if raw_number else None
    number = parsed.number if parsed is not None else None
    if not raw_number:
        errors.append(f"line {line}: tracking_number is empty")
    elif parsed is None:
        errors.append(f"line {line}: {raw_number!r} is not a tracking number we recognise")
    elif not parsed.valid:
        errors.append(f"line {line}: {raw_number!r} has a wrong check digit ({parsed.problem})")
    mode = get["mode"].lower()
    if mode not in MODES:
        errors.append(f"line {line}: unknown mode {get['mode']!r} (use one of {', '.join(MODES)})")
    elif parsed is not None and mode not in _MODES_BY_KIND[parsed.kind]:
        errors.append(f"line {line}: mode {mode!r} is not used for {parsed.kind_label}s")
    status = get["status"].lower()
    if status not in STATUSES:
        errors.append(
            f"line {line}: unknown status {get['status']!r} (use one of {', '.join(STATUSES)})"
        )
    occurred_at = _parse_moment(get["occurred_at"])
    if occurred_at is None:
        errors.append(
            f"line {line}: occurred_at {get['occurred_at']!r} is not an ISO 8601 time with an "
            "offset, e.g. 2025-03-12T14:05:00+08:00"
        )
    eta: date | datetime | None = None
    if get["eta"]:
        if len(get["eta"]) == 10:
            try:
                eta = date.fromisoformat(get["eta"])
            except ValueError:
                eta = None
        else:
            eta = _parse_moment(get["eta"])
        if eta is None:
            errors.append(
                f"line {line}: eta {get['eta']!r} is neither a date (2025-03-15) nor a time "
                "with an offset"
            )
    pieces: int | None = None
    if get["pieces"]:
        try:
            pieces = int(get["pieces"])
            if pieces < 1:
                raise ValueError
        except ValueError:
            errors.append(f"line {line}: pieces {get['pieces']!r} is not a positive whole number")
    weight: float | None = None
    if get["weight_kg"]:
        try:
            weight = float(get["weight_kg"])
            if not 0 < weight < 1e7:
                raise ValueError
        except ValueError:
            errors.append(f"line {line}: weight_kg {get['weight_kg']!r} is not a positive number")
    for key, limit in (("service", 80), ("origin", 120), ("destination", 120), ("location", 120)):
        if len(get[key]) > limit:
            errors.append(f"line {line}: {key} is longer than {limit} characters")
    if len(get["account"]) > 40:
        errors.append(f"line {line}: account is longer than 40 characters")
    contact = parse_contact(get["contact"]) if get["contact"] else None
    if get["contact"] and contact is None:
        errors.append(f"line {line}: contact is not an email address or phone number")
    if errors or parsed is None or occurred_at is None:
        return None, number, errors
    return (
        _Row(
            line=line,
            number=parsed.number,
            kind=parsed.kind,
            mode=mode,
            service=get["service"],
            origin=get["origin"],
            destination=get["destination"],
            status=status,
            location=get["location"],
            occurred_at=occurred_at,
            description=get["description"][:500],
            eta=eta,
            account=get["account"] or None,
            pieces=pieces,
            weight_kg=weight,
            contact=contact.value if contact else None,
        ),
        number,
        [],
    )


def import_csv(session: Session, path: Path) -> ImportReport:
    """Import shipment status events from a CSV file, one row per event.

    Columns: tracking_number, mode, service, origin, destination, status, location,
    occurred_at (ISO 8601 with offset), description, and optionally eta (a date or a
    time with offset), account, pieces, weight_kg. Shipment details come from the
    newest row that gives them; status and last location from the newest event.

    A shipment with any bad row (wrong check digit, bad date, unknown status or mode) is
    skipped entirely and each bad row is reported as ``"line N: ..."``; the other
    shipments are imported. Importing the same file again adds nothing. The caller owns
    the transaction: this flushes but does not commit.

    Args:
        session: open database session.
        path: the CSV file (UTF-8, header row first).

    Returns:
        The counts and errors.
    """
    report = ImportReport()
    rows_by_number: dict[str, list[_Row]] = {}
    rejected: set[str] = set()
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in CSV_REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            report.errors.append(f"line 1: missing column(s): {', '.join(missing)}")
            return report
        for row in reader:
            if not any((value or "").strip() for value in row.values() if isinstance(value, str)):
                continue  # blank line
            parsed, number, errors = _parse_row(reader.line_num, row)
            report.errors.extend(errors)
            if parsed is None:
                if number is not None:
                    rejected.add(number)
                continue
            rows_by_number.setdefault(parsed.number, []).append(parsed)

    for number, rows in rows_by_number.items():
        if number in rejected:
            continue
        try:
            with session.begin_nested():
                _apply(session, number, rows, report)
        except IntegrityError as exc:
            # Another import stored the same shipment meanwhile; nothing of ours is kept.
            report.errors.append(f"line {rows[0].line}: {number} could not be saved ({exc.orig})")
    report.errors.sort(key=_line_number)
    return report


def _line_number(error: str) -> int:
    try:
        return int(error.split(":", 1)[0].removeprefix("line "))
    except ValueError:
        return 0


def _apply(session: Session, number: str, rows: list[_Row], report: ImportReport) -> None:
    """Create or update one shipment from its valid rows, counting what changed."""
    rows = sorted(rows, key=lambda r: r.occurred_at)
    shipment = session.execute(
        select(Shipment)
        .where(Shipment.tracking_number == number)
        .options(selectinload(Shipment.events))
    ).scalar_one_or_none()
    created = shipment is None
    if shipment is None:
        shipment = Shipment(tracking_number=number, number_kind=rows[-1].kind, mode=rows[-1].mode)
        session.add(shipment)
        existing: set[tuple[datetime, str]] = set()
    else:
        existing = {(e.occurred_at, e.status) for e in shipment.events}

    added = 0
    for row in rows:
        key = (row.occurred_at, row.status)
        if key in existing:
            continue
        existing.add(key)
        shipment.events.append(
            ShipmentEvent(
                occurred_at=row.occurred_at,
                location=row.location,
                status=row.status,
                description=row.description,
            )
        )
        added += 1

    newest = max(shipment.events, key=event_order)
    values: dict[str, Any] = {
        "number_kind": rows[-1].kind,
        "mode": rows[-1].mode,
        "status": newest.status,
        "last_location": newest.location or None,
    }
    # Details come from the newest row that has them, so a later feed can correct them
    # and an empty cell never wipes a known value.
    details = (
        "service",
        "origin",
        "destination",
        "eta",
        "account",
        "pieces",
        "weight_kg",
        "contact",
    )
    for attr in details:
        for row in reversed(rows):
            value = getattr(row, attr)
            if value not in (None, ""):
                values[attr] = value
                break
    changed = False
    for attr, value in values.items():
        if getattr(shipment, attr) != value:
            setattr(shipment, attr, value)
            changed = True
    session.flush()
    report.events_added += added
    if created:
        report.created += 1
    elif changed or added:
        report.updated += 1
