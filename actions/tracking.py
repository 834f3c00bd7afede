"""Shipment tracking: take the number, check it, look it up."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from actions.common import (
    OFFER_HUMAN,
    RepeatsQuestionOnRequest,
    entity_values,
    is_interruption,
    language_of,
    latest_text,
    settings,
)
from actions.sales import suggest
from actions.shipment_updates import follow_buttons
from bot.core.i18n import message, normalise_input, t
from bot.domain import promotion
from bot.domain.shipment_updates.lookups import record_lookup
from bot.domain.shipments import ShipmentView, find_shipment, format_shipment
from bot.domain.tracking import check_tracking_number, find_tracking_numbers
from bot.storage.db import get_engine, run_in_session

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# Something that could be meant as a reference: a run of at least six digits/letters
# with digits in it. Used to tell the customer "that doesn't look like a number I know".
# Bounded by anything but a Latin letter or digit, so one inside Chinese text counts too.
_REFERENCE_LIKE = re.compile(
    r"(?<![A-Za-z0-9])(?=[A-Za-z0-9-]*\d)[A-Za-z0-9][A-Za-z0-9 -]{4,}[A-Za-z0-9](?![A-Za-z0-9])"
)


# "track another parcel", "I want to track a parcel", "查另一件", "想查一件貨": a new
# lookup, not the shipment just answered ("when will it get there?", "幾時到呀").
_SHIPMENT_NOUN = (
    r"(parcel|package|shipment|box|container|consignment|delivery|order|item|cargo|pallet"
    r"|awb|air waybill)s?"
)
_ANOTHER = re.compile(
    r"\b(another|other|different|second)\b"
    rf"|\b(a|an|any|some|new|next)\s+(new\s+)?{_SHIPMENT_NOUN}\b"
    r"|另(一|外)|第二|其他|其它|新(嘅|的)?(貨|件|包裹|單)|一(件|批|箱|張|個)(貨|嘢|包裹|單|櫃)",
    re.I,
)


def _about_the_same_shipment(text: str) -> bool:
    """Whether a tracking ask with no number in it is about the shipment last looked up:
    typed words (a button's payload asks to track some shipment, not that one) that do not
    ask about another one."""
    return not text.strip().startswith("/") and not _ANOTHER.search(text)


class ValidateTrackingForm(RepeatsQuestionOnRequest, FormValidationAction):
    """Finds the tracking number in what the customer wrote and checks its check digit."""

    def name(self) -> str:
        return "validate_tracking_form"

    async def extract_tracking_number(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        # Full-width digits and letters (１６０－４８２１９３７１) and Simplified Chinese
        # are folded first, so a number inside Chinese text reads like any other.
        text = normalise_input(latest_text(tracker))
        candidates = find_tracking_numbers(text)
        for value in entity_values(tracker, "tracking_number"):
            found = check_tracking_number(normalise_input(value))
            if found is not None:
                candidates.append(found)
        if candidates:
            best = next((c for c in candidates if c.valid), candidates[0])
            return {"tracking_number": best.number if best.valid else best.raw}
        asked = tracker.get_slot("requested_slot") == "tracking_number"
        if asked and is_interruption(tracker):
            return {}
        last = tracker.get_slot("last_tracked")
        if not asked and last and _about_the_same_shipment(text):
            # "when will it get there?" just after a lookup is about that shipment: the
            # customer is not asked again for the number the answer above shows.
            return {"tracking_number": last}
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
        checked = check_tracking_number(normalise_input(str(value or "")))
        if checked is not None and checked.valid:
            return {"tracking_number": checked.number, "tracking_attempts": 0}
        attempts = int(tracker.get_slot("tracking_attempts") or 0) + 1
        language = language_of(tracker)
        if checked is None:
            problem = t("tracking.not_a_number", language, value=value)
        else:
            problem = t("tracking.wrong_number", language, problem=checked.problem_in(language))
        if attempts >= MAX_ATTEMPTS:
            dispatcher.utter_message(**message("tracking.give_up", language, problem=problem))
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
        language = language_of(tracker)
        try:
            view = await run_in_session(
                get_engine(),
                lambda session: _look_up(
                    session, number, tracker.sender_id, tracker.get_latest_input_channel() or ""
                ),
            )
        except SQLAlchemyError:
            logger.exception("shipment lookup failed for %s", number)
            dispatcher.utter_message(**message("tracking.unavailable", language))
            return [*events, SlotSet("pending_offer", OFFER_HUMAN)]
        if view is None:
            dispatcher.utter_message(**message("tracking.not_found", language, number=number))
            return [*events, SlotSet("pending_offer", OFFER_HUMAN)]
        # Under the answer: follow this shipment's arrival or every change.
        dispatcher.utter_message(
            text=format_shipment(view, settings().tz, language),
            buttons=follow_buttons(view.tracking_number, language),
        )
        events.append(SlotSet("last_tracked", view.tracking_number))
        suggested = await suggest(
            dispatcher, tracker, promotion.after_tracking(view.mode), "tracking"
        )
        if view.account:
            # The shipper's key account: the KPI facts slice service by account with it.
            events.append(SlotSet("account", view.account))
        return [*events, *(suggested or [SlotSet("pending_offer", None)])]


def _look_up(session: Session, number: str, sender_id: str, channel: str) -> ShipmentView | None:
    """The shipment's answer, and the record that this customer asked (for the KPIs)."""
    view = find_shipment(session, number)
    if view is not None:
        now = datetime.now(timezone.utc)
        record_lookup(session, sender_id, channel, view.tracking_number, now=now)
    return view
