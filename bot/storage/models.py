"""Database models.

Only Alembic migrations (``bot/migrations``) create or change the tables: a change to a
model here goes with one new revision there. Datetimes are timezone-aware UTC in Python
on every backend (see :class:`UTCDateTime`); status and mode codes are plain strings
validated in Python, so adding a code needs no migration.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import declarative_base, relationship
from sqlalchemy.types import TypeDecorator, TypeEngine

#: Shipment modes, as used in the CSV import and in leads.
MODES: tuple[str, ...] = ("express", "economy", "air", "sea_fcl", "sea_lcl")

#: Shipment status codes, in the order a shipment normally goes through them.
STATUSES: tuple[str, ...] = (
    "booked",
    "picked_up",
    "in_transit",
    "at_hub",
    "customs",
    "out_for_delivery",
    "delivered",
    "exception",
)

#: Lead status codes, in the order a sale goes; sales moves a lead on from ``new``, and
#: ``won`` or ``lost`` (with a reason) closes it.
LEAD_STATUSES: tuple[str, ...] = ("new", "contacted", "quoted", "won", "lost")

# Constraint names that are the same on SQLite and PostgreSQL, so later migrations can
# drop or alter a constraint by name on both.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Base: Any = declarative_base(metadata=MetaData(naming_convention=NAMING_CONVENTION))


# ``datetime.UTC`` only exists from Python 3.11; the project runs on 3.10.
UTC = timezone.utc


def utcnow() -> datetime:
    """Return the current time as a timezone-aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A datetime column that always holds and returns timezone-aware UTC.

    PostgreSQL stores ``timestamptz``; SQLite has no time zones, so the value is stored
    as naive UTC and the zone is put back on the way out. Naive datetimes are refused
    when written, because guessing their zone is how times end up eight hours off.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Convert an aware datetime to UTC (naive UTC on SQLite)."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: give it a time zone")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return the stored value as an aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Money(TypeDecorator):
    """An amount of money with two decimal places, returned as ``Decimal``.

    Both backends declare ``NUMERIC(12, 2)``. SQLite has no decimal type (SQLAlchemy warns
    when asked for ``Decimal`` from it), so there the value travels as a float and is
    rounded back to cents on reading; amounts below a trillion survive that exactly.
    """

    impl = Numeric(12, 2)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine:
        """Read floats on SQLite, ``Decimal`` elsewhere."""
        return dialect.type_descriptor(Numeric(12, 2, asdecimal=dialect.name != "sqlite"))

    def process_bind_param(self, value: Decimal | float | None, dialect: Dialect) -> Any:
        """Round to cents; SQLite gets a float."""
        if value is None:
            return None
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
        return float(amount) if dialect.name == "sqlite" else amount

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        """Return a ``Decimal`` with two decimal places."""
        if value is None:
            return None
        return Decimal(str(value)).quantize(Decimal("0.01"))


