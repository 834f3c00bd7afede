"""Customer requests in the conversation: what the three request forms share.

Book a pick-up, cancel or move one (:mod:`actions.pickups`), change a delivery or ask for a
copy (:mod:`actions.delivery_requests`). The checks (business hours, cut-off, holidays,
ownership) are the domain's (:mod:`bot.domain.requests`), run as each answer comes so the
customer hears at once what is wrong, and again when the request is saved; nothing is
saved until the whole request is good. The FAQ answers that promise one of these lead
into its form (:class:`ActionFaqFollowup`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from actions.common import (
    STEERING_INTENTS,
    asks_to_switch_language,
    is_interruption,
    language_of,
    latest_intent,
    latest_text,
    looks_like_question,
    settings,
)
from bot.core.i18n import t
from bot.domain.requests.rules import ADDRESS_CHANGE, HOLD, INVOICE_COPY, POD_COPY, RequestError
from bot.domain.requests.views import RequestView
from bot.domain.requests.wording import format_error, format_receipt
from bot.storage.db import get_engine, run_in_session

logger = logging.getLogger(__name__)

PICKUP_SLOTS = (
    "pickup_address",
    "pickup_date",
    "pickup_window",
    "pickup_pieces",
    "pickup_weight",
    "pickup_service",
    "pickup_confirmed",
)
PICKUP_CHANGE_SLOTS = (
    "pickup_reference",
    "pickup_change",
    "pickup_date",
    "pickup_window",
    "pickup_change_confirmed",
)
DELIVERY_SLOTS = ("delivery_kind", "delivery_shipment", "delivery_contact", "delivery_address")
#: Every slot the request forms fill, for "stop" and for a fresh start.
REQUEST_SLOTS = tuple(dict.fromkeys(PICKUP_SLOTS + PICKUP_CHANGE_SLOTS + DELIVERY_SLOTS))
CONFIRMED = "yes"
# A yes or no where a detail was asked ("not sure", "no idea") is a wrong answer, told so.
EXPECTED = frozenset({"affirm", "deny", "inform"})

#: FAQ topic -> the form it leads into, and the request kind it presets.
FAQ_FLOWS: dict[str, tuple[str, str | None]] = {
    "book_pickup": ("pickup_form", None),
    "cancel_pickup": ("pickup_change_form", None),
    "change_delivery_address": ("delivery_request_form", ADDRESS_CHANGE),
    "missed_delivery": ("delivery_request_form", None),
    "hold_for_collection": ("delivery_request_form", HOLD),
    "proof_of_delivery": ("delivery_request_form", POD_COPY),
    "invoice_copy": ("delivery_request_form", INVOICE_COPY),
    "return_shipment": ("pickup_form", None),
}


def asked(tracker: Tracker, slot: str) -> bool:
    """Whether the form's question now is ``slot``."""
    return tracker.get_slot("requested_slot") == slot


def opening(tracker: Tracker) -> bool:
    """Whether the message is the one that opened the form (no question asked yet)."""
    return tracker.get_slot("requested_slot") is None


def now_local() -> datetime:
    """Now, in the service centre's zone."""
    return datetime.now(tz=settings().tz)


def interrupts(tracker: Tracker) -> bool:
    """Whether an answer that could not be read asks something else instead.

    Called only when the answer was not understood: then a confident other intent (a
    FAQ, tracking, "stop") or a question is answered, and the form asks again after.
    """
    return is_interruption(tracker, EXPECTED) or looks_like_question(latest_text(tracker))


def interrupts_free_text(tracker: Tracker, text: str) -> bool:
    """An address is a statement that reads like anything to NLU: only a question or a
    steering message ("stop", "a person please", "reply in Chinese") interrupts it."""
    return (
        latest_intent(tracker)[0] in STEERING_INTENTS
        or looks_like_question(text)
        or asks_to_switch_language(tracker)
    )


def address_answer(tracker: Tracker, slot: str) -> dict[str, Any]:
    """The latest message as the address asked for in ``slot`` (nothing when not asked,
    or when the message asks something else instead)."""
    text = latest_text(tracker).strip()
    if asked(tracker, slot) and not interrupts_free_text(tracker, text):
        return {slot: text[:2100]}
    return {}


def checked_address(
    value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, slot: str
) -> dict[str, Any]:
    """An address answer on one line, or None with the reason told (too short, too long)."""
    text = " ".join(str(value or "").split())
    if len(text) < 5 or len(text) > 2000:
        code = "address_missing" if len(text) < 5 else "too_long"
        say_error(dispatcher, tracker, RequestError(code, limit="2,000"))
        return {slot: None}
    return {slot: text}


def say_error(dispatcher: CollectingDispatcher, tracker: Tracker, error: RequestError) -> None:
    """Tell the customer, in their language, why the answer or request cannot be taken."""
    dispatcher.utter_message(text=format_error(error, language_of(tracker)))


async def save_request(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    work: Callable[[Session], RequestView],
    reset: list[EventType],
) -> list[EventType]:
    """Save a request in one unit of work and answer with its receipt or the problem."""
    language = language_of(tracker)
    try:
        view: RequestView = await run_in_session(get_engine(), work)
    except RequestError as error:
        say_error(dispatcher, tracker, error)
        return reset
    except SQLAlchemyError:
        logger.error(
            "FAULT: could not save a request for %s (database unavailable); the customer "
            "was told nothing is recorded",
            tracker.sender_id,
            exc_info=True,
        )
        dispatcher.utter_message(text=t("requests.not_saved", language))
        return reset
    dispatcher.utter_message(text=format_receipt(view, settings().tz, language))
    return reset


def faq_topic(tracker: Tracker) -> str | None:
    """The FAQ topic the ResponseSelector chose for the latest message ("book_pickup")."""
    selector = (tracker.latest_message or {}).get("response_selector") or {}
    chosen = (selector.get("faq") or {}).get("response") or {}
    key = str(chosen.get("intent_response_key") or "")
    return key.split("/", 1)[1] if "/" in key else None


class ActionFaqFollowup(Action):
    """After a FAQ answer that promised a request, starts taking that request.

    Only outside another form: in the middle of one, the answer is given and the form
    goes on with its question.
    """

    def name(self) -> str:
        return "action_faq_followup"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        topic = faq_topic(tracker)
        if topic not in FAQ_FLOWS or tracker.active_loop.get("name"):
            return []
        form, kind = FAQ_FLOWS[topic]
        # Only answers left from an earlier request are emptied: the form validates every
        # slot set just before it starts, and an empty one is no answer to check.
        events: list[EventType] = [
            SlotSet(slot, None) for slot in REQUEST_SLOTS if tracker.get_slot(slot) is not None
        ]
        if kind is not None:
            events.append(SlotSet("delivery_kind", kind))
        return [*events, FollowupAction(form)]
