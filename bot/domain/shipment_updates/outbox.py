"""The notices a batch of carrier events owes its subscribers, written in that batch's
transaction: if the events are stored, so are the notices (the outbox pattern)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta, tzinfo

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bot.domain.carrier_events.ingest import Change
from bot.domain.shipment_updates.settings import UpdateSettings
from bot.domain.shipment_updates.subscriptions import ARRIVAL
from bot.storage.models import UTC as _UTC
from bot.storage.models import ShipmentNotice, ShipmentSubscription

#: Kinds of notice, most important first.
EXCEPTION, HOLD, DELIVERED, ETA_SLIP, STATUS = "exception", "hold", "delivered", "eta", "status"
#: Held up shipments are urgent: the customer hears at once, quiet hours or not.
URGENT_KINDS = frozenset({EXCEPTION, HOLD})
#: What an arrival-only subscriber hears about.
ARRIVAL_KINDS = frozenset({EXCEPTION, HOLD, DELIVERED, ETA_SLIP})


def _as_moment(eta: date | datetime | None) -> datetime | None:
    if eta is None or isinstance(eta, datetime):
        return eta
    return datetime.combine(eta, time(12), tzinfo=None).replace(tzinfo=_UTC)


def kind_of(change: Change, settings: UpdateSettings) -> str | None:
    """What a change is worth telling, or None when nothing is."""
    if change.old_status is not None and change.new_status != change.old_status:
        if change.new_status == "exception":
            return EXCEPTION
        if change.new_status == "customs":
            return HOLD
        if change.new_status == "delivered":
            return DELIVERED
        return STATUS
    old, new = _as_moment(change.old_eta), _as_moment(change.new_eta)
    if old is not None and new is not None and new - old > settings.eta_margin:
        return ETA_SLIP
    return None


def not_before(now: datetime, urgent: bool, settings: UpdateSettings, tz: tzinfo) -> datetime:
    """When a notice may go out: now, or for a non-urgent one in quiet hours, their end."""
    if urgent or settings.quiet_start == settings.quiet_end:
        return now
    local = now.astimezone(tz)
    start, end = settings.quiet_start, settings.quiet_end
    clock = local.time()
    quiet = (start <= clock or clock < end) if start > end else (start <= clock < end)
    if not quiet:
        return now
    release = datetime.combine(local.date(), end, tzinfo=tz)
    if release <= local:
        release += timedelta(days=1)
    return release.astimezone(_UTC)


def record_notices(
    session: Session,
    changes: Iterable[Change],
    *,
    now: datetime,
    settings: UpdateSettings,
    tz: tzinfo,
) -> int:
    """Write one notice per active subscriber per change worth telling.

    One INSERT for all of them, so an event with 10,000 subscribers costs one statement.

    Returns:
        How many notices were written.
    """
    worth = [(change, kind) for change in changes if (kind := kind_of(change, settings))]
    if not worth:
        return 0
    ids = [change.shipment_id for change, _kind in worth]
    subscribers: dict[int, list[tuple[int, str, str, str]]] = defaultdict(list)
    for row in session.execute(
        select(
            ShipmentSubscription.id,
            ShipmentSubscription.shipment_id,
            ShipmentSubscription.sender_id,
            ShipmentSubscription.channel,
            ShipmentSubscription.scope,
        ).where(
            ShipmentSubscription.shipment_id.in_(ids), ShipmentSubscription.stopped_at.is_(None)
        )
    ):
        subscribers[row.shipment_id].append((row.id, row.sender_id, row.channel, row.scope))
    rows = []
    for change, kind in worth:
        urgent = kind in URGENT_KINDS
        release = not_before(now, urgent, settings, tz)
        eta = change.new_eta.isoformat() if change.new_eta is not None else None
        for subscription_id, sender_id, channel, scope in subscribers[change.shipment_id]:
            if scope == ARRIVAL and kind not in ARRIVAL_KINDS:
                continue
            rows.append(
                {
                    "subscription_id": subscription_id,
                    "shipment_id": change.shipment_id,
                    "sender_id": sender_id,
                    "channel": channel,
                    "kind": kind,
                    "status": change.new_status,
                    "eta_text": eta,
                    "urgent": urgent,
                    "created_at": now,
                    "not_before": release,
                    "attempts": 0,
                }
            )
    if rows:
        session.execute(insert(ShipmentNotice), rows)
    return len(rows)
