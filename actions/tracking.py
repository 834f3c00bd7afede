"""Shipment tracking: take the number, check it, look it up."""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.common import (
    OFFER_HUMAN,
    RepeatsQuestionOnRequest,
    entity_values,
    is_interruption,
    latest_text,
    settings,
)
from bot.domain.shipments import find_shipment, format_shipment
from bot.domain.tracking import check_tracking_number, find_tracking_numbers
from bot.storage.db import get_engine, run_in_session

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# Something that could be meant as a reference: a run of at least six digits/letters
# with digits in it. Used to tell the customer "that doesn't look like a number I know".
_REFERENCE_LIKE = re.compile(r"\b(?=[A-Za-z0-9-]*\d)[A-Za-z0-9][A-Za-z0-9 -]{4,}[A-Za-z0-9]\b")

ASK_HUMAN_BUTTONS = [
    {"title": "Check another number", "payload": "/track_shipment"},
    {"title": "Talk to a person", "payload": "/affirm"},
]


class ValidateTrackingForm(RepeatsQuestionOnRequest, FormValidationAction):
    """Finds the tracking number in what the customer wrote and checks its check digit."""

    def name(self) -> str:
        return "validate_tracking_form"

    async def extract_tracking_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = latest_text(tracker)
        candidates = find_tracking_numbers(text)
        for value in entity_values(tracker, "tracking_number"):
            found = check_tracking_number(value)
            if found is not None:
                candidates.append(found)
        if candidates:
            best = next((c for c in candidates if c.valid), candidates[0])
            return {"tracking_number": best.number if best.valid else best.raw}
        asked = tracker.get_slot("requested_slot") == "tracking_number"
        if asked and is_interruption(tracker):
            return {}
        match = _REFERENCE_LIKE.search(text)
        if match and sum(ch.isdigit() for ch in match.group()) >= 5:
            return {"tracking_number": match.group().strip()}
        return {}

    async def validate_tracking_number(
        self,
        value: Any,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> dict[str, Any]:
        checked = check_tracking_number(str(value or ""))
        if checked is not None and checked.valid:
            return {"tracking_number": checked.number, "tracking_attempts": 0}
        attempts = int(tracker.get_slot("tracking_attempts") or 0) + 1
        if checked is None:
            problem = (
                f'"{value}" doesn\'t look like a tracking number I recognise. Air waybills '
                "look like 160-12345675, containers like MSCU1234566, postal items like "
                "RR123456785HK."
            )
        else:
            problem = f"That number doesn't look right: {checked.problem}"
        if attempts >= MAX_ATTEMPTS:
            dispatcher.utter_message(
                text=(
                    f"{problem} I still can't read a valid tracking number, so a colleague "
                    "can look it up for you. Would you like me to arrange that?"
                ),
                buttons=[
                    {"title": "Yes, please", "payload": "/affirm"},
                    {"title": "No, thanks", "payload": "/deny"},
                ],
            )
            return {
                "tracking_number": None,
                "tracking_attempts": 0,
                "requested_slot": None,
                "pending_offer": OFFER_HUMAN,
            }
        dispatcher.utter_message(text=problem)
        return {"tracking_number": None, "tracking_attempts": attempts}


class ActionTrackShipment(Action):
    """Looks a checked tracking number up and tells the customer where the shipment is."""

    def name(self) -> str:
        return "action_track_shipment"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        number = tracker.get_slot("tracking_number")
        if not number:
            return []
        events: list[EventType] = [SlotSet("tracking_number", None)]
        try:
            view = await run_in_session(
                get_engine(), lambda session: find_shipment(session, number)
            )
        except SQLAlchemyError:
            logger.exception("shipment lookup failed for %s", number)
            dispatcher.utter_message(
                text=(
                    "Sorry, I can't reach our tracking system right now. Please try again in "
                    "a few minutes, or I can put you through to a colleague. Would you like "
                    "that?"
                ),
                buttons=ASK_HUMAN_BUTTONS,
            )
            return [*events, SlotSet("pending_offer", OFFER_HUMAN)]
        if view is None:
            dispatcher.utter_message(
                text=(
                    f"I couldn't find a shipment with the number {number}. New shipments "
                    "usually appear within a few hours of pick-up, so please double-check "
                    "the number with the sender. If it's right, I can put you through to a "
                    "colleague who will look into it. Would you like that?"
                ),
                buttons=ASK_HUMAN_BUTTONS,
            )
            return [*events, SlotSet("pending_offer", OFFER_HUMAN)]
        dispatcher.utter_message(text=format_shipment(view, settings().tz))
        if view.account:
            # The shipper's key account: the KPI facts slice service by account with it.
            events.append(SlotSet("account", view.account))
        return [*events, SlotSet("pending_offer", None)]
