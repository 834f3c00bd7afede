"""Following a shipment: "tell me when it arrives", "notify me of any change", "stop updates".

The shipment is the number in the message, else the one the customer last tracked. The
subscription is kept on the channel the customer asked on; the notices themselves are
sent by the notice worker (bot.domain.shipment_updates.delivery).
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.common import OFFER_HUMAN, entity_values, language_of, latest_text
from bot.core.i18n import message, normalise_input, t
from bot.domain.shipment_updates.subscriptions import ANY, ARRIVAL, subscribe, unsubscribe
from bot.domain.tracking import find_tracking_numbers
from bot.storage.db import get_engine, run_in_session

logger = logging.getLogger(__name__)

# "when it arrives" / "到咗" asks for the arrival only; anything else for every change.
_ARRIVAL_WORDS = re.compile(r"arriv|deliver|land|gets? (here|in)|到|送達|送到", re.IGNORECASE)


def _number(tracker: Tracker) -> str | None:
    """The tracking number the customer means: in this message, else the last tracked."""
    for value in entity_values(tracker, "tracking_number"):
        found = find_tracking_numbers(normalise_input(value))
        if found:
            return found[0].number
    found = find_tracking_numbers(normalise_input(latest_text(tracker)))
    if found:
        return found[0].number
    last = tracker.get_slot("last_tracked")
    return str(last) if last else None


def _scope(tracker: Tracker) -> str:
    chosen = entity_values(tracker, "update_scope")
    if chosen and chosen[0] in (ARRIVAL, ANY):
        return chosen[0]
    return ARRIVAL if _ARRIVAL_WORDS.search(latest_text(tracker)) else ANY


def follow_buttons(number: str, language: str) -> list[dict[str, str]]:
    """The buttons under a tracking answer: follow the arrival, or every change."""
    return [
        {
            "title": t(f"updates.button_{scope}", language),
            "payload": "/subscribe_updates"
            + json.dumps({"update_scope": scope, "tracking_number": number}, separators=(",", ":")),
        }
        for scope in (ARRIVAL, ANY)
    ]


class ActionSubscribeUpdates(Action):
    """Stores the customer's subscription to a shipment on their channel."""

    def name(self) -> str:
        return "action_subscribe_updates"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        language = language_of(tracker)
        number = _number(tracker)
        if number is None:
            dispatcher.utter_message(**message("updates.no_shipment", language))
            return []
        scope = _scope(tracker)
        channel = tracker.get_latest_input_channel() or ""
        now = datetime.now(timezone.utc)
        try:
            stored = await run_in_session(
                get_engine(),
                lambda session: subscribe(
                    session, tracker.sender_id, channel, number, scope, now=now
                ),
            )
        except SQLAlchemyError:
            logger.exception("subscription failed for %s", number)
            dispatcher.utter_message(**message("tracking.unavailable", language))
            return [SlotSet("pending_offer", OFFER_HUMAN)]
        if stored is None:
            dispatcher.utter_message(**message("updates.not_found", language, number=number))
            return []
        dispatcher.utter_message(**message(f"updates.subscribed_{scope}", language, number=stored))
        return [SlotSet("last_tracked", stored)]


async def stop_updates(
    dispatcher: CollectingDispatcher, tracker: Tracker, *, quiet_if_none: bool = False
) -> tuple[bool, list[EventType]]:
    """Stop the customer's updates (for the shipment named, else all of them).

    Returns whether a reply was sent and the events to add; with ``quiet_if_none`` nothing
    is said when there was nothing to stop (a bare "unsubscribe" tried elsewhere first).
    """
    language = language_of(tracker)
    named = find_tracking_numbers(normalise_input(latest_text(tracker)))
    number = named[0].number if named else None
    now = datetime.now(timezone.utc)
    try:
        stopped = await run_in_session(
            get_engine(),
            lambda session: unsubscribe(session, tracker.sender_id, number, now=now),
        )
    except SQLAlchemyError:
        logger.exception("unsubscribe failed for %s", tracker.sender_id)
        dispatcher.utter_message(**message("tracking.unavailable", language))
        return True, [SlotSet("pending_offer", OFFER_HUMAN)]
    if not stopped:
        if quiet_if_none:
            return False, []
        dispatcher.utter_message(**message("updates.nothing_to_stop", language))
        return True, []
    about = t("updates.stopped_about", language, number=number) if number else ""
    dispatcher.utter_message(**message("updates.stopped", language, about=about))
    return True, []


class ActionStopUpdates(Action):
    """Stops the customer's updates: for the shipment named, else all of them."""

    def name(self) -> str:
        return "action_stop_updates"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        _, events = await stop_updates(dispatcher, tracker)
        return events
