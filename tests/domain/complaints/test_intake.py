"""Reading complaints out of chat messages."""

from __future__ import annotations

import pytest

from bot.domain.complaints.intake import (
    field_to_change,
    format_summary,
    guess_category,
    says_no,
    says_yes,
    wants_to_keep_chat,
)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Damaged goods", "damaged"),
        ("the box arrived crushed and the vase inside is broken", "damaged"),
        ("my parcel never arrived", "lost"),
        ("the shipment is 5 days late", "late"),
        ("two cartons are missing from the delivery", "missing_items"),
        ("you overcharged me on the last invoice", "billing"),
        ("your driver was very rude to my staff", "staff_conduct"),
        ("the courier never came to collect my parcel", "missed_pickup"),
        ("Missed pick-up", "missed_pickup"),
        ("Something else", "other"),
        ("I am not happy", None),
    ],
)
def test_guess_category(text: str, category: str | None) -> None:
    assert guess_category(text) == category


@pytest.mark.parametrize(
    ("text", "slot"),
    [
        ("change the contact", "complaint_contact"),
        ("I want to edit what happened", "complaint_description"),
        ("the shipment number is wrong", "complaint_shipment"),
        ("change category", "complaint_category"),
        ("yes submit it", None),
    ],
)
def test_field_to_change(text: str, slot: str | None) -> None:
    assert field_to_change(text) == slot


def test_yes_no_and_keep_chat() -> None:
    assert says_yes("Yes please") and says_yes("submit")
    assert not says_yes("no")
    assert says_no("no, I don't have one") and says_no("none")
    assert not says_no("160-12345675")
    assert wants_to_keep_chat("just reply in this chat")
    assert not wants_to_keep_chat("jo@example.com")


def test_summary_shows_what_will_be_saved() -> None:
    summary = format_summary(
        category="damaged",
        description="x" * 500,
        shipment="none",
        contact="jo@example.com",
    )
    assert "Category: Damaged goods" in summary
    assert "Shipment: not given" in summary
    assert "Contact: jo@example.com" in summary
    assert "x" * 297 + "..." in summary and "x" * 298 not in summary
