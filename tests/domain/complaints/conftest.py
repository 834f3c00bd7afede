"""Fixtures for the complaint tests: fixed moments, a known shipment, a Rasa stand-in.

Times are fixed: :data:`THURSDAY_1PM` is Thursday 26 November 2026, 13:00 in Hong Kong,
a working day, so promises can be worked out by hand from the shipped service levels
(Monday to Friday 09:00-18:00, Saturday 09:00-13:00, Hong Kong general holidays).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.domain.complaints.records import create_complaint
from bot.domain.complaints.views import ComplaintReceipt
from bot.storage import db
from bot.storage.models import Complaint, ComplaintCounter, ComplaintEvent, Shipment
from tests.support.rasa_standin import RasaStandIn

HKT = ZoneInfo("Asia/Hong_Kong")
#: Thursday 26 Nov 2026, 13:00 HKT.
THURSDAY_1PM = datetime(2026, 11, 26, 13, 0, tzinfo=HKT)
#: A demo air waybill with a correct check digit (4821937 mod 7 = 1).
SHIPMENT = "160-48219371"

#: A complaint as the assistant would submit it; tests override what they need.
COMPLAINT: dict[str, Any] = {
    "sender_id": "tg-4711",
    "channel": "telegram",
    "category": "damaged",
    "description": "The carton was crushed and two vases inside are broken.",
    "contact": "+852 9123 4567",
}


def hkt(*args: int) -> datetime:
    """A Hong Kong time: ``hkt(2026, 11, 26, 17)``."""
    return datetime(*args, tzinfo=HKT)  # type: ignore[misc]


def add_shipment(session: Session, number: str = SHIPMENT, mode: str = "air") -> None:
    """Store a shipment the complaint can refer to."""
    session.add(
        Shipment(
            tracking_number=number,
            number_kind="air_waybill" if mode == "air" else "container",
            mode=mode,
            service="Air freight",
            origin="Hong Kong (HKG)",
            destination="Los Angeles (LAX)",
            status="in_transit",
        )
    )
    session.flush()


def counts(session: Session) -> tuple[int, int, int]:
    """How many complaints, audit entries and counter rows are stored."""
    return tuple(  # type: ignore[return-value]
        int(session.execute(select(func.count()).select_from(model)).scalar_one())
        for model in (Complaint, ComplaintEvent, ComplaintCounter)
    )


@pytest.fixture
def file_complaint(engine: Engine) -> Callable[..., ComplaintReceipt]:
    """Submit a complaint in its own committed unit of work, at THURSDAY_1PM by default."""

    def submit(**changes: Any) -> ComplaintReceipt:
        fields = {**COMPLAINT, "now": THURSDAY_1PM, **changes}
        with db.session_scope(engine) as session:
            return create_complaint(session, **fields)

    return submit


@pytest.fixture
def rasa() -> Iterator[RasaStandIn]:
    """A running Rasa stand-in that records requests."""
    with RasaStandIn() as standin:
        yield standin
