"""Telling the customer the outcome of their request, once, on their channel.

Sent right after a colleague completes or refuses a request (the console), and retried by
the follow-up worker (:func:`deliver_pending`) while Rasa cannot be reached. As for
complaints, the message is claimed before it is sent (a claim left by a crashed sender
expires after :data:`CLAIM_LEASE` and the next sender first asks Rasa whether it got
through), and it goes out in the language the customer's conversation is in when it is
sent. Every delivery is in the request's audit trail.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement

from bot.domain.clock import moment_of
from bot.domain.conversations import NOTICE_KEY, Notifier, NotifyError
from bot.domain.requests.rules import FINISHED
from bot.domain.requests.views import make_view
from bot.domain.requests.wording import format_outcome
from bot.storage.db import session_scope
from bot.storage.models import CustomerRequest, CustomerRequestEvent

logger = logging.getLogger(__name__)

CLAIM_LEASE = timedelta(minutes=5)
WORKER_ACTOR = "follow-up worker"

_table = CustomerRequest.__table__


@dataclass(frozen=True)
class OutcomeDelivery:
    """What happened to one outcome message: ``sent``, ``already_sent``, ``busy`` or
    ``failed`` (retried by the worker), with why it failed."""

    reference: str
    outcome: str
    problem: str = ""


def _pending() -> ColumnElement[bool]:
    return _table.c.status.in_(list(FINISHED)) & _table.c.customer_notified_at.is_(None)


def _deliver(
    engine: Engine, notifier: Notifier, request_id: int, now: datetime
) -> OutcomeDelivery | None:
    claim = uuid.uuid4().hex
    free = _table.c.notify_claimed_at.is_(None)
    expired = _table.c.notify_claimed_at < now - CLAIM_LEASE
    with session_scope(engine) as session:
        claimed = session.execute(
            update(_table)
            .where(_table.c.id == request_id, _pending(), free)
            .values(notify_claim=claim, notify_claimed_at=now)
        ).rowcount
        interrupted = False
        if claimed != 1:
            claimed = session.execute(
                update(_table)
                .where(_table.c.id == request_id, _pending(), expired)
                .values(notify_claim=claim, notify_claimed_at=now)
            ).rowcount
            interrupted = claimed == 1
        row = session.get(CustomerRequest, request_id, populate_existing=True)
        if row is None:
            return None
        view = make_view(row, now)
        if claimed != 1:
            still = session.execute(
                select(_table.c.id).where(_table.c.id == request_id, _pending())
            ).first()
            return None if still is None else OutcomeDelivery(view.reference, "busy")

    notice = f"{view.reference}:outcome"
    try:
        if interrupted and notifier.was_sent_sync(view.sender_id, notice):
            outcome = "already_sent"
        else:
            language = notifier.language_sync(view.sender_id)
            text = format_outcome(view, language)
            notifier.send_sync(view.sender_id, text, metadata={NOTICE_KEY: notice})
            outcome = "sent"
    except NotifyError as exc:
        with session_scope(engine) as session:
            session.execute(
                update(_table)
                .where(_table.c.id == request_id, _table.c.notify_claim == claim)
                .values(notify_claim=None, notify_claimed_at=None)
            )
        logger.warning("Could not tell the customer about %s: %s", view.reference, exc)
        return OutcomeDelivery(view.reference, "failed", str(exc))

    with session_scope(engine) as session:
        recorded = session.execute(
            update(_table)
            .where(_table.c.id == request_id, _table.c.notify_claim == claim)
            .values(customer_notified_at=now, notify_claim=None, notify_claimed_at=None)
        ).rowcount
        if recorded == 1:
            how = "found already delivered" if outcome == "already_sent" else "sent"
            session.add(
                CustomerRequestEvent(
                    request_id=request_id,
                    at=now,
                    actor=WORKER_ACTOR,
                    action="customer_notified",
                    detail=f"outcome {how} via {view.channel or 'latest channel'}",
                )
            )
    if recorded != 1:
        return OutcomeDelivery(view.reference, "already_sent")
    return OutcomeDelivery(view.reference, outcome)


def deliver_outcome(
    engine: Engine, notifier: Notifier, reference: str, *, now: datetime | None = None
) -> OutcomeDelivery:
    """Tell the customer the outcome of a finished request, unless already done.

    Raises:
        LookupError: there is no such request.
    """
    moment = moment_of(now)
    with session_scope(engine) as session:
        request_id = session.execute(
            select(_table.c.id).where(_table.c.reference == reference)
        ).scalar_one_or_none()
    if request_id is None:
        raise LookupError(f"there is no request {reference}")
    delivery = _deliver(engine, notifier, request_id, moment)
    return delivery or OutcomeDelivery(reference, "already_sent")


def deliver_pending(
    engine: Engine, notifier: Notifier, *, now: datetime | None = None
) -> list[OutcomeDelivery]:
    """Send every outcome message still owed, once each (the follow-up worker's pass)."""
    moment = moment_of(now)
    with session_scope(engine) as session:
        ids = list(
            session.execute(select(_table.c.id).where(_pending()).order_by(_table.c.id)).scalars()
        )
    found = (_deliver(engine, notifier, request_id, moment) for request_id in ids)
    return [delivery for delivery in found if delivery is not None]
