"""Indicative quotes, transit times and the sales lead that may follow a quote."""

from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.common import (
    OFFER_HUMAN,
    OFFER_QUOTE,
    OFFER_SALES_CONTACT,
    RepeatsQuestionOnRequest,
    channel_of,
    entity_values,
    is_interruption,
    knowledge_base,
    language_of,
    latest_intent,
    latest_text,
    looks_like_contact,
)
from actions.sales import ask_marketing_consent, note_event
from bot.core.i18n import format_datetime, normalise_input, t
from bot.domain.contacts import parse_contact
from bot.domain.enquiries import lane_places, transit_answer
from bot.domain.kb import normalize_mode
from bot.domain.kb.normalise import has_chinese
from bot.domain.leads import latest_lead_for, lead_reference, save_lead
from bot.domain.quotes import QuoteError, RateCardNotValid, format_quote, quote
from bot.domain.service_levels import service_levels
from bot.domain.units import parse_volume_cbm, parse_weight_kg
from bot.storage.db import get_engine, run_in_session

logger = logging.getLogger(__name__)

UNKNOWN = "unknown"
_NOT_SURE = re.compile(r"\b(not sure|no idea|don'?t know|dont know|unknown|n/?a|skip)\b", re.I)
_FROM_TO = re.compile(
    r"\bfrom\s+(?P<origin>.+?)\s+(?:to|2|->)\s+(?P<dest>.+?)(?:[,.?!]|\s+by\b|$)", re.I
)
_TO = re.compile(
    r"\b(?:to|into|towards)\s+(?P<dest>[A-Za-z][A-Za-z .'-]{1,40}?)(?:[,.?!]|\s+by\b|\s+from\b|$)",
    re.I,
)
_FROM = re.compile(
    r"\bfrom\s+(?P<origin>[A-Za-z][A-Za-z .'-]{1,40}?)(?:[,.?!]|\s+by\b|\s+to\b|$)", re.I
)
# A weight or volume inside a message, in English or Chinese units ("5公斤", "2個立方");
# Chinese has no word boundaries, so a unit ends where Latin letters do not go on.
# The words that mark a Chinese destination: 去, 到, 往, 寄去, 送去.
_ZH_DESTINATION_CUE = re.compile(r"[去到往]")
_WEIGHT = re.compile(
    r"\d[\d,.]*\s*(?:(?:kgs?|kilos?|kilograms?|tonnes?|tons?|t|lbs?|pounds)(?![a-z])"
    r"|公斤|千克|公噸|噸|磅|斤)",
    re.I,
)
_VOLUME = re.compile(
    r"\d[\d,.]*\s*(?:(?:cbm|m3|m³|cubic\s+met(?:er|re)s?)(?![a-z])|個?立方(?:米|公尺)?|個?方)"
    r"|\d+\s*(?:cm|厘米|釐米)?\s*[x×*乘]\s*\d+\s*(?:cm|厘米|釐米)?\s*[x×*乘]\s*\d+"
    r"\s*(?:cm|mm|m|厘米|釐米|公分|毫米|米)?",
    re.I,
)
QUOTE_SLOTS = ("mode", "origin", "destination", "weight", "volume")


def _asked(tracker: Tracker, slot: str) -> bool:
    return tracker.get_slot("requested_slot") == slot


def _answers_another_slot(tracker: Tracker, slot: str) -> bool:
    """True when the message carries a value for another lane slot ("LCL" when asked weight)."""
    entities = {e.get("entity") for e in (tracker.latest_message or {}).get("entities") or []}
    return bool((entities & set(QUOTE_SLOTS)) - {slot})


def _text_answer(tracker: Tracker, slot: str) -> str | None:
    """The whole message as the answer to ``slot``, if it was asked and is no interruption.

    A message that answers another question instead (a place when asked for the weight)
    is left to that slot's extraction, so the customer is not told it was unreadable.
    """
    if _asked(tracker, slot) and not is_interruption(tracker):
        if _answers_another_slot(tracker, slot):
            return None
        text = latest_text(tracker).strip()
        return text[:200] or None
    return None


