"""Shipment CSV import, look-up and the customer's tracking reply."""

from __future__ import annotations

import csv
import dataclasses
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.domain.shipments import (
    NEXT_STEP,
    STATUS_TEXT,
    EventView,
    ShipmentView,
    find_shipment,
    format_shipment,
    import_csv,
)
from bot.storage import db
from bot.storage.models import STATUSES, UTC, Shipment, ShipmentEvent

HONG_KONG = ZoneInfo("Asia/Hong_Kong")
COLUMNS = [
    "tracking_number",
    "mode",
    "service",
    "origin",
    "destination",
    "status",
    "location",
    "occurred_at",
    "description",
    "eta",
    "account",
    "pieces",
    "weight_kg",
]
AWB = "160-12345675"
CONTAINER = "CSQU3054383"


def _row(number: str = AWB, status: str = "in_transit", at: str = "", **extra: str) -> dict:
    row = {
        "tracking_number": number,
        "mode": "air" if number == AWB else "sea_fcl",
        "service": "Air freight",
        "origin": "Hong Kong (HKG)",
        "destination": "Los Angeles (LAX)",
        "status": status,
        "location": "Hong Kong (HKG)",
        "occurred_at": at or "2025-03-11T23:50:00+08:00",
        "description": f"{status} scan",
        "eta": "",
        "account": "",
        "pieces": "",
        "weight_kg": "",
    }
    row.update(extra)
    return row


