"""What an agent reads about a handed-over customer: the shipment they tracked (even
after tracking cleared its slot), and a summary in plain words, never internal names."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.domain.handoff.context import (
    customer_request,
    last_tracked_number,
    shipment_number,
    wanted_text,
)
from bot.domain.handoff.views import HandoffView

T = datetime(2026, 11, 25, 2, 0, tzinfo=timezone.utc)


def _view(context: dict[str, object], reason: str = "customer_asked") -> HandoffView:
    return HandoffView(
        id=1,
        sender_id="alice",
        channel="rest",
        reason=reason,
        team="air_freight",
        summary="Reason: customer asked.",
        context=context,
        status="waiting",
        agent=None,
        created_at=T,
        taken_at=None,
        first_agent_reply_at=None,
        handed_back_at=None,
        closed_at=None,
    )


def test_the_tracked_number_survives_tracking_clearing_its_slot() -> None:
    events = [
        {"event": "user", "text": "where is 160-48219371"},
        {"event": "slot", "name": "tracking_number", "value": "160-48219371"},
        {"event": "action", "name": "action_track_shipment"},
        {"event": "slot", "name": "tracking_number", "value": None},
        {"event": "slot", "name": "pending_offer", "value": "offer_human"},
    ]
    assert last_tracked_number(events) == "160-48219371"
    assert last_tracked_number([{"event": "user", "text": "hi"}]) is None
    no_number = [{"event": "slot", "name": "complaint_shipment", "value": "none"}]
    assert last_tracked_number(events + no_number) == "160-48219371"


@pytest.mark.parametrize(
    ("context", "number"),
    [
        ({"shipment": "160-48219371", "slots": {}}, "160-48219371"),
        ({"slots": {"tracking_number": "1Z999AA10123456784"}}, "1Z999AA10123456784"),
        ({"slots": {"complaint_shipment": "MSKU1234565"}}, "MSKU1234565"),
        ({"tracking_number": "160-48219371"}, "160-48219371"),  # before "slots" existed
        ({"slots": {"mode": "air"}}, None),
        ({"slots": {"complaint_shipment": "none"}}, None),  # "there isn't one"
        ({}, None),
    ],
)
def test_the_shipment_is_read_from_the_shape_the_handoff_stores(
    context: dict[str, object], number: str | None
) -> None:
    assert shipment_number(context) == number


def test_the_summary_is_in_plain_words() -> None:
    request = customer_request(
        _view(
            {
                "intent": "complain",
                "slots": {
                    "complaint_category": "damaged",
                    "complaint_description": "box crushed " + "very " * 100,
                    "destination": "Tokyo",
                },
                "last_messages": ["my box arrived crushed", "a person please"],
                "shipment": "160-48219371",
                "waiting_messages": [{"text": "still here", "at": "2026-11-25T02:01:00"}],
            }
        )
    )
    assert request.wanted == "Make a complaint"
    assert request.reason == "Asked for a person"
    assert request.shipment == "160-48219371"
    assert request.complaint is not None and request.complaint.startswith("Damaged goods: box")
    assert len(request.complaint) < 330  # long texts are cut in the summary
    assert request.details == ("destination: Tokyo",)
    assert request.last_messages == ("my box arrived crushed", "a person please")
    assert request.waiting_messages == ("still here",)


@pytest.mark.parametrize(
    ("intent", "reason", "text"),
    [
        ("track_shipment", "customer_asked", "Track a shipment"),
        ("faq/opening_hours", "customer_asked", "A general question (opening hours)"),
        ("EXTERNAL_survey_offer", "customer_asked", "Asked for a person"),
        ("", "repeated_fallback", "The assistant did not understand twice"),
        ("something_new", "customer_asked", "Asked for a person"),
    ],
)
def test_what_the_customer_wanted_never_shows_an_internal_name(
    intent: str, reason: str, text: str
) -> None:
    assert wanted_text(intent, reason) == text