class Shipment(Base):
    """A shipment customers can track, with its latest known state.

    ``status`` and ``last_location`` mirror the newest event, so a tracking reply needs
    one row; the events keep the history.
    """

    __tablename__ = "shipments"

    id = Column(Integer, primary_key=True)
    tracking_number = Column(String(32), nullable=False, unique=True)
    number_kind = Column(String(20), nullable=False)
    mode = Column(String(20), nullable=False)
    service = Column(String(80), nullable=False, default="")
    origin = Column(String(120), nullable=False, default="")
    destination = Column(String(120), nullable=False, default="")
    status = Column(String(30), nullable=False, default="booked")
    last_location = Column(String(120), nullable=True)
    # An ETA is either a day ("arrives 15 March") or a moment (flight arrival time); the
    # two columns keep a day from being shifted into the previous one by a UTC round trip.
    eta_date = Column(Date, nullable=True)
    eta_at = Column(UTCDateTime, nullable=True)
    account = Column(String(40), nullable=True, index=True)
    pieces = Column(Integer, nullable=True)
    weight_kg = Column(Float, nullable=True)
    # The shipper's or consignee's contact on the booking (normalised email or phone):
    # a customer who gives it may change the shipment's delivery (migration 0011).
    contact = Column(String(254), nullable=True, index=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    # When the carrier said the ETA (the event's own time), so a late-arriving older
    # estimate never replaces a newer one; None for an ETA from the CSV import.
    eta_reported_at = Column(UTCDateTime, nullable=True)

    events = relationship(
        "ShipmentEvent",
        back_populates="shipment",
        cascade="all, delete-orphan",
        order_by="ShipmentEvent.occurred_at",
    )

    @property
    def eta(self) -> date | datetime | None:
        """The estimated arrival: a ``datetime`` when a time is known, else a ``date``."""
        if self.eta_at is not None:
            return self.eta_at
        return self.eta_date

    @eta.setter
    def eta(self, value: date | datetime | None) -> None:
        if isinstance(value, datetime):
            self.eta_at, self.eta_date = value, None
        else:
            self.eta_at, self.eta_date = None, value

    def __repr__(self) -> str:
        return f"<Shipment {self.tracking_number} {self.status}>"


class ShipmentEvent(Base):
    """One status scan of a shipment.

    Unique per shipment, time and status, so importing the same feed twice adds nothing.
    """

    __tablename__ = "shipment_events"
    __table_args__ = (UniqueConstraint("shipment_id", "occurred_at", "status"),)

    id = Column(Integer, primary_key=True)
    shipment_id = Column(
        Integer, ForeignKey("shipments.id", ondelete="CASCADE"), nullable=False, index=True
    )
    occurred_at = Column(UTCDateTime, nullable=False)
    location = Column(String(120), nullable=False, default="")
    status = Column(String(30), nullable=False)
    description = Column(String(500), nullable=False, default="")
    # The sending system and its own code ("dcsa", "LOAD"): kept for every carrier
    # event, shown to the customer when the code maps to no status of ours.
    source = Column(String(40), nullable=True)
    raw_code = Column(String(40), nullable=True)

    shipment = relationship("Shipment", back_populates="events")

    def __repr__(self) -> str:
        return f"<ShipmentEvent {self.status} at {self.occurred_at:%Y-%m-%d %H:%M}>"


class ShipmentReference(Base):
    """Another reference a carrier knows a shipment by (booking, transport document)."""

    __tablename__ = "shipment_references"
    __table_args__ = (UniqueConstraint("kind", "value"),)

    id = Column(Integer, primary_key=True)
    shipment_id = Column(
        Integer, ForeignKey("shipments.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind = Column(String(20), nullable=False)
    value = Column(String(64), nullable=False)


class CarrierEventReceipt(Base):
    """One event a sending system delivered, by its own id: a second delivery is a no-op."""

    __tablename__ = "carrier_event_receipts"
    __table_args__ = (UniqueConstraint("source", "external_id"),)

    id = Column(Integer, primary_key=True)
    source = Column(String(40), nullable=False)
    external_id = Column(String(100), nullable=False)
    received_at = Column(UTCDateTime, nullable=False, default=utcnow)
    shipment_id = Column(
        Integer, ForeignKey("shipments.id", ondelete="SET NULL"), nullable=True, index=True
    )


class ShipmentSubscription(Base):
    """A customer asked to be told about a shipment, on the channel they asked on.

    ``scope`` is ``arrival`` (delivery and anything that holds it up) or ``any`` (every
    change of status and a slipping ETA). Stopping keeps the row with ``stopped_at``.
    """

    __tablename__ = "shipment_subscriptions"
    __table_args__ = (UniqueConstraint("shipment_id", "sender_id"),)

    id = Column(Integer, primary_key=True)
    shipment_id = Column(
        Integer, ForeignKey("shipments.id", ondelete="CASCADE"), nullable=False, index=True
    )
    sender_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(50), nullable=False, default="")
    scope = Column(String(10), nullable=False, default="any")
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    stopped_at = Column(UTCDateTime, nullable=True)


class ShipmentNotice(Base):
    """The outbox: one message owed to one subscriber about one change of a shipment.

    Written in the transaction that stores the event, delivered by the notice worker
    (claimed with a lease, so two workers never send one twice), and marked sent.
    """

    __tablename__ = "shipment_notices"
    __table_args__ = (Index("ix_shipment_notices_pending", "sent_at", "not_before"),)

    id = Column(Integer, primary_key=True)
    subscription_id = Column(
        Integer, ForeignKey("shipment_subscriptions.id", ondelete="CASCADE"), nullable=False
    )
    shipment_id = Column(Integer, ForeignKey("shipments.id", ondelete="CASCADE"), nullable=False)
    sender_id = Column(String(255), nullable=False)
    channel = Column(String(50), nullable=False, default="")
    kind = Column(String(20), nullable=False)
    status = Column(String(30), nullable=False)
    eta_text = Column(String(40), nullable=True)
    urgent = Column(Boolean, nullable=False, default=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    not_before = Column(UTCDateTime, nullable=False)
    claim = Column(String(32), nullable=True)
    claimed_at = Column(UTCDateTime, nullable=True)
    attempts = Column(Integer, nullable=False, default=0)
    last_error = Column(String(300), nullable=True)
    sent_at = Column(UTCDateTime, nullable=True)


class ShipmentLookup(Base):
    """A customer asked where a shipment is: a tracking answer given in a conversation.

    Written by the tracking action with the answer, so the shipment KPIs can tell a
    notice the customer had not asked for from one that came after they asked, and a
    customer who asked again after a notice from one who did not.
    """

    __tablename__ = "shipment_lookups"
    __table_args__ = (
        Index("ix_shipment_lookups_shipment_sender_at", "shipment_id", "sender_id", "asked_at"),
    )

    id = Column(Integer, primary_key=True)
    shipment_id = Column(Integer, ForeignKey("shipments.id", ondelete="CASCADE"), nullable=False)
    sender_id = Column(String(255), nullable=False)
    channel = Column(String(50), nullable=False, default="")
    asked_at = Column(UTCDateTime, nullable=False, default=utcnow)


class Lead(Base):
    """A sales lead: a customer who asked for a quote and left a way to reach them."""

    __tablename__ = "leads"

    id = Column(Integer, primary_key=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    sender_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(50), nullable=False, default="")
    name = Column(String(120), nullable=False)
    contact_kind = Column(String(10), nullable=False)
    contact = Column(String(254), nullable=False)
    company = Column(String(200), nullable=True)
    mode = Column(String(20), nullable=True)
    origin = Column(String(120), nullable=True)
    destination = Column(String(120), nullable=True)
    weight_kg = Column(Float, nullable=True)
    volume_cbm = Column(Float, nullable=True)
    quoted_amount = Column(Money, nullable=True)
    currency = Column(String(3), nullable=True)
    note = Column(Text, nullable=True)
    status = Column(String(20), nullable=False, default="new")
    # Sales follow-up (issue 17): who has it, the call-back promised to the customer (in
    # business hours, like a complaint's first follow-up) and how it was kept.
    assigned_to = Column(String(120), nullable=True, index=True)
    updated_at = Column(UTCDateTime, nullable=True)
    due_at = Column(UTCDateTime, nullable=True, index=True)
    contacted_at = Column(UTCDateTime, nullable=True)
    contact_hours = Column(Float, nullable=True)
    promise_kept = Column(Boolean, nullable=True)
    closed_at = Column(UTCDateTime, nullable=True)
    lost_reason = Column(Text, nullable=True)
    language = Column(String(5), nullable=True)

    def __repr__(self) -> str:
        return f"<Lead {self.id} {self.status}>"


#: What :class:`SalesEvent` records: a price given, a price refused (expired card...), a
#: service suggested, and the customer's answer to it.
SALES_EVENT_KINDS: tuple[str, ...] = (
    "quote",
    "quote_refused",
    "promotion_offered",
    "promotion_accepted",
    "promotion_declined",
)


class SalesEvent(Base):
    """One sales moment of a conversation, counted by the sales KPIs (quotes given,
    promotion suggestions and how many were accepted)."""

    __tablename__ = "sales_events"
    __table_args__ = (Index("ix_sales_events_kind_at", "kind", "at"),)

    id = Column(Integer, primary_key=True)
    at = Column(UTCDateTime, nullable=False, default=utcnow)
    sender_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(50), nullable=False, default="")
    kind = Column(String(30), nullable=False)
    detail = Column(String(60), nullable=False, default="")
    language = Column(String(5), nullable=False, default="en")

    def __repr__(self) -> str:
        return f"<SalesEvent {self.kind} {self.detail}>"


class MarketingConsent(Base):
    """A customer's answer to the direct-marketing question (Hong Kong PDPO, Part 6A).

    The exact wording the customer was shown and the time of the answer are kept, so the
    consent can be proved; a withdrawal ("stop", "unsubscribe") keeps the row and sets
    ``withdrawn_at`` with the words the customer used.
    """

    __tablename__ = "marketing_consents"
    __table_args__ = (Index("ix_marketing_consents_sender_id", "sender_id"),)

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False)
    channel = Column(String(50), nullable=False, default="")
    lead_id = Column(Integer, ForeignKey("leads.id", ondelete="SET NULL"), nullable=True)
    contact_kind = Column(String(10), nullable=True)
    contact = Column(String(254), nullable=True, index=True)
    granted = Column(Boolean, nullable=False)
    wording = Column(Text, nullable=False)
    language = Column(String(5), nullable=False, default="en")
    answer = Column(Text, nullable=False, default="")
    answered_at = Column(UTCDateTime, nullable=False, default=utcnow)
    withdrawn_at = Column(UTCDateTime, nullable=True)
    withdrawal = Column(Text, nullable=True)

    def __repr__(self) -> str:
        return f"<MarketingConsent {self.id} {'yes' if self.granted else 'no'}>"


#: Complaint status codes: ``open`` until a colleague takes it on, ``in_progress`` once
#: assigned or followed up, ``resolved`` when the outcome is recorded.
COMPLAINT_STATUSES: tuple[str, ...] = ("open", "in_progress", "resolved")


class Complaint(Base):
    """A customer's complaint, the follow-up promised to them, and how it was kept.

    ``due_at`` is the follow-up currently promised to the customer; ``original_due_at``
    the first promise, which ``promise_kept`` is measured against even after a missed
    promise was escalated and a new time given. The KPI figures (business hours to the
    first follow-up and to resolution, promise kept, resolved on time) are written when
    the event happens, so reports need no recalculation. ``dedupe_key`` identifies a
    submission (sender, category, description, shipment) for 24 hours and is cleared
    after that, so a double-click never makes two complaints but a real repeat can.
    ``notify_claim``/``notify_claimed_at`` mark a customer message being sent, so two
    workers never send the same one.
    """

    __tablename__ = "complaints"
    __table_args__ = (
        Index("ix_complaints_status_due_at", "status", "due_at"),
        Index("ix_complaints_due_at", "due_at"),
    )

    id = Column(Integer, primary_key=True)
    reference = Column(String(20), nullable=False, unique=True)
    sender_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(50), nullable=False, default="")
    category = Column(String(30), nullable=False)
    severity = Column(String(10), nullable=False)
    description = Column(Text, nullable=False)
    shipment_ref = Column(String(32), nullable=True)
    contact_kind = Column(String(10), nullable=True)
    contact = Column(String(254), nullable=True, index=True)
    status = Column(String(20), nullable=False, default="open")
    assigned_to = Column(String(120), nullable=True, index=True)
    # The customer's key account when the complaint was filed (bot.domain.accounts), so
    # the KPIs roll complaints up by account like conversations and surveys.
    account = Column(String(40), nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    due_at = Column(UTCDateTime, nullable=False)
    original_due_at = Column(UTCDateTime, nullable=False)
    resolution_due_at = Column(UTCDateTime, nullable=False)
    first_followup_at = Column(UTCDateTime, nullable=True)
    first_followup_hours = Column(Float, nullable=True)
    promise_kept = Column(Boolean, nullable=True)
    reminder_sent_at = Column(UTCDateTime, nullable=True)
    escalated_at = Column(UTCDateTime, nullable=True)
    customer_notified_overdue_at = Column(UTCDateTime, nullable=True)
    resolved_at = Column(UTCDateTime, nullable=True)
    outcome = Column(Text, nullable=True)
    resolution_hours = Column(Float, nullable=True)
    resolved_on_time = Column(Boolean, nullable=True)
    customer_notified_resolution_at = Column(UTCDateTime, nullable=True)
    notify_claim = Column(String(36), nullable=True)
    notify_claimed_at = Column(UTCDateTime, nullable=True)
    dedupe_key = Column(String(64), nullable=True, unique=True)

    events = relationship(
        "ComplaintEvent",
        back_populates="complaint",
        cascade="all, delete-orphan",
        order_by="[ComplaintEvent.at, ComplaintEvent.id]",
    )

    def __repr__(self) -> str:
        return f"<Complaint {self.reference} {self.status}>"


class ComplaintEvent(Base):
    """One entry of a complaint's audit trail: who did what, and when."""

    __tablename__ = "complaint_events"

    id = Column(Integer, primary_key=True)
    complaint_id = Column(
        Integer, ForeignKey("complaints.id", ondelete="CASCADE"), nullable=False, index=True
    )
    at = Column(UTCDateTime, nullable=False, default=utcnow)
    actor = Column(String(120), nullable=False)
    action = Column(String(30), nullable=False)
    detail = Column(Text, nullable=False, default="")

    complaint = relationship("Complaint", back_populates="events")

    def __repr__(self) -> str:
        return f"<ComplaintEvent {self.action} by {self.actor}>"


class ComplaintStatusLookup(Base):
    """One look-up of a complaint's status from a conversation that did not file it.

    Every look-up is a row (so look-ups can be limited per conversation, whatever they
    found); one that matched a complaint and its contact also holds the one-time code
    sent to that contact, hashed (salted PBKDF2), with its expiry, tries and use.
    """

    __tablename__ = "complaint_status_lookups"
    __table_args__ = (
        Index("ix_complaint_status_lookups_asker", "sender_id", "channel", "created_at"),
    )

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False)
    channel = Column(String(50), nullable=False, default="")
    kind = Column(String(10), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    complaint_id = Column(
        Integer, ForeignKey("complaints.id", ondelete="CASCADE"), nullable=True, index=True
    )
    code_hash = Column(String(160), nullable=True)
    expires_at = Column(UTCDateTime, nullable=True)
    attempts = Column(Integer, nullable=False, default=0)
    used_at = Column(UTCDateTime, nullable=True)

    def __repr__(self) -> str:
        return f"<ComplaintStatusLookup {self.kind} by {self.sender_id}>"


class ComplaintCounter(Base):
    """The last complaint number issued in a year (``CMP-YYYY-NNNNN``).

    Incremented in the transaction that creates the complaint, whose row lock makes
    concurrent creations take turns, so numbers are unique and without gaps.
    """

    __tablename__ = "complaint_counters"

    year = Column(Integer, primary_key=True, autoincrement=False)
    last_value = Column(Integer, nullable=False)

    def __repr__(self) -> str:
        return f"<ComplaintCounter {self.year}: {self.last_value}>"


#: Staff roles of the agent console, least privileged first.
STAFF_ROLES: tuple[str, ...] = ("agent", "team_lead", "manager")


class StaffUser(Base):
    """An agent, team lead or manager who signs in to the agent console.

    ``password_hash`` is an argon2 hash (see ``bot.domain.users``); the password itself is
    never stored. ``team`` is one of ``bot.domain.teams.TEAMS``.
    """

    __tablename__ = "staff_users"

    id = Column(Integer, primary_key=True)
    name = Column(String(80), nullable=False, unique=True)
    password_hash = Column(String(255), nullable=False)
    role = Column(String(20), nullable=False)
    team = Column(String(30), nullable=False, index=True)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    # Where notices about complaints they own are mailed (optional).
    email = Column(String(254), nullable=True)

    def __repr__(self) -> str:
        return f"<StaffUser {self.name} {self.role}/{self.team}>"


class ConsoleSession(Base):
    """A signed-in console session, kept server side.

    Only a SHA-256 digest of the cookie value is stored, so a copy of the table does not
    let anyone sign in as the staff member.
    """

    __tablename__ = "console_sessions"

    id = Column(String(64), primary_key=True)
    user_id = Column(
        Integer, ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    expires_at = Column(UTCDateTime, nullable=False, index=True)

    user = relationship("StaffUser")


class LoginAttempt(Base):
    """One failed console sign-in, for the per-account and per-address rate limit.

    ``account`` and ``address`` are keyed hashes (``bot.domain.users``), never what was
    typed; rows older than the limit's window are purged at each sign-in attempt.
    """

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_account_at", "account", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
    )

    id = Column(Integer, primary_key=True)
    account = Column(String(80), nullable=False)
    address = Column(String(64), nullable=False)
    at = Column(UTCDateTime, nullable=False, default=utcnow)


#: Handoff status codes: ``waiting`` in the queue, ``active`` with an agent, then either
#: ``handed_back`` to the bot or ``closed`` by the agent.
HANDOFF_STATUSES: tuple[str, ...] = ("waiting", "active", "handed_back", "closed", "left")


class Handoff(Base):
    """A conversation handed to people: the queue entry and its KPI timestamps.

    ``open_sender`` holds the sender id while the handoff is waiting or active and is
    cleared when it ends; being unique, it keeps a second open handoff for the same
    customer from ever being written, even by two action runs at once.
    """

    __tablename__ = "handoffs"
    __table_args__ = (Index("ix_handoffs_status_team_created_at", "status", "team", "created_at"),)

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False, index=True)
    open_sender = Column(String(255), nullable=True, unique=True)
    channel = Column(String(50), nullable=False, default="")
    reason = Column(String(30), nullable=False)
    team = Column(String(30), nullable=False)
    summary = Column(Text, nullable=False, default="")
    context = Column(Text, nullable=False, default="{}")
    status = Column(String(20), nullable=False, default="waiting")
    agent = Column(String(80), nullable=True, index=True)
    # The customer's key account when they joined the queue (bot.domain.accounts).
    account = Column(String(40), nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    taken_at = Column(UTCDateTime, nullable=True)
    first_agent_reply_at = Column(UTCDateTime, nullable=True)
    handed_back_at = Column(UTCDateTime, nullable=True)
    closed_at = Column(UTCDateTime, nullable=True)

    messages = relationship(
        "HandoffMessage",
        back_populates="handoff",
        cascade="all, delete-orphan",
        order_by="HandoffMessage.id",
    )

    def __repr__(self) -> str:
        return f"<Handoff {self.id} {self.sender_id} {self.status}>"


#: Delivery status codes of an agent's message.
MESSAGE_STATUSES: tuple[str, ...] = ("pending", "sent", "failed")


class HandoffMessage(Base):
    """One message an agent wrote to the customer, and whether it was delivered.

    ``client_id`` is generated by the console when the agent presses Send; a retried
    request carries the same id, so the message is stored (and delivered) once.
    """

    __tablename__ = "handoff_messages"

    id = Column(Integer, primary_key=True)
    handoff_id = Column(
        Integer, ForeignKey("handoffs.id", ondelete="CASCADE"), nullable=False, index=True
    )
    client_id = Column(String(64), nullable=False, unique=True)
    agent = Column(String(80), nullable=False)
    text = Column(Text, nullable=False)
    status = Column(String(10), nullable=False, default="pending")
    attempts = Column(Integer, nullable=False, default=0)
    error = Column(String(300), nullable=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    sent_at = Column(UTCDateTime, nullable=True)

    handoff = relationship("Handoff", back_populates="messages")

    def __repr__(self) -> str:
        return f"<HandoffMessage {self.client_id} {self.status}>"


class SurveyResponse(Base):
    """One satisfaction survey offered to a customer, and their answers.

    ``response_id`` is made by whoever offers the survey and travels with every answer,
    so a redelivered or retried answer updates the same row: an acknowledged answer is
    stored exactly once. ``answered_at`` stays empty for a survey that was skipped or
    never answered, which is what the survey response rate counts.
    """

    __tablename__ = "survey_responses"
    __table_args__ = ()

    id = Column(Integer, primary_key=True)
    response_id = Column(String(64), nullable=False, unique=True)
    sender_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(50), nullable=False, default="")
    agent = Column(String(80), nullable=True)
    team = Column(String(30), nullable=True)
    complaint_reference = Column(String(20), nullable=True)
    service = Column(String(80), nullable=False, default="")
    account = Column(String(40), nullable=True)
    csat = Column(Integer, nullable=True)
    fcr = Column(Boolean, nullable=True)
    ces = Column(Integer, nullable=True)
    nps = Column(Integer, nullable=True)
    comment = Column(Text, nullable=True)
    offered_at = Column(UTCDateTime, nullable=False, default=utcnow)
    answered_at = Column(UTCDateTime, nullable=True)
    #: The conversation's language ("en", "zh") when the survey was offered or answered.
    language = Column(String(5), nullable=True)

    def __repr__(self) -> str:
        return f"<SurveyResponse {self.response_id} csat={self.csat}>"


class ConversationFact(Base):
    """One conversation session as the KPIs see it, built from Rasa's event stream.

    One row per sender and session start (Rasa's ``session_started`` event, or the first
    event seen when there is none). ``intents`` lists the intents seen, space separated;
    ``first_intent`` is the one the conversation is sliced by. ``language`` is the one the
    assistant answers in (``bot.core.i18n.conversation_language``): ``language_chosen``
    (the customer's explicit choice, the ``language`` slot) if any, else
    ``language_detected`` (the latest customer message that showed a language), else
    English.
    """

    __tablename__ = "conversation_facts"
    __table_args__ = (
        UniqueConstraint("sender_id", "session_started_at"),
        Index("ix_conversation_facts_session_started_at", "session_started_at"),
        Index("ix_conversation_facts_channel_started", "channel", "session_started_at"),
        Index("ix_conversation_facts_handed_off_started", "handed_off", "session_started_at"),
    )

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False)
    session_started_at = Column(UTCDateTime, nullable=False)
    channel = Column(String(50), nullable=False, default="")
    first_event_at = Column(UTCDateTime, nullable=False)
    last_event_at = Column(UTCDateTime, nullable=False)
    first_user_at = Column(UTCDateTime, nullable=True)
    intents = Column(Text, nullable=False, default="")
    first_intent = Column(String(80), nullable=True)
    user_message_count = Column(Integer, nullable=False, default=0)
    fallback_count = Column(Integer, nullable=False, default=0)
    bot_first_response_ms = Column(Integer, nullable=True)
    handed_off = Column(Boolean, nullable=False, default=False)
    agent = Column(String(80), nullable=True)
    team = Column(String(30), nullable=True)
    resolved = Column(Boolean, nullable=True)
    account = Column(String(40), nullable=True)
    language = Column(String(5), nullable=False, default="en", server_default="en")
    language_detected = Column(String(5), nullable=True)
    language_chosen = Column(String(5), nullable=True)

    def __repr__(self) -> str:
        return f"<ConversationFact {self.sender_id} {self.session_started_at}>"


