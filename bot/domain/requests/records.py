"""Taking a customer's request, and finding a customer's own requests and shipments.

A request gets a reference (``REQ-2026-00042``) from the year's counter and a promise: a
colleague confirms or completes it within the business hours :data:`PROMISE_HOURS` gives
its kind, on the complaints' calendar. Everything is checked before anything is written,
so a refused request stores nothing. The same request twice from one conversation within
:data:`DUPLICATE_WINDOW` is one request. Functions take an open session and flush; the
caller commits.

A shipment is the customer's own when they give the contact on its booking (normalised:
"+852 9123 4567" and "91234567" are the same), as a complaint is theirs by its contact; a
pick-up request is theirs when it came from the same conversation or the same contact.
Someone else's shipment or pick-up gets the same answer as one that does not exist.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.domain.clock import moment_of
from bot.domain.contacts import Contact, parse_contact
from bot.domain.numbering import lock_counter, next_number
from bot.domain.requests.pickups import PickupSlot
from bot.domain.requests.rules import (
    MAX_TEXT,
    PICKUP,
    PICKUP_CHANGE_KINDS,
    PICKUP_RESCHEDULE,
    POD_COPY,
    PROMISE_HOURS,
    SHIPMENT_KINDS,
    UNFINISHED,
    RequestError,
    RequestNotFound,
    format_reference,
    normalise_reference,
)
from bot.domain.requests.views import RequestView, make_view
from bot.domain.service_levels import service_levels
from bot.domain.tracking import check_tracking_number
from bot.storage.models import (
    CustomerRequest,
    CustomerRequestCounter,
    CustomerRequestEvent,
    Shipment,
)

#: The same request from the same conversation within this window is the same request.
DUPLICATE_WINDOW = timedelta(hours=24)
#: Who the audit trail names for what the customer did through the assistant.
CUSTOMER_ACTOR = "customer"
#: Kinds that change a delivery, which a delivered shipment can no longer have.
_UNDELIVERED_KINDS = frozenset(SHIPMENT_KINDS - {POD_COPY, "invoice_copy"})


def _contact(text: str | None, *, required: bool) -> Contact | None:
    if text is None or not text.strip():
        if required:
            raise RequestError("contact_missing", field="contact")
        return None
    parsed = parse_contact(text)
    if parsed is None:
        raise RequestError("contact_invalid", field="contact")
    return parsed


def _text(value: str | None, field: str) -> str:
    text = " ".join((value or "").split())
    if len(text) < 5:
        raise RequestError(f"{field}_missing", field=field)
    if len(text) > MAX_TEXT:
        raise RequestError("too_long", field=field, limit=f"{MAX_TEXT:,}")
    return text


def _dedupe_key(sender_id: str, kind: str, material: str) -> str:
    text = "\x1f".join((sender_id, kind, " ".join(material.split()).casefold()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def own_shipment(session: Session, shipment_ref: str, contact: Contact) -> Shipment:
    """The customer's shipment with this number, when the contact is the one on its booking.

    Raises:
        RequestError: ``shipment_invalid`` (not a tracking number, or a wrong check
            digit) or ``shipment_not_found`` (no such shipment, or not theirs: the same
            answer, so nobody learns about other people's shipments).
    """
    parsed = check_tracking_number(shipment_ref or "")
    if parsed is None or not parsed.valid:
        raise RequestError("shipment_invalid", field="shipment_ref")
    shipment: Shipment | None = session.execute(
        select(Shipment).where(Shipment.tracking_number == parsed.number)
    ).scalar_one_or_none()
    if shipment is None or shipment.contact is None or shipment.contact != contact.value:
        raise RequestError("shipment_not_found", field="shipment_ref", number=parsed.number)
    return shipment


def _store(
    session: Session,
    *,
    kind: str,
    sender_id: str,
    channel: str,
    contact: Contact | None,
    material: str,
    now: datetime,
    audit: str,
    **columns: Any,
) -> RequestView:
    """Number, promise and store a checked request with its first audit entry."""
    sender = (sender_id or "").strip()
    if not sender or len(sender) > 255:
        raise RequestError("sender_missing", field="sender_id")
    calendar = service_levels().calendar
    year = now.astimezone(calendar.tz).year
    table = CustomerRequestCounter.__table__
    lock_counter(session, table, year)
    key = _dedupe_key(sender, kind, material)
    existing: CustomerRequest | None = session.execute(
        select(CustomerRequest).where(CustomerRequest.dedupe_key == key)
    ).scalar_one_or_none()
    if existing is not None:
        if existing.created_at >= now - DUPLICATE_WINDOW:
            return make_view(existing, now, created=False)
        existing.dedupe_key = None
        session.flush()
    due_at = calendar.add_business_hours(now, PROMISE_HOURS[kind])
    row = CustomerRequest(
        reference=format_reference(year, next_number(session, table, year)),
        kind=kind,
        sender_id=sender,
        channel=(channel or "").strip()[:50],
        contact_kind=contact.kind if contact else None,
        contact=contact.value if contact else None,
        status="open",
        created_at=now,
        updated_at=now,
        due_at=due_at,
        dedupe_key=key,
        **columns,
    )
    session.add(row)
    session.flush()
    session.add(
        CustomerRequestEvent(
            request_id=row.id,
            at=now,
            actor=CUSTOMER_ACTOR,
            action="created",
            detail=f"{audit}; via {row.channel or 'unknown'}; promised by {due_at.isoformat()}",
        )
    )
    session.flush()
    return make_view(row, now)


def create_pickup(
    session: Session,
    *,
    sender_id: str,
    channel: str,
    address: str,
    slot: PickupSlot,
    contact: str | None = None,
    now: datetime | None = None,
) -> RequestView:
    """Book a pick-up: a checked slot (:func:`bot.domain.requests.pickups.check_pickup`).

    Raises:
        RequestError: the address or contact cannot be used; nothing is stored.
    """
    moment = moment_of(now)
    where = _text(address, "address")
    parsed = _contact(contact, required=False)
    material = f"{where}|{slot.ready_at.isoformat()}|{slot.pieces}|{slot.weight_kg}"
    return _store(
        session,
        kind=PICKUP,
        sender_id=sender_id,
        channel=channel,
        contact=parsed,
        material=material,
        now=moment,
        audit=(
            f"pick-up {slot.ready_at.isoformat()} to {slot.window_end.isoformat()}, "
            f"{slot.pieces} pcs, {slot.weight_kg:g} kg, {slot.service}"
        ),
        address=where,
        ready_at=slot.ready_at,
        window_end=slot.window_end,
        pieces=slot.pieces,
        weight_kg=slot.weight_kg,
        service=slot.service,
    )


def create_shipment_request(
    session: Session,
    *,
    kind: str,
    sender_id: str,
    channel: str,
    shipment_ref: str,
    contact: str,
    address: str | None = None,
    note: str | None = None,
    now: datetime | None = None,
) -> RequestView:
    """A change to one of the customer's own shipments, or a copy of its papers.

    Args:
        kind: one of :data:`SHIPMENT_KINDS`.
        shipment_ref: the tracking number, in any spelling.
        contact: the contact on the shipment's booking (proves it is theirs).
        address: the new delivery address (``address_change``; required there).
        note: anything the customer adds (a preferred day for redelivery).

    Raises:
        RequestError: an unknown kind, a number that is not theirs, a delivered shipment
            whose delivery can no longer change, a proof of delivery before delivery,
            a missing address; nothing is stored.
    """
    if kind not in SHIPMENT_KINDS:
        raise RequestError("kind_unknown", field="kind")
    moment = moment_of(now)
    parsed = _contact(contact, required=True)
    assert parsed is not None
    shipment = own_shipment(session, shipment_ref, parsed)
    delivered = shipment.status == "delivered"
    if kind in _UNDELIVERED_KINDS and delivered:
        raise RequestError(
            "shipment_delivered", field="shipment_ref", number=shipment.tracking_number
        )
    if kind == POD_COPY and not delivered:
        raise RequestError(
            "pod_not_delivered", field="shipment_ref", number=shipment.tracking_number
        )
    where = _text(address, "address") if kind == "address_change" else None
    extra = " ".join((note or "").split())[:MAX_TEXT]
    details = {"note": extra} if extra else {}
    return _store(
        session,
        kind=kind,
        sender_id=sender_id,
        channel=channel,
        contact=parsed,
        material=f"{shipment.tracking_number}|{where or ''}|{extra}",
        now=moment,
        audit=f"{kind} for {shipment.tracking_number}" + (f" to {where}" if where else ""),
        shipment_ref=shipment.tracking_number,
        address=where,
        details=json.dumps(details, ensure_ascii=False),
    )


def own_pickup(
    session: Session, reference: str, sender_id: str, contact: Contact | None
) -> CustomerRequest:
    """The customer's own unfinished pick-up with this reference.

    Raises:
        RequestNotFound: no such pick-up, or not theirs (the same answer).
        RequestError: ``pickup_closed``, it is done or refused already.
    """
    wanted = normalise_reference(reference)
    if wanted is None:
        raise RequestNotFound("pickup_not_found", field="pickup_reference", reference=reference)
    owners = [CustomerRequest.sender_id == (sender_id or "").strip()]
    if contact is not None:
        owners.append(CustomerRequest.contact == contact.value)
    row: CustomerRequest | None = session.execute(
        select(CustomerRequest).where(
            CustomerRequest.reference == wanted, CustomerRequest.kind == PICKUP, or_(*owners)
        )
    ).scalar_one_or_none()
    if row is None:
        raise RequestNotFound("pickup_not_found", field="pickup_reference", reference=wanted)
    if row.status not in UNFINISHED:
        raise RequestError("pickup_closed", field="pickup_reference", reference=wanted)
    return row


def create_pickup_change(
    session: Session,
    *,
    kind: str,
    sender_id: str,
    channel: str,
    pickup_reference: str,
    contact: str | None = None,
    window: tuple[datetime, datetime] | None = None,
    now: datetime | None = None,
) -> RequestView:
    """Cancel or reschedule one of the customer's own open pick-ups, named by reference.

    Args:
        kind: ``pickup_cancel`` or ``pickup_reschedule``.
        pickup_reference: the pick-up's ``REQ-`` reference, in any spelling.
        contact: the contact given with the pick-up, when asking from another chat.
        window: the new, checked ``(ready_at, window_end)`` (``pickup_reschedule``; see
            :func:`bot.domain.requests.pickups.check_window`).

    Raises:
        RequestError: not theirs or unknown (``pickup_not_found``), already done or
            refused (``pickup_closed``), a reschedule without a slot; nothing is stored.
    """
    if kind not in PICKUP_CHANGE_KINDS:
        raise RequestError("kind_unknown", field="kind")
    if kind == PICKUP_RESCHEDULE and window is None:
        raise RequestError("pickup_day_missing", field="pickup_date")
    moment = moment_of(now)
    parsed = _contact(contact, required=False) if contact else None
    original = own_pickup(session, pickup_reference, sender_id, parsed)
    columns: dict[str, Any] = {"related_reference": original.reference}
    audit = f"{kind} of {original.reference}"
    material = original.reference
    if window is not None:
        ready_at, window_end = window
        columns.update(
            ready_at=ready_at,
            window_end=window_end,
            pieces=original.pieces,
            weight_kg=original.weight_kg,
            service=original.service,
            address=original.address,
        )
        audit += f" to {ready_at.isoformat()}-{window_end.isoformat()}"
        material += f"|{ready_at.isoformat()}"
    view = _store(
        session,
        kind=kind,
        sender_id=sender_id,
        channel=channel,
        contact=parsed,
        material=material,
        now=moment,
        audit=audit,
        **columns,
    )
    if view.created:
        session.add(
            CustomerRequestEvent(
                request_id=original.id,
                at=moment,
                actor=CUSTOMER_ACTOR,
                action="change_asked",
                detail=f"{kind} asked in {view.reference}",
            )
        )
        session.flush()
    return view


def check_own_pickup(session: Session, reference: str, sender_id: str) -> str:
    """The reference of the conversation's own open pick-up, as we write it.

    Raises:
        RequestError: as :func:`own_pickup`.
    """
    reference_found: str = own_pickup(session, reference, sender_id, None).reference
    return reference_found


def customer_requests(
    session: Session,
    *,
    sender_id: str,
    reference: str | None = None,
    now: datetime | None = None,
) -> list[RequestView]:
    """The requests of a conversation, newest first (one only, with ``reference``)."""
    moment = moment_of(now)
    query = select(CustomerRequest).where(CustomerRequest.sender_id == (sender_id or "").strip())
    if reference is not None:
        wanted = normalise_reference(reference)
        if wanted is None:
            return []
        query = query.where(CustomerRequest.reference == wanted)
    rows = session.execute(
        query.order_by(CustomerRequest.created_at.desc(), CustomerRequest.id.desc())
    )
    return [make_view(row, moment) for row in rows.scalars()]
