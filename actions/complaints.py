"""Complaints: take the complaint, confirm it, save it with a promised follow-up time."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from actions.common import (
    OFFER_RETRY_COMPLAINT,
    STEERING_INTENTS,
    RepeatsQuestionOnRequest,
    asks_to_switch_language,
    channel_of,
    client_address,
    entity_values,
    is_interruption,
    language_of,
    latest_intent,
    latest_text,
    looks_like_contact,
    looks_like_question,
    settings,
)
from actions.handoff import hand_off
from bot.core.i18n import message, normalise_input, t
from bot.domain.complaints.intake import (
    CATEGORY_LABELS,
    KEEP_CHAT,
    NO_SHIPMENT,
    field_to_change,
    guess_category,
    says_no,
    says_yes,
    summary_message,
    wants_to_keep_chat,
    word_count,
)
from bot.domain.complaints.records import create_complaint
from bot.domain.complaints.rules import MAX_DESCRIPTION, ComplaintError
from bot.domain.complaints.views import ComplaintReceipt
from bot.domain.complaints.wording import format_receipt
from bot.domain.contacts import parse_contact
from bot.domain.handoff.config import matches_keyword
from bot.domain.rate_limits import RateLimited, charge
from bot.domain.shipments import find_shipment
from bot.domain.tracking import check_tracking_number, find_tracking_numbers
from bot.storage.db import get_engine, run_in_session

logger = logging.getLogger(__name__)

COMPLAINT_SLOTS = (
    "complaint_category",
    "complaint_description",
    "complaint_shipment",
    "complaint_contact",
    "complaint_confirmed",
)
# A first message this detailed already says what happened; so does a shorter one that
# names the problem.
DETAILED_WORDS = 15
DESCRIBED_WORDS = 8
#: Intents said in a few words ("ok bye", "冇嘢喇，拜拜啦", "no"): at "what happened?" a
#: longer message NLU reads as one of them is the customer's account.
BRIEF_INTENTS = frozenset({"goodbye", "deny"})
BRIEF_WORDS = 5
CONFIRMED = "yes"
# Complaints this serious go to a person in the chat as well as to the follow-up queue.
URGENT_SEVERITIES = frozenset({"high", "critical"})
# Answers in a complaint form often read like a complaint; they are not interruptions.
COMPLAINT_INTENTS = frozenset({"complain", "complaint_status"})


def _asked(tracker: Tracker, slot: str) -> bool:
    return tracker.get_slot("requested_slot") == slot


def _interrupts_description(tracker: Tracker, text: str) -> bool:
    """Whether a message at "what happened?" asks for something else instead.

    What happened is told in statements, and those read like enquiries to NLU ("the
    parcel came two days late" looks like the missed-delivery FAQ), so only a question or
    a steering message ("stop", "a person please", "reply in Chinese from now on")
    interrupts, and never a detailed one. A goodbye or a no is said in a few words: a
    longer statement read as one ("個箱遲咗四日先送到，同講好嘅日子唔同" as goodbye, for its
    日子) is what happened, not a reason to drop the complaint.
    """
    words = word_count(text)
    if not is_interruption(tracker, COMPLAINT_INTENTS) or words >= DETAILED_WORDS:
        return False
    intent = latest_intent(tracker)[0]
    if intent in BRIEF_INTENTS and words > BRIEF_WORDS:
        return False
    return (
        intent in STEERING_INTENTS or looks_like_question(text) or asks_to_switch_language(tracker)
    )


class ValidateComplaintForm(RepeatsQuestionOnRequest, FormValidationAction):
    """Collects category, what happened, shipment (optional) and contact; then confirms."""

    def name(self) -> str:
        return "validate_complaint_form"

    async def extract_complaint_category(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = latest_text(tracker)
        if _asked(tracker, "complaint_category"):
            category = guess_category(text)
            if is_interruption(tracker, COMPLAINT_INTENTS) and category is None:
                return {}
            if category is not None and word_count(text) >= DESCRIBED_WORDS:
                # "it was meant to come on Monday and nobody told me": the kind and what
                # happened in one answer, as an opening message may give them.
                if not tracker.get_slot("complaint_description"):
                    return {"complaint_category": category, "complaint_description": text}
                return {"complaint_category": category}
            complaining = latest_intent(tracker)[0] == "complain"
            if category is None and complaining and word_count(text) >= DESCRIBED_WORDS:
                # An account of what happened that names no kind ("I rang three times and
                # nobody picked up") is a complaint of another kind, and it says what
                # happened: asking again for a kind would lose it. Not a status ask or a
                # request for a person that NLU was unsure of: only a complaint. The
                # summary shows both, and the customer can change either there.
                described = {"complaint_category": "other"}
                if not tracker.get_slot("complaint_description"):
                    described["complaint_description"] = text
                return described
            return {"complaint_category": category or text[:100]}
        if tracker.get_slot("requested_slot") is None:
            # The message that opened the complaint often names what went wrong.
            category = guess_category(text)
            return {"complaint_category": category} if category else {}
        return {}

    async def extract_complaint_description(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = latest_text(tracker).strip()
        if _asked(tracker, "complaint_description"):
            if _interrupts_description(tracker, text):
                return {}
            return {"complaint_description": text}
        if tracker.get_slot("requested_slot") is None:
            # The message that opened the complaint already says what happened when it is
            # detailed, or names the problem in a sentence ("my box arrived wet and late");
            # the customer sees it in the summary and can change it there.
            words = word_count(text)
            named = guess_category(text) is not None and words >= DESCRIBED_WORDS
            if words >= DETAILED_WORDS or named:
                return {"complaint_description": text}
        return {}

    async def extract_complaint_shipment(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = normalise_input(latest_text(tracker))
        found = find_tracking_numbers(text) + [
            number
            for value in entity_values(tracker, "tracking_number")
            if (number := check_tracking_number(normalise_input(value))) is not None
        ]
        if found:
            best = next((n for n in found if n.valid), found[0])
            return {"complaint_shipment": best.number if best.valid else best.raw}
        if _asked(tracker, "complaint_shipment"):
            if says_no(text) or latest_intent(tracker)[0] == "deny":
                return {"complaint_shipment": NO_SHIPMENT}
            if not is_interruption(tracker, COMPLAINT_INTENTS):
                return {"complaint_shipment": text.strip()[:60]}
        return {}

    async def extract_complaint_contact(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if not _asked(tracker, "complaint_contact"):
            return {}
        text = normalise_input(latest_text(tracker))
        keeps_chat = channel_of(tracker) == "telegram" and wants_to_keep_chat(text)
        answer = looks_like_contact(text) or keeps_chat
        if not answer and is_interruption(tracker, COMPLAINT_INTENTS):
            return {}
        return {"complaint_contact": text.strip()[:200]}

    async def extract_complaint_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if not _asked(tracker, "complaint_confirmed"):
            return {}
        text = latest_text(tracker)
        change = field_to_change(text)
        if change:
            return {"complaint_confirmed": f"change:{change}"}
        intent = latest_intent(tracker)[0]
        if intent == "affirm" or says_yes(text):
            return {"complaint_confirmed": CONFIRMED}
        if intent == "deny" or says_no(text):
            return {"complaint_confirmed": "change:"}
        return {}

    def validate_complaint_category(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if value in CATEGORY_LABELS:
            return {"complaint_category": value}
        dispatcher.utter_message(text=t("complaints.category_not_caught", language_of(tracker)))
        return {"complaint_category": None}

    def validate_complaint_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = str(value or "").strip()
        if len(text) > MAX_DESCRIPTION:
            dispatcher.utter_message(
                text=t(
                    "complaints.description_too_long",
                    language_of(tracker),
                    length=f"{len(text):,}",
                    limit=f"{MAX_DESCRIPTION:,}",
                )
            )
            return {"complaint_description": None}
        if _too_short(text):
            dispatcher.utter_message(
                text=t("complaints.description_too_short", language_of(tracker))
            )
            return {"complaint_description": None}
        return {"complaint_description": text}

    async def validate_complaint_shipment(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if value == NO_SHIPMENT:
            return {"complaint_shipment": NO_SHIPMENT}
        language = language_of(tracker)
        checked = check_tracking_number(normalise_input(str(value or "")))
        if checked is None or not checked.valid:
            # The tracking checks explain a wrong number in English only.
            if checked is not None and language == "en":
                problem = checked.problem
            else:
                problem = t("complaints.shipment_not_recognised", language)
            dispatcher.utter_message(
                text=t("complaints.shipment_invalid", language, problem=problem)
            )
            return {"complaint_shipment": None}
        try:
            number = checked.number
            known = await run_in_session(
                get_engine(), lambda session: find_shipment(session, number) is not None
            )
        except SQLAlchemyError:
            logger.exception("shipment check failed during a complaint")
            known = True  # keep the customer's number; staff will check it
        if not known:
            dispatcher.utter_message(
                text=t("complaints.shipment_unknown", language, number=checked.number)
            )
            return {"complaint_shipment": None}
        return {"complaint_shipment": checked.number}

    def validate_complaint_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = str(value or "")
        if channel_of(tracker) == "telegram" and wants_to_keep_chat(text):
            return {"complaint_contact": KEEP_CHAT}
        contact = parse_contact(text)
        if contact is None:
            dispatcher.utter_message(text=t("complaints.contact_invalid", language_of(tracker)))
            return {"complaint_contact": None}
        return {"complaint_contact": contact.value}

    def validate_complaint_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if value == CONFIRMED:
            return {"complaint_confirmed": CONFIRMED}
        field = str(value or "").removeprefix("change:")
        if field in COMPLAINT_SLOTS:
            dispatcher.utter_message(text=t("complaints.change_ok", language_of(tracker)))
            return {field: None, "complaint_confirmed": None}
        dispatcher.utter_message(**message("complaints.change_which", language_of(tracker)))
        return {"complaint_confirmed": None}


class ActionAskComplaintContact(Action):
    """Asks how to reach the customer; on Telegram the chat itself will do."""

    def name(self) -> str:
        return "action_ask_complaint_contact"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        language = language_of(tracker)
        if channel_of(tracker) == "telegram":
            dispatcher.utter_message(**message("complaints.ask_contact_telegram", language))
        else:
            dispatcher.utter_message(text=t("complaints.ask_contact", language))
        return []


class ActionAskComplaintConfirmed(Action):
    """Shows the complaint summary for the customer to confirm or correct."""

    def name(self) -> str:
        return "action_ask_complaint_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(
            **summary_message(
                category=tracker.get_slot("complaint_category") or "other",
                description=tracker.get_slot("complaint_description") or "",
                shipment=tracker.get_slot("complaint_shipment"),
                contact=tracker.get_slot("complaint_contact"),
                language=language_of(tracker),
            )
        )
        return []


async def submit_complaint(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """Save the complaint in the slots (once) and give the reference and follow-up time.

    Also the retry after a failed save ("yes" to the offer, see actions/conversation.py),
    so the retry is answered in the same turn with no follow-up action to predict after.
    """
    reset = [SlotSet(slot, None) for slot in COMPLAINT_SLOTS]
    shipment = tracker.get_slot("complaint_shipment")
    contact = tracker.get_slot("complaint_contact")
    fields: dict[str, Any] = {
        "sender_id": tracker.sender_id,
        "channel": channel_of(tracker),
        "category": tracker.get_slot("complaint_category"),
        "description": tracker.get_slot("complaint_description"),
        "shipment_ref": None if shipment in (None, NO_SHIPMENT) else shipment,
        "contact": None if contact in (None, KEEP_CHAT) else contact,
        "account": tracker.get_slot("account"),
    }
    address = client_address(tracker)
    language = language_of(tracker)

    def save(session: Session) -> ComplaintReceipt:
        receipt = create_complaint(session, **fields)
        if receipt.created:  # a repeat of one already taken is not counted again
            charge(session, "complaint", sender_id=tracker.sender_id, address=address)
        return receipt

    try:
        receipt = await run_in_session(get_engine(), save)
    except RateLimited as exc:
        dispatcher.utter_message(text=exc.text)
        return reset
    except ComplaintError as exc:
        dispatcher.utter_message(text=t("complaints.not_saved", language, problem=str(exc)))
        return reset
    except SQLAlchemyError:
        logger.error(
            "FAULT: could not save a confirmed complaint for %s (database unavailable); "
            "the customer was told nothing is recorded and offered a retry",
            tracker.sender_id,
            exc_info=True,
        )
        # The answers are kept (not the confirmation) so "yes" submits the same
        # complaint again; the dedupe key makes a retry after a lost commit answer
        # return the first reference instead of a second complaint.
        dispatcher.utter_message(**message("complaints.save_failed", language))
        return [
            SlotSet("complaint_confirmed", None),
            SlotSet("pending_offer", OFFER_RETRY_COMPLAINT),
        ]
    dispatcher.utter_message(text=format_receipt(receipt, settings().tz, language))
    reason = _handoff_reason(receipt.severity, tracker.get_slot("complaint_description"))
    if reason is not None:
        return reset + await hand_off(
            dispatcher,
            tracker,
            reason,
            complaint_category=tracker.get_slot("complaint_category"),
        )
    return reset


class ActionSubmitComplaint(Action):
    """Saves the confirmed complaint (once) and gives the reference and follow-up time."""

    def name(self) -> str:
        return "action_submit_complaint"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if tracker.get_slot("complaint_confirmed") != CONFIRMED:
            return [SlotSet(slot, None) for slot in COMPLAINT_SLOTS]
        return await submit_complaint(dispatcher, tracker)


def _too_short(text: str) -> bool:
    """Whether "what happened" is too short to act on: one word ("late", "爛咗")."""
    return word_count(text) < 2


def _handoff_reason(severity: str, description: str | None) -> str | None:
    """Why a saved complaint also goes to a person now, or None when it waits its turn.

    A high or critical complaint goes first; otherwise a handoff keyword in what happened
    ("lawyer", "police": agents edit the list) sends it to a person straight away.
    """
    if severity in URGENT_SEVERITIES:
        return "high_severity_complaint"
    if matches_keyword(description or ""):
        return "keyword"
    return None