class ProcessedEvent(Base):
    """A Rasa event already turned into conversation facts, so a redelivery is ignored."""

    __tablename__ = "processed_events"
    __table_args__ = (UniqueConstraint("sender_id", "event_timestamp", "event_type", "event_hash"),)

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False)
    event_timestamp = Column(Float, nullable=False)
    event_type = Column(String(40), nullable=False)
    event_hash = Column(String(64), nullable=False)
    processed_at = Column(UTCDateTime, nullable=False, default=utcnow)


class EventConsumerState(Base):
    """How far a consumer of an event source has read (its high-water mark)."""

    __tablename__ = "event_consumer_state"

    name = Column(String(80), primary_key=True)
    position = Column(Integer, nullable=False, default=0)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)


class KpiTarget(Base):
    """A manager's target for one KPI, with its amber threshold and a benchmark.

    ``period`` labels when the target applies (``all`` unless a manager sets one for a
    given period); ``benchmark_source`` says where the benchmark figure comes from.
    """

    __tablename__ = "kpi_targets"
    __table_args__ = (UniqueConstraint("code", "period"),)

    id = Column(Integer, primary_key=True)
    code = Column(String(40), nullable=False)
    period = Column(String(20), nullable=False, default="all")
    target = Column(Float, nullable=False)
    amber = Column(Float, nullable=True)
    benchmark = Column(Float, nullable=True)
    benchmark_source = Column(String(200), nullable=True)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<KpiTarget {self.code} {self.period} {self.target}>"


