"""Shipment look-up and the customer's tracking reply."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.domain.shipment_import import import_csv
from bot.domain.shipments import (
    EventView,
    ShipmentView,
    find_shipment,
    format_shipment,
    next_step,
    status_text,
)
from bot.storage import db
from bot.storage.models import STATUSES, UTC
from tests.domain.shipment_feed import AIR_ROWS, AWB, feed_row, write_feed

HONG_KONG = ZoneInfo("Asia/Hong_Kong")


@pytest.mark.parametrize("spelling", ["160-12345675", "awb 160 1234 5675", "16012345675"])
def test_find_shipment_accepts_any_spelling(
    session: Session, tmp_path: Path, spelling: str
) -> None:
    import_csv(session, write_feed(tmp_path / "feed.csv", AIR_ROWS))

    view = find_shipment(session, spelling)

    assert view is not None and view.tracking_number == AWB


@pytest.mark.parametrize("number", ["160-12345676", "176-55308120", "not a number"])
def test_find_shipment_returns_none_for_invalid_or_unknown_numbers(
    session: Session, tmp_path: Path, number: str
) -> None:
    import_csv(session, write_feed(tmp_path / "feed.csv", AIR_ROWS))

    assert find_shipment(session, number) is None


def test_shipment_view_is_plain_data(engine: Engine, tmp_path: Path) -> None:
    with db.session_scope(engine) as session:
        import_csv(session, write_feed(tmp_path / "feed.csv", AIR_ROWS))
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
        "Last seen: Hong Kong (HKG), Tuesday 11 Mar, 23:50 (HKT).",
        "Estimated arrival: Thursday 13 Mar.",
        "Latest updates:",
        "- Tuesday 11 Mar, 23:00 (HKT): Scan 15 (Place 15)",
        "- Tuesday 11 Mar, 20:00 (HKT): Scan 12 (Place 12)",
        "- Tuesday 11 Mar, 17:00 (HKT): Scan 9 (Place 9)",
        next_step("in_transit"),
    ]


def test_the_reply_in_chinese_gives_statuses_dates_and_next_step_in_chinese() -> None:
    reply = format_shipment(_view(), HONG_KONG, "zh")

    assert reply.splitlines() == [
        "貨件 160-12345675：空運，由 Hong Kong (HKG) 寄往 Los Angeles (LAX)。",
        "狀態：運送中。",
        "最後位置：Hong Kong (HKG)（3月11日 (星期二) 23:50）。",
        "預計到達：3月13日 (星期四)。",
        "最新動態：",
        # The carrier feed's English scan text gives way to the status in Chinese.
        "- 3月11日 (星期二) 23:00：喺我哋嘅分揀中心（Place 15）",
        "- 3月11日 (星期二) 20:00：喺我哋嘅分揀中心（Place 12）",
        "- 3月11日 (星期二) 17:00：喺我哋嘅分揀中心（Place 9）",
        next_step("in_transit", "zh"),
    ]
    assert next_step("in_transit", "zh").startswith("下一步")


def test_a_feed_description_written_in_chinese_is_shown_to_a_chinese_reader() -> None:
    event = EventView(datetime(2025, 3, 11, 6, 0, tzinfo=UTC), "", "in_transit", "已上機 CX884")
    reply = format_shipment(_view(events=(event,)), HONG_KONG, "zh")

    assert "- 3月11日 (星期二) 14:00：已上機 CX884" in reply.splitlines()
    assert "- Tuesday 11 Mar, 14:00 (HKT): In transit" in format_shipment(
        _view(events=(event,)), HONG_KONG
    )


def test_reply_uses_the_time_zone_it_is_given() -> None:
    reply = format_shipment(_view(), ZoneInfo("Europe/London"))

    assert "Last seen: Hong Kong (HKG), Tuesday 11 Mar, 15:50 (GMT)." in reply


def test_reply_for_a_delivered_shipment_gives_the_delivery_time_not_an_eta() -> None:
    delivered_at = datetime(2025, 3, 13, 5, 22, tzinfo=UTC)
    view = _view(
        status="delivered", status_text="Delivered", delivered=True, delivered_at=delivered_at
    )

    reply = format_shipment(view, HONG_KONG)

    assert "Delivered: Thursday 13 Mar, 13:22 (HKT)." in reply
    assert "Estimated arrival" not in reply
    assert reply.endswith(next_step("delivered"))
    chinese = format_shipment(view, HONG_KONG, "zh")
    assert "送達時間：3月13日 (星期四) 13:22。" in chinese and "預計到達" not in chinese


def test_reply_without_an_eta_says_it_is_not_confirmed() -> None:
    reply = format_shipment(_view(eta=None, last_location=None), HONG_KONG)

    assert "Estimated arrival: not confirmed yet." in reply
    assert "Last updated: Tuesday 11 Mar, 23:50 (HKT)." in reply
    chinese = format_shipment(_view(eta=None, last_location=None), HONG_KONG, "zh")
    assert "預計到達：暫時未確定。" in chinese and "最後更新：3月11日 (星期二) 23:50。" in chinese


@pytest.mark.parametrize("status", STATUSES)
def test_every_status_has_customer_wording_and_a_next_step(status: str) -> None:
    reply = format_shipment(_view(status=status, status_text=status_text(status)), HONG_KONG)

    assert reply.splitlines()[1] == f"Status: {status_text(status)}."
    assert reply.splitlines()[-1] == next_step(status)
    assert "_" not in status_text(status)
    chinese = format_shipment(_view(status=status), HONG_KONG, "zh")
    assert chinese.splitlines()[1] == f"狀態：{status_text(status, 'zh')}。"
    assert chinese.splitlines()[-1] == next_step(status, "zh")
    assert next_step(status, "zh") != next_step(status) and status_text(status, "zh") != status


def test_a_delayed_shipment_says_who_acts_and_offers_a_person(
    session: Session, tmp_path: Path
) -> None:
    row = feed_row(
        status="exception", description="Delayed: offloaded, rebooked on the next flight"
    )
    import_csv(session, write_feed(tmp_path / "feed.csv", [row]))

    view = find_shipment(session, AWB)
    assert view is not None
    reply = format_shipment(view, HONG_KONG)

    assert "Status: Delayed: needs attention." in reply
    assert "Delayed: offloaded, rebooked on the next flight (Hong Kong (HKG))" in reply
    assert "Our operations team is looking into this" in reply
    assert "speak to a colleague" in reply