class LaneExtraction:
    """Finds mode, origin and destination in a message for the quote and transit forms."""

    async def extract_mode(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        for value in entity_values(tracker, "mode"):
            if normalize_mode(value):
                return {"mode": value}
        text = normalise_input(latest_text(tracker))
        if has_chinese(text) and normalize_mode(text):
            # "由香港空運去洛杉磯": a Chinese service word sits inside the sentence, with no
            # spaces around it for the model's entity to land on; the knowledge base finds it.
            return {"mode": text}
        answer = _text_answer(tracker, "mode")
        if answer and normalize_mode(answer) is None and self._mentions_lane(tracker):
            return {}  # "to Chicago" answers the destination, not the service
        return {"mode": answer} if answer else {}

    async def extract_origin(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return self._extract_place(tracker, "origin", "origin")

    async def extract_destination(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return self._extract_place(tracker, "destination", "dest")

    def _extract_place(self, tracker: Tracker, slot: str, group: str) -> dict[str, Any]:
        """The place for ``slot``: its entity, "from X to Y" in the text, or the answer."""
        values = entity_values(tracker, slot) or self._pattern(tracker, group)
        if values:
            return {slot: values[0]}
        answer = _text_answer(tracker, slot)
        return {slot: answer} if answer else {}

    def _mentions_lane(self, tracker: Tracker) -> bool:
        return bool(self._pattern(tracker, "origin") or self._pattern(tracker, "dest"))

    @staticmethod
    def _pattern(tracker: Tracker, group: str) -> list[str]:
        """'from X to Y' in the text, kept only when the knowledge base knows the place."""
        text = normalise_input(latest_text(tracker))
        kb = knowledge_base()
        if has_chinese(text):
            # "由香港寄去洛杉磯": Chinese marks the ends with 由/去 rather than from/to.
            origin, destination = kb.find_lane(text)
            asked = tracker.get_slot("requested_slot")
            if asked == "origin" and origin is None and not _ZH_DESTINATION_CUE.search(text):
                # One place with no 去/到/往 is the answer to the question asked ("深圳"),
                # not the destination that a lone place in an opening message would be.
                origin, destination = destination, None
            place = origin if group == "origin" else destination
            return [place.name] if place is not None else []
        patterns = [_FROM_TO, _FROM if group == "origin" else _TO]
        for pattern in patterns:
            match = pattern.search(text)
            if match and match.groupdict().get(group):
                place = kb.find_place(match.group(group))
                if place is not None:
                    return [place.name]
        return []

    def validate_mode(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        mode = normalize_mode(str(value or ""))
        if mode is None:
            dispatcher.utter_message(text=t("quotes.ask.mode_again", language_of(tracker)))
        return {"mode": mode}

    def validate_origin(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return {"origin": _place_or_explain(value, dispatcher, tracker)}

    def validate_destination(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return {"destination": _place_or_explain(value, dispatcher, tracker)}


def _place_or_explain(value: Any, dispatcher: CollectingDispatcher, tracker: Tracker) -> str | None:
    place = knowledge_base().find_place(str(value or ""))
    if place is None:
        shown = str(value or "").strip()[:60]
        dispatcher.utter_message(
            text=t("quotes.ask.place_again", language_of(tracker), place=shown)
        )
        return None
    return place.name


class ValidateQuoteForm(RepeatsQuestionOnRequest, LaneExtraction, FormValidationAction):
    """Collects mode, lane, weight and (for freight) volume for an indicative quote."""

    def name(self) -> str:
        return "validate_quote_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[str]:
        mode = normalize_mode(str(tracker.get_slot("mode") or ""))
        if mode in ("express", "economy"):
            # Parcels: dimensional weight rarely beats actual weight; the quote says so.
            return [slot for slot in domain_slots if slot != "volume"]
        return domain_slots

    async def extract_weight(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        # An entity the model cut short ("公斤" without its "5") is no weight: the
        # customer's own words are read before the form asks for what they already said.
        values = [v for v in entity_values(tracker, "weight") if parse_weight_kg(str(v))]
        if not values:
            match = _WEIGHT.search(latest_text(tracker))
            values = [match.group()] if match else []
        if values:
            return {"weight": values[0]}
        answer = _text_answer(tracker, "weight")
        return {"weight": answer} if answer else {}

    async def extract_volume(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        values = [v for v in entity_values(tracker, "volume") if parse_volume_cbm(str(v))]
        if not values:
            match = _VOLUME.search(latest_text(tracker))
            values = [match.group()] if match else []
        if values:
            return {"volume": values[0]}
        if _asked(tracker, "volume"):
            text = latest_text(tracker)
            if _NOT_SURE.search(text) or latest_intent(tracker)[0] == "deny":
                return {"volume": UNKNOWN}
        answer = _text_answer(tracker, "volume")
        return {"volume": answer} if answer else {}

    def validate_weight(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        kg = parse_weight_kg(str(value or ""))
        if kg is None:
            dispatcher.utter_message(text=t("quotes.ask.weight_again", language_of(tracker)))
            return {"weight": None}
        return {"weight": f"{kg:g}"}

    def validate_volume(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if value == UNKNOWN:
            return {"volume": UNKNOWN}
        cbm = parse_volume_cbm(str(value or ""))
        if cbm is None:
            dispatcher.utter_message(text=t("quotes.ask.volume_again", language_of(tracker)))
            return {"volume": None}
        return {"volume": f"{cbm:g}"}


class ActionGiveQuote(Action):
    """Works out the indicative price from the rate table and offers a sales follow-up."""

    def name(self) -> str:
        return "action_give_quote"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        kb = knowledge_base()
        mode = normalize_mode(str(tracker.get_slot("mode") or ""))
        origin, destination = lane_places(
            kb, tracker.get_slot("origin"), tracker.get_slot("destination")
        )
        weight = parse_weight_kg(str(tracker.get_slot("weight") or ""))
        volume_slot = tracker.get_slot("volume")
        volume = None if volume_slot in (None, UNKNOWN) else parse_volume_cbm(str(volume_slot))
        return await give_quote(dispatcher, tracker, mode, origin, destination, weight, volume)


async def requote(dispatcher: CollectingDispatcher, tracker: Tracker, mode: str) -> list[EventType]:
    """Price the last quote's shipment again with another service (a suggestion accepted)."""
    last = tracker.get_slot("last_quote") or {}
    origin, destination = lane_places(knowledge_base(), last.get("origin"), last.get("destination"))
    weight = last.get("weight_kg")
    volume = last.get("volume_cbm")
    return [
        SlotSet("mode", mode),
        *await give_quote(
            dispatcher,
            tracker,
            mode,
            origin,
            destination,
            float(weight) if weight else None,
            float(volume) if volume else None,
        ),
    ]


async def give_quote(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    mode: str | None,
    origin: Any,
    destination: Any,
    weight: float | None,
    volume: float | None,
) -> list[EventType]:
    """Work out and send the indicative price (or why there is none) and offer sales."""
    kb = knowledge_base()
    language = language_of(tracker)
    reset = [SlotSet(slot, None) for slot in ("weight", "volume")]
    if mode is None or origin is None or destination is None or weight is None:
        dispatcher.utter_message(text=t("quotes.details_lost", language))
        return [*reset, SlotSet("pending_offer", None)]
    try:
        result = quote(
            kb,
            mode=mode,
            origin=origin,
            destination=destination,
            weight_kg=weight,
            volume_cbm=volume,
            language=language,
        )
    except QuoteError as exc:
        reason = "card_not_valid" if isinstance(exc, RateCardNotValid) else "not_in_table"
        await note_event(tracker, "quote_refused", f"{mode}:{reason}")
        dispatcher.utter_message(
            text=f"{exc} {t('quotes.offer_sales', language)}",
            buttons=_yes_no(language),
        )
        last = {
            "mode": mode,
            "origin": origin.name,
            "destination": destination.name,
            "weight_kg": weight,
            "volume_cbm": volume,
        }
        return [
            *reset,
            SlotSet("last_quote", last),
            SlotSet("pending_offer", OFFER_SALES_CONTACT),
        ]
    dispatcher.utter_message(text=format_quote(result), buttons=_yes_no(language))
    await note_event(tracker, "quote", result.mode)
    last = {
        "mode": result.mode,
        "origin": origin.name,
        "destination": destination.name,
        "weight_kg": weight,
        "volume_cbm": volume,
        "amount": float(result.amount),
        "currency": result.currency,
    }
    return [*reset, SlotSet("last_quote", last), SlotSet("pending_offer", OFFER_SALES_CONTACT)]


def _yes_no(language: str) -> list[dict[str, str]]:
    return [
        {"title": t("quotes.button.yes", language), "payload": "/affirm"},
        {"title": t("quotes.button.no", language), "payload": "/deny"},
    ]


class ValidateTransitForm(RepeatsQuestionOnRequest, LaneExtraction, FormValidationAction):
    """Needs only the destination; origin defaults to Hong Kong, mode is optional."""

    def name(self) -> str:
        return "validate_transit_form"

    async def extract_destination(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        # Origin and mode are optional here, so pick them up alongside the destination.
        found = await super().extract_destination(dispatcher, tracker, domain)
        for extra in (
            await self.extract_origin(dispatcher, tracker, domain),
            await self.extract_mode(dispatcher, tracker, domain),
        ):
            found.update({k: v for k, v in extra.items() if v})
        return found


def mode_named(tracker: Tracker) -> str | None:
    """The service named in the message that completed the transit question ("by air",
    "空運"): Rasa keeps only the form's required slot (the destination) from its validation,
    so an optional mode said alongside it is read here."""
    for value in entity_values(tracker, "mode"):
        if mode := normalize_mode(value):
            return mode
    text = normalise_input(latest_text(tracker))
    return normalize_mode(text) if has_chinese(text) else None


class ActionGiveTransitTime(Action):
    """Answers the transit time from the table and offers a quote for the same lane."""

    def name(self) -> str:
        return "action_give_transit_time"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        kb = knowledge_base()
        language = language_of(tracker)
        mode = normalize_mode(str(tracker.get_slot("mode") or "")) or mode_named(tracker)
        origin, destination = lane_places(
            kb, tracker.get_slot("origin"), tracker.get_slot("destination")
        )
        answer, ok = transit_answer(kb, mode, origin, destination, language)
        if not ok:
            dispatcher.utter_message(text=answer)
            return [SlotSet("pending_offer", OFFER_HUMAN)]
        dispatcher.utter_message(
            text=f"{answer}\n\n{t('kb.transit.offer_quote', language)}",
            buttons=_yes_no(language),
        )
        return [
            SlotSet("origin", origin.name if origin else None),
            SlotSet("pending_offer", OFFER_QUOTE),
        ]


class ValidateLeadForm(RepeatsQuestionOnRequest, FormValidationAction):
    """Takes the customer's name and a contact our sales team can use."""

    def name(self) -> str:
        return "validate_lead_form"

    async def extract_lead_name(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        answer = _text_answer(tracker, "lead_name")
        return {"lead_name": answer} if answer else {}

    async def extract_lead_contact(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        text = latest_text(tracker)
        if not _asked(tracker, "lead_contact"):
            return {}
        if not looks_like_contact(text) and is_interruption(tracker):
            return {}
        return {"lead_contact": text.strip()[:200]}

    def validate_lead_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        name = " ".join(str(value or "").split())
        if not any(ch.isalpha() for ch in name) or len(name) > 120:
            dispatcher.utter_message(text=t("quotes.ask.lead_name_again", language_of(tracker)))
            return {"lead_name": None}
        return {"lead_name": name}

    def validate_lead_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        contact = parse_contact(str(value or ""))
        if contact is None:
            dispatcher.utter_message(text=t("quotes.ask.lead_contact_again", language_of(tracker)))
            return {"lead_contact": None}
        return {"lead_contact": contact.value}


class ActionSaveLead(Action):
    """Stores the sales lead with the quote it came from and tells the customer what next."""

    def name(self) -> str:
        return "action_save_lead"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        name = tracker.get_slot("lead_name")
        contact = tracker.get_slot("lead_contact")
        last = tracker.get_slot("last_quote") or {}
        reset = [SlotSet("lead_name", None), SlotSet("lead_contact", None)]
        language = language_of(tracker)
        try:
            fields: dict[str, Any] = dict(
                sender_id=tracker.sender_id,
                channel=channel_of(tracker),
                name=name,
                contact=contact,
                mode=last.get("mode"),
                origin=last.get("origin"),
                destination=last.get("destination"),
                weight_kg=last.get("weight_kg"),
                volume_cbm=last.get("volume_cbm"),
                quoted_amount=last.get("amount"),
                currency=last.get("currency"),
                language=language,
            )

            def store(session: Any) -> tuple[int, Any]:
                lead_id = save_lead(session, **fields)
                lead = latest_lead_for(session, fields["sender_id"])
                return lead_id, lead.due_at if lead is not None else None

            lead_id, due_at = await run_in_session(get_engine(), store)
        except ValueError as exc:
            dispatcher.utter_message(text=t("quotes.lead.try_again", language, problem=exc))
            return [*reset, FollowupAction("lead_form")]
        except SQLAlchemyError:
            logger.exception("could not store a sales lead")
            dispatcher.utter_message(text=t("quotes.lead.not_saved", language))
            return [*reset, SlotSet("pending_offer", None)]
        tz = service_levels().calendar.tz
        dispatcher.utter_message(
            text=t(
                "quotes.lead.saved",
                language,
                name=name,
                reference=lead_reference(lead_id),
                when=format_datetime(due_at, language, tz) if due_at else "",
            )
        )
        # Hong Kong's PDPO: the contact is used for promotion only if the customer agrees.
        return [
            *reset,
            SlotSet("last_quote", None),
            *ask_marketing_consent(dispatcher, contact, language),
        ]


async def same_lane_by_another_service(
    dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
) -> list[EventType] | None:
    """A service named right after a transit time or a price ("and by air?"): the same
    lane by that service.

    Both answers leave their lane in the conversation and end with an offer (a quote for
    the lane, a sales call); a bare service named then is about that lane, not a message
    to clarify, whatever NLU made of it ("what about express?" read as a term, "how about by
    sea" unclear). None when the message names no service or nothing was just answered.
    """
    mode = mode_named(tracker)
    if mode is None:
        return None
    offer = tracker.get_slot("pending_offer")
    if offer == OFFER_QUOTE and tracker.get_slot("destination"):
        tracker.slots["mode"] = mode
        answered = await ActionGiveTransitTime().run(dispatcher, tracker, domain)
        return [SlotSet("mode", mode), *answered, FollowupAction("action_listen")]
    if offer == OFFER_SALES_CONTACT and (tracker.get_slot("last_quote") or {}).get("destination"):
        return [*await requote(dispatcher, tracker, mode), FollowupAction("action_listen")]
    return None