class KpiTargetChange(Base):
    """Who set a KPI target, benchmark or amber threshold, to what, and when (the audit
    trail of the managers' target form and ``kpi targets set``)."""

    __tablename__ = "kpi_target_changes"
    __table_args__ = (Index("ix_kpi_target_changes_code_at", "code", "at"),)

    id = Column(Integer, primary_key=True)
    code = Column(String(40), nullable=False)
    period = Column(String(20), nullable=False)
    target = Column(Float, nullable=False)
    amber = Column(Float, nullable=True)
    benchmark = Column(Float, nullable=True)
    benchmark_source = Column(String(200), nullable=True)
    actor = Column(String(80), nullable=False)
    at = Column(UTCDateTime, nullable=False, default=utcnow)

    def __repr__(self) -> str:
        return f"<KpiTargetChange {self.code} {self.period} by {self.actor}>"


class ConsoleAudit(Base):
    """One entry of the console's audit trail: a supervisor's action on something that
    was not theirs (reassigning or closing another agent's conversation), who, and when."""

    __tablename__ = "console_audit"
    __table_args__ = (Index("ix_console_audit_subject_at", "subject", "at"),)

    id = Column(Integer, primary_key=True)
    at = Column(UTCDateTime, nullable=False, default=utcnow)
    actor = Column(String(80), nullable=False)
    action = Column(String(40), nullable=False)
    subject = Column(String(80), nullable=False)
    detail = Column(Text, nullable=False, default="")

    def __repr__(self) -> str:
        return f"<ConsoleAudit {self.action} {self.subject} by {self.actor}>"


