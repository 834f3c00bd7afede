"""Severity from category, content and shipment, by the documented rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from bot.domain.complaints.severity import assess_severity
from bot.domain.service_levels import CATEGORIES
from bot.domain.shipments import ShipmentView

AIR = ShipmentView(
    tracking_number="160-48219371",
    kind="air_waybill",
    mode="air",
    service="Air freight",
    origin="Hong Kong (HKG)",
    destination="Los Angeles (LAX)",
    status="in_transit",
    status_text="In transit",
    last_location=None,
    last_update=datetime(2026, 11, 20, tzinfo=timezone.utc),
    eta=None,
    delivered=False,
    delivered_at=None,
    events=(),
)
CONTAINER = replace(AIR, tracking_number="MSCU1234566", kind="container", mode="sea_fcl")
HELD = replace(AIR, status="exception")


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        ("damaged", "medium"),
        ("lost", "high"),
        ("late", "low"),
        ("missing_items", "medium"),
        ("billing", "low"),
        ("staff_conduct", "medium"),
        ("missed_pickup", "medium"),
        ("other", "low"),
    ],
)
def test_plain_complaints_take_the_category_severity(category: str, expected: str) -> None:
    assert assess_severity(category, "It did not go as it should have.", None) == expected


@pytest.mark.parametrize(
    ("category", "description", "shipment", "expected"),
    [
        # Safety and legal words make anything critical.
        ("late", "I will be speaking to my lawyer about this.", None, "critical"),
        ("staff_conduct", "The driver pushed me and I was injured.", None, "critical"),
        ("billing", "I am reporting this overcharge to the police.", None, "critical"),
        ("damaged", "The box was leaking a toxic liquid onto my floor", None, "critical"),
        # Medical goods: critical; perishables: at least high.
        ("late", "It contains insulin for my father.", None, "critical"),
        ("lost", "Blood samples for the lab have gone missing.", None, "critical"),
        ("late", "Two boxes of frozen seafood, still not here.", None, "high"),
        ("missed_pickup", "Fresh flowers for a wedding were not collected.", None, "high"),
        # ...but not when the complaint is not about the goods.
        ("billing", "You charged me twice for the frozen food shipment.", None, "low"),
        # High value.
        ("lost", "My parcel of jewellery has disappeared.", None, "critical"),
        ("lost", "Goods worth HK$80,000 are lost.", None, "critical"),
        ("lost", "The shipment value is USD 12k.", None, "critical"),
        ("lost", "Goods worth HK$800 are lost.", None, "high"),
        ("damaged", "A luxury watch arrived with a cracked face.", None, "high"),
        ("late", "Gold samples for a client are late.", None, "medium"),
        ("billing", "The invoice of 60,000 HKD is wrong.", None, "medium"),
        # Theft or tampering.
        ("missing_items", "The tape was cut; I think items were stolen.", None, "high"),
        # Urgency or repetition: one level up, at most high.
        ("late", "This is urgent, our production line is waiting.", None, "medium"),
        ("damaged", "Damaged AGAIN, third time this month.", None, "high"),
        ("lost", "Please, this is urgent!", None, "high"),
        # The shipment itself.
        ("lost", "Where is my container?", CONTAINER, "critical"),
        ("lost", "Where is my parcel?", AIR, "high"),
        ("late", "It should have arrived by now.", HELD, "medium"),
        ("late", "It should have arrived by now.", AIR, "low"),
    ],
)
def test_content_and_shipment_raise_the_severity(
    category: str, description: str, shipment: ShipmentView | None, expected: str
) -> None:
    assert assess_severity(category, description, shipment) == expected


def test_whole_words_only() -> None:
    # "courteous" holds "court", "hurtle" holds "hurt", "firework" holds "fire".
    text = "Your courteous driver let the box hurtle down; it held fireworks."
    assert assess_severity("damaged", text, None) == "medium"


def test_an_unknown_category_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown complaint category"):
        assess_severity("weather", "It rained.", None)
    assert set(CATEGORIES) == {
        "damaged",
        "lost",
        "late",
        "missing_items",
        "billing",
        "staff_conduct",
        "missed_pickup",
        "other",
    }
