"""Complaints: taken with an apology, a reference and a promised follow-up time; worked by staff.

A customer's complaint gets a reference (``CMP-2026-00042``), a severity assessed from
its category and content (:func:`assess_severity`), and a promise: a colleague will
contact them within the business hours the service levels give for that category and
severity (``config/service_levels.yml``). Staff assign it, add notes (the first counts
as the first follow-up) and resolve it; every change is timestamped and written to the
audit trail with who made it, and the KPI figures (business hours to the first
follow-up and to resolution, promise kept, resolved on time) are kept on the row.

Telling the customer proactively (a missed promise, the outcome) is
``bot.domain.complaints.followups``; this module only stores. Functions take an open
session and flush; the caller commits (one session per unit of work,
``bot.storage.db.session_scope``).
"""

from __future__ import annotations

import argparse
import functools
import getpass
import hashlib
import os
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import case, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from bot.domain.business_hours import (
    SEVERITIES,
    ServiceLevels,
    ServiceLevelsError,
    format_day,
    format_promise,
    load_service_levels,
)
from bot.domain.contacts import mask_contact, parse_contact
from bot.domain.shipments import ShipmentView, find_shipment
from bot.domain.tracking import check_tracking_number
from bot.storage.models import UTC, Complaint, ComplaintCounter, ComplaintEvent, utcnow

#: Complaint categories: code -> how the customer sees it (buttons, replies).
CATEGORIES: dict[str, str] = {
    "damaged": "Damaged goods",
    "lost": "Lost shipment",
    "late": "Late delivery",
    "missing_items": "Items missing",
    "billing": "Billing or charges",
    "staff_conduct": "Staff behaviour",
    "missed_pickup": "Missed collection",
    "other": "Something else",
}

#: Longest description accepted; a longer one is refused, never cut.
MAX_DESCRIPTION = 20_000
#: Longest staff note or outcome.
MAX_NOTE = 20_000

#: The same submission from the same sender within this window is the same complaint.
DUPLICATE_WINDOW = timedelta(hours=24)

#: Who the audit trail names for what the customer did through the assistant.
CUSTOMER_ACTOR = "customer"


_REFERENCE = re.compile(r"\bCMP[\s_-]*(\d{4})[\s_-]*(\d{1,6})\b", re.IGNORECASE)
_RESOLVED = "resolved"
_UNRESOLVED = ("open", "in_progress")
_SEVERITY_RANK = {severity: rank for rank, severity in enumerate(SEVERITIES)}