class TranscriptLine(Base):
    """One line of a conversation as staff read it (a customer's message, the bot's or an
    agent's answer, the bot paused or resumed), written by the event-stream consumer, so
    the console reads transcripts here rather than replaying Rasa's tracker."""

    __tablename__ = "transcript_lines"
    __table_args__ = (Index("ix_transcript_lines_sender_at", "sender_id", "at"),)

    id = Column(Integer, primary_key=True)
    sender_id = Column(String(255), nullable=False)
    at = Column(UTCDateTime, nullable=False)
    who = Column(String(10), nullable=False)
    text = Column(Text, nullable=False, default="")
    agent = Column(String(80), nullable=True)

    def __repr__(self) -> str:
        return f"<TranscriptLine {self.sender_id} {self.who} {self.at}>"


class StaffNotice(Base):
    """A notice for one staff member in the console (and by mail when they have an
    address): a complaint they own is due soon or overdue."""

    __tablename__ = "staff_notices"
    __table_args__ = (
        UniqueConstraint("staff_name", "complaint_id", "kind", "due_at"),
        Index("ix_staff_notices_staff_read", "staff_name", "read_at"),
    )

    id = Column(Integer, primary_key=True)
    staff_name = Column(String(80), nullable=False)
    complaint_id = Column(Integer, ForeignKey("complaints.id"), nullable=False)
    kind = Column(String(20), nullable=False)
    due_at = Column(UTCDateTime, nullable=False)
    text = Column(Text, nullable=False)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    read_at = Column(UTCDateTime, nullable=True)
    emailed_at = Column(UTCDateTime, nullable=True)
    email_attempts = Column(Integer, nullable=False, default=0)

    def __repr__(self) -> str:
        return f"<StaffNotice {self.kind} {self.complaint_id} for {self.staff_name}>"


