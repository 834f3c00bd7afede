"""Cancelling or moving a pick-up in the conversation, by its reference, confirmed first."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from actions.common import (
    RepeatsQuestionOnRequest,
    channel_of,
    language_of,
    latest_intent,
    latest_text,
)
from actions.pickups import PickupTimes, stored_day, stored_window, window_words
from actions.requests import (
    CONFIRMED,
    PICKUP_CHANGE_SLOTS,
    asked,
    interrupts,
    now_local,
    opening,
    save_request,
    say_error,
)
from bot.core.i18n import message, normalise_input, t
from bot.domain.requests import intake
from bot.domain.requests.pickups import check_day, check_window
from bot.domain.requests.records import check_own_pickup, create_pickup_change
from bot.domain.requests.rules import (
    PICKUP_CANCEL,
    PICKUP_RESCHEDULE,
    RequestError,
    normalise_reference,
)
from bot.domain.requests.views import RequestView
from bot.domain.service_levels import service_levels
from bot.storage.db import get_engine, run_in_session

logger = logging.getLogger(__name__)


class ValidatePickupChangeForm(PickupTimes, RepeatsQuestionOnRequest, FormValidationAction):
    """The pick-up's reference, cancel or move, and for a move the new day and window."""

    def name(self) -> str:
        return "validate_pickup_change_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[str]:
        if tracker.get_slot("pickup_change") == PICKUP_CANCEL:
            return ["pickup_reference", "pickup_change", "pickup_change_confirmed"]
        return domain_slots

    async def extract_pickup_change_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if not asked(tracker, "pickup_change_confirmed"):
            return {}
        text = latest_text(tracker)
        intent = latest_intent(tracker)[0]
        if intent == "affirm" or intake.says_yes(text):
            return {"pickup_change_confirmed": CONFIRMED}
        if intent == "deny" or intake.says_no(text):
            return {"pickup_change_confirmed": "no"}
        return {} if interrupts(tracker) else {"pickup_change_confirmed": "?"}

    def validate_pickup_change_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if value in (CONFIRMED, "no"):
            return {"pickup_change_confirmed": value}
        dispatcher.utter_message(text=t("requests.yes_or_no", language_of(tracker)))
        return {"pickup_change_confirmed": None}

    async def extract_pickup_reference(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = latest_text(tracker)
        found = normalise_reference(normalise_input(text))
        if found is not None:
            return {"pickup_reference": found}
        if asked(tracker, "pickup_reference") and not interrupts(tracker):
            return {"pickup_reference": "?"}
        return {}

    async def validate_pickup_reference(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if value == "?" or normalise_reference(str(value or "")) is None:
            dispatcher.utter_message(text=t("requests.reference_not_read", language_of(tracker)))
            return {"pickup_reference": None}
        try:
            reference = await run_in_session(
                get_engine(), lambda s: check_own_pickup(s, str(value), tracker.sender_id)
            )
        except RequestError as error:
            say_error(dispatcher, tracker, error)
            return {"pickup_reference": None}
        except SQLAlchemyError:
            logger.exception("pick-up look-up failed")
            dispatcher.utter_message(text=t("requests.not_saved", language_of(tracker)))
            return {"pickup_reference": None}
        return {"pickup_reference": reference}

    async def extract_pickup_change(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        change = intake.pickup_change(latest_text(tracker))
        if change is not None and (opening(tracker) or asked(tracker, "pickup_change")):
            return {"pickup_change": change}
        if asked(tracker, "pickup_change") and not interrupts(tracker):
            return {"pickup_change": "?"}
        return {}

    def validate_pickup_change(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if value in (PICKUP_CANCEL, PICKUP_RESCHEDULE):
            return {"pickup_change": value}
        dispatcher.utter_message(response="utter_ask_pickup_change")
        return {"pickup_change": None}


class ActionAskPickupChangeConfirmed(Action):
    """Asks the customer to confirm the cancellation or the move of their pick-up."""

    def name(self) -> str:
        return "action_ask_pickup_change_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        language = language_of(tracker)
        reference = tracker.get_slot("pickup_reference") or ""
        if tracker.get_slot("pickup_change") == PICKUP_CANCEL:
            dispatcher.utter_message(
                **message("requests.pickup_change.confirm_cancel", language, reference=reference)
            )
            return []
        dispatcher.utter_message(
            **message(
                "requests.pickup_change.confirm_move",
                language,
                reference=reference,
                window=window_words(tracker, language),
            )
        )
        return []


class ActionSubmitPickupChange(Action):
    """Asks for the cancellation or the move of the customer's pick-up."""

    def name(self) -> str:
        return "action_submit_pickup_change"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reset: list[EventType] = [SlotSet(slot, None) for slot in PICKUP_CHANGE_SLOTS]
        kind = tracker.get_slot("pickup_change")
        reference = tracker.get_slot("pickup_reference")
        if kind not in (PICKUP_CANCEL, PICKUP_RESCHEDULE) or not reference:
            return reset
        if tracker.get_slot("pickup_change_confirmed") != CONFIRMED:
            dispatcher.utter_message(
                text=t("requests.pickup_change.kept", language_of(tracker), reference=reference)
            )
            return reset
        window = stored_window(tracker.get_slot("pickup_window"))
        now = now_local()

        def ask(session: Session) -> RequestView:
            moved_to = None
            if kind == PICKUP_RESCHEDULE:
                calendar = service_levels().calendar
                day = check_day(calendar, stored_day(tracker.get_slot("pickup_date")), now)
                moved_to = check_window(
                    calendar, day, window[0] if window else None, window[1] if window else None, now
                )
            return create_pickup_change(
                session,
                kind=kind,
                sender_id=tracker.sender_id,
                channel=channel_of(tracker),
                pickup_reference=reference,
                window=moved_to,
                now=now,
            )

        return await save_request(dispatcher, tracker, ask, reset)
