"""The notice worker: sends what the outbox holds, once each.

Each notice is claimed with a lease by an atomic UPDATE (on PostgreSQL and SQLite alike),
so two workers never send the same one; a claim older than the lease belongs to a worker
that died mid-send, and the next one first looks in the conversation for the notice
(by its id in the message's metadata) before sending it again. A failed send releases the
claim and is retried on the next pass, across restarts. Non-urgent notices wait for
``not_before`` (the end of quiet hours).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import or_, select, update
from sqlalchemy.engine import Engine

from bot.domain.conversations import NOTICE_KEY, Notifier, NotifyError
from bot.domain.shipment_updates.wording import notice_text
from bot.storage.db import session_scope
from bot.storage.models import Shipment, ShipmentNotice, ShipmentSubscription

logger = logging.getLogger(__name__)

#: How long a claim holds before another worker may take the notice over.
CLAIM_LEASE = timedelta(minutes=2)
_table = ShipmentNotice.__table__


@dataclass(frozen=True)
class Sent:
    """What one notice's delivery came to: ``sent``, ``already_sent``, ``stopped`` or
    ``failed`` (with the reason)."""

    notice_id: int
    outcome: str
    detail: str = ""


def notice_key(notice_id: int) -> str:
    """The ``metadata[NOTICE_KEY]`` a notice is sent under."""
    return f"shipment-notice:{notice_id}"


def due_notices(engine: Engine, now: datetime, limit: int = 200) -> list[int]:
    """Ids of notices that may go out now and nobody is sending."""
    with session_scope(engine) as session:
        return list(
            session.execute(
                select(ShipmentNotice.id)
                .where(
                    ShipmentNotice.sent_at.is_(None),
                    ShipmentNotice.not_before <= now,
                    or_(
                        ShipmentNotice.claimed_at.is_(None),
                        ShipmentNotice.claimed_at < now - CLAIM_LEASE,
                    ),
                )
                .order_by(ShipmentNotice.urgent.desc(), ShipmentNotice.id)
                .limit(limit)
            ).scalars()
        )


def deliver(engine: Engine, notifier: Notifier, *, now: datetime, tz: tzinfo) -> list[Sent]:
    """One pass: send every due notice."""
    return [
        sent
        for notice_id in due_notices(engine, now)
        if (sent := deliver_one(engine, notifier, notice_id, now=now, tz=tz)) is not None
    ]


def deliver_one(
    engine: Engine, notifier: Notifier, notice_id: int, *, now: datetime, tz: tzinfo
) -> Sent | None:
    """Claim, send and mark one notice; None when another worker has it or it is done."""
    claim = uuid.uuid4().hex
    with session_scope(engine) as session:
        previous = session.execute(
            select(ShipmentNotice.claim).where(ShipmentNotice.id == notice_id)
        ).scalar_one_or_none()
        claimed = session.execute(
            update(_table)
            .where(
                _table.c.id == notice_id,
                _table.c.sent_at.is_(None),
                or_(_table.c.claimed_at.is_(None), _table.c.claimed_at < now - CLAIM_LEASE),
            )
            .values(claim=claim, claimed_at=now, attempts=_table.c.attempts + 1)
        ).rowcount
        if claimed != 1:
            return None
        row = session.execute(
            select(ShipmentNotice, Shipment.tracking_number, ShipmentSubscription.stopped_at)
            .join(Shipment, Shipment.id == ShipmentNotice.shipment_id)
            .join(ShipmentSubscription, ShipmentSubscription.id == ShipmentNotice.subscription_id)
            .where(ShipmentNotice.id == notice_id)
        ).one()
        notice, number, stopped_at = row
        sender_id, kind, status, eta_text = (
            notice.sender_id,
            notice.kind,
            notice.status,
            notice.eta_text,
        )
    interrupted = previous is not None
    if stopped_at is not None:
        _finish(engine, notice_id, claim, now, "not sent: the customer stopped updates")
        return Sent(notice_id, "stopped")
    key = notice_key(notice_id)
    try:
        if interrupted and notifier.was_sent_sync(sender_id, key):
            outcome = "already_sent"
        else:
            language = notifier.language_sync(sender_id)
            text = notice_text(number, kind, status, eta_text, tz, language)
            notifier.send_sync(sender_id, text, metadata={NOTICE_KEY: key})
            outcome = "sent"
    except NotifyError as exc:
        with session_scope(engine) as session:
            session.execute(
                update(_table)
                .where(_table.c.id == notice_id, _table.c.claim == claim)
                .values(claim=None, claimed_at=None, last_error=str(exc)[:300])
            )
        logger.warning("Could not send shipment notice %s to %s: %s", notice_id, sender_id, exc)
        return Sent(notice_id, "failed", str(exc))
    _finish(engine, notice_id, claim, now, None)
    return Sent(notice_id, outcome)


def _finish(engine: Engine, notice_id: int, claim: str, now: datetime, note: str | None) -> None:
    with session_scope(engine) as session:
        session.execute(
            update(_table)
            .where(_table.c.id == notice_id, _table.c.claim == claim)
            .values(sent_at=now, claim=None, claimed_at=None, last_error=note)
        )
