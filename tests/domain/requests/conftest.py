"""Fixtures for the request tests: fixed moments, shipments with a booking contact, a Rasa
stand-in.

:data:`THURSDAY_1PM` is Thursday 26 November 2026, 13:00 in Hong Kong, a working day of
the shipped calendar (Monday to Friday 09:00-18:00, Saturday 09:00-13:00, Hong Kong
general holidays: Christmas Day, Friday 25 December 2026, is one).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.domain.requests.pickups import PickupSlot, check_pickup
from bot.domain.service_levels import service_levels
from bot.storage import db
from bot.storage.models import (
    CustomerRequest,
    CustomerRequestCounter,
    CustomerRequestEvent,
    Shipment,
)
from tests.support.rasa_standin import RasaStandIn

HKT = ZoneInfo("Asia/Hong_Kong")
THURSDAY_1PM = datetime(2026, 11, 26, 13, 0, tzinfo=HKT)
#: Demo numbers with correct check digits: one in transit, one delivered.
IN_TRANSIT = "160-48219371"
DELIVERED = "EE219003741HK"
OWNER_PHONE = "+852 9123 4567"


def hkt(*args: int) -> datetime:
    """A Hong Kong time: ``hkt(2026, 11, 26, 17)``."""
    return datetime(*args, tzinfo=HKT)  # type: ignore[misc]


def add_shipments(engine: Engine) -> None:
    """Store the two shipments, both booked with :data:`OWNER_PHONE` (normalised)."""
    with db.session_scope(engine) as session:
        for number, kind, mode, status in (
            (IN_TRANSIT, "air_waybill", "air", "in_transit"),
            (DELIVERED, "postal", "express", "delivered"),
        ):
            session.add(
                Shipment(
                    tracking_number=number,
                    number_kind=kind,
                    mode=mode,
                    status=status,
                    contact="+85291234567",
                )
            )


def slot(
    day: date = date(2026, 11, 27), ready: time = time(14), until: time = time(17)
) -> PickupSlot:
    """A checked pick-up slot (Friday 27 Nov 14:00-17:00 by default), 3 pieces, 25 kg."""
    return check_pickup(
        service_levels().calendar,
        day=day,
        ready=ready,
        until=until,
        pieces=3,
        weight_kg=25,
        service="express",
        now=THURSDAY_1PM,
    )


def counts(session: Session) -> tuple[int, int, int]:
    """How many requests, audit entries and counter rows are stored."""
    return tuple(  # type: ignore[return-value]
        int(session.execute(select(func.count()).select_from(model)).scalar_one())
        for model in (CustomerRequest, CustomerRequestEvent, CustomerRequestCounter)
    )


@pytest.fixture
def shipments(engine: Engine) -> Engine:
    """The test database with the two shipments stored."""
    add_shipments(engine)
    return engine


@pytest.fixture
def rasa() -> Iterator[RasaStandIn]:
    """A running Rasa stand-in that records requests."""
    with RasaStandIn() as standin:
        yield standin