class RateLimitHit(Base):
    """One counted action (a complaint filed, a handoff queued, a survey offered) for the
    per-conversation and per-address rate limits (``bot.domain.rate_limits``).

    ``key`` is a keyed hash (HMAC-SHA256) of the conversation or the client address, never
    the value itself; rows older than the longest window are purged as new ones are added.
    """

    __tablename__ = "rate_limit_hits"
    __table_args__ = (Index("ix_rate_limit_hits_kind_key_at", "kind", "key", "at"),)

    id = Column(Integer, primary_key=True)
    kind = Column(String(30), nullable=False)
    key = Column(String(64), nullable=False)
    at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)


# The KPI report filters complaints and handoffs by when they were opened; declared here,
# beside the KPI tables of migration 0004, rather than changing those classes.
Index("ix_complaints_created_at", Complaint.created_at)
Index("ix_handoffs_created_at", Handoff.created_at)
# A key account's handoffs and complaints in a period (its tiles on a day not rolled up).
Index("ix_handoffs_account_created_at", Handoff.account, Handoff.created_at)
Index("ix_complaints_account_created_at", Complaint.account, Complaint.created_at)
# The dashboard filters conversations by service and account, surveys by account (0005).
Index(
    "ix_conversation_facts_intent_started",
    ConversationFact.first_intent,
    ConversationFact.session_started_at,
)
Index(
    "ix_conversation_facts_account_started",
    ConversationFact.account,
    ConversationFact.session_started_at,
)
Index("ix_survey_responses_account_offered_at", SurveyResponse.account, SurveyResponse.offered_at)

