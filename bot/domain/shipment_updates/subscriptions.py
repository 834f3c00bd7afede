"""A customer's subscriptions to a shipment's updates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.tracking import check_tracking_number
from bot.storage.models import Shipment, ShipmentSubscription

ARRIVAL, ANY = "arrival", "any"
SCOPES: tuple[str, ...] = (ARRIVAL, ANY)


def subscribe(
    session: Session, sender_id: str, channel: str, number: str, scope: str, *, now: datetime
) -> str | None:
    """Store (or widen/narrow) the customer's subscription to a shipment.

    Args:
        session: open session; the caller commits.
        sender_id: the customer's conversation.
        channel: the channel they asked on ("rest", "telegram", "webchat").
        number: the shipment's tracking number as they gave it.
        scope: :data:`ARRIVAL` or :data:`ANY`.
        now: the time (UTC).

    Returns:
        The normalised tracking number, or None when no shipment has it.
    """
    if scope not in SCOPES:
        raise ValueError(f"unknown scope {scope!r}")
    parsed = check_tracking_number(number)
    if parsed is None or not parsed.valid:
        return None
    shipment_id = session.execute(
        select(Shipment.id).where(Shipment.tracking_number == parsed.number)
    ).scalar_one_or_none()
    if shipment_id is None:
        return None
    existing = session.execute(
        select(ShipmentSubscription).where(
            ShipmentSubscription.shipment_id == shipment_id,
            ShipmentSubscription.sender_id == sender_id,
        )
    ).scalar_one_or_none()
    if existing is None:
        session.add(
            ShipmentSubscription(
                shipment_id=shipment_id,
                sender_id=sender_id,
                channel=channel,
                scope=scope,
                created_at=now,
            )
        )
    else:
        existing.scope, existing.channel, existing.stopped_at = scope, channel, None
    session.flush()
    return parsed.number


def unsubscribe(session: Session, sender_id: str, number: str | None, *, now: datetime) -> int:
    """Stop the customer's updates: for one shipment, or all of them when ``number`` is None.

    Returns:
        How many subscriptions were stopped.
    """
    query = select(ShipmentSubscription).where(
        ShipmentSubscription.sender_id == sender_id, ShipmentSubscription.stopped_at.is_(None)
    )
    if number is not None:
        parsed = check_tracking_number(number)
        if parsed is None:
            return 0
        query = query.join(Shipment, Shipment.id == ShipmentSubscription.shipment_id).where(
            Shipment.tracking_number == parsed.number
        )
    stopped = 0
    for subscription in session.execute(query).scalars():
        subscription.stopped_at = now
        stopped += 1
    session.flush()
    return stopped
