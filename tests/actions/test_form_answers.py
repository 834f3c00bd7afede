"""What a form takes from an answer it did not quite ask for: a follow-up about the
shipment just tracked, and an account of what happened given where the kind of problem
was asked (actions/tracking.py, actions/complaints.py)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.complaints import ValidateComplaintForm
from actions.pickups import ValidatePickupForm
from actions.tracking import ValidateTrackingForm
from bot.domain.complaints.intake import guess_category


def _tracker(text: str, intent: str, slots: dict[str, Any], form: str) -> Tracker:
    return Tracker(
        sender_id="test",
        slots=slots,
        latest_message={"text": text, "intent": {"name": intent, "confidence": 0.9}},
        events=[],
        paused=False,
        followup_action=None,
        active_loop={"name": form},
        latest_action_name="action_listen",
    )


def _tracking_number(text: str, slots: dict[str, Any]) -> dict[str, Any]:
    tracker = _tracker(text, "track_shipment", slots, "tracking_form")
    form = ValidateTrackingForm()
    return asyncio.run(form.extract_tracking_number(CollectingDispatcher(), tracker, {}))


@pytest.mark.parametrize(
    "text",
    [
        "when will it get there?",
        "幾時到呀",
        "is it still on the plane",
        "where is it now",
        "any new updates on it?",
        "what's the next step for it",
        "寄咗一個禮拜都未到，有冇新嘅消息",
    ],
)
def test_a_follow_up_after_a_lookup_is_about_that_shipment(text: str) -> None:
    """The bot asked for the number it had just shown (issue 12, tried from outside)."""
    slots = {"requested_slot": None, "last_tracked": "160-48219371"}
    assert _tracking_number(text, slots) == {"tracking_number": "160-48219371"}


@pytest.mark.parametrize(
    "text",
    [
        "I want to track another parcel",
        "I want to track a parcel",
        "查另一件貨",
        "我想查一件貨",
        "track a new parcel for me",
        "what about a different shipment",
        "/track_shipment",
    ],
)
def test_another_shipment_or_the_button_asks_for_its_number(text: str) -> None:
    slots = {"requested_slot": None, "last_tracked": "160-48219371"}
    assert _tracking_number(text, slots) == {}


def test_a_number_in_the_message_wins_over_the_last_one() -> None:
    slots = {"requested_slot": None, "last_tracked": "160-48219371"}
    found = _tracking_number("and what about MSCU1234566?", slots)
    assert found == {"tracking_number": "MSCU1234566"}


def test_with_nothing_tracked_before_the_number_is_asked_for() -> None:
    assert _tracking_number("when will it get there?", {"requested_slot": None}) == {}


def test_when_asked_for_the_number_a_question_is_not_taken_as_the_last_one() -> None:
    slots = {"requested_slot": "tracking_number", "last_tracked": "160-48219371"}
    assert _tracking_number("where is it now", slots) == {}


def _category(text: str, intent: str = "complain", **slots: Any) -> dict[str, Any]:
    tracker = _tracker(
        text, intent, {"requested_slot": "complaint_category", **slots}, "complaint_form"
    )
    form = ValidateComplaintForm()
    return asyncio.run(form.extract_complaint_category(CollectingDispatcher(), tracker, {}))


@pytest.mark.parametrize(
    "text",
    [
        "the tracking page said one thing and your hotline said another, nobody knows anything",
        "我打咗三次電話都冇人聽，留言又冇人覆，唔知搞乜",
    ],
)
def test_an_account_that_names_no_kind_is_another_kind_and_what_happened(text: str) -> None:
    """It was answered "Sorry, I didn't catch which kind of problem it is" and lost."""
    assert _category(text) == {"complaint_category": "other", "complaint_description": text}


def test_an_account_given_earlier_is_kept() -> None:
    text = "the tracking page said one thing and your hotline said another, nobody knows anything"
    assert _category(text, complaint_description="first account") == {"complaint_category": "other"}


def test_a_short_unclear_answer_is_still_asked_again() -> None:
    """A few words that name no kind are not an account: validation asks for the kind."""
    assert _category("hmm dunno") == {"complaint_category": "hmm dunno"}


@pytest.mark.parametrize(
    "text",
    [
        "it was supposed to arrive on monday and nobody told me anything",
        "should have been delivered by now",
        "it hasnt arrived yet",
        "應該上個禮拜已經到",
        "原本話星期一送到",
    ],
)
def test_a_delivery_that_has_not_come_when_promised_is_late(text: str) -> None:
    assert guess_category(text) == "late"


def test_a_question_about_when_is_no_complaint_kind() -> None:
    assert guess_category("應該幾時到") is None


def test_an_account_that_names_its_kind_is_both() -> None:
    """It was asked for again at "what happened?" right after being given."""
    text = "it was supposed to arrive on monday and nobody told me anything"
    assert _category(text) == {"complaint_category": "late", "complaint_description": text}


def test_a_kind_in_a_few_words_leaves_what_happened_to_be_asked() -> None:
    assert _category("it's late") == {"complaint_category": "late"}


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("any news on the complaint i lodged last week", "complaint_status"),
        ("can i please talk to a real person about all of this", "request_human"),
    ],
)
def test_a_long_ask_of_another_kind_is_not_an_account(text: str, intent: str) -> None:
    """The dialogue explorer's full grid: such asks moved on past "what happened?"."""
    taken = _category(text, intent)
    assert "complaint_description" not in taken and taken.get("complaint_category") != "other"


def _pickup(method: str, text: str, intent: str = "inform") -> dict[str, Any]:
    tracker = _tracker(text, intent, {"requested_slot": "pickup_date"}, "pickup_form")
    extract = getattr(ValidatePickupForm(), method)
    return asyncio.run(extract(CollectingDispatcher(), tracker, {}))


@pytest.mark.parametrize("text", ["3 cartons", "about 30kg", "兩箱"])
def test_at_the_day_a_later_answer_is_kept_and_the_day_asked_again(text: str) -> None:
    """It was answered "Sorry, I couldn't read a day in that"."""
    assert _pickup("extract_pickup_date", text) == {}


def test_at_the_day_a_weight_with_its_unit_is_kept() -> None:
    assert _pickup("extract_pickup_weight", "about 30kg") == {"pickup_weight": "30"}


def test_at_the_day_something_else_is_still_not_a_day() -> None:
    assert _pickup("extract_pickup_date", "next week sometime") == {
        "pickup_date": "?next week sometime"
    }