#: Columns the KPI report reads from each table, after the slice and measure it groups
#: by: an index holding all of them answers a report query alone (a covering index).
KPI_INDEX_COLUMNS: dict[str, tuple[str, ...]] = {
    "survey_responses": ("offered_at", "csat", "nps", "fcr", "answered_at"),
    "conversation_facts": (
        "bot_first_response_ms",
        "session_started_at",
        "handed_off",
        "user_message_count",
        "fallback_count",
    ),
    "complaints": ("resolution_hours", "created_at", "promise_kept"),
}

#: The slices (``--by``) of each table the report groups by, as stored columns.
KPI_INDEX_SLICES: dict[str, tuple[str, ...]] = {
    "survey_responses": ("channel", "agent", "team", "service", "account", "language"),
    "conversation_facts": (
        "channel",
        "agent",
        "team",
        "first_intent",
        "account",
        "handed_off",
        "language",
    ),
    "complaints": ("channel", "assigned_to", "category"),
}


def kpi_indexes(table: str) -> list[tuple[str, list[str]]]:
    """The KPI report's covering indexes of ``table``: ``(name, columns)`` (migration 0006).

    One per slice, starting with the slice's column and then the measure the report takes
    percentiles of, so a sliced report reads each group's rows in index order, already
    sorted for its percentile histogram, instead of sorting a million rows; and one
    without a slice for the whole-period report.
    """
    columns = KPI_INDEX_COLUMNS[table]
    indexes = [(f"ix_{table}_kpi", list(columns))]
    for column in KPI_INDEX_SLICES[table]:
        rest = [name for name in columns if name != column]
        indexes.append((f"ix_{table}_kpi_{column}", [column, *rest]))
    return indexes


for _model in (SurveyResponse, ConversationFact, Complaint):
    for _name, _columns in kpi_indexes(_model.__tablename__):
        Index(_name, *(getattr(_model, column) for column in _columns))


__all__ = [
    "HANDOFF_STATUSES",
    "LEAD_STATUSES",
    "MESSAGE_STATUSES",
    "MODES",
    "STAFF_ROLES",
    "STATUSES",
    "UTC",
    "Base",
    "ConsoleAudit",
    "ConsoleSession",
    "ConversationFact",
    "EventConsumerState",
    "Handoff",
    "HandoffMessage",
    "KpiTarget",
    "KpiTargetChange",
    "Lead",
    "LoginAttempt",
    "Money",
    "ProcessedEvent",
    "RateLimitHit",
    "Shipment",
    "ShipmentEvent",
    "StaffUser",
    "SurveyResponse",
    "UTCDateTime",
    "utcnow",
]


class ForgottenConversation(Base):
    """A conversation whose customer was forgotten (``customers forget``), by hash only.

    A Rasa process that kept the conversation in memory during a tracker store outage
    must not write it back after the delete; it checks here first. Only a SHA-256 of the
    sender id is kept (:func:`bot.domain.privacy.sender_hash`), never the id.
    """

    __tablename__ = "forgotten_conversations"

    sender_hash = Column(String(64), primary_key=True)
    forgotten_at = Column(UTCDateTime, nullable=False, default=utcnow)

    def __repr__(self) -> str:
        return f"<ForgottenConversation {self.sender_hash[:8]} {self.forgotten_at}>"


#: Customer request status codes (``bot.domain.requests.rules``).
REQUEST_STATUSES: tuple[str, ...] = ("open", "in_progress", "done", "refused")


