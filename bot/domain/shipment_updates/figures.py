"""What the shipment notices did over a period: sent by kind, waiting, failing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.storage.models import ShipmentNotice, ShipmentSubscription


@dataclass
class NoticeFigures:
    """Shipment-notice figures for a period.

    Attributes:
        sent: notices delivered, by kind (``status``, ``delivered``, ``hold``,
            ``exception``, ``eta``).
        not_sent: notices dropped because the customer stopped updates first.
        waiting: notices not yet sent (quiet hours, or being retried).
        failing: of those, the ones whose last attempt failed.
        subscriptions: subscriptions started in the period.
    """

    sent: dict[str, int] = field(default_factory=dict)
    not_sent: int = 0
    waiting: int = 0
    failing: int = 0
    subscriptions: int = 0

    @property
    def exceptions_notified(self) -> int:
        """Exceptions and holds the customer heard of from us, proactively."""
        return self.sent.get("exception", 0) + self.sent.get("hold", 0)


def notice_figures(session: Session, start: datetime, end: datetime) -> NoticeFigures:
    """The figures for notices written in ``[start, end)``."""
    figures = NoticeFigures()
    in_period = (ShipmentNotice.created_at >= start, ShipmentNotice.created_at < end)
    for kind, count in session.execute(
        select(ShipmentNotice.kind, func.count())
        .where(*in_period, ShipmentNotice.sent_at.is_not(None), ShipmentNotice.last_error.is_(None))
        .group_by(ShipmentNotice.kind)
    ):
        figures.sent[kind] = int(count)
    figures.not_sent = int(
        session.execute(
            select(func.count()).where(
                *in_period,
                ShipmentNotice.sent_at.is_not(None),
                ShipmentNotice.last_error.is_not(None),
            )
        ).scalar_one()
    )
    figures.waiting = int(
        session.execute(
            select(func.count()).where(*in_period, ShipmentNotice.sent_at.is_(None))
        ).scalar_one()
    )
    figures.failing = int(
        session.execute(
            select(func.count()).where(
                *in_period, ShipmentNotice.sent_at.is_(None), ShipmentNotice.last_error.is_not(None)
            )
        ).scalar_one()
    )
    figures.subscriptions = int(
        session.execute(
            select(func.count()).where(
                ShipmentSubscription.created_at >= start, ShipmentSubscription.created_at < end
            )
        ).scalar_one()
    )
    return figures
