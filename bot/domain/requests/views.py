"""Requests as their readers see them: the receipt, the staff view, the audit trail.

No ORM object leaves the request modules; callers get these frozen views, with the
overdue flag worked out at a given moment.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.domain.contacts import mask_contact
from bot.domain.requests.rules import UNFINISHED
from bot.storage.models import CustomerRequest, CustomerRequestEvent


@dataclass(frozen=True)
class RequestEntry:
    """One line of a request's audit trail."""

    at: datetime
    actor: str
    action: str
    detail: str


@dataclass(frozen=True)
class RequestView:
    """A request as staff read it or its customer is told about it.

    Attributes:
        created: False when the request repeated one already taken (a double click),
            whose reference this is.
        overdue: unfinished and past its promised time.
        contact: masked ("+852 ****4567"), never the whole value.
    """

    reference: str
    kind: str
    status: str
    sender_id: str
    channel: str
    contact: str | None
    shipment_ref: str | None
    related_reference: str | None
    address: str | None
    ready_at: datetime | None
    window_end: datetime | None
    pieces: int | None
    weight_kg: float | None
    service: str | None
    details: dict[str, Any]
    assigned_to: str | None
    created_at: datetime
    due_at: datetime
    completed_at: datetime | None
    outcome: str | None
    completed_on_time: bool | None
    overdue: bool
    created: bool = True
    events: tuple[RequestEntry, ...] = field(default=())

    @property
    def finished(self) -> bool:
        """Done or refused."""
        return self.status not in UNFINISHED


def make_view(
    row: CustomerRequest,
    now: datetime,
    events: Sequence[CustomerRequestEvent] = (),
    *,
    created: bool = True,
) -> RequestView:
    """The view of a stored request at ``now``."""
    return RequestView(
        reference=row.reference,
        kind=row.kind,
        status=row.status,
        sender_id=row.sender_id,
        channel=row.channel,
        contact=mask_contact(row.contact) if row.contact else None,
        shipment_ref=row.shipment_ref,
        related_reference=row.related_reference,
        address=row.address,
        ready_at=row.ready_at,
        window_end=row.window_end,
        pieces=row.pieces,
        weight_kg=row.weight_kg,
        service=row.service,
        details=json.loads(row.details or "{}"),
        assigned_to=row.assigned_to,
        created_at=row.created_at,
        due_at=row.due_at,
        completed_at=row.completed_at,
        outcome=row.outcome,
        completed_on_time=row.completed_on_time,
        overdue=row.status in UNFINISHED and row.due_at < now,
        created=created,
        events=tuple(RequestEntry(e.at, e.actor, e.action, e.detail) for e in events),
    )
