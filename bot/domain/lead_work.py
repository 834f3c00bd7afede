"""Staff work on sales leads: assign, move through the sale, look them up; all audited.

A lead goes ``new`` -> ``contacted`` -> ``quoted`` -> ``won`` or ``lost`` (with a reason);
a step may be skipped (a customer called back may buy at once) but a closed lead stays
closed. The first move away from ``new`` is the call-back the customer was promised: its
time, the business hours it took and whether the promise was kept are written on the row
then, like a complaint's first follow-up. Every change goes to the console's audit trail
(:mod:`bot.domain.audit`, subject ``lead:ID``) in the same transaction. Agents work the
leads assigned to them; team leads and managers assign and may work any lead. Functions
take an open session and flush; the caller commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.domain import audit
from bot.domain.clock import moment_of
from bot.domain.leads import LeadView, lead_reference, make_lead_view
from bot.domain.service_levels import service_levels
from bot.storage.models import LEAD_STATUSES, Lead

#: Statuses that close a lead.
CLOSED: tuple[str, ...] = ("won", "lost")
#: Roles that may assign leads and work anyone's.
SUPERVISORS: tuple[str, ...] = ("team_lead", "manager")
MAX_REASON = 2000


class LeadError(ValueError):
    """A change cannot be made; the message is written for staff."""


class LeadNotFound(LeadError):
    """No such lead."""


def parse_lead_id(value: str | int) -> int:
    """42, "42", "LEAD-00042" or "lead-42" -> 42.

    Raises:
        LeadNotFound: not a lead reference.
    """
    text = str(value).strip().upper().removeprefix("LEAD-").removeprefix("#")
    if not text.isdigit() or len(text) > 9 or int(text) <= 0:
        raise LeadNotFound(f"{value!r} is not a lead reference such as LEAD-00042.")
    return int(text)


def _person(value: str, what: str) -> str:
    cleaned = " ".join((value or "").split())
    if not cleaned:
        raise LeadError(f"Say who the {what} is.")
    if len(cleaned) > 80:
        raise LeadError(f"The {what} should be at most 80 characters.")
    return cleaned


def _locked(session: Session, lead_id: int) -> Lead:
    """Lock the lead's row (a no-op write first, as for complaints) and return it."""
    table = Lead.__table__
    session.execute(update(table).where(table.c.id == lead_id).values(status=table.c.status))
    lead: Lead | None = session.execute(
        select(Lead).where(Lead.id == lead_id).execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if lead is None:
        raise LeadNotFound(f"There is no lead {lead_reference(lead_id)}.")
    return lead


def _may_work(lead: Lead, actor: str, role: str) -> None:
    if role in SUPERVISORS:
        return
    if lead.assigned_to != actor:
        raise LeadError(
            f"{lead_reference(lead.id)} is not assigned to you; ask your team lead to assign it."
        )


def assign(
    session: Session,
    lead_id: int,
    agent: str,
    *,
    actor: str,
    role: str,
    now: datetime | None = None,
) -> LeadView:
    """Give a lead to a colleague (team leads and managers only).

    Raises:
        LeadNotFound: no such lead.
        LeadError: the actor may not assign, the lead is closed, or a name is empty.
    """
    moment = moment_of(now)
    if role not in SUPERVISORS:
        raise LeadError("Only team leads and managers assign leads.")
    who = _person(agent, "colleague")
    by = _person(actor, "actor")
    lead = _locked(session, lead_id)
    if lead.status in CLOSED:
        raise LeadError(f"{lead_reference(lead.id)} is closed ({lead.status}).")
    before = lead.assigned_to
    lead.assigned_to = who
    lead.updated_at = moment
    detail = f"to {who}" + (f" (was {before})" if before and before != who else "")
    audit.record(
        session,
        actor=by,
        action="lead_assigned",
        subject=f"lead:{lead.id}",
        detail=detail,
        now=moment,
    )
    session.flush()
    return make_lead_view(lead, moment)


def set_status(
    session: Session,
    lead_id: int,
    status: str,
    *,
    actor: str,
    role: str,
    reason: str | None = None,
    now: datetime | None = None,
) -> LeadView:
    """Move a lead on: contacted, quoted, won, or lost with a reason.

    The first move away from ``new`` records the call-back: when, after how many
    business hours, and whether it was by the promised time.

    Raises:
        LeadNotFound: no such lead.
        LeadError: unknown status, a closed lead, a lost lead without a reason, going
            back to ``new``, or an agent changing a lead that is not theirs.
    """
    moment = moment_of(now)
    by = _person(actor, "actor")
    if status not in LEAD_STATUSES or status == "new":
        raise LeadError(f"{status!r} is not one of contacted, quoted, won, lost.")
    why = " ".join((reason or "").split())
    if status == "lost" and not why:
        raise LeadError("Say why the lead was lost (price, transit time, went elsewhere...).")
    if len(why) > MAX_REASON:
        raise LeadError(f"The reason should be at most {MAX_REASON:,} characters.")
    lead = _locked(session, lead_id)
    _may_work(lead, by, role)
    if lead.status in CLOSED:
        raise LeadError(f"{lead_reference(lead.id)} is already closed ({lead.status}).")
    if lead.status == status:
        raise LeadError(f"{lead_reference(lead.id)} is already {status}.")
    if LEAD_STATUSES.index(status) < LEAD_STATUSES.index(lead.status):
        raise LeadError(f"{lead_reference(lead.id)} is {lead.status}; it cannot go back.")
    subject = f"lead:{lead.id}"
    if lead.contacted_at is None:
        lead.contacted_at = moment
        calendar = service_levels().calendar
        lead.contact_hours = round(calendar.business_hours_between(lead.created_at, moment), 2)
        if lead.due_at is not None:
            lead.promise_kept = moment <= lead.due_at
        kept = {True: "kept", False: "broken", None: "none made"}[lead.promise_kept]
        audit.record(
            session,
            actor=by,
            action="lead_called_back",
            subject=subject,
            detail=f"after {lead.contact_hours:g} business hours; promise {kept}",
            now=moment,
        )
    before = lead.status
    lead.status = status
    lead.updated_at = moment
    if status in CLOSED:
        lead.closed_at = moment
    if status == "lost":
        lead.lost_reason = why
    if lead.assigned_to is None:
        lead.assigned_to = by
    detail = f"{before} -> {status}" + (f": {why}" if why else "")
    audit.record(
        session, actor=by, action=f"lead_{status}", subject=subject, detail=detail, now=moment
    )
    session.flush()
    return make_lead_view(lead, moment)


def leads_for(
    session: Session,
    *,
    name: str,
    role: str,
    include_closed: bool = False,
    now: datetime | None = None,
    limit: int = 200,
) -> list[LeadView]:
    """The leads a colleague works: an agent's own, everyone's for team leads and managers.

    Open leads come first by their promised call-back (overdue ones at the top), then
    the rest newest first.
    """
    moment = moment_of(now)
    query = select(Lead)
    if role not in SUPERVISORS:
        query = query.where(Lead.assigned_to == name)
    if not include_closed:
        query = query.where(Lead.status.not_in(CLOSED))
    query = query.order_by(Lead.created_at.desc(), Lead.id.desc()).limit(limit)
    views = [make_lead_view(lead, moment) for lead in session.execute(query).scalars()]
    far = datetime.max.replace(tzinfo=moment.tzinfo)
    return sorted(
        views,
        key=lambda v: (
            v.status in CLOSED,
            not v.overdue,
            v.due_at if v.status == "new" and v.due_at else far,
        ),
    )


def lead_trail(session: Session, lead_id: int) -> list[audit.AuditEntry]:
    """The lead's audit trail, oldest first."""
    return audit.entries(session, f"lead:{lead_id}")
