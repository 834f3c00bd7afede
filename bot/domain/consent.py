"""Direct-marketing consent, as Hong Kong's Personal Data (Privacy) Ordinance (Part 6A)
requires: a customer's contact is used for promotion only after they said yes to a
question naming that use; the answer is kept with the exact wording they were shown and
its time; they may withdraw at any time ("stop", "unsubscribe") and the withdrawal is kept
too; the consents can be exported for an audit or the marketing team.

Functions take an open session and flush; the caller commits.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.clock import moment_of
from bot.domain.contacts import parse_contact
from bot.storage.models import MarketingConsent

MAX_ANSWER = 500


@dataclass(frozen=True)
class ConsentView:
    """One consent answer as exported."""

    id: int
    sender_id: str
    channel: str
    lead_id: int | None
    contact_kind: str | None
    contact: str | None
    granted: bool
    wording: str
    language: str
    answer: str
    answered_at: datetime
    withdrawn_at: datetime | None
    withdrawal: str | None

    @property
    def in_force(self) -> bool:
        """Whether this contact may be used for promotion now."""
        return self.granted and self.withdrawn_at is None


def record_answer(
    session: Session,
    *,
    sender_id: str,
    channel: str,
    granted: bool,
    wording: str,
    language: str,
    answer: str,
    contact: str | None = None,
    lead_id: int | None = None,
    now: datetime | None = None,
) -> ConsentView:
    """Store the customer's answer to the direct-marketing question.

    Args:
        session: open database session; the caller commits.
        sender_id: the conversation's sender id.
        channel: where the conversation happens.
        granted: True for yes.
        wording: the question exactly as the customer was shown it.
        language: its language ("en", "zh").
        answer: what the customer replied, as typed (or the button's title).
        contact: the email or phone number the consent covers, if given.
        lead_id: the lead it was asked with.
        now: the time of the answer; default the clock.

    Raises:
        ValueError: the wording or sender is empty.
    """
    if not (wording or "").strip():
        raise ValueError("the question's wording is required")
    if not (sender_id or "").strip():
        raise ValueError("sender_id is required")
    parsed = parse_contact(contact) if contact else None
    row = MarketingConsent(
        sender_id=sender_id[:255],
        channel=(channel or "")[:50],
        lead_id=lead_id,
        contact_kind=parsed.kind if parsed else None,
        contact=parsed.value if parsed else None,
        granted=granted,
        wording=wording,
        language=(language or "en")[:5],
        answer=(answer or "").strip()[:MAX_ANSWER],
        answered_at=moment_of(now),
    )
    session.add(row)
    session.flush()
    return _view(row)


def withdraw(session: Session, *, sender_id: str, words: str, now: datetime | None = None) -> int:
    """Withdraw every consent in force given in this conversation or for its contacts.

    Consents given from this conversation are withdrawn, and so are those for the same
    contacts (the customer's email or phone, however they gave it).

    Returns:
        How many consents were withdrawn (0: none was in force).
    """
    moment = moment_of(now)
    mine = session.execute(
        select(MarketingConsent).where(MarketingConsent.sender_id == sender_id)
    ).scalars()
    # An email address is matched whatever its capitals; a phone number is stored in one form.
    contacts = {row.contact.lower() for row in mine if row.contact}
    query = select(MarketingConsent).where(
        MarketingConsent.granted.is_(True), MarketingConsent.withdrawn_at.is_(None)
    )
    count = 0
    for row in session.execute(query).scalars():
        if row.sender_id == sender_id or (row.contact and row.contact.lower() in contacts):
            row.withdrawn_at = moment
            row.withdrawal = (words or "").strip()[:MAX_ANSWER]
            count += 1
    session.flush()
    return count


def consent_in_force(session: Session, sender_id: str) -> bool:
    """Whether this conversation's customer currently agrees to direct marketing."""
    rows = session.execute(
        select(MarketingConsent)
        .where(MarketingConsent.sender_id == sender_id)
        .order_by(MarketingConsent.answered_at.desc(), MarketingConsent.id.desc())
    ).scalars()
    latest = next(iter(rows), None)
    return latest is not None and latest.granted and latest.withdrawn_at is None


def _view(row: MarketingConsent) -> ConsentView:
    return ConsentView(
        id=row.id,
        sender_id=row.sender_id,
        channel=row.channel,
        lead_id=row.lead_id,
        contact_kind=row.contact_kind,
        contact=row.contact,
        granted=row.granted,
        wording=row.wording,
        language=row.language,
        answer=row.answer,
        answered_at=row.answered_at,
        withdrawn_at=row.withdrawn_at,
        withdrawal=row.withdrawal,
    )


def list_consents(session: Session, *, in_force_only: bool = False) -> list[ConsentView]:
    """Every consent answer, oldest first (or only those in force)."""
    rows = session.execute(
        select(MarketingConsent).order_by(MarketingConsent.answered_at, MarketingConsent.id)
    ).scalars()
    views = [_view(row) for row in rows]
    return [v for v in views if v.in_force] if in_force_only else views


#: Columns of the consents export, in order.
CSV_COLUMNS: tuple[str, ...] = (
    "id",
    "answered_at",
    "granted",
    "in_force",
    "withdrawn_at",
    "contact_kind",
    "contact",
    "lead",
    "channel",
    "sender_id",
    "language",
    "wording",
    "answer",
    "withdrawal",
)


def consents_csv(views: list[ConsentView]) -> str:
    """The consents as CSV (UTF-8, times in ISO 8601 UTC), one row per answer."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for v in views:
        writer.writerow(
            [
                v.id,
                v.answered_at.isoformat(),
                "yes" if v.granted else "no",
                "yes" if v.in_force else "no",
                v.withdrawn_at.isoformat() if v.withdrawn_at else "",
                v.contact_kind or "",
                v.contact or "",
                f"LEAD-{v.lead_id:05d}" if v.lead_id else "",
                v.channel,
                v.sender_id,
                v.language,
                _safe(v.wording),
                _safe(v.answer),
                _safe(v.withdrawal or ""),
            ]
        )
    return out.getvalue()


def _safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