def _write(path: Path, rows: list[dict], columns: list[str] = COLUMNS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


AIR_ROWS = [
    _row(status="booked", at="2025-03-10T09:15:00+08:00", location="Hong Kong"),
    _row(status="picked_up", at="2025-03-10T16:40:00+08:00", location="Kwai Chung"),
    _row(status="at_hub", at="2025-03-11T08:05:00+08:00", location="HKG cargo terminal"),
    _row(
        status="in_transit",
        at="2025-03-11T23:50:00+08:00",
        description="Departed on flight CX884",
        eta="2025-03-13",
        account="HKTRD001",
        pieces="4",
        weight_kg="182.5",
    ),
]


def _count(session: Session, model: type) -> int:
    return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def test_import_creates_shipments_with_their_events(session: Session, tmp_path: Path) -> None:
    sea = _row(CONTAINER, "customs", "2025-03-07T10:30:00+08:00", location="Singapore")
    report = import_csv(session, _write(tmp_path / "feed.csv", [*AIR_ROWS, sea]))

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
    path = _write(tmp_path / "feed.csv", AIR_ROWS)
    with db.session_scope(engine) as session:
        import_csv(session, path)

    with db.session_scope(engine) as session:
        report = import_csv(session, path)

    assert (report.created, report.updated, report.events_added, report.errors) == (0, 0, 0, [])
    with db.session_scope(engine) as session:
        assert _count(session, ShipmentEvent) == 4


def test_a_later_feed_adds_events_and_moves_the_status_on(engine: Engine, tmp_path: Path) -> None:
    with db.session_scope(engine) as session:
        import_csv(session, _write(tmp_path / "day1.csv", AIR_ROWS))
    arrival = _row(
        status="customs",
        at="2025-03-12T21:10:00-07:00",
        location="Los Angeles (LAX)",
        account="",  # an empty cell must not wipe the account
    )

    with db.session_scope(engine) as session:
        report = import_csv(session, _write(tmp_path / "day2.csv", [AIR_ROWS[-1], arrival]))

    assert (report.created, report.updated, report.events_added) == (0, 1, 1)
    with db.session_scope(engine) as session:
        view = find_shipment(session, AWB)
        shipment = session.execute(select(Shipment)).scalar_one()
    assert view is not None
    assert (view.status, view.last_location) == ("customs", "Los Angeles (LAX)")
    assert shipment.account == view.account == "HKTRD001"


def test_rows_out_of_order_still_give_the_newest_status(session: Session, tmp_path: Path) -> None:
    import_csv(session, _write(tmp_path / "feed.csv", list(reversed(AIR_ROWS))))

    view = find_shipment(session, AWB)

    assert view is not None and view.status == "in_transit"
    assert [e.status for e in view.events] == ["in_transit", "at_hub", "picked_up", "booked"]


@pytest.mark.parametrize(
    ("bad_row", "message"),
    [
        (_row(occurred_at="12/03/2025 10:00"), "line 5: occurred_at '12/03/2025 10:00' is not"),
        (_row(occurred_at="2025-03-12T10:00:00"), "with an offset"),
        (_row(status="lost_in_space"), "line 5: unknown status 'lost_in_space'"),
        (_row(mode="rail"), "line 5: unknown mode 'rail'"),
        (_row(mode="sea_fcl"), "line 5: mode 'sea_fcl' is not used for air waybills"),
        (_row(eta="next week"), "line 5: eta 'next week' is neither a date"),
        (_row(pieces="two"), "line 5: pieces 'two' is not a positive whole number"),
    ],
)
def test_a_bad_row_is_reported_and_nothing_of_its_shipment_is_saved(
    session: Session, tmp_path: Path, bad_row: dict, message: str
) -> None:
    sea = _row(CONTAINER, "in_transit", location="South China Sea")
    good_then_bad = [*AIR_ROWS[:2], sea, bad_row]

    report = import_csv(session, _write(tmp_path / "feed.csv", good_then_bad))

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
    rows = [AIR_ROWS[0], _row(number, mode="air", location="Typo Town"), AIR_ROWS[1]]

    report = import_csv(session, _write(tmp_path / "feed.csv", rows))

    assert len(report.errors) == 1 and message in report.errors[0], report.errors
    assert (report.created, report.events_added) == (1, 2)
    assert session.execute(select(Shipment.tracking_number)).scalars().all() == [AWB]


def test_missing_columns_are_reported_on_the_header_line(session: Session, tmp_path: Path) -> None:
    path = _write(tmp_path / "feed.csv", AIR_ROWS, columns=["tracking_number", "status"])

    report = import_csv(session, path)

    assert report.errors == [
        (
            "line 1: missing column(s): mode, service, origin, destination, location, "
            "occurred_at, description"
        )
    ]
    assert _count(session, Shipment) == 0


def test_eta_may_be_a_time_with_offset(session: Session, tmp_path: Path) -> None:
    row = _row(eta="2025-03-12T19:30:00-07:00")

    import_csv(session, _write(tmp_path / "feed.csv", [row]))

    view = find_shipment(session, AWB)
    assert view is not None
    assert view.eta == datetime(2025, 3, 13, 2, 30, tzinfo=UTC)


@pytest.mark.parametrize("spelling", ["160-12345675", "awb 160 1234 5675", "16012345675"])
def test_find_shipment_accepts_any_spelling(
    session: Session, tmp_path: Path, spelling: str
) -> None:
    import_csv(session, _write(tmp_path / "feed.csv", AIR_ROWS))

    view = find_shipment(session, spelling)

    assert view is not None and view.tracking_number == AWB


@pytest.mark.parametrize("number", ["160-12345676", "176-55308120", "not a number"])
def test_find_shipment_returns_none_for_invalid_or_unknown_numbers(
    session: Session, tmp_path: Path, number: str
) -> None:
    import_csv(session, _write(tmp_path / "feed.csv", AIR_ROWS))

    assert find_shipment(session, number) is None


def test_shipment_view_is_plain_data(engine: Engine, tmp_path: Path) -> None:
    with db.session_scope(engine) as session:
        import_csv(session, _write(tmp_path / "feed.csv", AIR_ROWS))
    with db.session_scope(engine) as session:
        view = find_shipment(session, AWB)

    # Usable after the session is closed, and nothing in it is an ORM object.
    assert view is not None
    assert all(type(event) is EventView for event in view.events)
    assert view.events[0].description == "Departed on flight CX884"
    assert view.last_update == datetime(2025, 3, 11, 15, 50, tzinfo=UTC)
    assert (view.delivered, view.delivered_at) == (False, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.status = "delivered"  # type: ignore[misc]


def _view(**changes: object) -> ShipmentView:
    events = tuple(
        EventView(
            datetime(2025, 3, 11, hour, 0, tzinfo=UTC),
            f"Place {hour}",
            "at_hub",
            f"Scan {hour}",
        )
        for hour in (15, 12, 9, 6)
    )
    view = ShipmentView(
        tracking_number=AWB,
        kind="air_waybill",
        mode="air",
        service="Air freight",
        origin="Hong Kong (HKG)",
        destination="Los Angeles (LAX)",
        status="in_transit",
        status_text="In transit",
        last_location="Hong Kong (HKG)",
        last_update=datetime(2025, 3, 11, 15, 50, tzinfo=UTC),
        eta=date(2025, 3, 13),
        delivered=False,
        delivered_at=None,
        events=events,
    )
    return dataclasses.replace(view, **changes)  # type: ignore[arg-type]


def test_reply_gives_status_place_local_time_eta_events_and_next_step() -> None:
    reply = format_shipment(_view(), HONG_KONG)

    assert reply.splitlines() == [
        "Shipment 160-12345675: Air freight, Hong Kong (HKG) to Los Angeles (LAX).",
        "Status: In transit.",
        "Last seen: Hong Kong (HKG), 11 Mar 2025, 23:50 HKT.",
        "Estimated arrival: 13 Mar 2025.",
        "Latest updates:",
        "- 11 Mar, 23:00: Scan 15 (Place 15)",
        "- 11 Mar, 20:00: Scan 12 (Place 12)",
        "- 11 Mar, 17:00: Scan 9 (Place 9)",
        NEXT_STEP["in_transit"],
    ]


def test_reply_uses_the_time_zone_it_is_given() -> None:
    reply = format_shipment(_view(), ZoneInfo("Europe/London"))

    assert "Last seen: Hong Kong (HKG), 11 Mar 2025, 15:50 GMT." in reply


def test_reply_for_a_delivered_shipment_gives_the_delivery_time_not_an_eta() -> None:
    delivered_at = datetime(2025, 3, 13, 5, 22, tzinfo=UTC)
    view = _view(
        status="delivered", status_text="Delivered", delivered=True, delivered_at=delivered_at
    )

    reply = format_shipment(view, HONG_KONG)

    assert "Delivered: 13 Mar 2025, 13:22 HKT." in reply
    assert "Estimated arrival" not in reply
    assert reply.endswith(NEXT_STEP["delivered"])


def test_reply_without_an_eta_says_it_is_not_confirmed() -> None:
    reply = format_shipment(_view(eta=None, last_location=None), HONG_KONG)

    assert "Estimated arrival: not confirmed yet." in reply
    assert "Last updated: 11 Mar 2025, 23:50 HKT." in reply


@pytest.mark.parametrize("status", STATUSES)
def test_every_status_has_customer_wording_and_a_next_step(status: str) -> None:
    reply = format_shipment(_view(status=status, status_text=STATUS_TEXT[status]), HONG_KONG)

    assert reply.splitlines()[1] == f"Status: {STATUS_TEXT[status]}."
    assert reply.splitlines()[-1] == NEXT_STEP[status]
    assert "_" not in STATUS_TEXT[status]


def test_a_delayed_shipment_says_who_acts_and_offers_a_person(
    session: Session, tmp_path: Path
) -> None:
    row = _row(status="exception", description="Delayed: offloaded, rebooked on the next flight")
    import_csv(session, _write(tmp_path / "feed.csv", [row]))

    view = find_shipment(session, AWB)
    assert view is not None
    reply = format_shipment(view, HONG_KONG)

    assert "Status: Delayed: needs attention." in reply
    assert "Delayed: offloaded, rebooked on the next flight (Hong Kong (HKG))" in reply
    assert "Our operations team is looking into this" in reply
    assert "speak to a colleague" in reply
