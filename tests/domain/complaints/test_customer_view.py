"""What a customer may see of complaints: only their own, and in plain words."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.engine import Engine

from bot.domain.complaints.followups import escalate_missed
from bot.domain.complaints.service import (
    ComplaintReceipt,
    add_note,
    customer_complaints,
    format_status,
    normalise_reference,
    resolve,
    service_levels,
)
from bot.storage import db
from tests.domain.complaints.conftest import HKT, THURSDAY_1PM, hkt

Submit = Callable[..., ComplaintReceipt]


@pytest.fixture
def three_customers(file_complaint: Submit) -> dict[str, str]:
    """Complaints of three customers; returns name -> reference."""
    return {
        "jo": file_complaint(sender_id="tg-jo", contact="+852 9123 4567").reference,
        "jo_web": file_complaint(
            sender_id="web-jo", channel="rest", contact="9123-4567", description="Also late."
        ).reference,
        "sam": file_complaint(sender_id="tg-sam", contact="sam@example.com").reference,
    }


def _refs(engine: Engine, **query: str) -> list[str]:
    with db.session_scope(engine) as session:
        views = customer_complaints(session, now=THURSDAY_1PM, **query)
    return [view.reference for view in views]


def test_a_customer_sees_their_own_complaints_by_sender(
    engine: Engine, three_customers: dict[str, str]
) -> None:
    assert _refs(engine, sender_id="tg-jo") == [three_customers["jo"]]
    assert _refs(engine, sender_id="tg-sam") == [three_customers["sam"]]
    assert _refs(engine, sender_id="tg-nobody") == []


def test_the_same_contact_finds_complaints_made_elsewhere(
    engine: Engine, three_customers: dict[str, str]
) -> None:
    # Typed differently, normalised the same: +85291234567.
    found = _refs(engine, sender_id="tg-new-chat", contact="+852 9123-4567")

    assert sorted(found) == sorted([three_customers["jo"], three_customers["jo_web"]])


def test_someone_elses_reference_looks_like_no_complaint_at_all(
    engine: Engine, three_customers: dict[str, str]
) -> None:
    sams = three_customers["sam"]

    assert _refs(engine, sender_id="tg-jo", reference=sams) == []
    assert _refs(engine, sender_id="tg-jo", reference="CMP-2026-99999") == []
    assert _refs(engine, sender_id="tg-jo", contact="+85291234567", reference=sams) == []
    assert _refs(engine, sender_id="tg-sam", reference=sams) == [sams]


def test_references_are_read_as_customers_type_them(
    engine: Engine, three_customers: dict[str, str]
) -> None:
    jos = three_customers["jo"]  # CMP-2026-00001

    assert normalise_reference("it's cmp 2026 1, please") == jos
    assert _refs(engine, sender_id="tg-jo", reference="cmp-2026-00001") == [jos]
    assert _refs(engine, sender_id="tg-jo", reference="no reference here") == []


def test_an_invalid_contact_matches_nothing_extra(
    engine: Engine, three_customers: dict[str, str]
) -> None:
    assert _refs(engine, sender_id="tg-new", contact="not a contact") == []


def _status(engine: Engine, sender: str, now: object = THURSDAY_1PM) -> str:
    with db.session_scope(engine) as session:
        (view,) = customer_complaints(session, sender_id=sender, now=now)  # type: ignore[arg-type]
    return format_status(view, HKT)


def test_status_of_a_new_complaint_gives_the_promise(
    engine: Engine, file_complaint: Submit
) -> None:
    file_complaint()

    assert _status(engine, "tg-4711") == (
        "CMP-2026-00001 (damaged goods, sent 26 Nov 2026) is with our customer service team. "
        "A colleague will contact you by Friday 27 Nov, 12:00 (HKT)."
    )


def test_status_of_a_missed_promise_apologises(engine: Engine, file_complaint: Submit) -> None:
    file_complaint()

    text = _status(engine, "tg-4711", now=hkt(2026, 11, 27, 12, 5))

    assert "we promised to contact you by Friday 27 Nov, 12:00 (HKT)" in text
    assert "we're sorry we haven't yet" in text and "senior colleague" in text


def test_status_after_escalation_gives_the_new_promise(
    engine: Engine, file_complaint: Submit
) -> None:
    file_complaint()
    escalate_missed(engine, now=hkt(2026, 11, 27, 12, 5), levels=service_levels())

    text = _status(engine, "tg-4711", now=hkt(2026, 11, 27, 12, 10))

    assert text == (
        "CMP-2026-00001 (damaged goods, sent 26 Nov 2026) is with a senior colleague, who "
        "will contact you by Friday 27 Nov, 14:05 (HKT)."
    )


def test_status_in_progress_and_resolved(engine: Engine, file_complaint: Submit) -> None:
    reference = file_complaint().reference
    with db.session_scope(engine) as session:
        add_note(session, reference, "Called the customer.", actor="amy", now=hkt(2026, 11, 26, 15))

    assert _status(engine, "tg-4711", now=hkt(2026, 11, 26, 16)) == (
        "CMP-2026-00001 (damaged goods, sent 26 Nov 2026): a colleague is working on it and "
        "we aim to resolve it by Wednesday 2 Dec, 18:00 (HKT). They'll contact you with the "
        "outcome."
    )
    late = _status(engine, "tg-4711", now=hkt(2026, 12, 3, 10))
    assert "taking longer than we aimed for, and we're sorry" in late

    with db.session_scope(engine) as session:
        resolve(
            session,
            reference,
            "We have refunded HKD 450 to your card",
            actor="amy",
            now=hkt(2026, 11, 30, 10),
        )
    assert _status(engine, "tg-4711", now=hkt(2026, 11, 30, 11)) == (
        "CMP-2026-00001 (damaged goods, sent 26 Nov 2026) was resolved on 30 Nov 2026: We "
        "have refunded HKD 450 to your card. If anything is still not right, tell me here "
        "and I'll pass it to a colleague."
    )
