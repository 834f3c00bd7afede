"""Storing carrier events: idempotent, converging by the events' own time, creating
shipments from events alone; on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.domain.carrier_events import cargo_imp, dcsa, partner_json
from bot.domain.carrier_events.ingest import ingest
from bot.domain.carrier_events.model import CarrierEvent
from bot.domain.shipment_import import import_csv
from bot.domain.shipments import find_shipment, format_shipment
from bot.storage.models import UTC, CarrierEventReceipt, Shipment, ShipmentEvent
from tests.domain.carrier_events.recorded import recorded
from tests.domain.shipment_feed import AIR_ROWS, AWB, write_feed

NOW = datetime(2026, 3, 5, tzinfo=UTC)


def _count(session: Session, model: type) -> int:
    return int(session.execute(select(func.count()).select_from(model)).scalar_one())


def _state(session: Session, number: str) -> tuple[str, str | None, object]:
    shipment = session.execute(
        select(Shipment).where(Shipment.tracking_number == number)
    ).scalar_one()
    return shipment.status, shipment.last_location, shipment.eta


def test_dcsa_events_create_the_shipment_and_match_by_booking(session: Session) -> None:
    report = ingest(session, dcsa.parse(recorded("dcsa_v2_export.json")), sender="msc")
    session.commit()

    # The booking confirmation came first, before any event named the container: it is
    # matched by its booking reference once the LOAD event created the shipment.
    assert [outcome for _id, outcome, _detail in report.outcomes] == ["applied"] * 4
    assert report.created == ["MSCU1234566"]
    status, location, eta = _state(session, "MSCU1234566")
    assert (status, location) == ("in_transit", "Kwai Tsing Container Terminals (HKHKG)")
    assert eta == datetime(2026, 3, 29, 5, 0, tzinfo=UTC)
    view = find_shipment(session, "MSCU1234566")
    assert view is not None and view.mode == "sea_fcl"
    assert [e.status for e in view.events] == ["in_transit", "at_hub", "booked"]


def test_v3_events_apply_and_unknown_codes_are_kept(session: Session) -> None:
    ingest(session, dcsa.parse(recorded("dcsa_v2_export.json")), sender="msc")
    ingest(session, dcsa.parse(recorded("dcsa_v3_import.json")), sender="msc")
    session.commit()

    # RMVD maps to no status of ours: stored with its code, the status stays customs.
    assert _state(session, "MSCU1234566")[0] == "customs"
    view = find_shipment(session, "MSCU1234566")
    assert view is not None
    assert (view.events[0].status, view.events[0].raw_code) == ("other", "RMVD")


def test_the_same_events_twice_change_nothing(session: Session) -> None:
    events = dcsa.parse(recorded("dcsa_v2_export.json"))
    ingest(session, events, sender="msc")
    session.commit()
    again = ingest(session, events, sender="msc")
    session.commit()

    assert again.count("duplicate") == 4 and again.changes == [] and again.created == []
    assert (_count(session, ShipmentEvent), _count(session, CarrierEventReceipt)) == (3, 4)


def test_any_order_converges_on_the_latest_event_by_its_own_time(session: Session) -> None:
    events = cargo_imp.parse(recorded("fsu_hkg_lhr.txt"), NOW)
    events += cargo_imp.parse(recorded("fsu_delivered_then_late_dep.txt"), NOW)
    shuffled = list(events)
    random.Random(16).shuffle(shuffled)
    for event in shuffled:  # one post per event, in a shuffled order
        ingest(session, [event], sender="cx")
        session.commit()

    assert _state(session, "160-48219371")[:2] == ("delivered", "LHR")
    # The DEP in the second file is the same event as in the first: stored once.
    assert _count(session, ShipmentEvent) == 5


def test_a_late_old_estimate_never_replaces_a_newer_one(session: Session) -> None:
    newer = CarrierEvent(
        source="partner",
        external_id="eta-2",
        occurred_at=datetime(2026, 3, 11, tzinfo=UTC),
        status="in_transit",
        raw_code="in_transit",
        tracking_number="RR123456785HK",
        eta=datetime(2026, 3, 20, 4, 0, tzinfo=UTC),
    )
    older = CarrierEvent(
        source="partner",
        external_id="eta-1",
        occurred_at=datetime(2026, 3, 10, tzinfo=UTC),
        status="picked_up",
        raw_code="picked_up",
        tracking_number="RR123456785HK",
        eta=datetime(2026, 3, 14, 4, 0, tzinfo=UTC),
    )
    ingest(session, [newer], sender="qx")
    ingest(session, [older], sender="qx")
    session.commit()

    assert _state(session, "RR123456785HK") == (
        "in_transit",
        None,
        datetime(2026, 3, 20, 4, 0, tzinfo=UTC),
    )


def test_an_unknown_reference_without_a_number_is_reported_not_stored(session: Session) -> None:
    body = (
        b'{"eventID": "s1", "eventType": "SHIPMENT", "eventDateTime": "2026-03-02T01:00:00Z",'
        b' "shipmentEventTypeCode": "CONF", "documentTypeCode": "BKG", "documentID": "NOPE1"}'
    )
    report = ingest(session, dcsa.parse(body), sender="msc")
    session.commit()

    ((_id, outcome, detail),) = report.outcomes
    assert outcome == "unmatched"
    assert "booking NOPE1" in detail
    assert (_count(session, Shipment), _count(session, CarrierEventReceipt)) == (0, 0)


def test_a_wrong_check_digit_never_creates_a_shipment(session: Session) -> None:
    event = partner_json.parse(
        b'{"event_id": "z", "tracking_number": "1234567890", "status": "booked",'
        b' "occurred_at": "2026-03-02T01:00:00Z"}'
    )
    report = ingest(session, event, sender="qx")
    assert report.outcomes[0][1] == "unmatched"
    assert _count(session, Shipment) == 0


def test_events_and_the_csv_import_work_on_the_same_shipment(
    session: Session, tmp_path: Path
) -> None:
    import_csv(session, write_feed(tmp_path / "feed.csv", AIR_ROWS))
    session.commit()
    body = f"FSU/13\n{AWB}HKGLHR/T4K182.5\nDLV/20MAR1000/LHR/T4K182.5\n".encode()
    ingest(session, cargo_imp.parse(body, datetime(2025, 3, 21, tzinfo=UTC)), sender="cx")
    session.commit()
    assert _state(session, AWB)[0] == "delivered"

    # Importing the CSV again still works and does not undo the later delivery.
    report = import_csv(session, write_feed(tmp_path / "feed.csv", AIR_ROWS))
    session.commit()
    assert report.errors == []
    assert _state(session, AWB)[0] == "delivered"


def test_the_tracking_reply_shows_an_unknown_code_as_it_came(session: Session) -> None:
    ingest(session, partner_json.parse(recorded("partner_batch.json")), sender="qx")
    session.commit()
    view = find_shipment(session, "RR123456785HK")
    assert view is not None

    english = format_shipment(view, ZoneInfo("Asia/Hong_Kong"), "en")
    chinese = format_shipment(view, ZoneInfo("Asia/Hong_Kong"), "zh")

    assert "Status: Collected from the sender." in english
    assert "Flight cancelled by typhoon signal 8 (carrier code HELD_WEATHER)" in english
    assert "承運商更新，代碼 HELD_WEATHER" in chinese