class CustomerRequest(Base):
    """A customer's request (a pick-up, a change to a delivery, a copy) and its promise.

    ``due_at`` is the time a colleague promised to confirm or complete it by, in business
    hours; ``completed_hours`` and ``completed_on_time`` are written when it is done or
    refused, so reports need no recalculation. ``details`` holds the kind's own fields as
    JSON (a new address, a note); a pick-up's window, pieces, weight and service have
    columns. ``notify_claim`` marks the outcome message being sent, as for complaints.
    """

    __tablename__ = "customer_requests"
    __table_args__ = (Index("ix_customer_requests_status_due_at", "status", "due_at"),)

    id = Column(Integer, primary_key=True)
    reference = Column(String(20), nullable=False, unique=True)
    kind = Column(String(30), nullable=False)
    sender_id = Column(String(255), nullable=False, index=True)
    channel = Column(String(50), nullable=False, default="")
    contact_kind = Column(String(10), nullable=True)
    contact = Column(String(254), nullable=True, index=True)
    shipment_ref = Column(String(32), nullable=True, index=True)
    related_reference = Column(String(20), nullable=True, index=True)
    address = Column(Text, nullable=True)
    ready_at = Column(UTCDateTime, nullable=True)
    window_end = Column(UTCDateTime, nullable=True)
    pieces = Column(Integer, nullable=True)
    weight_kg = Column(Float, nullable=True)
    service = Column(String(20), nullable=True)
    details = Column(Text, nullable=False, default="{}")
    status = Column(String(20), nullable=False, default="open")
    assigned_to = Column(String(120), nullable=True, index=True)
    created_at = Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)
    due_at = Column(UTCDateTime, nullable=False)
    completed_at = Column(UTCDateTime, nullable=True)
    outcome = Column(Text, nullable=True)
    completed_hours = Column(Float, nullable=True)
    completed_on_time = Column(Boolean, nullable=True)
    customer_notified_at = Column(UTCDateTime, nullable=True)
    notify_claim = Column(String(36), nullable=True)
    notify_claimed_at = Column(UTCDateTime, nullable=True)
    dedupe_key = Column(String(64), nullable=True, unique=True)

    events = relationship(
        "CustomerRequestEvent",
        back_populates="request",
        cascade="all, delete-orphan",
        order_by="[CustomerRequestEvent.at, CustomerRequestEvent.id]",
    )

    def __repr__(self) -> str:
        return f"<CustomerRequest {self.reference} {self.kind} {self.status}>"


class CustomerRequestEvent(Base):
    """One entry of a request's audit trail: who did what, and when."""

    __tablename__ = "customer_request_events"

    id = Column(Integer, primary_key=True)
    request_id = Column(
        Integer,
        ForeignKey("customer_requests.id", ondelete="CASCADE"),
        nullable=False,
        index=True,
    )
    at = Column(UTCDateTime, nullable=False, default=utcnow)
    actor = Column(String(120), nullable=False)
    action = Column(String(30), nullable=False)
    detail = Column(Text, nullable=False, default="")

    request = relationship("CustomerRequest", back_populates="events")

    def __repr__(self) -> str:
        return f"<CustomerRequestEvent {self.action} by {self.actor}>"


class CustomerRequestCounter(Base):
    """The last request number issued in a year (``REQ-YYYY-NNNNN``)."""

    __tablename__ = "customer_request_counters"

    year = Column(Integer, primary_key=True, autoincrement=False)
    last_value = Column(Integer, nullable=False)


class KpiRollupDay(Base):
    """A service-centre day whose KPI rollups are complete (bot.domain.kpi.rollups)."""

    __tablename__ = "kpi_rollup_days"

    day = Column(Date, primary_key=True)
    refreshed_at = Column(UTCDateTime, nullable=False, default=utcnow)


class KpiRollupSum(Base):
    """One day x slice of a ratio KPI: its numerator and denominator sums, never a ratio."""

    __tablename__ = "kpi_rollup_sums"
    __table_args__ = (Index("ix_kpi_rollup_sums_read", "dimension", "kpi", "day", "slice"),)

    id = Column(Integer, primary_key=True)
    day = Column(Date, nullable=False)
    dimension = Column(String(12), nullable=False)
    slice = Column(String(255), nullable=False)
    kpi = Column(String(40), nullable=False)
    numerator = Column(Float, nullable=False)
    denominator = Column(Float, nullable=False)


class KpiRollupHistogram(Base):
    """One day x slice of a percentile measure: how many rows fell in each log-scale
    bucket (``value`` is the bucket, bot.domain.kpi.histograms)."""

    __tablename__ = "kpi_rollup_histograms"
    __table_args__ = (
        Index(
            "ix_kpi_rollup_histograms_read",
            "dimension",
            "measure",
            "day",
            "slice",
            "value",
            "count",
        ),
    )

    id = Column(Integer, primary_key=True)
    day = Column(Date, nullable=False)
    dimension = Column(String(12), nullable=False)
    slice = Column(String(255), nullable=False)
    measure = Column(String(40), nullable=False)
    value = Column(Float, nullable=False)
    count = Column(Integer, nullable=False)


class KpiRollupStale(Base):
    """A fact written at ``at`` after its day was rolled up: that day is read raw until
    the rollups are refreshed. Written in the same transaction as the fact."""

    __tablename__ = "kpi_rollup_stale"
    __table_args__ = (Index("ix_kpi_rollup_stale_at", "at"),)

    id = Column(Integer, primary_key=True)
    at = Column(UTCDateTime, nullable=False)
