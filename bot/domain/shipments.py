"""Shipment look-up and the customer's tracking reply.

Shipments and their status events come in from a CSV feed
(:mod:`bot.domain.shipment_import`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.domain.tracking import check_tracking_number
from bot.storage.models import STATUSES, Shipment, ShipmentEvent

#: What each status code means, in the words a customer reads.
STATUS_TEXT: dict[str, str] = {
    "booked": "Booked, awaiting collection",
    "picked_up": "Collected from the sender",
    "in_transit": "In transit",
    "at_hub": "At one of our sorting hubs",
    "customs": "In customs clearance",
    "out_for_delivery": "Out for delivery",
    "delivered": "Delivered",
    "exception": "Delayed: needs attention",
}

#: What happens next, per status: every tracking reply ends with one of these.
NEXT_STEP: dict[str, str] = {
    "booked": (
        "Next, the goods will be collected or handed in as booked; the first scan will "
        "show here as soon as that happens."
    ),
    "picked_up": (
        "Next, it goes to our hub for sorting; you'll see an update once it's processed there."
    ),
    "in_transit": (
        "Next, it arrives at the next stop on its route; ask me again any time for the latest scan."
    ),
    "at_hub": "Next, it leaves on the next scheduled departure towards its destination.",
    "customs": (
        "Next, customs will release it; most shipments clear within one or two working "
        "days. If the authorities need anything, our customs team will contact the "
        "consignee directly."
    ),
    "out_for_delivery": (
        "Next, the driver delivers it today. If no one is in, the driver leaves a card and "
        "we try again on the next working day."
    ),
    "delivered": (
        "Nothing more is needed. If anything is missing or damaged, tell me and I'll pass "
        "it to our team."
    ),
    "exception": (
        "Our operations team is looking into this and will contact the shipper with an "
        "update. If you'd like to speak to a colleague now, just ask."
    ),
}

#: How each mode is named to a customer.
MODE_TEXT: dict[str, str] = {
    "express": "Express",
    "economy": "Economy express",
    "air": "Air freight",
    "sea_fcl": "Sea freight (full container)",
    "sea_lcl": "Sea freight (shared container)",
}


@dataclass(frozen=True)
class EventView:
    """One status event as shown to a customer."""

    occurred_at: datetime
    location: str
    status: str
    description: str


@dataclass(frozen=True)
class ShipmentView:
    """A shipment as the tracking reply needs it; no ORM object escapes the session.

    Attributes:
        tracking_number: normalised number, e.g. ``160-12345675``.
        kind: kind of number (see ``bot.domain.tracking.KINDS``).
        mode: one of ``bot.storage.models.MODES``.
        service: the product, e.g. "Express Worldwide".
        origin: where it started.
        destination: where it is going.
        status: status code (``bot.storage.models.STATUSES``).
        status_text: the status in customer wording.
        last_location: where it was last scanned, if known.
        last_update: time of the newest event (UTC), or of the record if it has none.
        eta: estimated arrival: a date, a UTC datetime, or None.
        delivered: whether it has been delivered.
        delivered_at: when it was delivered (UTC), if it has been.
        events: the status events, newest first.
        account: the shipper's key customer account, if it has one.
    """

    tracking_number: str
    kind: str
    mode: str
    service: str
    origin: str
    destination: str
    status: str
    status_text: str
    last_location: str | None
    last_update: datetime
    eta: date | datetime | None
    delivered: bool
    delivered_at: datetime | None
    events: tuple[EventView, ...]
    account: str | None = None


def find_shipment(session: Session, number: str) -> ShipmentView | None:
    """Look up a shipment by its tracking number.

    Args:
        session: open database session.
        number: the number in any spelling customers use ("awb 160 1234 5675").

    Returns:
        The shipment, or None when the number is not a valid tracking number or no
        shipment has it.
    """
    parsed = check_tracking_number(number)
    if parsed is None or not parsed.valid:
        return None
    shipment = session.execute(
        select(Shipment)
        .where(Shipment.tracking_number == parsed.number)
        .options(selectinload(Shipment.events))
    ).scalar_one_or_none()
    return None if shipment is None else _view(shipment)


def event_order(event: ShipmentEvent) -> tuple[datetime, int]:
    """Sort key of status events, oldest first; the last is where the shipment now stands."""
    # Two scans with the same time (say out_for_delivery and delivered at 14:05) are
    # ordered by how far along the journey their status is.
    rank = STATUSES.index(event.status) if event.status in STATUSES else len(STATUSES)
    return event.occurred_at, rank


def _view(shipment: Shipment) -> ShipmentView:
    events = sorted(shipment.events, key=event_order, reverse=True)
    delivered_at = next((e.occurred_at for e in events if e.status == "delivered"), None)
    return ShipmentView(
        tracking_number=shipment.tracking_number,
        kind=shipment.number_kind,
        mode=shipment.mode,
        service=shipment.service,
        origin=shipment.origin,
        destination=shipment.destination,
        status=shipment.status,
        status_text=STATUS_TEXT.get(shipment.status, shipment.status.replace("_", " ")),
        last_location=shipment.last_location,
        last_update=events[0].occurred_at if events else shipment.updated_at,
        eta=shipment.eta,
        delivered=shipment.status == "delivered",
        delivered_at=delivered_at if shipment.status == "delivered" else None,
        events=tuple(EventView(e.occurred_at, e.location, e.status, e.description) for e in events),
        account=shipment.account,
    )


def _when(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{local.day} {local:%b %Y, %H:%M} {local.tzname()}"


def _short_when(moment: datetime, tz: ZoneInfo) -> str:
    local = moment.astimezone(tz)
    return f"{local.day} {local:%b, %H:%M}"


def _eta_text(eta: date | datetime, tz: ZoneInfo) -> str:
    if isinstance(eta, datetime):
        return _when(eta, tz)
    return f"{eta.day} {eta:%b %Y}"


def format_shipment(view: ShipmentView, tz: ZoneInfo) -> str:
    """Write the tracking reply for a customer.

    Says what the status is, where the shipment is, when it was last updated in local
    time, the ETA or delivery time, the last three events, and what happens next.

    Args:
        view: the shipment.
        tz: time zone to show times in (the service centre's, normally Hong Kong).

    Returns:
        The reply as plain text, one fact per line.
    """
    mode = MODE_TEXT.get(view.mode, view.mode)
    lines = [
        f"Shipment {view.tracking_number}: {mode}, {view.origin} to {view.destination}.",
        f"Status: {view.status_text}.",
    ]
    if view.last_location:
        lines.append(f"Last seen: {view.last_location}, {_when(view.last_update, tz)}.")
    else:
        lines.append(f"Last updated: {_when(view.last_update, tz)}.")
    if view.delivered and view.delivered_at is not None:
        lines.append(f"Delivered: {_when(view.delivered_at, tz)}.")
    elif view.eta is not None:
        lines.append(f"Estimated arrival: {_eta_text(view.eta, tz)}.")
    else:
        lines.append("Estimated arrival: not confirmed yet.")
    if view.events:
        lines.append("Latest updates:")
        for event in view.events[:3]:
            place = f" ({event.location})" if event.location else ""
            text = event.description or STATUS_TEXT.get(event.status, event.status)
            lines.append(f"- {_short_when(event.occurred_at, tz)}: {text}{place}")
    lines.append(NEXT_STEP.get(view.status, "Next, our team will update this shipment."))
    return "\n".join(lines)
