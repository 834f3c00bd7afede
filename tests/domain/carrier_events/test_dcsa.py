"""DCSA Track & Trace adapter: v2.2 and v3 shapes read into our status model."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from bot.domain.carrier_events import dcsa
from bot.domain.carrier_events.model import BOOKING, TRANSPORT_DOCUMENT, UNMAPPED, MalformedMessage
from bot.storage.models import UTC
from tests.domain.carrier_events.recorded import recorded


def test_v2_events_are_read_with_their_references_and_status() -> None:
    events = dcsa.parse(recorded("dcsa_v2_export.json"))

    assert [(e.raw_code, e.status, e.actual) for e in events] == [
        ("SHIPMENT:CONF", "booked", True),
        ("LOAD", "in_transit", True),
        ("GTIN", "at_hub", True),
        ("ARRI", "at_hub", False),
    ]
    load = events[1]
    assert load.tracking_number == "MSCU1234566"
    assert load.references == {BOOKING: "HKG2603001", TRANSPORT_DOCUMENT: "MSCUHK0001234"}
    assert load.occurred_at == datetime(2026, 3, 5, 14, 10, tzinfo=UTC)
    assert load.location == "Kwai Tsing Container Terminals (HKHKG)"
    assert events[0].references == {BOOKING: "HKG2603001"}


def test_an_estimated_arrival_is_an_eta_dated_when_it_was_made() -> None:
    estimate = dcsa.parse(recorded("dcsa_v2_export.json"))[3]

    assert estimate.eta == datetime(2026, 3, 29, 5, 0, tzinfo=UTC)
    assert estimate.occurred_at == datetime(2026, 3, 6, 0, 0, tzinfo=UTC)


def test_v3_metadata_and_payload_are_read_alike() -> None:
    events = dcsa.parse(recorded("dcsa_v3_import.json"))

    assert [(e.external_id[-3:], e.raw_code, e.status) for e in events] == [
        ("101", "DISC", "at_hub"),
        ("102", "INSP", "customs"),
        ("103", "RMVD", UNMAPPED),
    ]
    assert events[0].references == {TRANSPORT_DOCUMENT: "MSCUHK0001234"}


@pytest.mark.parametrize(
    ("shape", "status"),
    [
        ({"documentTypeCode": "CUS", "shipmentEventTypeCode": "HOLD"}, "customs"),
        ({"documentTypeCode": "CUS", "shipmentEventTypeCode": "RELS"}, "in_transit"),
        ({"documentTypeCode": "BKG", "shipmentEventTypeCode": "HOLD"}, "exception"),
        ({"documentTypeCode": "TRD", "shipmentEventTypeCode": "ISSU"}, UNMAPPED),
    ],
)
def test_shipment_events_for_customs_and_holds(shape: dict[str, str], status: str) -> None:
    body = {
        "eventID": "x1",
        "eventType": "SHIPMENT",
        "eventDateTime": "2026-03-31T07:55:00Z",
        "documentID": "C-778812",
        "documentReferences": [
            {"documentReferenceType": "TRD", "documentReferenceValue": "MSCUHK0001234"}
        ],
        **shape,
    }
    (event,) = dcsa.parse(json.dumps(body).encode())
    assert event.status == status


def test_an_empty_container_move_says_nothing_about_the_goods() -> None:
    body = (
        b'{"eventID": "e1", "eventType": "EQUIPMENT", "eventDateTime": "2026-03-01T08:00:00Z",'
        b' "equipmentEventTypeCode": "PICK", "equipmentReference": "MSCU1234566",'
        b' "emptyIndicatorCode": "EMPTY"}'
    )
    (event,) = dcsa.parse(body)
    assert (event.status, event.raw_code) == (UNMAPPED, "PICK EMPTY")


def test_a_malformed_body_names_every_problem() -> None:
    with pytest.raises(MalformedMessage) as caught:
        dcsa.parse(recorded("dcsa_malformed.json"))

    assert caught.value.problems == [
        "event 1: eventDateTime '2026-03-05T22:10:00' is not an ISO 8601 time with an offset",
        "event 2: eventID is missing",
        "event 2: eventType 'VESSEL' is not SHIPMENT, TRANSPORT or EQUIPMENT",
        "event 2: no equipmentReference, transport document or booking reference to match a "
        "shipment by",
    ]


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b"[1]", b'{"metadata": {}}'])
def test_bodies_that_are_not_events_are_refused(body: bytes) -> None:
    with pytest.raises(MalformedMessage):
        dcsa.parse(body)
