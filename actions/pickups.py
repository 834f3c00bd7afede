"""Booking a pick-up in the conversation; the day and window questions it shares with
moving one (:mod:`actions.pickup_changes`)."""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, time
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session

from actions.common import (
    FLOW_INTENTS,
    INTERRUPTION_CONFIDENCE,
    RepeatsQuestionOnRequest,
    channel_of,
    language_of,
    latest_intent,
    latest_text,
    settings,
)
from actions.requests import (
    CONFIRMED,
    PICKUP_SLOTS,
    address_answer,
    asked,
    checked_address,
    interrupts,
    now_local,
    opening,
    save_request,
    say_error,
)
from bot.core.i18n import format_datetime, format_number, message, normalise_input, t
from bot.domain.requests import intake
from bot.domain.requests.pickups import (
    COUNTED_PIECES,
    SERVICES,
    check_day,
    check_pickup,
    check_pieces,
    check_weight,
    check_window,
    parse_day,
    parse_pieces,
    parse_service,
    parse_weight,
    parse_window,
)
from bot.domain.requests.records import create_pickup
from bot.domain.requests.rules import (
    RequestError,
)
from bot.domain.requests.views import RequestView
from bot.domain.requests.wording import service_label
from bot.domain.service_levels import service_levels

logger = logging.getLogger(__name__)


def _window_text(start: datetime, end: datetime, tz: Any) -> str:
    return f"{start.astimezone(tz):%H:%M}-{end.astimezone(tz):%H:%M}"


def stored_window(value: str | None) -> tuple[time, time] | None:
    """A checked window slot ("14:00-17:00") as times; None for anything else."""
    read = given_window(value)
    if read is None or read[1] is None:
        return None
    return read[0], read[1]


def total_weight_text(text: str) -> str:
    """The part of "3 boxes, 20 kg" that gives the total weight ("20 kg").

    A weight per piece ("3 boxes of 20 kg each", "3箱每箱20公斤") is kept whole, so the
    weight reader multiplies it out; otherwise the count of pieces is not a multiplier.
    """
    if re.search(r"\beach\b|\bper\b|\bevery\b|每|各", text):
        return text
    return COUNTED_PIECES.sub(" ", text)


def given_window(value: str | None) -> tuple[time, time | None] | None:
    """A window slot as read, checked or not ("14:00-17:00", "15:00-" without an end)."""
    if not value or value.startswith("?") or "-" not in value:
        return None
    first, _, last = value.partition("-")
    try:
        return time.fromisoformat(first), time.fromisoformat(last) if last else None
    except ValueError:
        return None


#: Weight units a message must name for a weight to be read before it is asked for.
_WEIGHT_UNITS = ("kg", "kilo", "公斤", "千克", "lb", "磅")
#: The questions before the weight's: an answer with a unit given at one is kept.
_BEFORE_WEIGHT = (None, "pickup_address", "pickup_date", "pickup_window", "pickup_pieces")


def weight_given_early(text: str) -> float | None:
    """A total weight named with its unit ("about 30kg", "3箱共20公斤"), or None."""
    clean = normalise_input(text).lower()
    if any(unit in clean for unit in _WEIGHT_UNITS):
        return parse_weight(total_weight_text(clean))
    return None


def answers_a_later_step(text: str) -> bool:
    """Whether a message that gives no day answers a pick-up question after the day's:
    counted pieces, a weight with its unit, or a time of day."""
    return (
        parse_pieces(text, counted=True) is not None
        or weight_given_early(text) is not None
        or parse_window(text) is not None
    )


def stored_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


