"""Taking requests: a reference and a promise, the customer's own shipments and pick-ups only,
nothing half saved."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot.domain.requests.records import (
    create_pickup,
    create_pickup_change,
    create_shipment_request,
    customer_requests,
)
from bot.domain.requests.rules import RequestError
from bot.domain.requests.views import RequestView
from bot.storage import db
from tests.domain.requests.conftest import (
    DELIVERED,
    IN_TRANSIT,
    OWNER_PHONE,
    THURSDAY_1PM,
    counts,
    hkt,
    slot,
)


def _in(engine: Engine, make: Callable[..., RequestView], **fields: Any) -> RequestView:
    with db.session_scope(engine) as session:
        return make(session, now=THURSDAY_1PM, **fields)


def _book(engine: Engine, sender: str = "web-1", **changes: Any) -> RequestView:
    fields = {
        "sender_id": sender,
        "channel": "rest",
        "address": "12/F, Harbour Centre, 25 Harbour Road, Wan Chai",
        "slot": slot(),
        **changes,
    }
    return _in(engine, create_pickup, **fields)


def test_a_pickup_gets_a_reference_a_promise_and_an_audit_entry(engine: Engine) -> None:
    view = _book(engine)

    assert view.reference == "REQ-2026-00001" and view.created
    # One business hour after Thursday 13:00.
    assert view.due_at == hkt(2026, 11, 26, 14)
    assert (view.kind, view.status, view.pieces, view.weight_kg) == ("pickup", "open", 3, 25.0)
    assert view.ready_at == hkt(2026, 11, 27, 14)
    assert _book(engine, sender="web-2").reference == "REQ-2026-00002"
    with db.session_scope(engine) as session:
        assert counts(session) == (2, 2, 1)


def test_the_same_pickup_twice_is_one_request(engine: Engine) -> None:
    first = _book(engine)
    again = _book(engine)
    assert again.reference == first.reference and not again.created


def test_a_pickup_without_an_address_stores_nothing(engine: Engine) -> None:
    with pytest.raises(RequestError) as caught:
        _book(engine, address="  ")
    assert caught.value.code == "address_missing"
    with db.session_scope(engine) as session:
        assert counts(session) == (0, 0, 0)


@pytest.mark.parametrize(
    ("kind", "number"),
    [
        ("address_change", IN_TRANSIT),
        ("hold_for_collection", IN_TRANSIT),
        ("redeliver", IN_TRANSIT),
        ("invoice_copy", DELIVERED),
        ("pod_copy", DELIVERED),
    ],
)
def test_the_owner_of_a_shipment_can_ask(shipments: Engine, kind: str, number: str) -> None:
    view = _in(
        shipments,
        create_shipment_request,
        kind=kind,
        sender_id="tg-1",
        channel="telegram",
        shipment_ref=number.lower(),
        contact="91234567",  # the booking's number, written another way
        address="Flat 5, 12/F, 8 Nathan Road, Tsim Sha Tsui",
    )
    assert (view.kind, view.shipment_ref, view.status) == (kind, number, "open")
    assert view.address == (
        "Flat 5, 12/F, 8 Nathan Road, Tsim Sha Tsui" if kind == "address_change" else None
    )


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"contact": "+852 6000 0000"}, "shipment_not_found"),  # someone else's
        ({"shipment_ref": "160-48219372"}, "shipment_invalid"),  # wrong check digit
        ({"shipment_ref": "176-55308120"}, "shipment_not_found"),  # not stored
        ({"contact": "not a contact"}, "contact_invalid"),
        ({"address": ""}, "address_missing"),
        ({"shipment_ref": DELIVERED}, "shipment_delivered"),
    ],
)
def test_an_address_change_that_cannot_be_taken_stores_nothing(
    shipments: Engine, changes: dict[str, Any], code: str
) -> None:
    fields = {
        "kind": "address_change",
        "sender_id": "tg-1",
        "channel": "telegram",
        "shipment_ref": IN_TRANSIT,
        "contact": OWNER_PHONE,
        "address": "Flat 5, 12/F, 8 Nathan Road",
        **changes,
    }
    with pytest.raises(RequestError) as caught:
        _in(shipments, create_shipment_request, **fields)
    assert caught.value.code == code
    with db.session_scope(shipments) as session:
        assert counts(session)[:2] == (0, 0)


def test_someone_elses_shipment_reads_like_an_unknown_one(shipments: Engine) -> None:
    answers = []
    for number, contact in ((IN_TRANSIT, "other@example.com"), ("176-55308120", OWNER_PHONE)):
        with pytest.raises(RequestError) as caught:
            _in(
                shipments,
                create_shipment_request,
                kind="redeliver",
                sender_id="tg-1",
                channel="telegram",
                shipment_ref=number,
                contact=contact,
            )
        answers.append((caught.value.code, set(caught.value.params)))
    assert answers[0] == answers[1]


def test_no_proof_of_delivery_before_delivery(shipments: Engine) -> None:
    with pytest.raises(RequestError) as caught:
        _in(
            shipments,
            create_shipment_request,
            kind="pod_copy",
            sender_id="tg-1",
            channel="telegram",
            shipment_ref=IN_TRANSIT,
            contact=OWNER_PHONE,
        )
    assert caught.value.code == "pod_not_delivered"


def test_a_pickup_is_cancelled_or_moved_by_its_reference_from_its_own_chat(engine: Engine) -> None:
    pickup = _book(engine)
    cancel = _in(
        engine,
        create_pickup_change,
        kind="pickup_cancel",
        sender_id="web-1",
        channel="rest",
        pickup_reference="req 2026 1",
    )
    assert (cancel.kind, cancel.related_reference) == ("pickup_cancel", pickup.reference)
    moved = _in(
        engine,
        create_pickup_change,
        kind="pickup_reschedule",
        sender_id="web-1",
        channel="rest",
        pickup_reference=pickup.reference,
        window=(hkt(2026, 11, 27, 10), hkt(2026, 11, 27, 12)),
    )
    assert moved.ready_at == hkt(2026, 11, 27, 10) and moved.pieces == 3


def test_another_chats_pickup_cannot_be_cancelled(engine: Engine) -> None:
    pickup = _book(engine)
    with pytest.raises(RequestError) as caught:
        _in(
            engine,
            create_pickup_change,
            kind="pickup_cancel",
            sender_id="someone-else",
            channel="rest",
            pickup_reference=pickup.reference,
        )
    assert caught.value.code == "pickup_not_found"
    with db.session_scope(engine) as session:
        assert counts(session)[0] == 1


def test_a_customer_sees_only_their_own_requests(engine: Engine) -> None:
    _book(engine, sender="web-1")
    _book(engine, sender="web-2")
    with db.session_scope(engine) as session:
        mine = customer_requests(session, sender_id="web-1", now=THURSDAY_1PM)
    assert [view.reference for view in mine] == ["REQ-2026-00001"]