class ComplaintError(ValueError):
    """A complaint cannot be stored or changed; the message can be shown as it is.

    Attributes:
        field: the input at fault (``category``, ``description``, ``contact``,
            ``shipment_ref``, ``reference``, ...), so the caller can ask for it again or,
            for ``shipment_ref``, decide to save without it.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class ComplaintNotFound(ComplaintError):
    """No complaint has that reference."""


@functools.lru_cache(maxsize=1)
def service_levels() -> ServiceLevels:
    """The shipped service levels (``config/service_levels.yml``), loaded once per process.

    Raises:
        ServiceLevelsError: the file is broken; the message names the file and the entry.
    """
    return load_service_levels(categories=CATEGORIES)


# -- severity ---------------------------------------------------------------------------

# Base severity of each category before the content is read: a lost shipment is more
# serious than a late one; a late one, on its own, is the least.
_BASE_SEVERITY: dict[str, str] = {
    "damaged": "medium",
    "lost": "high",
    "late": "low",
    "missing_items": "medium",
    "billing": "low",
    "staff_conduct": "medium",
    "missed_pickup": "medium",
    "other": "low",
}
# Categories about the goods themselves, where what the goods are matters.
_GOODS_CATEGORIES = frozenset({"damaged", "lost", "late", "missing_items", "missed_pickup"})


def _words(*patterns: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(patterns) + r")\b", re.IGNORECASE)


_SAFETY_OR_LEGAL = _words(
    r"lawyers?",
    r"solicitors?",
    r"legal action",
    r"sue",
    r"suing",
    r"court",
    r"police",
    r"injur(?:y|ies|ed)",
    r"hurt",
    r"hospital",
    r"ambulance",
    r"fire",
    r"dangerous goods",
    r"toxic",
    r"chemical (?:leak|spill)",
)
_THEFT = _words(r"stolen", r"theft", r"thief", r"tampered", r"opened and resealed")
_MEDICAL = _words(
    r"medicines?",
    r"medications?",
    r"medical",
    r"insulin",
    r"vaccines?",
    r"prescriptions?",
    r"blood samples?",
    r"specimens?",
    r"pharmaceuticals?",
    r"clinical",
    r"organs? for transplant",
)
_PERISHABLE = _words(
    r"perishables?",
    r"frozen",
    r"chilled",
    r"refrigerated",
    r"cold chain",
    r"fresh",
    r"food",
    r"seafood",
    r"fruits?",
    r"vegetables?",
    r"flowers?",
    r"live animals?",
    r"meat",
)
_HIGH_VALUE_WORDS = _words(
    r"high[- ]value",
    r"valuables?",
    r"jewell?e?ry",
    r"diamonds?",
    r"gold",
    r"luxury",
    r"artwork",
    r"antiques?",
)
_URGENT = _words(
    r"urgent(?:ly)?",
    r"asap",
    r"as soon as possible",
    r"emergency",
    r"deadline",
    r"production line",
    r"time[- ]critical",
)
_REPEATED = _words(
    r"again", r"second time", r"third time", r"repeatedly", r"every time", r"still not"
)
# Money amounts: "HK$80,000", "USD 12k", "50000 HKD", "$1.2m". A bare "$" is taken as
# Hong Kong dollars, since that is where we are.
_CURRENCY = r"HK\$|HKD|US\$|USD|RMB|CNY|EUR|GBP|€|£|\$"
_AMOUNT = re.compile(
    rf"(?P<pre>{_CURRENCY})\s?(?P<num>\d[\d,]*(?:\.\d+)?)\s?(?P<mult>k|m|million)?\b"
    rf"|\b(?P<num2>\d[\d,]*(?:\.\d+)?)\s?(?P<mult2>k|m|million)?\s?(?P<post>HKD|USD|RMB|CNY|EUR|GBP)\b",
    re.IGNORECASE,
)
# Rough rates to Hong Kong dollars: only used to tell a high-value shipment, not to price.
_TO_HKD: dict[str, float] = {
    "HK$": 1.0,
    "HKD": 1.0,
    "$": 1.0,
    "US$": 7.8,
    "USD": 7.8,
    "RMB": 1.1,
    "CNY": 1.1,
    "EUR": 8.5,
    "€": 8.5,
    "GBP": 9.9,
    "£": 9.9,
}
#: A shipment worth at least this much (in HKD) counts as high value.
HIGH_VALUE_HKD = 50_000


def _largest_amount_hkd(text: str) -> float:
    largest = 0.0
    for match in _AMOUNT.finditer(text):
        currency = (match.group("pre") or match.group("post") or "").upper()
        number = float((match.group("num") or match.group("num2")).replace(",", ""))
        multiplier = (match.group("mult") or match.group("mult2") or "").lower()
        number *= {"k": 1e3, "m": 1e6, "million": 1e6}.get(multiplier, 1.0)
        largest = max(largest, number * _TO_HKD.get(currency, 1.0))
    return largest


def _at_least(severity: str, floor: str) -> str:
    return floor if _SEVERITY_RANK[floor] > _SEVERITY_RANK[severity] else severity


def assess_severity(category: str, description: str, shipment: ShipmentView | None) -> str:
    """Judge how serious a complaint is from its category, its words and the shipment.

    The rules, in order (each can only raise the severity):

    1. Start from the category: ``lost`` high; ``damaged``, ``missing_items``,
       ``staff_conduct``, ``missed_pickup`` medium; ``late``, ``billing``, ``other`` low.
    2. Safety or legal words (lawyer, solicitor, legal action, sue, court, police,
       injury, hurt, hospital, ambulance, fire, dangerous goods, toxic, chemical leak)
       make any complaint critical.
    3. For a complaint about the goods (damaged, lost, late, missing items, missed
       collection): medical goods (medicine, insulin, vaccines, blood samples...) make it
       critical; perishables (frozen, chilled, fresh food, flowers, live animals...) at
       least high.
    4. High value (words such as jewellery, gold, luxury, high-value, or an amount of
       HKD 50,000 or more in any common currency): lost becomes critical; damaged or
       missing items at least high; late or missed collection at least medium; a billing
       dispute of that size at least medium.
    5. Theft or tampering words (stolen, tampered...) make it at least high.
    6. The shipment: a whole container lost (sea FCL) is critical; a late shipment that
       our system already shows as an exception is at least medium.
    7. Urgency (urgent, ASAP, deadline, production line...) or a repeated failure
       (again, third time, still not...) raise it one level, but never above high: only
       the rules above make a complaint critical.

    Words are matched as whole words, case-insensitively; negations ("no one was hurt")
    are not understood, which errs on the side of a faster follow-up.

    Args:
        category: a code of :data:`CATEGORIES`.
        description: the customer's words.
        shipment: the shipment the complaint is about, if known.

    Returns:
        One of ``low``, ``medium``, ``high``, ``critical``.

    Raises:
        ValueError: unknown category.
    """
    if category not in _BASE_SEVERITY:
        raise ValueError(f"unknown complaint category {category!r}")
    text = description or ""
    severity = _BASE_SEVERITY[category]
    if _SAFETY_OR_LEGAL.search(text):
        return "critical"
    goods = category in _GOODS_CATEGORIES
    if goods and _MEDICAL.search(text):
        return "critical"
    if goods and _PERISHABLE.search(text):
        severity = _at_least(severity, "high")
    high_value = bool(_HIGH_VALUE_WORDS.search(text)) or _largest_amount_hkd(text) >= HIGH_VALUE_HKD
    if high_value:
        if category == "lost":
            return "critical"
        if category in ("damaged", "missing_items"):
            severity = _at_least(severity, "high")
        elif category in ("late", "missed_pickup", "billing"):
            severity = _at_least(severity, "medium")
    if _THEFT.search(text):
        severity = _at_least(severity, "high")
    if shipment is not None:
        if category == "lost" and shipment.mode == "sea_fcl":
            return "critical"
        if category == "late" and shipment.status == "exception":
            severity = _at_least(severity, "medium")
    if (_URGENT.search(text) or _REPEATED.search(text)) and severity != "critical":
        raised = SEVERITIES[min(_SEVERITY_RANK[severity] + 1, _SEVERITY_RANK["high"])]
        severity = _at_least(severity, raised)
    return severity


# -- views ------------------------------------------------------------------------------


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
    if complaint.status == _RESOLVED:
        return None
    if complaint.first_followup_at is None:
        due: datetime = complaint.due_at
        return due
    target: datetime = complaint.resolution_due_at
    return target


def _view(
    complaint: Complaint,
    now: datetime,
    levels: ServiceLevels,
    events: Sequence[ComplaintEvent] = (),
) -> ComplaintView:
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
    return _view(complaint, _moment(now), levels or service_levels())


# -- taking a complaint -----------------------------------------------------------------


def _moment(now: datetime | None) -> datetime:
    if now is None:
        return utcnow()
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError(f"naive datetime {now!r}: give it a time zone")
    return now.astimezone(UTC)


def normalise_reference(text: str) -> str | None:
    """Read a complaint reference as customers type it ("cmp 2026 42", "CMP-2026-00042").

    Returns:
        ``CMP-YYYY-NNNNN``, or None when the text holds no reference.
    """
    match = _REFERENCE.search(text or "")
    if match is None:
        return None
    return f"CMP-{match.group(1)}-{int(match.group(2)):05d}"


def _dedupe_key(sender_id: str, category: str, description: str, shipment_ref: str | None) -> str:
    # Whitespace and case do not make a different complaint: a resend from another
    # device or a retyped message must find the first one.
    text = " ".join(description.split()).casefold()
    material = "\x1f".join((sender_id, category, text, shipment_ref or ""))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


def _lock_counter(session: Session, year: int) -> None:
    # A write as the transaction's first statement: on SQLite it takes the database's
    # write lock now (waiting for another writer) instead of failing later when a read
    # snapshot would have to be upgraded; on PostgreSQL it locks the year's counter row.
    # Either way two submissions of the same complaint take turns from here on.
    table = ComplaintCounter.__table__
    session.execute(update(table).where(table.c.year == year).values(last_value=table.c.last_value))


def _next_number(session: Session, year: int) -> int:
    table = ComplaintCounter.__table__
    bump = update(table).where(table.c.year == year).values(last_value=table.c.last_value + 1)
    if session.execute(bump).rowcount == 0:
        try:
            with session.begin_nested():
                session.execute(insert(table).values(year=year, last_value=1))
            return 1
        except IntegrityError:
            # Another transaction made the year's row first; it is committed now.
            session.execute(bump)
    value: int = session.execute(
        select(table.c.last_value).where(table.c.year == year)
    ).scalar_one()
    return value


def _receipt(complaint: Complaint, created: bool) -> ComplaintReceipt:
    return ComplaintReceipt(
        reference=complaint.reference,
        due_at=complaint.due_at,
        severity=complaint.severity,
        created=created,
    )


def _find_by_key(session: Session, key: str) -> Complaint | None:
    found: Complaint | None = session.execute(
        select(Complaint).where(Complaint.dedupe_key == key)
    ).scalar_one_or_none()
    return found


def create_complaint(
    session: Session,
    *,
    sender_id: str,
    channel: str,
    category: str,
    description: str,
    shipment_ref: str | None = None,
    contact: str | None = None,
    now: datetime | None = None,
) -> ComplaintReceipt:
    """Take a complaint: assess it, promise a follow-up time and store it with its audit entry.

    Everything the customer gave is checked before anything is written, so a refused
    complaint stores nothing. The same sender sending the same category, description
    (whitespace and case aside) and shipment within 24 hours gets the first complaint's
    reference back with ``created=False``, also when the two arrive at the same moment.
    The caller commits.

    Args:
        session: open database session.
        sender_id: the conversation's sender id.
        channel: where the conversation happens ("telegram", "rest").
        category: a code of :data:`CATEGORIES`.
        description: what went wrong, in the customer's words (kept whole, up to
            :data:`MAX_DESCRIPTION` characters).
        shipment_ref: the tracking number it is about, in any spelling; optional.
        contact: an email address or phone number to be contacted on; optional (a
            chat customer may prefer to be answered in the chat).
        now: the time of the complaint; default now.

    Returns:
        The receipt: reference, promised follow-up time, severity, whether it is new.

    Raises:
        ComplaintError: something the customer gave cannot be used; the message says
            what and can be shown as it is, ``field`` names the input. For an unknown
            shipment (``field="shipment_ref"``) the caller may save without it.
    """
    moment = _moment(now)
    code = (category or "").strip().lower()
    if code not in CATEGORIES:
        choices = ", ".join(label.lower() for label in CATEGORIES.values())
        raise ComplaintError(
            f"I'm not sure what kind of problem that is. Is it about {choices}?",
            field="category",
        )
    text = (description or "").strip()
    if not text:
        raise ComplaintError(
            "Could you tell me what went wrong, in a sentence or two?", field="description"
        )
    if len(text) > MAX_DESCRIPTION:
        raise ComplaintError(
            f"That description is longer than I can take ({len(text):,} characters; the "
            f"limit is {MAX_DESCRIPTION:,}). Could you shorten it? The colleague who "
            "contacts you can take any further details.",
            field="description",
        )
    sender = (sender_id or "").strip()
    if not sender or len(sender) > 255:
        raise ComplaintError("A sender id of 1 to 255 characters is required.", field="sender_id")
    parsed_contact = None
    if contact is not None and contact.strip():
        parsed_contact = parse_contact(contact)
        if parsed_contact is None:
            raise ComplaintError(
                "That doesn't look like an email address or phone number I can use. Could "
                "you send it again, for example name@company.com or +852 9123 4567?",
                field="contact",
            )
    number: str | None = None
    if shipment_ref is not None and shipment_ref.strip():
        parsed_number = check_tracking_number(shipment_ref)
        if parsed_number is None:
            raise ComplaintError(
                f"{shipment_ref.strip()!r} doesn't look like one of our tracking numbers. "
                "Could you check it? If you don't have it to hand, I can take the "
                "complaint without it.",
                field="shipment_ref",
            )
        if not parsed_number.valid:
            raise ComplaintError(
                f"{parsed_number.problem} If you don't have it to hand, I can take the "
                "complaint without it.",
                field="shipment_ref",
            )
        number = parsed_number.number

    levels = service_levels()
    year = moment.astimezone(levels.calendar.tz).year
    _lock_counter(session, year)

    shipment = None
    if number is not None:
        shipment = find_shipment(session, number)
        if shipment is None:
            raise ComplaintError(
                f"I couldn't find shipment {number}. Could you check the number? If it's "
                "right, I can take the complaint without it and a colleague will look into "
                "it.",
                field="shipment_ref",
            )

    key = _dedupe_key(sender, code, text, number)
    existing = _find_by_key(session, key)
    if existing is not None:
        if existing.created_at >= moment - DUPLICATE_WINDOW:
            return _receipt(existing, created=False)
        # Older than the window: a genuine repeat. The old complaint gives up the key.
        existing.dedupe_key = None
        session.flush()

    severity = assess_severity(code, text, shipment)
    target = levels.policy.target(code, severity)
    due_at = levels.calendar.add_business_hours(moment, target.first_followup_hours)
    resolution_due_at = levels.calendar.add_business_hours(moment, target.resolution_hours)
    try:
        with session.begin_nested():
            reference = f"CMP-{year}-{_next_number(session, year):05d}"
            complaint = Complaint(
                reference=reference,
                sender_id=sender,
                channel=(channel or "").strip()[:50],
                category=code,
                severity=severity,
                description=text,
                shipment_ref=number,
                contact_kind=parsed_contact.kind if parsed_contact else None,
                contact=parsed_contact.value if parsed_contact else None,
                status="open",
                created_at=moment,
                updated_at=moment,
                due_at=due_at,
                original_due_at=due_at,
                resolution_due_at=resolution_due_at,
                dedupe_key=key,
            )
            session.add(complaint)
            session.flush()
            session.add(
                ComplaintEvent(
                    complaint_id=complaint.id,
                    at=moment,
                    actor=CUSTOMER_ACTOR,
                    action="created",
                    detail=(
                        f"{code}, severity {severity}, via {complaint.channel or 'unknown'}; "
                        f"first follow-up promised by {due_at.isoformat()}"
                    ),
                )
            )
            session.flush()
    except IntegrityError:
        # The same submission committed by a concurrent request: answer with its reference.
        concurrent = _find_by_key(session, key)
        if concurrent is None:
            raise
        return _receipt(concurrent, created=False)
    return _receipt(complaint, created=True)


def format_receipt(receipt: ComplaintReceipt, tz: tzinfo) -> str:
    """Write the acknowledgement of a complaint for the customer.

    Args:
        receipt: from :func:`create_complaint`.
        tz: the time zone to give the promise in.

    Returns:
        E.g. "CMP-2026-00042 — a colleague will contact you by Thursday 26 Nov, 17:00
        (HKT). Until then, ..."; a repeat says it was already received.
    """
    when = format_promise(receipt.due_at, tz)
    promise = f"{receipt.reference} — a colleague will contact you by {when}."
    if receipt.created:
        return (
            f"{promise} Until then, you can check on it here at any time by quoting the reference."
        )
    return (
        f"We already have this complaint, so there's no need to send it again: {promise} "
        "You can check on it here at any time by quoting the reference."
    )


# -- the customer's own complaints ------------------------------------------------------


def customer_complaints(
    session: Session,
    *,
    sender_id: str,
    contact: str | None = None,
    reference: str | None = None,
    now: datetime | None = None,
) -> list[ComplaintView]:
    """The complaints a customer may see: their own, newest first.

    A complaint is theirs when it came from the same sender id, or was left with the same
    contact (normalised: "+852 9123 4567" and "91234567" are the same). A reference that
    exists but is not theirs gives the same empty answer as one that does not exist, so
    nobody can learn about other people's complaints by guessing references.

    Args:
        session: open database session.
        sender_id: the conversation's sender id.
        contact: an email address or phone number the customer gave; ignored when it is
            not a usable one.
        reference: only this complaint, in any spelling ("cmp 2026 42").
        now: the moment the overdue flags are worked out for; default now.

    Returns:
        The customer's complaints (without the audit trail).
    """
    moment = _moment(now)
    owners = [Complaint.sender_id == (sender_id or "").strip()]
    parsed = parse_contact(contact) if contact else None
    if parsed is not None:
        owners.append(Complaint.contact == parsed.value)
    query = select(Complaint).where(or_(*owners))
    if reference is not None:
        wanted = normalise_reference(reference)
        if wanted is None:
            return []
        query = query.where(Complaint.reference == wanted)
    levels = service_levels()
    rows = session.execute(query.order_by(Complaint.created_at.desc(), Complaint.id.desc()))
    return [_view(complaint, moment, levels) for complaint in rows.scalars()]


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?")) else f"{text}."


def format_status(view: ComplaintView, tz: tzinfo) -> str:
    """Tell the customer where their complaint stands and what happens next.

    Args:
        view: one of :func:`customer_complaints`.
        tz: the time zone to give times in.
    """
    head = (
        f"{view.reference} ({view.category_label.lower()}, sent {format_day(view.created_at, tz)})"
    )
    if view.status == _RESOLVED:
        when = format_day(view.resolved_at or view.created_at, tz)
        return (
            f"{head} was resolved on {when}: {_sentence(view.outcome or 'see our message')} "
            "If anything is still not right, tell me here and I'll pass it to a colleague."
        )
    if view.first_followup_at is None:
        if view.overdue:
            return (
                f"{head}: we promised to contact you by {format_promise(view.due_at, tz)}, "
                "and we're sorry we haven't yet. It's flagged as overdue, so a senior "
                "colleague will contact you as soon as possible."
            )
        if view.escalated_at is not None:
            return (
                f"{head} is with a senior colleague, who will contact you by "
                f"{format_promise(view.due_at, tz)}."
            )
        return (
            f"{head} is with our customer service team. A colleague will contact you by "
            f"{format_promise(view.due_at, tz)}."
        )
    if view.overdue:
        return (
            f"{head}: a colleague is working on it. It's taking longer than we aimed for, "
            "and we're sorry; they'll contact you with the outcome as soon as they have it."
        )
    return (
        f"{head}: a colleague is working on it and we aim to resolve it by "
        f"{format_promise(view.resolution_due_at, tz)}. They'll contact you with the outcome."
    )


def format_overdue_notice(view: ComplaintView, tz: tzinfo) -> str:
    """The one message a customer gets when the promised follow-up time was missed.

    Args:
        view: the complaint after escalation (``due_at`` is the new promise).
        tz: the time zone to give times in.
    """
    return (
        f"About your complaint {view.reference}: we promised to contact you by "
        f"{format_promise(view.original_due_at, tz)}, and we're sorry we haven't yet. Your "
        "complaint is now with a senior colleague, who will contact you by "
        f"{format_promise(view.due_at, tz)}."
    )


def format_resolution_notice(view: ComplaintView, tz: tzinfo) -> str:
    """The message that tells a customer the outcome of their complaint.

    Args:
        view: the resolved complaint.
        tz: the time zone (kept for symmetry with the other messages).
    """
    del tz  # the outcome needs no times
    return (
        f"Your complaint {view.reference} ({view.category_label.lower()}) has been resolved: "
        f"{_sentence(view.outcome or '')} If anything is still not right, just reply here "
        "and I'll pass it to a colleague."
    )


# -- staff ------------------------------------------------------------------------------


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
    moment = _moment(now)
    who = _check_person(agent, "agent")
    by = _check_person(actor, "actor")
    complaint = _locked(session, reference)
    if complaint.status == _RESOLVED:
        raise ComplaintError(f"{complaint.reference} is already resolved.", field="reference")
    before = complaint.assigned_to
    complaint.assigned_to = who
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
    return _view(complaint, moment, service_levels())


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
    moment = _moment(now)
    note = _check_text(text, "note")
    by = _check_person(actor, "actor")
    complaint = _locked(session, reference)
    levels = service_levels()
    _audit(session, complaint, moment, by, "note", note)
    if complaint.status != _RESOLVED:
        _first_followup(session, complaint, moment, by, levels)
        complaint.status = "in_progress"
    complaint.updated_at = moment
    session.flush()
    return _view(complaint, moment, levels)


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
    moment = _moment(now)
    text = _check_text(outcome, "outcome")
    by = _check_person(actor, "actor")
    complaint = _locked(session, reference)
    if complaint.status == _RESOLVED:
        raise ComplaintError(
            f"{complaint.reference} was already resolved on {complaint.resolved_at:%Y-%m-%d}.",
            field="reference",
        )
    levels = service_levels()
    _first_followup(session, complaint, moment, by, levels)
    complaint.status = _RESOLVED
    complaint.resolved_at = moment
    complaint.outcome = text
    complaint.resolution_hours = round(
        levels.calendar.business_hours_between(complaint.created_at, moment), 2
    )
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
    return _view(complaint, moment, levels)


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
    return _view(complaint, _moment(now), service_levels(), complaint.events)


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
    moment = _moment(now)
    next_due = case(
        (Complaint.first_followup_at.is_(None), Complaint.due_at),
        else_=Complaint.resolution_due_at,
    )
    query = select(Complaint).order_by(
        case((Complaint.status == _RESOLVED, 1), else_=0), next_due, Complaint.id
    )
    if isinstance(status, str):
        query = query.where(Complaint.status == status)
    elif status is not None:
        query = query.where(Complaint.status.in_(list(status)))
    if overdue_only:
        query = query.where(Complaint.status != _RESOLVED, next_due < moment)
    if assigned_to:
        query = query.where(Complaint.assigned_to == assigned_to)
    levels = service_levels()
    return [_view(c, moment, levels) for c in session.execute(query).scalars()]


# -- command line -----------------------------------------------------------------------


def _default_actor() -> str:
    try:
        return os.environ.get("USER") or getpass.getuser()
    except (KeyError, OSError):
        return "operator"


def register(subparsers: Any) -> None:
    """Add ``complaints list|show|assign|note|resolve|watch`` to the operators' CLI."""
    parser = subparsers.add_parser(
        "complaints",
        help="work complaints and run the follow-up worker",
        description="Customer complaints: list and show them, assign, add notes, resolve "
        "(the customer is told the outcome on their channel), and run the follow-up worker "
        "that keeps the promised follow-up times.",
    )
    actions = parser.add_subparsers(dest="complaints_command", metavar="ACTION", required=True)
    actor = argparse.ArgumentParser(add_help=False)
    actor.add_argument(
        "--actor",
        default=_default_actor(),
        help="who is making the change, for the audit trail (default: $USER)",
    )

    do_list = actions.add_parser(
        "list",
        help="list complaints, the most pressing first",
        description="List complaints by their next deadline (the promised follow-up, then "
        "the resolution target). OVERDUE: the deadline has passed; DUE SOON: within the "
        "reminder lead time. Contacts are masked unless --unmask is given.",
    )
    do_list.add_argument(
        "--status",
        choices=("open", "in_progress", "resolved", "unresolved", "all"),
        default="unresolved",
        help="which complaints (default: unresolved, i.e. open and in progress)",
    )
    do_list.add_argument("--overdue", action="store_true", help="only overdue complaints")
    do_list.add_argument("--assigned-to", metavar="AGENT", help="only this colleague's or queue's")
    do_list.add_argument("--unmask", action="store_true", help="show contacts in full")
    do_list.set_defaults(handler=_cli_list)

    show = actions.add_parser(
        "show",
        help="show one complaint with its audit trail",
        description="Show a complaint in full: description, promise, KPI figures and the "
        "audit trail.",
    )
    show.add_argument("reference", metavar="REF", help="e.g. CMP-2026-00042")
    show.add_argument("--unmask", action="store_true", help="show the contact in full")
    show.set_defaults(handler=_cli_show)

    do_assign = actions.add_parser(
        "assign", parents=[actor], help="give a complaint to a colleague or queue"
    )
    do_assign.add_argument("reference", metavar="REF")
    do_assign.add_argument("agent", metavar="AGENT")
    do_assign.set_defaults(handler=_cli_assign)

    note = actions.add_parser(
        "note",
        parents=[actor],
        help="add a note (the first one counts as the first follow-up)",
        description="Add a staff note. The first note on a complaint records the first "
        "follow-up: when it happened and whether the promise was kept.",
    )
    note.add_argument("reference", metavar="REF")
    note.add_argument("text", metavar="TEXT")
    note.set_defaults(handler=_cli_note)

    do_resolve = actions.add_parser(
        "resolve",
        parents=[actor],
        help="record the outcome and tell the customer",
        description="Resolve a complaint. OUTCOME is sent to the customer on their channel "
        "word for word, so write it to them. If the assistant cannot be reached, the "
        "resolution is saved and the follow-up worker sends the message later.",
    )
    do_resolve.add_argument("reference", metavar="REF")
    do_resolve.add_argument("outcome", metavar="OUTCOME")
    do_resolve.set_defaults(handler=_cli_resolve)

    watch = actions.add_parser(
        "watch",
        help="run the follow-up worker (reminders, missed promises, pending messages)",
        description="Every INTERVAL seconds: remind staff of follow-ups due within the "
        "reminder lead time, pass missed promises to a senior colleague and tell the "
        "customer once, and send resolution messages that could not be sent before. Safe "
        "to run twice or restart: nothing is sent twice. SIGTERM or Ctrl-C stops it.",
    )
    watch.add_argument("--interval", type=float, default=60.0, help="seconds between passes")
    watch.add_argument("--once", action="store_true", help="make one pass and exit")
    watch.set_defaults(handler=_cli_watch)