class PickupTimes:
    """Mixin: reading and checking the day and the window (pick-up and reschedule forms)."""

    async def extract_pickup_date(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = latest_text(tracker)
        day = parse_day(text, now_local().date())
        if day is not None and (asked(tracker, "pickup_date") or opening(tracker)):
            return {"pickup_date": day.isoformat()}
        if asked(tracker, "pickup_date") and not interrupts(tracker):
            if answers_a_later_step(text):
                # "3 cartons", "about 30 kg", "2pm to 5pm": kept for their own questions;
                # the day is asked again, with no "I couldn't read a day in that".
                return {}
            return {"pickup_date": f"?{text[:100]}"}
        return {}

    def validate_pickup_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if value is None:
            return {"pickup_date": None}
        day = stored_day(str(value))
        if day is None:
            dispatcher.utter_message(text=t("requests.day_not_read", language_of(tracker)))
            return {"pickup_date": None}
        calendar = service_levels().calendar
        try:
            check_day(calendar, day, now_local())
        except RequestError as error:
            say_error(dispatcher, tracker, error)
            return {"pickup_date": None}
        checked: dict[str, Any] = {"pickup_date": day.isoformat()}
        # A window given before the day (or for the day being changed) is checked now.
        window = given_window(tracker.get_slot("pickup_window"))
        if window is not None:
            try:
                start, end = check_window(calendar, day, window[0], window[1], now_local())
            except RequestError as error:
                say_error(dispatcher, tracker, error)
                checked["pickup_window"] = None
            else:
                checked["pickup_window"] = _window_text(start, end, calendar.tz)
        return checked

    async def extract_pickup_window(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = latest_text(tracker)
        window = parse_window(text)
        if window is not None and (
            asked(tracker, "pickup_window") or opening(tracker) or asked(tracker, "pickup_date")
        ):
            start, end = window
            return {"pickup_window": f"{start:%H:%M}-{end:%H:%M}" if end else f"{start:%H:%M}-"}
        if asked(tracker, "pickup_window") and not interrupts(tracker):
            return {"pickup_window": f"?{text[:100]}"}
        return {}

    def validate_pickup_window(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if not value:
            return {"pickup_window": None}
        text = str(value)
        day = stored_day(tracker.get_slot("pickup_date"))
        if day is None:
            # Given before a usable day: kept until the day is in, then checked.
            return {"pickup_window": text if not text.startswith("?") else None}
        if text.startswith("?"):
            dispatcher.utter_message(text=t("requests.window_not_read", language_of(tracker)))
            return {"pickup_window": None}
        first, _, last = text.partition("-")
        calendar = service_levels().calendar
        try:
            start, end = check_window(
                calendar,
                day,
                time.fromisoformat(first),
                time.fromisoformat(last) if last else None,
                now_local(),
            )
        except (RequestError, ValueError) as error:
            if isinstance(error, RequestError):
                say_error(dispatcher, tracker, error)
            else:
                dispatcher.utter_message(text=t("requests.window_not_read", language_of(tracker)))
            return {"pickup_window": None}
        return {"pickup_window": _window_text(start, end, calendar.tz)}


class ValidatePickupForm(PickupTimes, RepeatsQuestionOnRequest, FormValidationAction):
    """Address, day, window, pieces, weight and service; then the customer confirms."""

    def name(self) -> str:
        return "validate_pickup_form"

    async def extract_pickup_address(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return address_answer(tracker, "pickup_address")

    def validate_pickup_address(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return checked_address(value, dispatcher, tracker, "pickup_address")

    async def extract_pickup_pieces(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = latest_text(tracker)
        if asked(tracker, "pickup_pieces"):
            pieces = parse_pieces(text)
            if pieces is not None:
                return {"pickup_pieces": str(pieces)}
            return {} if interrupts(tracker) else {"pickup_pieces": "?"}
        counted = parse_pieces(text, counted=True)
        return {"pickup_pieces": str(counted)} if counted is not None else {}

    def validate_pickup_pieces(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = str(value or "")
        if not text.isdigit():
            dispatcher.utter_message(text=t("requests.pieces_not_read", language_of(tracker)))
            return {"pickup_pieces": None}
        try:
            return {"pickup_pieces": str(check_pieces(int(text)))}
        except RequestError as error:
            say_error(dispatcher, tracker, error)
            return {"pickup_pieces": None}

    async def extract_pickup_weight(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = latest_text(tracker)
        if asked(tracker, "pickup_weight"):
            weight = parse_weight(text)
            if weight is not None:
                return {"pickup_weight": f"{weight:g}"}
            return {} if interrupts(tracker) else {"pickup_weight": "?"}
        if tracker.get_slot("requested_slot") in _BEFORE_WEIGHT:
            weight = weight_given_early(text)
            if weight is not None:
                return {"pickup_weight": f"{weight:g}"}
        return {}

    def validate_pickup_weight(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        try:
            weight = check_weight(float(value)) if value not in (None, "?") else check_weight(None)
        except (RequestError, ValueError) as error:
            problem = (
                error if isinstance(error, RequestError) else RequestError("pickup_weight_missing")
            )
            say_error(dispatcher, tracker, problem)
            return {"pickup_weight": None}
        return {"pickup_weight": f"{weight:g}"}

    async def extract_pickup_service(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = latest_text(tracker)
        service = parse_service(text) or (text.strip() if text.strip() in SERVICES else None)
        if service is not None:
            return {"pickup_service": service}
        if asked(tracker, "pickup_service") and not interrupts(tracker):
            return {"pickup_service": "?"}
        return {}

    def validate_pickup_service(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if value in SERVICES:
            return {"pickup_service": value}
        dispatcher.utter_message(text=t("requests.service_not_read", language_of(tracker)))
        return {"pickup_service": None}

    async def extract_pickup_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if not asked(tracker, "pickup_confirmed"):
            return {}
        text = latest_text(tracker)
        intent, confidence = latest_intent(tracker)
        if intent in FLOW_INTENTS and confidence >= INTERRUPTION_CONFIDENCE:
            # "where is my carton now?" or "stop sending me 貨件 updates" asks for something
            # else: not "change the pieces".
            return {}
        field = intake.pickup_field(text)
        if field is not None and intent != "affirm":
            return {"pickup_confirmed": f"change:{field}"}
        if intent == "affirm" or intake.says_yes(text):
            return {"pickup_confirmed": CONFIRMED}
        if intent == "deny" or intake.says_no(text):
            return {"pickup_confirmed": "change:"}
        return {}

    def validate_pickup_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if value == CONFIRMED:
            return {"pickup_confirmed": CONFIRMED}
        field = str(value or "").removeprefix("change:")
        language = language_of(tracker)
        if field in PICKUP_SLOTS:
            dispatcher.utter_message(text=t("requests.change_ok", language))
            cleared = {field: None, "pickup_confirmed": None}
            if field == "pickup_date":
                cleared["pickup_window"] = None  # a window is checked against its day
            return cleared
        dispatcher.utter_message(**message("requests.pickup.change_which", language))
        return {"pickup_confirmed": None}


class ActionAskPickupConfirmed(Action):
    """Shows the pick-up for the customer to book or correct."""

    def name(self) -> str:
        return "action_ask_pickup_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        language = language_of(tracker)
        when = window_words(tracker, language)
        dispatcher.utter_message(
            **message(
                "requests.pickup.summary",
                language,
                address=tracker.get_slot("pickup_address") or "",
                window=when,
                pieces=tracker.get_slot("pickup_pieces") or "",
                weight=format_number(float(tracker.get_slot("pickup_weight") or 0), language),
                service=service_label(tracker.get_slot("pickup_service"), language),
            )
        )
        return []


class ActionSubmitPickup(Action):
    """Books the confirmed pick-up (checked again: time has passed since the questions)."""

    def name(self) -> str:
        return "action_submit_pickup"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reset: list[EventType] = [SlotSet(slot, None) for slot in PICKUP_SLOTS]
        if tracker.get_slot("pickup_confirmed") != CONFIRMED:
            return reset
        window = stored_window(tracker.get_slot("pickup_window"))
        now = now_local()

        def book(session: Session) -> RequestView:
            slot = check_pickup(
                service_levels().calendar,
                day=stored_day(tracker.get_slot("pickup_date")),
                ready=window[0] if window else None,
                until=window[1] if window else None,
                pieces=int(tracker.get_slot("pickup_pieces") or 0),
                weight_kg=float(tracker.get_slot("pickup_weight") or 0),
                service=tracker.get_slot("pickup_service"),
                now=now,
            )
            return create_pickup(
                session,
                sender_id=tracker.sender_id,
                channel=channel_of(tracker),
                address=tracker.get_slot("pickup_address") or "",
                slot=slot,
                now=now,
            )

        return await save_request(dispatcher, tracker, book, reset)


def window_words(tracker: Tracker, language: str) -> str:
    """The window in the slots, as the customer reads it ("Monday 7 Dec, 14:00 (HKT) to 17:00")."""
    tz = settings().tz
    day = stored_day(tracker.get_slot("pickup_date"))
    window = stored_window(tracker.get_slot("pickup_window"))
    if day is None or window is None:
        return ""
    start = datetime.combine(day, window[0], tzinfo=tz)
    end = datetime.combine(day, window[1], tzinfo=tz)
    return t(
        "requests.window", language, start=format_datetime(start, language, tz), end=f"{end:%H:%M}"
    )
