"""End-to-end complaint conversations through the REST channel of a real stack."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot.storage.db import get_engine, session_scope
from bot.storage.models import Complaint
from tests.e2e.conftest import Customer, RunningStack

REFERENCE = re.compile(r"cmp-\d{4}-\d{5}")


def _complaints(stack: RunningStack, sender: str) -> list[Complaint]:
    with session_scope(get_engine(stack.database_url)) as session:
        rows = session.execute(select(Complaint).where(Complaint.sender_id == sender))
        return list(rows.scalars().all())


def _file_complaint(customer: Customer, shipment: str, description: str) -> str:
    """Walk the whole complaint form; return the bot's confirmation text."""
    assert "what kind of problem" in customer.reply_text("I want to make a complaint")
    assert "what happened" in customer.reply_text("Damaged goods")
    assert "tracking number" in customer.reply_text(description)
    assert "email address or phone" in customer.reply_text(shipment)
    summary = customer.reply_text("jo.chan@example.com")
    assert "damaged goods" in summary and shipment.lower() in summary
    return customer.reply_text("yes, submit it")


def test_complaint_gets_a_reference_and_a_follow_up_time(
    running_stack: RunningStack, customer: Customer, demo_shipments: list[dict[str, str]]
) -> None:
    shipment = demo_shipments[0]["tracking_number"]
    receipt = _file_complaint(customer, shipment, "The carton was crushed and two vases broke.")
    assert REFERENCE.search(receipt), receipt
    assert "contact you by" in receipt and "hkt" in receipt
    saved = _complaints(running_stack, customer.sender)
    assert len(saved) == 1
    assert saved[0].category == "damaged"
    assert saved[0].shipment_ref == shipment
    assert saved[0].contact == "jo.chan@example.com"
    assert saved[0].reference.lower() == REFERENCE.search(receipt).group()


def test_resending_the_same_complaint_returns_the_same_reference(
    running_stack: RunningStack, customer: Customer, demo_shipments: list[dict[str, str]]
) -> None:
    shipment = demo_shipments[1]["tracking_number"]
    description = "Pallet arrived with the shrink wrap torn and boxes wet."
    first = REFERENCE.search(_file_complaint(customer, shipment, description))
    second = REFERENCE.search(_file_complaint(customer, shipment, description))
    assert first and second and first.group() == second.group()
    assert len(_complaints(running_stack, customer.sender)) == 1


def test_customer_can_correct_the_summary_before_saving(
    running_stack: RunningStack, customer: Customer
) -> None:
    # The opening message names the problem, so it is taken as what happened.
    opening = "I'd like to complain, the courier never came to collect my parcel"
    assert "tracking number" in customer.reply_text(opening)
    customer.say("no")
    summary = customer.reply_text("+852 9123 4567")
    assert "missed pick-up" in summary and "not given" in summary
    assert "the courier never came to collect my parcel" in summary
    assert "what would you like to change" in customer.reply_text("no")
    assert "what happened" in customer.reply_text("change what happened")
    detail = "I booked a pick-up for Tuesday morning and waited all day but nobody came."
    assert "email address or phone" not in customer.reply_text(detail)
    assert "email address or phone" in customer.reply_text("change contact")
    assert "jo@example.com" in customer.reply_text("jo@example.com")
    assert REFERENCE.search(customer.reply_text("yes"))
    saved = _complaints(running_stack, customer.sender)
    assert [(c.contact, c.description) for c in saved] == [("jo@example.com", detail)]


def test_bad_input_is_answered_and_nothing_is_half_saved(
    running_stack: RunningStack, customer: Customer
) -> None:
    long_description = ("The goods were damaged in transit. " * 300)[:10_000]
    customer.say("I want to complain about damaged goods")
    assert "tracking number" in customer.reply_text(long_description)
    assert "couldn't find shipment" in customer.reply_text("TGHU6154314")
    assert "doesn't look right" in customer.reply_text("160-12345678")
    assert "email address or phone" in customer.reply_text("no")
    assert "doesn't look like a valid" in customer.reply_text("ring me on 12 34")
    assert _complaints(running_stack, customer.sender) == []
    customer.say("+852 6123 4567")
    assert REFERENCE.search(customer.reply_text("yes"))
    saved = _complaints(running_stack, customer.sender)
    assert len(saved) == 1 and saved[0].description == long_description.strip()
    assert saved[0].shipment_ref is None


def test_status_is_private_to_the_customer(
    running_stack: RunningStack, customer: Customer, demo_shipments: list[dict[str, str]]
) -> None:
    receipt = _file_complaint(
        customer, demo_shipments[2]["tracking_number"], "Box dented, contents scratched."
    )
    reference = REFERENCE.search(receipt).group().upper()
    own = customer.reply_text(f"what's the status of my complaint {reference}?")
    assert reference.lower() in own
    stranger = running_stack.customer()
    other = stranger.reply_text(f"what's the status of my complaint {reference}?")
    assert "couldn't find" in other and "damaged" not in other


@pytest.mark.parametrize("message", ["cancel", "stop"])
def test_stopping_a_complaint_saves_nothing(
    running_stack: RunningStack, customer: Customer, message: str
) -> None:
    customer.say("I want to make a complaint")
    customer.say("Late delivery")
    assert "stopped" in customer.reply_text(message)
    assert _complaints(running_stack, customer.sender) == []
