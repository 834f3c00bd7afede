"""Requests: book a pick-up, cancel or move one, change a delivery or ask for a copy.

Three forms take the details; the checks (business hours, cut-off, holidays, ownership)
are the domain's (:mod:`bot.domain.requests`), run as each answer comes so the customer
hears at once what is wrong, and again when the request is saved. Every answer that
cannot be used gets a clear message and the question again; nothing is saved until the
whole request is good. The FAQ answers that promise one of these lead into its form
(:class:`ActionFaqFollowup`).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from actions.common import (
    STEERING_INTENTS,
    RepeatsQuestionOnRequest,
    channel_of,
    is_interruption,
    language_of,
    latest_intent,
    latest_text,
    looks_like_question,
    settings,
)
from bot.core.i18n import format_datetime, format_number, message, normalise_input, t
from bot.domain.contacts import parse_contact
from bot.domain.requests import intake
from bot.domain.requests.pickups import (
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
from bot.domain.requests.records import (
    check_own_pickup,
    create_pickup,
    create_pickup_change,
    create_shipment_request,
    own_shipment,
)
from bot.domain.requests.rules import (
    ADDRESS_CHANGE,
    HOLD,
    INVOICE_COPY,
    PICKUP_CANCEL,
    PICKUP_RESCHEDULE,
    POD_COPY,
    REDELIVER,
    SHIPMENT_KINDS,
    RequestError,
    normalise_reference,
)
from bot.domain.requests.views import RequestView
from bot.domain.requests.wording import format_error, format_receipt, service_label
from bot.domain.service_levels import service_levels
from bot.domain.tracking import find_tracking_numbers
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
PICKUP_CHANGE_SLOTS = ("pickup_reference", "pickup_change", "pickup_date", "pickup_window")
DELIVERY_SLOTS = ("delivery_kind", "delivery_shipment", "delivery_contact", "delivery_address")
#: Every slot the request forms fill, for "stop" and for a fresh start.
REQUEST_SLOTS = tuple(dict.fromkeys(PICKUP_SLOTS + PICKUP_CHANGE_SLOTS + DELIVERY_SLOTS))
CONFIRMED = "yes"
# Answers in these forms read like the FAQ that opened them ("3 boxes tomorrow").
EXPECTED = frozenset({"faq", "inform"})

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


def _asked(tracker: Tracker, slot: str) -> bool:
    return tracker.get_slot("requested_slot") == slot


def _opening(tracker: Tracker) -> bool:
    return tracker.get_slot("requested_slot") is None


def _now() -> datetime:
    return datetime.now(tz=settings().tz)


def _interrupts(tracker: Tracker) -> bool:
    """Whether an answer that could not be read asks something else instead."""
    return is_interruption(tracker, EXPECTED)


def _interrupts_free_text(tracker: Tracker, text: str) -> bool:
    """An address is a statement that reads like anything to NLU: only a question or a
    steering message ("stop", "a person please") interrupts it."""
    return latest_intent(tracker)[0] in STEERING_INTENTS or (
        looks_like_question(text) and _interrupts(tracker)
    )


def _say_error(dispatcher: CollectingDispatcher, tracker: Tracker, error: RequestError) -> None:
    dispatcher.utter_message(text=format_error(error, language_of(tracker)))


def _window_text(start: datetime, end: datetime, tz: Any) -> str:
    return f"{start.astimezone(tz):%H:%M}-{end.astimezone(tz):%H:%M}"


def _stored_window(value: str | None) -> tuple[time, time] | None:
    if not value or "-" not in value:
        return None
    first, last = value.split("-", 1)
    return time.fromisoformat(first), time.fromisoformat(last)


def _stored_day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


class _PickupTimes:
    """Mixin: reading and checking the day and the window (pick-up and reschedule forms)."""

    async def extract_pickup_date(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = latest_text(tracker)
        day = parse_day(text, _now().date())
        if day is not None and (_asked(tracker, "pickup_date") or _opening(tracker)):
            return {"pickup_date": day.isoformat()}
        if _asked(tracker, "pickup_date") and not _interrupts(tracker):
            return {"pickup_date": f"?{text[:100]}"}
        return {}

    def validate_pickup_date(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        day = _stored_day(str(value or ""))
        if day is None:
            dispatcher.utter_message(text=t("requests.day_not_read", language_of(tracker)))
            return {"pickup_date": None}
        try:
            check_day(service_levels().calendar, day, _now())
        except RequestError as error:
            _say_error(dispatcher, tracker, error)
            return {"pickup_date": None}
        return {"pickup_date": day.isoformat()}

    async def extract_pickup_window(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = latest_text(tracker)
        window = parse_window(text)
        if window is not None and (
            _asked(tracker, "pickup_window") or _opening(tracker) or _asked(tracker, "pickup_date")
        ):
            start, end = window
            return {"pickup_window": f"{start:%H:%M}-{end:%H:%M}" if end else f"{start:%H:%M}-"}
        if _asked(tracker, "pickup_window") and not _interrupts(tracker):
            return {"pickup_window": f"?{text[:100]}"}
        return {}

    def validate_pickup_window(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = str(value or "")
        day = _stored_day(tracker.get_slot("pickup_date"))
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
                _now(),
            )
        except (RequestError, ValueError) as error:
            if isinstance(error, RequestError):
                _say_error(dispatcher, tracker, error)
            else:
                dispatcher.utter_message(text=t("requests.window_not_read", language_of(tracker)))
            return {"pickup_window": None}
        return {"pickup_window": _window_text(start, end, calendar.tz)}


class ValidatePickupForm(_PickupTimes, RepeatsQuestionOnRequest, FormValidationAction):
    """Address, day, window, pieces, weight and service; then the customer confirms."""

    def name(self) -> str:
        return "validate_pickup_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[str]:
        if _opening(tracker) and not any(tracker.get_slot(s) for s in PICKUP_SLOTS):
            dispatcher.utter_message(text=t("requests.pickup.intro", language_of(tracker)))
        return domain_slots

    async def extract_pickup_address(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = latest_text(tracker).strip()
        if _asked(tracker, "pickup_address") and not _interrupts_free_text(tracker, text):
            return {"pickup_address": text[:2100]}
        return {}

    def validate_pickup_address(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = " ".join(str(value or "").split())
        if len(text) < 5:
            _say_error(dispatcher, tracker, RequestError("address_missing"))
            return {"pickup_address": None}
        if len(text) > 2000:
            _say_error(dispatcher, tracker, RequestError("too_long", limit="2,000"))
            return {"pickup_address": None}
        return {"pickup_address": text}

    async def extract_pickup_pieces(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = latest_text(tracker)
        if _asked(tracker, "pickup_pieces"):
            pieces = parse_pieces(text)
            if pieces is not None:
                return {"pickup_pieces": str(pieces)}
            return {} if _interrupts(tracker) else {"pickup_pieces": "?"}
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
            _say_error(dispatcher, tracker, error)
            return {"pickup_pieces": None}

    async def extract_pickup_weight(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = latest_text(tracker)
        if _asked(tracker, "pickup_weight"):
            weight = parse_weight(text)
            if weight is not None:
                return {"pickup_weight": f"{weight:g}"}
            return {} if _interrupts(tracker) else {"pickup_weight": "?"}
        if _opening(tracker) or _asked(tracker, "pickup_pieces"):
            clean = normalise_input(text).lower()
            if any(unit in clean for unit in ("kg", "kilo", "公斤", "千克", "lb", "磅")):
                weight = parse_weight(text)
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
            _say_error(dispatcher, tracker, problem)
            return {"pickup_weight": None}
        return {"pickup_weight": f"{weight:g}"}

    async def extract_pickup_service(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = latest_text(tracker)
        service = parse_service(text) or (text.strip() if text.strip() in SERVICES else None)
        if service is not None:
            return {"pickup_service": service}
        if _asked(tracker, "pickup_service") and not _interrupts(tracker):
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
        if not _asked(tracker, "pickup_confirmed"):
            return {}
        text = latest_text(tracker)
        field = intake.pickup_field(text)
        intent = latest_intent(tracker)[0]
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
        tz = settings().tz
        day = _stored_day(tracker.get_slot("pickup_date"))
        window = _stored_window(tracker.get_slot("pickup_window"))
        when = ""
        if day is not None and window is not None:
            start = datetime.combine(day, window[0], tzinfo=tz)
            end = datetime.combine(day, window[1], tzinfo=tz)
            when = t(
                "requests.window",
                language,
                start=format_datetime(start, language, tz),
                end=f"{end:%H:%M}",
            )
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


async def _save(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    work: Any,
    reset: list[EventType],
) -> list[EventType]:
    """Save a request in one unit of work and answer with its receipt or the problem."""
    language = language_of(tracker)
    try:
        view: RequestView = await run_in_session(get_engine(), work)
    except RequestError as error:
        _say_error(dispatcher, tracker, error)
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
        window = _stored_window(tracker.get_slot("pickup_window"))
        now = _now()

        def book(session: Session) -> RequestView:
            slot = check_pickup(
                service_levels().calendar,
                day=_stored_day(tracker.get_slot("pickup_date")),
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

        return await _save(dispatcher, tracker, book, reset)


class ValidatePickupChangeForm(_PickupTimes, RepeatsQuestionOnRequest, FormValidationAction):
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
            return ["pickup_reference", "pickup_change"]
        return domain_slots

    async def extract_pickup_reference(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = latest_text(tracker)
        found = normalise_reference(normalise_input(text))
        if found is not None:
            return {"pickup_reference": found}
        if _asked(tracker, "pickup_reference") and not _interrupts(tracker):
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
            _say_error(dispatcher, tracker, error)
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
        if change is not None and (_opening(tracker) or _asked(tracker, "pickup_change")):
            return {"pickup_change": change}
        if _asked(tracker, "pickup_change") and not _interrupts(tracker):
            return {"pickup_change": "?"}
        return {}

    def validate_pickup_change(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if value in (PICKUP_CANCEL, PICKUP_RESCHEDULE):
            return {"pickup_change": value}
        dispatcher.utter_message(response="utter_ask_pickup_change")
        return {"pickup_change": None}


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
        window = _stored_window(tracker.get_slot("pickup_window"))
        now = _now()

        def ask(session: Session) -> RequestView:
            moved_to = None
            if kind == PICKUP_RESCHEDULE:
                calendar = service_levels().calendar
                day = check_day(calendar, _stored_day(tracker.get_slot("pickup_date")), now)
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

        return await _save(dispatcher, tracker, ask, reset)


class ValidateDeliveryRequestForm(RepeatsQuestionOnRequest, FormValidationAction):
    """Which change or copy, the shipment, the contact on its booking, a new address."""

    def name(self) -> str:
        return "validate_delivery_request_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[str]:
        if tracker.get_slot("delivery_kind") == ADDRESS_CHANGE:
            return domain_slots
        return [slot for slot in domain_slots if slot != "delivery_address"]

    async def extract_delivery_kind(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        kind = intake.delivery_kind(latest_text(tracker))
        # At the opening the FAQ may have named the kind already; that one stands.
        asked = _asked(tracker, "delivery_kind")
        if kind is not None and (
            asked or (_opening(tracker) and not tracker.get_slot("delivery_kind"))
        ):
            return {"delivery_kind": kind}
        if _asked(tracker, "delivery_kind") and not _interrupts(tracker):
            return {"delivery_kind": "?"}
        return {}

    def validate_delivery_kind(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if value in SHIPMENT_KINDS:
            return {"delivery_kind": value}
        dispatcher.utter_message(response="utter_ask_delivery_kind")
        return {"delivery_kind": None}

    async def extract_delivery_shipment(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = normalise_input(latest_text(tracker))
        found = find_tracking_numbers(text)
        if found:
            best = next((n for n in found if n.valid), found[0])
            return {"delivery_shipment": best.number if best.valid else f"?{best.raw}"}
        if _asked(tracker, "delivery_shipment") and not _interrupts(tracker):
            return {"delivery_shipment": "?"}
        return {}

    def validate_delivery_shipment(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if str(value or "?").startswith("?"):
            dispatcher.utter_message(text=t("requests.shipment_not_read", language_of(tracker)))
            return {"delivery_shipment": None}
        return {"delivery_shipment": value}

    async def extract_delivery_contact(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = latest_text(tracker)
        contact = parse_contact(text)
        if contact is not None and not _asked(tracker, "delivery_address"):
            return {"delivery_contact": contact.value}
        if _asked(tracker, "delivery_contact") and not _interrupts(tracker):
            return {"delivery_contact": "?"}
        return {}

    async def validate_delivery_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        language = language_of(tracker)
        contact = parse_contact(str(value or ""))
        if contact is None:
            dispatcher.utter_message(text=t("requests.contact_not_read", language))
            return {"delivery_contact": None}
        number = tracker.get_slot("delivery_shipment")
        kind = tracker.get_slot("delivery_kind")
        if not number or kind not in SHIPMENT_KINDS:
            return {"delivery_contact": contact.value}

        def check(session: Session) -> None:
            shipment = own_shipment(session, number, contact)
            delivered = shipment.status == "delivered"
            if kind in (ADDRESS_CHANGE, HOLD, REDELIVER) and delivered:
                raise RequestError("shipment_delivered", number=shipment.tracking_number)
            if kind == POD_COPY and not delivered:
                raise RequestError("pod_not_delivered", number=shipment.tracking_number)

        try:
            await run_in_session(get_engine(), check)
        except RequestError as error:
            # Someone else's shipment reads like an unknown one; both are asked again.
            _say_error(dispatcher, tracker, error)
            if error.code in ("shipment_delivered", "pod_not_delivered"):
                return {"delivery_contact": None, "delivery_shipment": None, "delivery_kind": None}
            return {"delivery_contact": None, "delivery_shipment": None}
        except SQLAlchemyError:
            logger.exception("shipment ownership check failed")
        return {"delivery_contact": contact.value}

    async def extract_delivery_address(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = latest_text(tracker).strip()
        if _asked(tracker, "delivery_address") and not _interrupts_free_text(tracker, text):
            return {"delivery_address": text[:2100]}
        return {}

    def validate_delivery_address(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = " ".join(str(value or "").split())
        if len(text) < 5 or len(text) > 2000:
            code = "address_missing" if len(text) < 5 else "too_long"
            _say_error(dispatcher, tracker, RequestError(code, limit="2,000"))
            return {"delivery_address": None}
        return {"delivery_address": text}


class ActionSubmitDeliveryRequest(Action):
    """Saves the change or copy request for the customer's own shipment."""

    def name(self) -> str:
        return "action_submit_delivery_request"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reset: list[EventType] = [SlotSet(slot, None) for slot in DELIVERY_SLOTS]
        kind = tracker.get_slot("delivery_kind")
        if kind not in SHIPMENT_KINDS:
            return reset
        now = _now()

        def save(session: Session) -> RequestView:
            return create_shipment_request(
                session,
                kind=kind,
                sender_id=tracker.sender_id,
                channel=channel_of(tracker),
                shipment_ref=tracker.get_slot("delivery_shipment") or "",
                contact=tracker.get_slot("delivery_contact") or "",
                address=tracker.get_slot("delivery_address"),
                now=now,
            )

        return await _save(dispatcher, tracker, save, reset)


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
        events: list[EventType] = [SlotSet(slot, None) for slot in REQUEST_SLOTS]
        if kind is not None:
            events.append(SlotSet("delivery_kind", kind))
        return [*events, FollowupAction(form)]


__all__ = [
    "DELIVERY_SLOTS",
    "FAQ_FLOWS",
    "PICKUP_CHANGE_SLOTS",
    "PICKUP_SLOTS",
    "REQUEST_SLOTS",
    "ActionAskPickupConfirmed",
    "ActionFaqFollowup",
    "ActionSubmitDeliveryRequest",
    "ActionSubmitPickup",
    "ActionSubmitPickupChange",
    "ValidateDeliveryRequestForm",
    "ValidatePickupChangeForm",
    "ValidatePickupForm",
    "faq_topic",
]
