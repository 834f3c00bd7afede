"""When a customer asked where a shipment is: the record the shipment KPIs compare
notices with (told before they asked; did they ask again after being told)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.storage.models import Shipment, ShipmentLookup


def record_lookup(
    session: Session, sender_id: str, channel: str, tracking_number: str, *, now: datetime
) -> bool:
    """Note that a conversation was just given a shipment's tracking answer.

    Args:
        session: open session; the caller commits (with the answer's lookup).
        sender_id: the customer's conversation.
        channel: the channel they asked on.
        tracking_number: the shipment's number as stored (normalised).
        now: when they asked (UTC).

    Returns:
        True if recorded, False when no shipment has that number.
    """
    shipment_id = session.execute(
        select(Shipment.id).where(Shipment.tracking_number == tracking_number)
    ).scalar_one_or_none()
    if shipment_id is None:
        return False
    session.add(
        ShipmentLookup(
            shipment_id=shipment_id, sender_id=sender_id, channel=channel[:50], asked_at=now
        )
    )
    session.flush()
    return True
