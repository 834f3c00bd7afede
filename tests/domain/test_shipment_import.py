"""Shipment CSV import: rows checked, shipments created and moved on, bad rows reported."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.domain.shipment_import import import_csv
from bot.domain.shipments import find_shipment
from bot.storage import db
from bot.storage.models import UTC, Shipment, ShipmentEvent
from tests.domain.shipment_feed import AIR_ROWS, AWB, CONTAINER, feed_row, write_feed


def _count(session: Session, model: type) -> int:
    return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_import_creates_shipments_with_their_events(session: Session, tmp_path: Path) -> None:
    sea = feed_row(CONTAINER, "customs", "2025-03-07T10:30:00+08:00", location="Singapore")
    report = import_csv(session, write_feed(tmp_path / "feed.csv", [*AIR_ROWS, sea]))

    assert (report.created, report.updated, report.events_added, report.errors) == (2, 0, 5, [])
    shipment = session.execute(select(Shipment).where(Shipment.tracking_number == AWB)).scalar_one()
    assert (shipment.status, shipment.last_location) == ("in_transit", "Hong Kong (HKG)")
    assert (shipment.number_kind, shipment.mode, shipment.account) == (
        "air_waybill",
        "air",
        "HKTRD001",
    )
    assert (shipment.pieces, shipment.weight_kg, shipment.eta) == (4, 182.5, date(2025, 3, 13))


def test_reimporting_the_same_file_adds_nothing(engine: Engine, tmp_path: Path) -> None:
    path = write_feed(tmp_path / "feed.csv", AIR_ROWS)
    with db.session_scope(engine) as session:
        import_csv(session, path)

    with db.session_scope(engine) as session:
        report = import_csv(session, path)

    assert (report.created, report.updated, report.events_added, report.errors) == (0, 0, 0, [])
    with db.session_scope(engine) as session:
        assert _count(session, ShipmentEvent) == 4


def test_a_later_feed_adds_events_and_moves_the_status_on(engine: Engine, tmp_path: Path) -> None:
    with db.session_scope(engine) as session:
        import_csv(session, write_feed(tmp_path / "day1.csv", AIR_ROWS))
    arrival = feed_row(
        status="customs",
        at="2025-03-12T21:10:00-07:00",
        location="Los Angeles (LAX)",
        account="",  # an empty cell must not wipe the account
    )

    with db.session_scope(engine) as session:
        report = import_csv(session, write_feed(tmp_path / "day2.csv", [AIR_ROWS[-1], arrival]))

    assert (report.created, report.updated, report.events_added) == (0, 1, 1)
    with db.session_scope(engine) as session:
        view = find_shipment(session, AWB)
        shipment = session.execute(select(Shipment)).scalar_one()
    assert view is not None
    assert (view.status, view.last_location) == ("customs", "Los Angeles (LAX)")
    assert shipment.account == view.account == "HKTRD001"


def test_rows_out_of_order_still_give_the_newest_status(session: Session, tmp_path: Path) -> None:
    import_csv(session, write_feed(tmp_path / "feed.csv", list(reversed(AIR_ROWS))))

    view = find_shipment(session, AWB)

    assert view is not None and view.status == "in_transit"
    assert [e.status for e in view.events] == ["in_transit", "at_hub", "picked_up", "booked"]


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        (feed_row(occurred_at="12/03/2025 10:00"), "line 5: occurred_at '12/03/2025 10:00' is not"),
        (feed_row(occurred_at="2025-03-12T10:00:00"), "with an offset"),
        (feed_row(status="lost_in_space"), "line 5: unknown status 'lost_in_space'"),
        (feed_row(mode="rail"), "line 5: unknown mode 'rail'"),
        (feed_row(mode="sea_fcl"), "line 5: mode 'sea_fcl' is not used for air waybills"),
        (feed_row(eta="next week"), "line 5: eta 'next week' is neither a date"),
        (feed_row(pieces="two"), "line 5: pieces 'two' is not a positive whole number"),
    ],
)
def test_a_bad_row_is_reported_and_nothing_of_its_shipment_is_saved(
    session: Session, tmp_path: Path, bad_row: dict, message: str
) -> None:
    sea = feed_row(CONTAINER, "in_transit", location="South China Sea")
    good_then_bad = [*AIR_ROWS[:2], sea, bad_row]

    report = import_csv(session, write_feed(tmp_path / "feed.csv", good_then_bad))

    assert len(report.errors) == 1 and message in report.errors[0], report.errors
    assert not report.ok
    # The container was fine and is imported; the air waybill's good rows are not.
    assert session.execute(select(Shipment.tracking_number)).scalars().all() == [CONTAINER]
    assert (report.created, report.events_added) == (1, 1)
    assert _count(session, ShipmentEvent) == 1


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("160-12345676", "line 3: '160-12345676' has a wrong check digit (The last digit"),
        ("hello", "line 3: 'hello' is not a tracking number we recognise"),
        ("", "line 3: tracking_number is empty"),
    ],
)
def test_a_row_with_a_bad_tracking_number_is_reported(
    session: Session, tmp_path: Path, number: str, message: str
) -> None:
    rows = [AIR_ROWS[0], feed_row(number, mode="air", location="Typo Town"), AIR_ROWS[1]]

    report = import_csv(session, write_feed(tmp_path / "feed.csv", rows))

    assert len(report.errors) == 1 and message in report.errors[0], report.errors
    assert (report.created, report.events_added) == (1, 2)
    assert session.execute(select(Shipment.tracking_number)).scalars().all() == [AWB]


def test_missing_columns_are_reported_on_the_header_line(session: Session, tmp_path: Path) -> None:
    path = write_feed(tmp_path / "feed.csv", AIR_ROWS, columns=["tracking_number", "status"])

    report = import_csv(session, path)

    assert report.errors == [
        (
            "line 1: missing column(s): mode, service, origin, destination, location, "
            "occurred_at, description"
        )
    ]
    assert _count(session, Shipment) == 0


def test_eta_may_be_a_time_with_offset(session: Session, tmp_path: Path) -> None:
    row = feed_row(eta="2025-03-12T19:30:00-07:00")

    import_csv(session, write_feed(tmp_path / "feed.csv", [row]))

    view = find_shipment(session, AWB)
    assert view is not None
    assert view.eta == datetime(2025, 3, 13, 2, 30, tzinfo=UTC)
