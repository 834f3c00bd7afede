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
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
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

#: Lead status codes; sales moves a lead on from ``new``.
LEAD_STATUSES: tuple[str, ...] = ("new", "contacted", "won", "lost")

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
    created_at = Column(UTCDateTime, nullable=False, default=utcnow)
    updated_at = Column(UTCDateTime, nullable=False, default=utcnow, onupdate=utcnow)

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

    shipment = relationship("Shipment", back_populates="events")

    def __repr__(self) -> str:
        return f"<ShipmentEvent {self.status} at {self.occurred_at:%Y-%m-%d %H:%M}>"


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

    def __repr__(self) -> str:
        return f"<Lead {self.id} {self.status}>"


__all__ = [
    "LEAD_STATUSES",
    "MODES",
    "STATUSES",
    "UTC",
    "Base",
    "Lead",
    "Money",
    "Shipment",
    "ShipmentEvent",
    "UTCDateTime",
    "utcnow",
]
