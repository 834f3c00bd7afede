"""The demo data set: complete, valid, and safe to load twice."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.domain.demo import is_seeded, seed_demo
from bot.domain.tracking import KINDS, check_tracking_number
from bot.storage import db
from bot.storage.models import MODES, STATUSES, Shipment


def test_seed_demo_loads_every_kind_mode_and_status(session: Session) -> None:
    assert not is_seeded(session)

    report = seed_demo(session)

    assert report.errors == []
    assert report.created >= 15
    shipments = session.execute(select(Shipment)).scalars().all()
    assert {s.number_kind for s in shipments} == set(KINDS)
    assert {s.mode for s in shipments} == set(MODES)
    assert {s.status for s in shipments} == set(STATUSES)
    assert is_seeded(session)


def test_demo_numbers_all_have_correct_check_digits(session: Session) -> None:
    seed_demo(session)

    for number in session.execute(select(Shipment.tracking_number)).scalars():
        parsed = check_tracking_number(number)
        assert parsed is not None and parsed.valid and parsed.number == number


def test_demo_covers_hong_kong_and_south_china_lanes(session: Session) -> None:
    seed_demo(session)

    lanes = set(session.execute(select(Shipment.origin, Shipment.destination)).all())

    assert ("Hong Kong (HKG)", "Los Angeles (LAX)") in lanes
    assert ("Yantian, Shenzhen", "Rotterdam") in lanes
    assert ("Shenzhen", "Singapore") in lanes


def test_seed_demo_twice_adds_nothing(engine: Engine) -> None:
    with db.session_scope(engine) as session:
        first = seed_demo(session)

    with db.session_scope(engine) as session:
        second = seed_demo(session)

    assert first.events_added > 0
    assert (second.created, second.updated, second.events_added, second.errors) == (0, 0, 0, [])


def test_demo_history_is_moved_to_look_current(session: Session) -> None:
    from datetime import date, timedelta

    from bot.storage.models import ShipmentEvent

    seed_demo(session, today=date(2026, 11, 24))

    newest = max(session.execute(select(ShipmentEvent.occurred_at)).scalars())
    assert abs(newest.date() - date(2026, 11, 23)) <= timedelta(days=1)
    second = seed_demo(session, today=date(2026, 12, 24))
    assert (second.created, second.events_added) == (0, 0)
