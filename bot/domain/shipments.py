"""Shipment look-up and the customer's tracking reply.

Shipments and their status events come in from a CSV feed
(:mod:`bot.domain.shipment_import`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, tzinfo

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from bot.core.i18n import detect_language, format_date, format_datetime, get_catalogue, t
from bot.domain.tracking import check_tracking_number
from bot.storage.models import STATUSES, Shipment, ShipmentEvent


def status_text(status: str, language: str = "en") -> str:
    """What a status code means, in the words a customer reads (``tracking.status.*``);
    an unknown code is shown with spaces ("on_hold" -> "on hold")."""
    key = f"tracking.status.{status}"
    return t(key, language) if get_catalogue().has(key) else status.replace("_", " ")


def next_step(status: str, language: str = "en") -> str:
    """What happens next, per status: every tracking reply ends with one of these."""
    key = f"tracking.next.{status}"
    return t(key if get_catalogue().has(key) else "tracking.next.other", language)


def mode_text(mode: str, language: str = "en") -> str:
    """How a mode is named to a customer: "Air freight" / "空運"."""
    key = f"tracking.mode.{mode}"
    return t(key, language) if get_catalogue().has(key) else mode


@dataclass(frozen=True)
class EventView:
    """One status event as shown to a customer."""

    occurred_at: datetime
    location: str
    status: str
    description: str
    raw_code: str | None = None


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
        status_text=status_text(shipment.status),
        last_location=shipment.last_location,
        last_update=events[0].occurred_at if events else shipment.updated_at,
        eta=shipment.eta,
        delivered=shipment.status == "delivered",
        delivered_at=delivered_at if shipment.status == "delivered" else None,
        events=tuple(
            EventView(e.occurred_at, e.location, e.status, e.description, e.raw_code)
            for e in events
        ),
        account=shipment.account,
    )


def _eta_text(eta: date | datetime, tz: tzinfo, language: str) -> str:
    if isinstance(eta, datetime):
        return format_datetime(eta, language, tz)
    return format_date(datetime.combine(eta, time(12), tzinfo=tz), language, tz)


def _event_text(event: EventView, language: str) -> str:
    """The feed's own description unless it is written in another language than the
    customer's (the carrier feed is English), else the status in their words; a carrier
    code that maps to no status of ours is shown as the code itself."""
    own_words = bool(event.description) and detect_language(event.description) in (None, language)
    if event.status not in STATUSES and event.raw_code:
        if own_words:
            return t(
                "tracking.event.raw_with_text",
                language,
                text=event.description,
                code=event.raw_code,
            )
        return t("tracking.event.raw", language, code=event.raw_code)
    if event.description and detect_language(event.description) in (None, language):
        return event.description
    return status_text(event.status, language)


def format_shipment(view: ShipmentView, tz: tzinfo, language: str = "en") -> str:
    """Write the tracking reply for a customer.

    Says what the status is, where the shipment is, when it was last updated in local
    time, the ETA or delivery time, the last three events, and what happens next.

    Args:
        view: the shipment.
        tz: time zone to show times in (the service centre's, normally Hong Kong).
        language: the conversation's language.

    Returns:
        The reply as plain text, one fact per line.
    """
    lang = language

    def when(moment: datetime) -> str:
        return format_datetime(moment, lang, tz)

    lines = [
        t(
            "tracking.reply.header",
            lang,
            number=view.tracking_number,
            mode=mode_text(view.mode, lang),
            origin=view.origin,
            destination=view.destination,
        ),
        t("tracking.reply.status", lang, status=status_text(view.status, lang)),
    ]
    if view.last_location:
        lines.append(
            t(
                "tracking.reply.last_seen",
                lang,
                place=view.last_location,
                when=when(view.last_update),
            )
        )
    else:
        lines.append(t("tracking.reply.last_updated", lang, when=when(view.last_update)))
    if view.delivered and view.delivered_at is not None:
        lines.append(t("tracking.reply.delivered", lang, when=when(view.delivered_at)))
    elif view.eta is not None:
        lines.append(t("tracking.reply.eta", lang, when=_eta_text(view.eta, tz, lang)))
    else:
        lines.append(t("tracking.reply.eta_unknown", lang))
    if view.events:
        lines.append(t("tracking.reply.updates", lang))
        for event in view.events[:3]:
            params = {"when": when(event.occurred_at), "text": _event_text(event, lang)}
            if event.location:
                lines.append(t("tracking.reply.event_at", lang, place=event.location, **params))
            else:
                lines.append(t("tracking.reply.event", lang, **params))
    lines.append(next_step(view.status, lang))
    return "\n".join(lines)
