"""Changes to a delivery and copies in the conversation: a new address, hold for
collection, a redelivery, an invoice or proof of delivery copy, for the customer's own
shipment (they give the contact on its booking)."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from actions.common import RepeatsQuestionOnRequest, channel_of, language_of, latest_text
from actions.requests import (
    DELIVERY_SLOTS,
    address_answer,
    asked,
    checked_address,
    interrupts,
    now_local,
    opening,
    save_request,
    say_error,
)
from bot.core.i18n import normalise_input, t
from bot.domain.contacts import parse_contact
from bot.domain.requests import intake
from bot.domain.requests.records import create_shipment_request, own_shipment
from bot.domain.requests.rules import (
    ADDRESS_CHANGE,
    HOLD,
    POD_COPY,
    REDELIVER,
    SHIPMENT_KINDS,
    RequestError,
)
from bot.domain.requests.views import RequestView
from bot.domain.tracking import find_tracking_numbers
from bot.storage.db import get_engine, run_in_session

logger = logging.getLogger(__name__)


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
        kind_asked = asked(tracker, "delivery_kind")
        if kind is not None and (
            kind_asked or (opening(tracker) and not tracker.get_slot("delivery_kind"))
        ):
            return {"delivery_kind": kind}
        if asked(tracker, "delivery_kind") and not interrupts(tracker):
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
        if asked(tracker, "delivery_shipment") and not interrupts(tracker):
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
        text = normalise_input(latest_text(tracker))
        # A tracking number's digits are not a phone number.
        for number in find_tracking_numbers(text):
            text = text.replace(number.raw, " ")
        contact = parse_contact(text)
        if contact is not None and not asked(tracker, "delivery_address"):
            return {"delivery_contact": contact.value}
        if asked(tracker, "delivery_contact") and not interrupts(tracker):
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
            say_error(dispatcher, tracker, error)
            if error.code in ("shipment_delivered", "pod_not_delivered"):
                return {"delivery_contact": None, "delivery_shipment": None, "delivery_kind": None}
            return {"delivery_contact": None, "delivery_shipment": None}
        except SQLAlchemyError:
            logger.exception("shipment ownership check failed")
        return {"delivery_contact": contact.value}

    async def extract_delivery_address(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return address_answer(tracker, "delivery_address")

    def validate_delivery_address(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return checked_address(value, dispatcher, tracker, "delivery_address")


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
        now = now_local()

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

        return await save_request(dispatcher, tracker, save, reset)