def _engine_and_settings() -> tuple[Any, Any]:
    """The engine (None after saying why it cannot be used) and the settings."""
    from bot.commands import common

    settings = common.settings()
    try:
        # A broken service-levels file stops every command (and the worker) at once,
        # with the file and entry named, rather than half-way through a change.
        service_levels()
    except ServiceLevelsError as exc:
        print(f"Complaints cannot be handled: {exc}", file=sys.stderr)
        return None, settings
    return common.ready_engine(settings), settings


def _when(moment: datetime | None, tz: tzinfo) -> str:
    if moment is None:
        return "-"
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def _cli_list(args: argparse.Namespace) -> int:
    from bot.storage.db import session_scope

    engine, settings = _engine_and_settings()
    if engine is None:
        return 2
    status: str | Sequence[str] | None = {
        "unresolved": _UNRESOLVED,
        "all": None,
    }.get(args.status, args.status)
    with session_scope(engine) as session:
        views = list_complaints(
            session, status=status, overdue_only=args.overdue, assigned_to=args.assigned_to
        )
    if not views:
        print("No complaints to show.")
        return 0
    for view in views:
        flag = " OVERDUE" if view.overdue else " DUE SOON" if view.due_soon else ""
        due = f"due {_when(view.next_due_at, settings.tz)}" if view.next_due_at else "closed"
        contact = view.contact if args.unmask else view.masked_contact
        print(
            f"{view.reference} [{view.status}] {view.severity} {view.category} {due}{flag} "
            f"assigned: {view.assigned_to or '-'} contact: {contact or 'chat only'}"
        )
    return 0


