"""Complaints as their readers see them: the receipt, the staff view, the audit trail.

No ORM object leaves the complaint modules; callers get these frozen views, with the
overdue and due-soon flags worked out against the service levels at a given moment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.clock import moment_of
from bot.domain.complaints.rules import RESOLVED
from bot.domain.contacts import mask_contact
from bot.domain.service_levels import CATEGORIES, ServiceLevels, service_levels
from bot.storage.models import Complaint, ComplaintEvent


@dataclass(frozen=True)
class ComplaintReceipt:
    """What the customer is told when a complaint is taken.

    Attributes:
        reference: ``CMP-YYYY-NNNNN``.
        due_at: the promised follow-up time (aware UTC).
        severity: the assessed severity.
        created: False when this was a repeat of a complaint already taken (a double
            click, a retry), whose reference is returned.
    """

    reference: str
    due_at: datetime
    severity: str
    created: bool


@dataclass(frozen=True)
class AuditEntry:
    """One line of a complaint's audit trail."""

    at: datetime
    actor: str
    action: str
    detail: str


@dataclass(frozen=True)
class ComplaintView:
    """A complaint as read by staff or described to its customer; no ORM object escapes.

    Times are aware UTC. ``overdue`` and ``due_soon`` are worked out at the moment the
    view was made, against ``next_due_at``: the promised follow-up until there has been
    one, then the resolution target. ``events`` is filled only by :func:`get_complaint`.
    """

    reference: str
    sender_id: str
    channel: str
    category: str
    category_label: str
    severity: str
    status: str
    description: str
    shipment_ref: str | None
    contact_kind: str | None
    contact: str | None
    assigned_to: str | None
    created_at: datetime
    due_at: datetime
    original_due_at: datetime
    resolution_due_at: datetime
    first_followup_at: datetime | None
    first_followup_hours: float | None
    promise_kept: bool | None
    reminder_sent_at: datetime | None
    escalated_at: datetime | None
    customer_notified_overdue_at: datetime | None
    resolved_at: datetime | None
    outcome: str | None
    resolution_hours: float | None
    resolved_on_time: bool | None
    customer_notified_resolution_at: datetime | None
    next_due_at: datetime | None
    overdue: bool
    due_soon: bool
    events: tuple[AuditEntry, ...] = ()

    @property
    def masked_contact(self) -> str | None:
        """The contact with most characters hidden, for screens others may see."""
        return None if self.contact is None else mask_contact(self.contact)


def _next_due(complaint: Complaint) -> datetime | None:
    if complaint.status == RESOLVED:
        return None
    if complaint.first_followup_at is None:
        due: datetime = complaint.due_at
        return due
    target: datetime = complaint.resolution_due_at
    return target


def make_view(
    complaint: Complaint,
    now: datetime,
    levels: ServiceLevels,
    events: Sequence[ComplaintEvent] = (),
) -> ComplaintView:
    """Make the view of a complaint row with its flags worked out at ``now``.

    Args:
        complaint: the row.
        now: aware UTC moment the overdue and due-soon flags are worked out for.
        levels: the service levels (calendar and reminder lead time).
        events: the audit trail to include, if it was loaded.
    """
    next_due = _next_due(complaint)
    overdue = next_due is not None and now > next_due
    due_soon = (
        next_due is not None
        and not overdue
        and levels.calendar.business_hours_between(now, next_due)
        <= levels.policy.reminder_before_hours
    )
    return ComplaintView(
        reference=complaint.reference,
        sender_id=complaint.sender_id,
        channel=complaint.channel,
        category=complaint.category,
        category_label=CATEGORIES.get(complaint.category, complaint.category),
        severity=complaint.severity,
        status=complaint.status,
        description=complaint.description,
        shipment_ref=complaint.shipment_ref,
        contact_kind=complaint.contact_kind,
        contact=complaint.contact,
        assigned_to=complaint.assigned_to,
        created_at=complaint.created_at,
        due_at=complaint.due_at,
        original_due_at=complaint.original_due_at,
        resolution_due_at=complaint.resolution_due_at,
        first_followup_at=complaint.first_followup_at,
        first_followup_hours=complaint.first_followup_hours,
        promise_kept=complaint.promise_kept,
        reminder_sent_at=complaint.reminder_sent_at,
        escalated_at=complaint.escalated_at,
        customer_notified_overdue_at=complaint.customer_notified_overdue_at,
        resolved_at=complaint.resolved_at,
        outcome=complaint.outcome,
        resolution_hours=complaint.resolution_hours,
        resolved_on_time=complaint.resolved_on_time,
        customer_notified_resolution_at=complaint.customer_notified_resolution_at,
        next_due_at=next_due,
        overdue=overdue,
        due_soon=due_soon,
        events=tuple(AuditEntry(e.at, e.actor, e.action, e.detail) for e in events),
    )


def view_complaint(
    complaint: Complaint, *, now: datetime | None = None, levels: ServiceLevels | None = None
) -> ComplaintView:
    """Make the view of a complaint row (for modules that hold the row already).

    Args:
        complaint: the row.
        now: the moment the flags are worked out for; default now.
        levels: service levels; default :func:`service_levels`.
    """
    return make_view(complaint, moment_of(now), levels or service_levels())
