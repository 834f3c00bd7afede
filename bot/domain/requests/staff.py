"""Staff work on requests: assign, add notes, complete or refuse, look them up; all audited.

Every change is timestamped and written to the audit trail with who made it. Completing
or refusing writes the KPI figures on the row (business hours to complete, on time or
not); telling the customer is :mod:`bot.domain.requests.outcomes`, after the caller
commits. Completing a cancellation closes the pick-up it cancels; completing a reschedule
moves that pick-up's window. Functions take an open session and flush; the caller commits.

Staff errors are for staff: :class:`StaffError` carries English text for the console.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session, selectinload

from bot.domain.clock import moment_of
from bot.domain.requests.rules import (
    DONE,
    FINISHED,
    IN_PROGRESS,
    MAX_NOTE,
    PICKUP_CANCEL,
    PICKUP_RESCHEDULE,
    REFUSED,
    UNFINISHED,
    normalise_reference,
)
from bot.domain.requests.views import RequestView, make_view
from bot.domain.service_levels import service_levels
from bot.storage.models import CustomerRequest, CustomerRequestEvent


class StaffError(ValueError):
    """A staff change cannot be made; the message is for the colleague, as it is."""


def _check_text(value: str, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise StaffError(f"The {what} is empty.")
    if len(text) > MAX_NOTE:
        raise StaffError(f"The {what} is longer than {MAX_NOTE:,} characters; please shorten it.")
    return text


def _locked(session: Session, reference: str) -> CustomerRequest:
    """Lock the request's row for this transaction (a no-op write first) and return it."""
    wanted = normalise_reference(reference)
    if wanted is None:
        raise StaffError(f"{reference!r} is not a request reference.")
    table = CustomerRequest.__table__
    session.execute(update(table).where(table.c.reference == wanted).values(status=table.c.status))
    row: CustomerRequest | None = session.execute(
        select(CustomerRequest)
        .where(CustomerRequest.reference == wanted)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if row is None:
        raise StaffError(f"There is no request {wanted}.")
    return row


def _audit(
    session: Session, row: CustomerRequest, at: datetime, actor: str, action: str, detail: str
) -> None:
    session.add(
        CustomerRequestEvent(request_id=row.id, at=at, actor=actor, action=action, detail=detail)
    )


def _unfinished(row: CustomerRequest) -> None:
    if row.status not in UNFINISHED:
        raise StaffError(f"{row.reference} is already {row.status}.")


def assign(
    session: Session, reference: str, assignee: str, *, actor: str, now: datetime | None = None
) -> RequestView:
    """Give an unfinished request to a colleague (or a queue)."""
    moment = moment_of(now)
    who = " ".join((assignee or "").split())
    if not who or len(who) > 120:
        raise StaffError("Say who the request goes to (at most 120 characters).")
    row = _locked(session, reference)
    _unfinished(row)
    before = row.assigned_to
    row.assigned_to = who
    row.status = IN_PROGRESS
    row.updated_at = moment
    _audit(session, row, moment, actor, "assigned", f"{before or 'nobody'} -> {who}")
    session.flush()
    return make_view(row, moment)


def add_note(
    session: Session, reference: str, note: str, *, actor: str, now: datetime | None = None
) -> RequestView:
    """Add a staff note to the audit trail (any request, finished or not)."""
    moment = moment_of(now)
    text = _check_text(note, "note")
    row = _locked(session, reference)
    row.updated_at = moment
    _audit(session, row, moment, actor, "note", text)
    session.flush()
    return make_view(row, moment)


def _finish(
    session: Session, reference: str, text: str, *, status: str, actor: str, now: datetime | None
) -> RequestView:
    moment = moment_of(now)
    what = "outcome" if status == DONE else "reason"
    outcome = _check_text(text, what)
    row = _locked(session, reference)
    _unfinished(row)
    calendar = service_levels().calendar
    row.status = status
    row.outcome = outcome
    row.completed_at = moment
    row.completed_hours = round(calendar.business_hours_between(row.created_at, moment), 2)
    row.completed_on_time = moment <= row.due_at
    row.updated_at = moment
    row.assigned_to = row.assigned_to or actor
    _audit(session, row, moment, actor, status, outcome)
    if status == DONE and row.related_reference and row.kind in (PICKUP_CANCEL, PICKUP_RESCHEDULE):
        _apply_to_pickup(session, row, moment, actor)
    session.flush()
    return make_view(row, moment)


def _apply_to_pickup(session: Session, change: CustomerRequest, at: datetime, actor: str) -> None:
    """A done cancellation closes its pick-up; a done reschedule moves its window."""
    original = session.execute(
        select(CustomerRequest).where(CustomerRequest.reference == change.related_reference)
    ).scalar_one_or_none()
    if original is None or original.status in FINISHED:
        return
    if change.kind == PICKUP_CANCEL:
        original.status = REFUSED
        original.outcome = f"Cancelled at the customer's request ({change.reference})."
        original.completed_at = at
        # The customer hears about it once, with the cancellation's outcome.
        original.customer_notified_at = at
        _audit(session, original, at, actor, "cancelled", f"by {change.reference}")
    else:
        original.ready_at, original.window_end = change.ready_at, change.window_end
        _audit(
            session,
            original,
            at,
            actor,
            "rescheduled",
            f"by {change.reference} to {change.ready_at.isoformat() if change.ready_at else '?'}",
        )
    original.updated_at = at


def complete(
    session: Session, reference: str, outcome: str, *, actor: str, now: datetime | None = None
) -> RequestView:
    """Record a request as done, with what was done (sent to the customer as written)."""
    return _finish(session, reference, outcome, status=DONE, actor=actor, now=now)


def refuse(
    session: Session, reference: str, reason: str, *, actor: str, now: datetime | None = None
) -> RequestView:
    """Record a request as refused, with the reason (sent to the customer as written)."""
    return _finish(session, reference, reason, status=REFUSED, actor=actor, now=now)


def get_request(session: Session, reference: str, *, now: datetime | None = None) -> RequestView:
    """One request with its audit trail, for staff."""
    wanted = normalise_reference(reference)
    if wanted is None:
        raise StaffError(f"{reference!r} is not a request reference.")
    row = session.execute(
        select(CustomerRequest)
        .where(CustomerRequest.reference == wanted)
        .options(selectinload(CustomerRequest.events))
    ).scalar_one_or_none()
    if row is None:
        raise StaffError(f"There is no request {wanted}.")
    return make_view(row, moment_of(now), row.events)


def list_requests(
    session: Session,
    *,
    status: str | Sequence[str] | None = UNFINISHED,
    assigned_to: str | None = None,
    now: datetime | None = None,
) -> list[RequestView]:
    """Requests for staff by promised time, unfinished first; each with its audit trail."""
    moment = moment_of(now)
    query = (
        select(CustomerRequest)
        .options(selectinload(CustomerRequest.events))
        .order_by(
            case((CustomerRequest.status.in_(list(UNFINISHED)), 0), else_=1),
            CustomerRequest.due_at,
            CustomerRequest.id,
        )
    )
    if isinstance(status, str):
        query = query.where(CustomerRequest.status == status)
    elif status is not None:
        query = query.where(CustomerRequest.status.in_(list(status)))
    if assigned_to:
        query = query.where(CustomerRequest.assigned_to == assigned_to)
    return [make_view(r, moment, r.events) for r in session.execute(query).scalars()]