def _cli_show(args: argparse.Namespace) -> int:
    from bot.storage.db import session_scope

    engine, settings = _engine_and_settings()
    if engine is None:
        return 2
    tz = settings.tz
    try:
        with session_scope(engine) as session:
            view = get_complaint(session, args.reference)
    except ComplaintError as exc:
        print(exc, file=sys.stderr)
        return 1
    contact = view.contact if args.unmask else view.masked_contact
    kept = {True: "kept", False: "broken", None: "-"}[view.promise_kept]
    on_time = {True: "yes", False: "no", None: "-"}[view.resolved_on_time]
    lines = [
        f"{view.reference}  {view.category_label} ({view.category}), severity {view.severity}",
        f"Status: {view.status}{'  OVERDUE' if view.overdue else ''}"
        f"{'  DUE SOON' if view.due_soon else ''}",
        f"Customer: {view.sender_id} via {view.channel or '-'}; contact: {contact or 'chat only'}",
        f"Shipment: {view.shipment_ref or '-'}",
        f"Assigned to: {view.assigned_to or '-'}",
        f"Created: {_when(view.created_at, tz)}",
        f"Follow-up promised by: {_when(view.original_due_at, tz)}"
        + (f" (now {_when(view.due_at, tz)} after escalation)" if view.escalated_at else ""),
        f"First follow-up: {_when(view.first_followup_at, tz)}"
        + (
            f" after {view.first_followup_hours:g} business hours"
            if view.first_followup_hours is not None
            else ""
        )
        + f"; promise {kept}",
        f"Resolution target: {_when(view.resolution_due_at, tz)}",
        f"Resolved: {_when(view.resolved_at, tz)}"
        + (
            f" after {view.resolution_hours:g} business hours"
            if view.resolution_hours is not None
            else ""
        )
        + f"; on time: {on_time}",
    ]
    if view.outcome:
        lines.append(f"Outcome: {view.outcome}")
    lines += ["", "Description:", view.description, "", "Audit trail:"]
    lines += [f"  {_when(e.at, tz)}  {e.actor}: {e.action}  {e.detail}" for e in view.events]
    print("\n".join(lines))
    return 0


