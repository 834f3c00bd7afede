"""The console's audit trail: what a supervisor did to work that was not theirs.

Each entry says who (``actor``), what (``action``), to what (``subject``, for example
``handoff:12``) and when, with a line of detail. Entries are written in the transaction
of the change they record, so a change is never without its entry, nor an entry without
its change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.clock import moment_of
from bot.storage.models import ConsoleAudit


@dataclass(frozen=True)
class AuditEntry:
    """One entry of the audit trail."""

    at: datetime
    actor: str
    action: str
    subject: str
    detail: str


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    subject: str,
    detail: str = "",
    now: datetime | None = None,
) -> None:
    """Add an entry in the caller's transaction (the caller commits)."""
    session.add(
        ConsoleAudit(
            at=moment_of(now),
            actor=actor[:80],
            action=action[:40],
            subject=subject[:80],
            detail=detail,
        )
    )
    session.flush()


def entries(session: Session, subject: str) -> list[AuditEntry]:
    """The entries about ``subject``, oldest first."""
    rows = session.execute(
        select(ConsoleAudit)
        .where(ConsoleAudit.subject == subject)
        .order_by(ConsoleAudit.at, ConsoleAudit.id)
    ).scalars()
    return [AuditEntry(r.at, r.actor, r.action, r.subject, r.detail) for r in rows]
