"""Taking a complaint from a customer, and finding a customer's own complaints.

A complaint gets a reference (``CMP-2026-00042``) from the year's counter, a severity
(:mod:`bot.domain.complaints.severity`) and a promise: a colleague will contact the
customer within the business hours the service levels give for its category and
severity. The same submission twice within :data:`DUPLICATE_WINDOW` is one complaint.
Functions take an open session and flush; the caller commits.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.domain.accounts import customer_account
from bot.domain.clock import moment_of
from bot.domain.complaints.rules import (
    MAX_DESCRIPTION,
    ComplaintError,
    format_reference,
    normalise_reference,
)
from bot.domain.complaints.severity import assess_severity
from bot.domain.complaints.views import ComplaintReceipt, ComplaintView, make_view
from bot.domain.contacts import parse_contact
from bot.domain.kpi.rollups import mark_stale
from bot.domain.numbering import lock_counter, next_number
from bot.domain.service_levels import CATEGORIES, service_levels
from bot.domain.shipments import find_shipment
from bot.domain.tracking import check_tracking_number
from bot.storage.models import Complaint, ComplaintCounter, ComplaintEvent

#: The same submission from the same sender within this window is the same complaint.
DUPLICATE_WINDOW = timedelta(hours=24)

#: Who the audit trail names for what the customer did through the assistant.
CUSTOMER_ACTOR = "customer"


def _dedupe_key(sender_id: str, category: str, description: str, shipment_ref: str | None) -> str:
    # Whitespace and case do not make a different complaint: a resend from another
    # device or a retyped message must find the first one.
    text = " ".join(description.split()).casefold()
    material = "\x1f".join((sender_id, category, text, shipment_ref or ""))
    return hashlib.sha256(material.encode("utf-8")).hexdigest()


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
    account: str | None = None,
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
        account: the conversation's ``account`` slot, if any; without it the account
            the customer's conversations were seen with (:mod:`bot.domain.accounts`).
        now: the time of the complaint; default now.

    Returns:
        The receipt: reference, promised follow-up time, severity, whether it is new.

    Raises:
        ComplaintError: something the customer gave cannot be used; the message says
            what and can be shown as it is, ``field`` names the input. For an unknown
            shipment (``field="shipment_ref"``) the caller may save without it.
    """
    moment = moment_of(now)
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
    lock_counter(session, ComplaintCounter.__table__, year)

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
            reference = format_reference(
                year, next_number(session, ComplaintCounter.__table__, year)
            )
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
                account=customer_account(session, sender, moment, account),
                created_at=moment,
                updated_at=moment,
                due_at=due_at,
                original_due_at=due_at,
                resolution_due_at=resolution_due_at,
                dedupe_key=key,
            )
            session.add(complaint)
            session.flush()
            mark_stale(session, [moment])
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
    moment = moment_of(now)
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
    return [make_view(complaint, moment, levels) for complaint in rows.scalars()]
