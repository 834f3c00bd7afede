"""Telling staff that a complaint they own needs them: a notice in the console and, when
they have a mail address, a mail through the configured SMTP server.

The follow-up worker (:mod:`bot.domain.complaints.followups`) leaves a notice when a
promised follow-up falls due soon (``due_soon``) and when it was missed (``overdue``),
once per owner, complaint, kind and promised time. The owner is the colleague the
complaint is assigned to; a complaint with no colleague (unassigned, or in the senior
queue) notifies the managers and the complaints team's leads. Mail goes out on the
worker's pass after the notice is written; a failed send is tried again on later passes,
at most :data:`MAX_EMAIL_ATTEMPTS` times.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Protocol

from sqlalchemy import func, or_, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.domain.business_hours import format_promise
from bot.storage.db import session_scope
from bot.storage.models import Complaint, StaffNotice, StaffUser

logger = logging.getLogger(__name__)

DUE_SOON = "due_soon"
OVERDUE = "overdue"
#: The team whose leads hear of complaints that have no colleague.
COMPLAINTS_TEAM = "complaints_claims"
MAX_EMAIL_ATTEMPTS = 5


class StaffMailer(Protocol):
    """What sends a staff mail (:class:`bot.core.mail.SmtpMailer` does)."""

    def send(self, contact_kind: str, contact: str, subject: str, text: str) -> None:
        """Send ``text``; raises ``OSError`` when it cannot."""


@dataclass(frozen=True)
class NoticeView:
    """A notice as the console shows it."""

    id: int
    kind: str
    text: str
    reference: str
    created_at: datetime
    read: bool


def _owners(session: Session, assigned_to: str | None) -> list[str]:
    owner = session.scalar(
        select(StaffUser.name).where(StaffUser.name == assigned_to, StaffUser.active.is_(True))
    )
    if owner is not None:
        return [owner]
    return list(
        session.scalars(
            select(StaffUser.name)
            .where(
                StaffUser.active.is_(True),
                or_(
                    StaffUser.role == "manager",
                    (StaffUser.role == "team_lead") & (StaffUser.team == COMPLAINTS_TEAM),
                ),
            )
            .order_by(StaffUser.name)
        )
    )


def notice_text(complaint: Complaint, kind: str, due_at: datetime, tz: tzinfo) -> str:
    """What the notice says (staff read the console in English)."""
    when = format_promise(due_at, tz)
    if kind == OVERDUE:
        return (
            f"Complaint {complaint.reference} ({complaint.category}, {complaint.severity}) is "
            f"overdue: its follow-up was promised by {when} and has not been made."
        )
    return (
        f"Complaint {complaint.reference} ({complaint.category}, {complaint.severity}) is due "
        f"soon: a follow-up is promised by {when} and none has been made yet."
    )


def alert_staff(
    session: Session,
    complaint: Complaint,
    kind: str,
    due_at: datetime,
    now: datetime,
    tz: tzinfo,
    owner: str | None = None,
) -> list[str]:
    """Leave a ``kind`` notice for the complaint's owner(s), once; return who got one.

    Args:
        owner: whose it is, when not the complaint's ``assigned_to`` as it now stands
            (an escalated complaint's colleague before the senior queue took it).
    """
    told = []
    for name in _owners(session, owner if owner is not None else complaint.assigned_to):
        try:
            with session.begin_nested():
                session.add(
                    StaffNotice(
                        staff_name=name,
                        complaint_id=complaint.id,
                        kind=kind,
                        due_at=due_at,
                        text=notice_text(complaint, kind, due_at, tz),
                        created_at=now,
                        email_attempts=0,
                    )
                )
        except IntegrityError:
            continue  # told already
        told.append(name)
    return told


def email_staff(engine: Engine, mailer: StaffMailer, now: datetime) -> int:
    """Mail the notices not yet mailed to staff who have an address; return how many went."""
    with session_scope(engine) as session:
        pending = session.execute(
            select(StaffNotice.id, StaffNotice.text, StaffNotice.kind, StaffUser.email)
            .join(StaffUser, StaffUser.name == StaffNotice.staff_name)
            .where(
                StaffNotice.emailed_at.is_(None),
                StaffNotice.email_attempts < MAX_EMAIL_ATTEMPTS,
                StaffUser.email.is_not(None),
                StaffUser.email != "",
            )
            .order_by(StaffNotice.id)
        ).all()
    sent = 0
    for notice_id, text, kind, address in pending:
        subject = (
            "Freight Desk: complaint overdue"
            if kind == OVERDUE
            else "Freight Desk: complaint due soon"
        )
        try:
            mailer.send("email", address, subject, text + "\n\nOpen the console: /complaints\n")
        except (OSError, ValueError) as exc:
            logger.warning("Could not mail notice %s to %s: %s", notice_id, address, exc)
            values: dict[str, object] = {"email_attempts": StaffNotice.email_attempts + 1}
        else:
            sent += 1
            values = {"emailed_at": now, "email_attempts": StaffNotice.email_attempts + 1}
        with session_scope(engine) as session:
            session.execute(update(StaffNotice).where(StaffNotice.id == notice_id).values(**values))
    return sent


def notices_for(session: Session, name: str, limit: int = 50) -> list[NoticeView]:
    """A staff member's notices, newest first."""
    rows = session.execute(
        select(StaffNotice, Complaint.reference)
        .join(Complaint, Complaint.id == StaffNotice.complaint_id)
        .where(StaffNotice.staff_name == name)
        .order_by(StaffNotice.created_at.desc(), StaffNotice.id.desc())
        .limit(limit)
    ).all()
    return [
        NoticeView(n.id, n.kind, n.text, reference, n.created_at, n.read_at is not None)
        for n, reference in rows
    ]


def unread_count(session: Session, name: str) -> int:
    """How many of a staff member's notices are unread."""
    count = session.scalar(
        select(func.count(StaffNotice.id)).where(
            StaffNotice.staff_name == name, StaffNotice.read_at.is_(None)
        )
    )
    return int(count or 0)


def mark_read(session: Session, name: str, now: datetime) -> int:
    """Mark all of a staff member's notices read; return how many were unread."""
    result = session.execute(
        update(StaffNotice)
        .where(StaffNotice.staff_name == name, StaffNotice.read_at.is_(None))
        .values(read_at=now)
    )
    return int(result.rowcount or 0)
