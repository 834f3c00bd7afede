"""Taking a complaint (reference, promise, validation, idempotent submission) and finding a
customer's own complaints (only theirs)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from bot.domain.complaints.records import create_complaint, customer_complaints
from bot.domain.complaints.rules import ComplaintError, normalise_reference
from bot.domain.complaints.staff import get_complaint
from bot.domain.complaints.views import ComplaintReceipt
from bot.domain.complaints.wording import format_receipt
from bot.storage import db
from bot.storage.models import Complaint
from tests.domain.complaints.conftest import (
    COMPLAINT,
    HKT,
    SHIPMENT,
    THURSDAY_1PM,
    add_shipment,
    counts,
    hkt,
)

Submit = Callable[..., ComplaintReceipt]


def test_a_complaint_gets_a_reference_and_a_promise(session: Session) -> None:
    receipt = create_complaint(
        session,
        **{**COMPLAINT, "category": "lost", "description": "My parcel never came."},
        now=THURSDAY_1PM,
    )

    # Lost is high: 4 business hours from Thursday 13:00.
    assert receipt == ComplaintReceipt("CMP-2026-00001", hkt(2026, 11, 26, 17), "high", True)
    assert format_receipt(receipt, HKT, "en") == (
        "CMP-2026-00001 — a colleague will contact you by Thursday 26 Nov, 17:00 (HKT). "
        "Until then, you can check on it here at any time by quoting the reference."
    )
    assert format_receipt(receipt, HKT, "zh") == (
        "CMP-2026-00001 — 同事會喺 11月26日 (星期四) 17:00 之前聯絡你。"
        "喺呢段時間，你隨時都可以喺度講出投訴編號查詢進度。"
    )


def test_what_is_stored(session: Session) -> None:
    add_shipment(session)

    receipt = create_complaint(
        session,
        sender_id="tg-4711",
        channel="telegram",
        category=" Damaged ",
        description="  Crushed carton.  ",
        shipment_ref="awb 160 4821 9371",
        contact="Jo@Example.COM",
        now=THURSDAY_1PM,
    )

    stored = session.execute(select(Complaint)).scalar_one()
    assert (stored.reference, stored.category, stored.severity) == (
        receipt.reference,
        "damaged",
        "medium",
    )
    assert (stored.description, stored.shipment_ref) == ("Crushed carton.", SHIPMENT)
    assert (stored.contact_kind, stored.contact) == ("email", "Jo@example.com")
    assert (stored.status, stored.channel, stored.assigned_to) == ("open", "telegram", None)
    # Medium: 8 business hours, Thursday 13:00 -> Friday 12:00; resolution 45 hours on.
    assert stored.due_at == stored.original_due_at == hkt(2026, 11, 27, 12)
    assert stored.resolution_due_at == hkt(2026, 12, 2, 18)
    assert stored.created_at == THURSDAY_1PM
    assert stored.first_followup_at is None and stored.promise_kept is None
    # The audit entry is part of the same unit of work.
    trail = get_complaint(session, receipt.reference, now=THURSDAY_1PM).events
    assert [(e.actor, e.action) for e in trail] == [("customer", "created")]


def test_a_telegram_customer_may_keep_the_chat(session: Session) -> None:
    create_complaint(session, **{**COMPLAINT, "contact": None}, now=THURSDAY_1PM)

    stored = session.execute(select(Complaint)).scalar_one()
    assert (stored.contact_kind, stored.contact) == (None, None)


def test_references_are_sequential_per_year_in_hong_kong_time(file_complaint: Submit) -> None:
    first = file_complaint(description="one")
    second = file_complaint(description="two")
    third = file_complaint(description="three")
    # 31 Dec 2026, 17:00 UTC is already 1 Jan 2027 in Hong Kong.
    next_year = file_complaint(description="four", now=hkt(2027, 1, 1, 1))
    after = file_complaint(description="five", now=hkt(2027, 1, 4, 10))

    assert [r.reference for r in (first, second, third, next_year, after)] == [
        "CMP-2026-00001",
        "CMP-2026-00002",
        "CMP-2026-00003",
        "CMP-2027-00001",
        "CMP-2027-00002",
    ]


def test_a_double_click_returns_the_same_reference(engine: Engine, file_complaint: Submit) -> None:
    first = file_complaint()
    # Resent a minute later from another device: different spacing and case.
    again = file_complaint(
        description="  the carton was CRUSHED and two vases\ninside are broken. ",
        now=THURSDAY_1PM + timedelta(minutes=1),
    )

    assert first.created and not again.created
    assert (again.reference, again.due_at, again.severity) == (
        first.reference,
        first.due_at,
        first.severity,
    )
    assert format_receipt(again, HKT, "en").startswith("We already have this complaint")
    assert format_receipt(again, HKT, "zh").startswith("我哋已經收到呢單投訴，唔使再發多次")
    with db.session_scope(engine) as session:
        assert counts(session) == (1, 1, 1)


@pytest.mark.parametrize(
    "changes",
    [
        {"sender_id": "tg-9999"},
        {"category": "missing_items"},
        {"description": "Another carton was crushed too."},
        {"now": THURSDAY_1PM + timedelta(hours=24, minutes=1)},
    ],
    ids=["other-sender", "other-category", "other-description", "after-24-hours"],
)
def test_a_different_or_later_submission_is_a_new_complaint(
    engine: Engine, file_complaint: Submit, changes: dict[str, Any]
) -> None:
    first = file_complaint()
    second = file_complaint(**changes)

    assert second.created and second.reference != first.reference
    with db.session_scope(engine) as session:
        assert counts(session)[:2] == (2, 2)


def test_the_same_text_about_another_shipment_is_a_new_complaint(
    engine: Engine, file_complaint: Submit
) -> None:
    with db.session_scope(engine) as session:
        add_shipment(session)
    without = file_complaint()
    with_shipment = file_complaint(shipment_ref=SHIPMENT)
    again = file_complaint(shipment_ref="160 4821 9371")

    assert with_shipment.reference != without.reference
    assert again.reference == with_shipment.reference and not again.created


def test_a_repeat_after_24_hours_can_itself_be_deduplicated(file_complaint: Submit) -> None:
    file_complaint()
    later = THURSDAY_1PM + timedelta(days=2)
    second = file_complaint(now=later)
    third = file_complaint(now=later + timedelta(minutes=5))

    assert second.created and not third.created
    assert third.reference == second.reference == "CMP-2026-00002"


def _race(engine: Engine, submissions: list[dict[str, Any]]) -> list[ComplaintReceipt]:
    """Run the submissions in threads released at the same moment."""
    barrier = threading.Barrier(len(submissions))
    results: list[ComplaintReceipt | BaseException] = [RuntimeError("not run")] * len(submissions)

    def submit(index: int, fields: dict[str, Any]) -> None:
        try:
            with db.session_scope(engine) as session:
                barrier.wait(timeout=10)
                results[index] = create_complaint(session, **fields)
        except BaseException as exc:
            results[index] = exc

    threads = [
        threading.Thread(target=submit, args=(i, fields)) for i, fields in enumerate(submissions)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results  # type: ignore[return-value]


@pytest.mark.parametrize("existing_counter", [False, True], ids=["first-of-year", "counter-row"])
def test_two_concurrent_identical_submissions_make_one_complaint(
    engine: Engine, file_complaint: Submit, existing_counter: bool
) -> None:
    if existing_counter:
        file_complaint(sender_id="someone-else")
    fields = {**COMPLAINT, "now": THURSDAY_1PM}

    first, second = _race(engine, [fields, fields])

    assert first.reference == second.reference
    assert sorted([first.created, second.created]) == [False, True]
    with db.session_scope(engine) as session:
        rows = session.execute(select(Complaint).where(Complaint.sender_id == "tg-4711"))
        assert len(rows.scalars().all()) == 1


def test_concurrent_different_complaints_get_distinct_consecutive_numbers(engine: Engine) -> None:
    submissions = [{**COMPLAINT, "sender_id": f"web-{i}", "now": THURSDAY_1PM} for i in range(6)]

    receipts = _race(engine, submissions)

    assert sorted(r.reference for r in receipts) == [f"CMP-2026-{n:05d}" for n in range(1, 7)]
    assert all(r.created for r in receipts)


def test_a_long_description_is_stored_whole(session: Session) -> None:
    description = ("The pallet was dropped. " * 500)[:10_000]
    assert len(description) == 10_000 and not description.endswith(" ")

    receipt = create_complaint(
        session, **{**COMPLAINT, "description": description}, now=THURSDAY_1PM
    )

    view = get_complaint(session, receipt.reference, now=THURSDAY_1PM)
    assert view.description == description


def test_the_longest_description_accepted_is_20000_characters(session: Session) -> None:
    create_complaint(session, **{**COMPLAINT, "description": "x" * 20_000}, now=THURSDAY_1PM)

    assert len(session.execute(select(Complaint)).scalar_one().description) == 20_000


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"category": "weather"}, "category", "not sure what kind of problem"),
        ({"description": ""}, "description", "tell me what went wrong"),
        ({"description": " \n\t "}, "description", "tell me what went wrong"),
        ({"description": "x" * 20_001}, "description", "20,001 characters; the limit is 20,000"),
        ({"contact": "tomorrow afternoon"}, "contact", "doesn't look like an email address"),
        ({"contact": "bob@localhost"}, "contact", "doesn't look like an email address"),
        ({"shipment_ref": "my parcel"}, "shipment_ref", "doesn't look like one of our tracking"),
        ({"shipment_ref": "160-48219372"}, "shipment_ref", "should be 1"),
        ({"shipment_ref": "160-12345675"}, "shipment_ref", "I couldn't find shipment 160-12345675"),
        ({"sender_id": " "}, "sender_id", "sender id"),
    ],
)
def test_unusable_input_is_refused_and_nothing_is_stored(
    session: Session, changes: dict[str, Any], field: str, message: str
) -> None:
    add_shipment(session)

    with pytest.raises(ComplaintError, match=message) as refused:
        create_complaint(session, **{**COMPLAINT, **changes}, now=THURSDAY_1PM)

    assert refused.value.field == field
    assert counts(session) == (0, 0, 0)


def test_an_unknown_shipment_can_then_be_saved_without_it(session: Session) -> None:
    with pytest.raises(ComplaintError, match="couldn't find shipment"):
        create_complaint(session, **COMPLAINT, shipment_ref=SHIPMENT, now=THURSDAY_1PM)

    receipt = create_complaint(session, **COMPLAINT, now=THURSDAY_1PM)

    assert receipt.reference == "CMP-2026-00001"
    assert counts(session) == (1, 1, 1)


def test_naive_time_is_refused(session: Session) -> None:
    with pytest.raises(ValueError, match="naive"):
        create_complaint(session, **COMPLAINT, now=THURSDAY_1PM.replace(tzinfo=None))


# -- a customer's own complaints --------------------------------------------------------


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
