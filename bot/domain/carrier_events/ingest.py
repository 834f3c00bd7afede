"""Store carrier events: idempotent by the sender's id, converging by the events' own time.

One call takes a batch (one request's events) and does its reads in a few queries, so a
busy sender is not held back by one round trip per event. What a shipment then shows is
recomputed from all its events: its status and last location from the newest event that
maps to a status of ours (by its own time, not by arrival), its ETA from the newest
report of one. The same events in any order, any number of times, leave the same state.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import and_, insert, or_, select
from sqlalchemy.orm import Session, selectinload

from bot.domain.carrier_events.model import UNMAPPED, CarrierEvent
from bot.domain.tracking import AIR_WAYBILL, CONTAINER, POSTAL, check_tracking_number
from bot.storage.models import (
    STATUSES,
    UTC,
    CarrierEventReceipt,
    Shipment,
    ShipmentEvent,
    ShipmentReference,
)

#: The mode a new shipment gets from the kind of its number when the event names none.
_DEFAULT_MODE = {AIR_WAYBILL: "air", CONTAINER: "sea_fcl", POSTAL: "economy"}

APPLIED, DUPLICATE, UNMATCHED = "applied", "duplicate", "unmatched"


@dataclass(frozen=True)
class Change:
    """How one shipment's state moved in a batch (what a notice is about).

    Attributes:
        shipment_id: the shipment's row id.
        tracking_number: its number.
        old_status: the status before (None for a new shipment).
        new_status: the status after.
        old_eta: the ETA before.
        new_eta: the ETA after.
        raw_code: the newest event's own code.
    """

    shipment_id: int
    tracking_number: str
    old_status: str | None
    new_status: str
    old_eta: date | datetime | None
    new_eta: date | datetime | None
    raw_code: str | None


@dataclass
class IngestReport:
    """What one batch did, one outcome per event in the order given.

    Attributes:
        outcomes: ``(external_id, outcome, detail)``; outcome is ``applied``,
            ``duplicate`` or ``unmatched`` (detail says why; nothing of it was stored).
        created: tracking numbers of shipments the batch created.
        changes: shipments whose status or ETA moved.
    """

    outcomes: list[tuple[str, str, str]] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        """How many events had ``outcome``."""
        return sum(1 for _id, result, _detail in self.outcomes if result == outcome)


def ingest(session: Session, events: Iterable[CarrierEvent], *, sender: str) -> IngestReport:
    """Store a batch of events from one sending system.

    Args:
        session: open session; the caller commits (and, on an ``IntegrityError`` or a
            deadlock from a concurrent batch, retries: the receipts make that safe).
        events: what the adapter read.
        sender: the sending system's name; its event ids are unique per sender.

    Returns:
        One outcome per event, the shipments created and the shipments that changed.
    """
    batch = list(events)
    report = IngestReport()
    if not batch:
        return report
    # One sender per batch: ``source = ? AND external_id IN (...)`` probes the receipts'
    # unique index per id; a row-value IN list made PostgreSQL scan them all (70 ms a
    # batch at 10,000 receipts, growing with every event received).
    seen = {
        (sender, external_id)
        for external_id in session.execute(
            select(CarrierEventReceipt.external_id).where(
                CarrierEventReceipt.source == sender,
                CarrierEventReceipt.external_id.in_({_key(e) for e in batch}),
            )
        ).scalars()
    }
    numbers = {}
    for event in batch:
        parsed = check_tracking_number(event.tracking_number) if event.tracking_number else None
        if parsed is not None and parsed.valid:
            numbers[event.tracking_number] = parsed
    shipments = {
        s.tracking_number: s
        for s in session.execute(
            select(Shipment)
            .where(Shipment.tracking_number.in_({p.number for p in numbers.values()}))
            .order_by(Shipment.id)
            .options(selectinload(Shipment.events))
            # Held until commit, so a concurrent batch's events are settled with ours.
            .with_for_update(of=Shipment)
        ).scalars()
    }
    wanted_refs = {(kind, value) for e in batch for kind, value in e.references.items()}
    by_reference: dict[tuple[str, str], int] = {}
    if wanted_refs:
        # One IN list per kind (a handful: booking, transport document), for the same
        # reason as the receipts: each probes the (kind, value) unique index.
        values_by_kind: dict[str, set[str]] = {}
        for kind, value in wanted_refs:
            values_by_kind.setdefault(kind, set()).add(value)
        per_kind = [
            and_(ShipmentReference.kind == kind, ShipmentReference.value.in_(values))
            for kind, values in values_by_kind.items()
        ]
        by_reference = {
            (r.kind, r.value): r.shipment_id
            for r in session.execute(select(ShipmentReference).where(or_(*per_kind))).scalars()
        }
    before: dict[int, tuple[str | None, date | datetime | None]] = {}
    touched: dict[int, Shipment] = {}
    outcomes: dict[int, tuple[str, str, str]] = {}

    # Each touched shipment's scans (stored and new), and the rows to insert: plain rows in
    # one statement each, as ORM objects cost more than the database work here.
    history: dict[int, list[_Scan]] = {}
    event_rows: list[dict[str, Any]] = []
    receipt_rows: list[dict[str, Any]] = []
    # Shipments that events of this batch create are inserted together, in one flush.
    new_shipments: list[Shipment] = []
    for event in batch:
        parsed = numbers.get(event.tracking_number or "")
        if parsed is None or parsed.number in shipments or (sender, _key(event)) in seen:
            continue
        if any(ref in by_reference for ref in event.references.items()):
            continue  # known by its booking or document: joined to that shipment instead
        shipment = Shipment(
            tracking_number=parsed.number,
            number_kind=parsed.kind,
            mode=event.mode or _DEFAULT_MODE.get(parsed.kind, "express"),
            service=event.service,
            origin=event.origin,
            destination=event.destination,
            status="booked",
        )
        shipments[parsed.number] = shipment
        new_shipments.append(shipment)
    if new_shipments:
        session.add_all(new_shipments)
        session.flush()
        for shipment in new_shipments:
            report.created.append(shipment.tracking_number)
            before[shipment.id] = (None, None)
            history[shipment.id] = []

    def take(event: CarrierEvent, last_try: bool) -> tuple[str, str, str] | None:
        key = _key(event)
        if (sender, key) in seen:
            return (event.external_id, DUPLICATE, "")
        parsed = numbers.get(event.tracking_number or "")
        shipment = shipments.get(parsed.number) if parsed else None
        if shipment is None:
            shipment = _by_reference(session, event, by_reference, touched)
        if shipment is None:
            # A booking's first event may come before the one naming its container: it is
            # tried again once the rest of the batch is in.
            return (event.external_id, UNMATCHED, _why_unmatched(event)) if last_try else None
        before.setdefault(shipment.id, (shipment.status, shipment.eta))
        touched[shipment.id] = shipment
        if shipment.id not in history:
            history[shipment.id] = [
                _Scan(e.occurred_at, e.status, e.location, e.raw_code) for e in shipment.events
            ]
        for kind, value in event.references.items():
            if (kind, value) not in by_reference:
                session.add(ShipmentReference(shipment_id=shipment.id, kind=kind, value=value))
                by_reference[(kind, value)] = shipment.id
        row = _apply(shipment, event, history[shipment.id])
        if row is not None:
            event_rows.append(row)
        receipt_rows.append({"source": sender, "external_id": key, "shipment_id": shipment.id})
        seen.add((sender, key))
        return (event.external_id, APPLIED, shipment.tracking_number)

    for index, event in enumerate(batch):
        outcome = take(event, last_try=False)
        if outcome is not None:
            outcomes[index] = outcome
    for index, event in enumerate(batch):
        if index not in outcomes:
            outcomes[index] = take(event, last_try=True) or (event.external_id, UNMATCHED, "")
    report.outcomes = [outcomes[index] for index in range(len(batch))]
    if event_rows:
        session.execute(insert(ShipmentEvent), event_rows)
    if receipt_rows:
        now = datetime.now(UTC)
        session.execute(
            insert(CarrierEventReceipt), [{**r, "received_at": now} for r in receipt_rows]
        )
    for shipment_id, shipment in touched.items():
        newest = _settle(shipment, history[shipment_id])
        # The rows went in without the ORM: a later read in this session reloads them.
        session.expire(shipment, ["events"])
        old_status, old_eta = before[shipment_id]
        if old_status != shipment.status or old_eta != shipment.eta:
            report.changes.append(
                Change(
                    shipment_id=shipment_id,
                    tracking_number=shipment.tracking_number,
                    old_status=old_status,
                    new_status=shipment.status,
                    old_eta=old_eta,
                    new_eta=shipment.eta,
                    raw_code=newest.raw_code if newest is not None else None,
                )
            )
    session.flush()
    return report


class _Scan(NamedTuple):
    occurred_at: datetime
    status: str
    location: str
    raw_code: str | None


def _order(scan: _Scan) -> tuple[datetime, int]:
    """As :func:`bot.domain.shipments.event_order`: by time, then how far along."""
    rank = STATUSES.index(scan.status) if scan.status in STATUSES else len(STATUSES)
    return scan.occurred_at, rank


def _key(event: CarrierEvent) -> str:
    return event.external_id[:100]


def _why_unmatched(event: CarrierEvent) -> str:
    if event.tracking_number:
        return (
            f"{event.tracking_number!r} is not a tracking number we recognise (check digit?), "
            "and no shipment has its references"
        )
    refs = ", ".join(f"{kind} {value}" for kind, value in event.references.items())
    return f"no shipment has {refs}, and the event carries no container number to create one"


def _by_reference(
    session: Session,
    event: CarrierEvent,
    by_reference: dict[tuple[str, str], int],
    touched: dict[int, Shipment],
) -> Shipment | None:
    for kind, value in event.references.items():
        shipment_id = by_reference.get((kind, value))
        if shipment_id is None:
            continue
        if shipment_id in touched:
            return touched[shipment_id]
        return session.execute(
            select(Shipment)
            .where(Shipment.id == shipment_id)
            .options(selectinload(Shipment.events))
            .with_for_update(of=Shipment)
        ).scalar_one()
    return None


def _apply(shipment: Shipment, event: CarrierEvent, scans: list[_Scan]) -> dict[str, Any] | None:
    """Add the event's facts to the shipment (its state is settled after the batch).

    Returns:
        The row of the scan to store, or None (an estimate, or a scan already stored).
    """
    if event.eta is not None and (
        shipment.eta_reported_at is None or event.occurred_at >= shipment.eta_reported_at
    ):
        shipment.eta = event.eta
        shipment.eta_reported_at = event.occurred_at
    for attr in ("origin", "destination", "service"):
        if getattr(event, attr) and not getattr(shipment, attr):
            setattr(shipment, attr, getattr(event, attr))
    if not event.actual:
        return None  # a plan or an estimate: no scan happened
    status = event.status if event.status in STATUSES else UNMAPPED
    if any(s.occurred_at == event.occurred_at and s.status == status for s in scans):
        return None  # the same scan from another feed (or the CSV import) is already there
    scans.append(_Scan(event.occurred_at, status, event.location[:120], event.raw_code[:40]))
    return {
        "shipment_id": shipment.id,
        "occurred_at": event.occurred_at,
        "location": event.location[:120],
        "status": status,
        "description": event.description[:500],
        "source": event.source,
        "raw_code": event.raw_code[:40],
    }


def _settle(shipment: Shipment, scans: list[_Scan]) -> _Scan | None:
    """Status and last location from the newest scan that maps to a status of ours.

    Returns:
        The newest scan of any kind, if there is one.
    """
    mapped = [s for s in scans if s.status in STATUSES]
    if mapped:
        newest = max(mapped, key=_order)
        if shipment.status != newest.status:
            shipment.status = newest.status
        location = newest.location or None
        if shipment.last_location != location:
            shipment.last_location = location
    return max(scans, key=_order, default=None)
