"""Sales leads: customers who asked for a quote and left a way to reach them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.clock import moment_of
from bot.domain.contacts import mask_contact, parse_contact
from bot.domain.sales_config import sales_config
from bot.domain.service_levels import service_levels
from bot.storage.models import Lead

#: A second identical submission within this window returns the first lead.
DUPLICATE_WINDOW = timedelta(minutes=10)

# Longest text kept per field; longer input is cut, not refused, so a chatty customer
# still becomes a lead.
MAX_LENGTHS: dict[str, int] = {
    "sender_id": 255,
    "channel": 50,
    "name": 120,
    "company": 200,
    "mode": 20,
    "origin": 120,
    "destination": 120,
    "note": 2000,
}

# Fields that make two submissions "the same lead".
_SAME_LEAD_FIELDS = (
    "channel",
    "name",
    "contact",
    "company",
    "mode",
    "origin",
    "destination",
    "weight_kg",
    "volume_cbm",
    "quoted_amount",
    "currency",
    "note",
)


@dataclass(frozen=True)
class LeadView:
    """A lead as listed for the sales team."""

    id: int
    created_at: datetime
    sender_id: str
    channel: str
    name: str
    contact_kind: str
    contact: str
    company: str | None
    mode: str | None
    origin: str | None
    destination: str | None
    weight_kg: float | None
    volume_cbm: float | None
    quoted_amount: Decimal | None
    currency: str | None
    note: str | None
    status: str
    assigned_to: str | None = None
    due_at: datetime | None = None
    contacted_at: datetime | None = None
    promise_kept: bool | None = None
    lost_reason: str | None = None
    closed_at: datetime | None = None
    overdue: bool = False

    @property
    def reference(self) -> str:
        """How the customer and staff name the lead: ``LEAD-00042``."""
        return lead_reference(self.id)

    @property
    def masked_contact(self) -> str:
        """The contact with most characters hidden, for screens others may see."""
        return mask_contact(self.contact)


def lead_reference(lead_id: int) -> str:
    """``LEAD-00042`` for lead 42."""
    return f"LEAD-{lead_id:05d}"


def _text(value: str | None, field: str) -> str | None:
    if value is None:
        return None
    cleaned = " ".join(value.split()) if field != "note" else value.strip()
    return cleaned[: MAX_LENGTHS[field]] or None


def _quantity(value: float | Decimal | str | None, what: str) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"The {what} should be a number, for example 120.") from None
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"The {what} should be a positive number, for example 120.")
    return number


def _amount(value: float | Decimal | str | None) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        raise ValueError("The quoted amount should be a number, for example 1250.00.") from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e10"):
        raise ValueError("The quoted amount should be a positive number, for example 1250.00.")
    return amount


def save_lead(
    session: Session,
    *,
    sender_id: str,
    channel: str,
    name: str,
    contact: str,
    company: str | None = None,
    mode: str | None = None,
    origin: str | None = None,
    destination: str | None = None,
    weight_kg: float | None = None,
    volume_cbm: float | None = None,
    quoted_amount: Decimal | float | None = None,
    currency: str | None = None,
    note: str | None = None,
    language: str | None = None,
    now: datetime | None = None,
) -> int:
    """Store a sales lead, or return the one this customer just submitted.

    Everything is checked before anything is written, so a failed call stores nothing.
    Free text is trimmed and cut to :data:`MAX_LENGTHS`. If the same sender submitted
    the same details within :data:`DUPLICATE_WINDOW`, that lead's id is returned instead
    of storing a duplicate (a double-tapped button, a repeated form). The caller commits.

    Args:
        session: open database session.
        sender_id: the conversation's sender id.
        channel: where the conversation happens ("telegram", "web").
        name: the customer's name.
        contact: an email address or phone number as typed.
        company: the customer's company.
        mode: shipment mode of the quote (see ``bot.storage.models.MODES``).
        origin: where the goods start.
        destination: where they go.
        weight_kg: gross weight.
        volume_cbm: volume in cubic metres.
        quoted_amount: the price we quoted.
        currency: ISO 4217 code of the quoted amount, e.g. "HKD".
        note: anything else the customer said.
        language: the conversation's language ("en", "zh").
        now: the time of the lead; default the clock. The call-back promised to the
            customer (``due_at``) is ``callback_business_hours`` of ``config/sales.yml``
            later, counted in the business calendar of ``config/service_levels.yml``.

    Returns:
        The lead's id.

    Raises:
        ValueError: a value cannot be used; the message can be shown to the customer.
    """
    parsed = parse_contact(contact or "")
    if parsed is None:
        raise ValueError(
            "That doesn't look like an email address or phone number I can use. Could you "
            "send it again, for example name@company.com or +852 9123 4567?"
        )
    clean_name = _text(name, "name")
    if clean_name is None:
        raise ValueError("Could you tell me your name, so our sales team knows who to ask for?")
    clean_sender = _text(sender_id, "sender_id")
    if clean_sender is None:
        raise ValueError("sender_id is required")
    clean_currency = (currency or "").strip().upper() or None
    if clean_currency is not None and not (len(clean_currency) == 3 and clean_currency.isalpha()):
        raise ValueError("The currency should be a three-letter code such as HKD or USD.")
    values = {
        "channel": _text(channel, "channel") or "",
        "name": clean_name,
        "contact_kind": parsed.kind,
        "contact": parsed.value,
        "company": _text(company, "company"),
        "mode": _text(mode.lower() if mode else None, "mode"),
        "origin": _text(origin, "origin"),
        "destination": _text(destination, "destination"),
        "weight_kg": _quantity(weight_kg, "weight"),
        "volume_cbm": _quantity(volume_cbm, "volume"),
        "quoted_amount": _amount(quoted_amount),
        "currency": clean_currency,
        "note": _text(note, "note"),
    }

    now = moment_of(now)
    recent = session.execute(
        select(Lead)
        .where(Lead.sender_id == clean_sender, Lead.created_at >= now - DUPLICATE_WINDOW)
        .order_by(Lead.created_at.desc())
    ).scalars()
    for lead in recent:
        if all(getattr(lead, key) == values[key] for key in _SAME_LEAD_FIELDS):
            return int(lead.id)

    due_at = service_levels().calendar.add_business_hours(
        now, sales_config().callback_business_hours
    )
    lead = Lead(
        sender_id=clean_sender,
        created_at=now,
        updated_at=now,
        status="new",
        due_at=due_at,
        language=(language or "")[:5] or None,
        **values,
    )
    session.add(lead)
    session.flush()
    return int(lead.id)


def make_lead_view(lead: Lead, now: datetime | None = None) -> LeadView:
    """The lead as staff see it; ``overdue`` when the promised call-back passed uncalled."""
    moment = moment_of(now)
    return LeadView(
        id=lead.id,
        created_at=lead.created_at,
        sender_id=lead.sender_id,
        channel=lead.channel,
        name=lead.name,
        contact_kind=lead.contact_kind,
        contact=lead.contact,
        company=lead.company,
        mode=lead.mode,
        origin=lead.origin,
        destination=lead.destination,
        weight_kg=lead.weight_kg,
        volume_cbm=lead.volume_cbm,
        quoted_amount=lead.quoted_amount,
        currency=lead.currency,
        note=lead.note,
        status=lead.status,
        assigned_to=lead.assigned_to,
        due_at=lead.due_at,
        contacted_at=lead.contacted_at,
        promise_kept=lead.promise_kept,
        lost_reason=lead.lost_reason,
        closed_at=lead.closed_at,
        overdue=(
            lead.status == "new"
            and lead.contacted_at is None
            and lead.due_at is not None
            and lead.due_at < moment
        ),
    )


def list_leads(
    session: Session,
    *,
    status: str | None = None,
    limit: int = 50,
    assigned_to: str | None = None,
    now: datetime | None = None,
) -> list[LeadView]:
    """Return the newest leads first.

    Args:
        session: open database session.
        status: only leads with this status (e.g. ``"new"``); default all.
        limit: at most this many.
        assigned_to: only the leads of this colleague.
        now: the time ``overdue`` is judged at; default the clock.
    """
    query = select(Lead).order_by(Lead.created_at.desc(), Lead.id.desc()).limit(limit)
    if status:
        query = query.where(Lead.status == status)
    if assigned_to is not None:
        query = query.where(Lead.assigned_to == assigned_to)
    return [make_lead_view(lead, now) for lead in session.execute(query).scalars()]


def latest_lead_for(session: Session, sender_id: str) -> LeadView | None:
    """The newest lead left in this conversation, or None."""
    lead = session.execute(
        select(Lead)
        .where(Lead.sender_id == sender_id)
        .order_by(Lead.created_at.desc(), Lead.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return None if lead is None else make_lead_view(lead)