def _cli_change(change: Callable[[Session], ComplaintView]) -> ComplaintView | int:
    """Run one change in its own unit of work; the view once committed, else an exit code."""
    from bot.storage.db import session_scope

    engine, _settings = _engine_and_settings()
    if engine is None:
        return 2
    try:
        with session_scope(engine) as session:
            return change(session)
    except ComplaintError as exc:
        print(exc, file=sys.stderr)
        return 1


def _cli_assign(args: argparse.Namespace) -> int:
    view = _cli_change(lambda s: assign(s, args.reference, args.agent, actor=args.actor))
    if isinstance(view, int):
        return view
    print(f"{view.reference} assigned to {view.assigned_to}.")
    return 0


def _cli_note(args: argparse.Namespace) -> int:
    view = _cli_change(lambda s: add_note(s, args.reference, args.text, actor=args.actor))
    if isinstance(view, int):
        return view
    print(f"Note added to {view.reference}.")
    return 0


def _cli_resolve(args: argparse.Namespace) -> int:
    from bot.bootstrap import bootstrap_from_settings
    from bot.domain.complaints.followups import deliver_resolution
    from bot.engine.rasa_client import notifier_from_settings
    from bot.storage.db import session_scope

    engine, settings = _engine_and_settings()
    if engine is None:
        return 2
    # Once the outcome reached the customer, they are offered the survey.
    bus = bootstrap_from_settings(engine, settings)
    try:
        with session_scope(engine) as session:
            view = resolve(session, args.reference, args.outcome, actor=args.actor)
    except ComplaintError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(f"{view.reference} resolved.")
    result = deliver_resolution(
        engine,
        notifier_from_settings(settings),
        view.reference,
        publish=bus.publish,
        tz=settings.tz,
    )
    print(result.describe())
    return 0


def _cli_watch(args: argparse.Namespace) -> int:
    import logging
    import signal
    import threading

    from bot.bootstrap import bootstrap_from_settings
    from bot.domain.complaints.followups import watch
    from bot.engine.rasa_client import notifier_from_settings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    # The schema check at start-up is Alembic's business, not the operator's.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    engine, settings = _engine_and_settings()
    if engine is None:
        return 2
    # Outcomes the worker delivers are followed by the offer of the survey.
    bus = bootstrap_from_settings(engine, settings)
    stop = threading.Event()

    def _on_signal(_signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    ok = watch(
        engine,
        notifier_from_settings(settings),
        publish=bus.publish,
        interval=max(1.0, args.interval),
        once=args.once,
        stop=stop,
        tz=settings.tz,
    )
    return 0 if ok else 1
