"""Staff work on complaints: assign, add notes, resolve, look them up; all audited.

Every change is timestamped and written to the audit trail with who made it, and the
KPI figures (business hours to the first follow-up and to resolution, promise kept,
resolved on time) are kept on the row. Telling the customer the outcome is
:mod:`bot.domain.complaints.followups`, after the caller commits. Functions take an open
session and flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import case, select, update
from sqlalchemy.orm import Session, selectinload

from bot.domain.clock import moment_of
from bot.domain.complaints.rules import (
    MAX_NOTE,
    RESOLVED,
    ComplaintError,
    ComplaintNotFound,
    normalise_reference,
)
from bot.domain.complaints.views import ComplaintView, make_view
from bot.domain.kpi.rollups import mark_stale
from bot.domain.service_levels import ServiceLevels, service_levels
from bot.storage.models import Complaint, ComplaintEvent


def _check_person(value: str, what: str) -> str:
    cleaned = " ".join((value or "").split())
    if not cleaned:
        raise ComplaintError(f"Say who the {what} is.", field=what)
    if len(cleaned) > 120:
        raise ComplaintError(f"The {what} should be at most 120 characters.", field=what)
    return cleaned


def _check_text(value: str, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ComplaintError(f"The {what} is empty.", field=what)
    if len(text) > MAX_NOTE:
        raise ComplaintError(
            f"The {what} is longer than {MAX_NOTE:,} characters; please shorten it.", field=what
        )
    return text


def _locked(session: Session, reference: str) -> Complaint:
    """Lock the complaint's row for this transaction and return it.

    The first statement is a write (a no-op update) so that on SQLite the transaction
    holds the write lock from here and on PostgreSQL the row is locked: two staff
    changes, or a change and the follow-up worker, take turns instead of overwriting.
    """
    wanted = normalise_reference(reference)
    if wanted is None:
        raise ComplaintNotFound(f"{reference!r} is not a complaint reference.", field="reference")
    table = Complaint.__table__
    session.execute(
        update(table).where(table.c.reference == wanted).values(updated_at=table.c.updated_at)
    )
    complaint: Complaint | None = session.execute(
        select(Complaint)
        .where(Complaint.reference == wanted)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if complaint is None:
        raise ComplaintNotFound(f"There is no complaint {wanted}.", field="reference")
    return complaint


def _audit(
    session: Session, complaint: Complaint, at: datetime, actor: str, action: str, detail: str
) -> None:
    session.add(
        ComplaintEvent(complaint_id=complaint.id, at=at, actor=actor, action=action, detail=detail)
    )


def _first_followup(
    session: Session, complaint: Complaint, moment: datetime, actor: str, levels: ServiceLevels
) -> None:
    if complaint.first_followup_at is not None:
        return
    complaint.first_followup_at = moment
    complaint.first_followup_hours = round(
        levels.calendar.business_hours_between(complaint.created_at, moment), 2
    )
    if complaint.promise_kept is None:
        complaint.promise_kept = moment <= complaint.original_due_at
        mark_stale(session, [complaint.created_at])
    kept = "kept" if complaint.promise_kept else "broken"
    _audit(
        session,
        complaint,
        moment,
        actor,
        "followed_up",
        f"first follow-up after {complaint.first_followup_hours:g} business hours; promise {kept}",
    )


def assign(
    session: Session,
    reference: str,
    agent: str,
    *,
    actor: str,
    now: datetime | None = None,
) -> ComplaintView:
    """Give a complaint to a colleague (or a queue); it is then in progress.

    Args:
        session: open database session; the caller commits.
        reference: the complaint's reference, in any spelling.
        agent: who takes it on.
        actor: who made the change (for the audit trail).
        now: the time of the change; default now.

    Raises:
        ComplaintNotFound: no such complaint.
        ComplaintError: it is already resolved, or agent/actor is empty.
    """
    moment = moment_of(now)
    who = _check_person(agent, "agent")
    by = _check_person(actor, "actor")
    complaint = _locked(session, reference)
    if complaint.status == RESOLVED:
        raise ComplaintError(f"{complaint.reference} is already resolved.", field="reference")
    before = complaint.assigned_to
    complaint.assigned_to = who
    mark_stale(session, [complaint.created_at])
    complaint.status = "in_progress"
    complaint.updated_at = moment
    _audit(
        session,
        complaint,
        moment,
        by,
        "assigned",
        f"to {who}" + (f" (was {before})" if before and before != who else ""),
    )
    session.flush()
    return make_view(complaint, moment, service_levels())


def add_note(
    session: Session,
    reference: str,
    text: str,
    *,
    actor: str,
    now: datetime | None = None,
) -> ComplaintView:
    """Add a staff note; the first note on a complaint counts as the first follow-up.

    The first follow-up records when it happened, the business hours it took and
    whether the original promise was kept; an open complaint becomes in progress.

    Args:
        session: open database session; the caller commits.
        reference: the complaint's reference, in any spelling.
        text: the note (what was done, what the customer was told).
        actor: who wrote it.
        now: the time of the note; default now.

    Raises:
        ComplaintNotFound: no such complaint.
        ComplaintError: empty or over-long note, or empty actor.
    """
    moment = moment_of(now)
    note = _check_text(text, "note")
    by = _check_person(actor, "actor")
    complaint = _locked(session, reference)
    levels = service_levels()
    _audit(session, complaint, moment, by, "note", note)
    if complaint.status != RESOLVED:
        _first_followup(session, complaint, moment, by, levels)
        complaint.status = "in_progress"
    complaint.updated_at = moment
    session.flush()
    return make_view(complaint, moment, levels)


def resolve(
    session: Session,
    reference: str,
    outcome: str,
    *,
    actor: str,
    now: datetime | None = None,
) -> ComplaintView:
    """Record the outcome of a complaint and close it.

    The outcome is sent to the customer word for word (``bot.domain.complaints.followups``),
    so write it to them. Telling them is the caller's next step, after committing; this records the
    resolution time, the business hours it took and whether the target was met. If no one
    had followed up yet, the resolution is also the first follow-up.

    Args:
        session: open database session; the caller commits.
        reference: the complaint's reference, in any spelling.
        outcome: what was done, addressed to the customer.
        actor: who resolved it.
        now: the time of the resolution; default now.

    Raises:
        ComplaintNotFound: no such complaint.
        ComplaintError: already resolved, empty outcome or actor.
    """
    moment = moment_of(now)
    text = _check_text(outcome, "outcome")
    by = _check_person(actor, "actor")
    complaint = _locked(session, reference)
    if complaint.status == RESOLVED:
        raise ComplaintError(
            f"{complaint.reference} was already resolved on {complaint.resolved_at:%Y-%m-%d}.",
            field="reference",
        )
    levels = service_levels()
    _first_followup(session, complaint, moment, by, levels)
    complaint.status = RESOLVED
    complaint.resolved_at = moment
    complaint.outcome = text
    complaint.resolution_hours = round(
        levels.calendar.business_hours_between(complaint.created_at, moment), 2
    )
    mark_stale(session, [complaint.created_at])
    complaint.resolved_on_time = moment <= complaint.resolution_due_at
    complaint.updated_at = moment
    on_time = "on time" if complaint.resolved_on_time else "after the target"
    _audit(
        session,
        complaint,
        moment,
        by,
        "resolved",
        f"after {complaint.resolution_hours:g} business hours ({on_time}): {text}",
    )
    session.flush()
    return make_view(complaint, moment, levels)


def get_complaint(
    session: Session, reference: str, *, now: datetime | None = None
) -> ComplaintView:
    """One complaint with its audit trail, for staff.

    Raises:
        ComplaintNotFound: no such complaint.
    """
    wanted = normalise_reference(reference)
    if wanted is None:
        raise ComplaintNotFound(f"{reference!r} is not a complaint reference.", field="reference")
    complaint = session.execute(
        select(Complaint)
        .where(Complaint.reference == wanted)
        .options(selectinload(Complaint.events))
    ).scalar_one_or_none()
    if complaint is None:
        raise ComplaintNotFound(f"There is no complaint {wanted}.", field="reference")
    return make_view(complaint, moment_of(now), service_levels(), complaint.events)


def list_complaints(
    session: Session,
    *,
    status: str | Sequence[str] | None = None,
    overdue_only: bool = False,
    assigned_to: str | None = None,
    now: datetime | None = None,
) -> list[ComplaintView]:
    """Complaints for staff, the most pressing first.

    Ordered by the next deadline: the promised follow-up until there has been one, then
    the resolution target; resolved complaints come last.

    Args:
        session: open database session.
        status: one status, several, or None for all.
        overdue_only: only unresolved complaints past their next deadline.
        assigned_to: only those assigned to this colleague or queue.
        now: the moment the flags are worked out for; default now.
    """
    moment = moment_of(now)
    next_due = case(
        (Complaint.first_followup_at.is_(None), Complaint.due_at),
        else_=Complaint.resolution_due_at,
    )
    query = select(Complaint).order_by(
        case((Complaint.status == RESOLVED, 1), else_=0), next_due, Complaint.id
    )
    if isinstance(status, str):
        query = query.where(Complaint.status == status)
    elif status is not None:
        query = query.where(Complaint.status.in_(list(status)))
    if overdue_only:
        query = query.where(Complaint.status != RESOLVED, next_due < moment)
    if assigned_to:
        query = query.where(Complaint.assigned_to == assigned_to)
    levels = service_levels()
    return [make_view(c, moment, levels) for c in session.execute(query).scalars()]
