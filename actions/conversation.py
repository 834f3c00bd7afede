"""Conversation management: fallback, answers to the bot's offers, stopping a form."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    HUMAN_HANDOFF_ACTION,
    OFFER_HUMAN,
    OFFER_MARKETING_CONSENT,
    OFFER_QUOTE,
    OFFER_RETRY_COMPLAINT,
    OFFER_SALES_CONTACT,
    OFFER_STATUS_REFERENCE,
    language_of,
    latest_intent,
    latest_text,
)
from actions.complaints import submit_complaint
from actions.handoff import hand_off
from actions.quotes import requote, same_lane_by_another_service
from actions.requests import REQUEST_SLOTS
from actions.sales import (
    answer_marketing_consent,
    answer_suggestion,
    suggest,
    withdraw_marketing_consent,
)
from bot.core.i18n import message, t
from bot.domain import promotion
from bot.domain.handoff.config import matches_keyword

FORM_SLOTS = (
    "tracking_number",
    "mode",
    "origin",
    "destination",
    "weight",
    "volume",
    "lead_name",
    "lead_contact",
    "complaint_category",
    "complaint_description",
    "complaint_shipment",
    "complaint_contact",
    "complaint_confirmed",
    *REQUEST_SLOTS,
)
COMPLAINT_FORM_SLOTS = tuple(slot for slot in FORM_SLOTS if slot.startswith("complaint_"))
# Where a clarifying button leads; its title is conversation.suggest.<intent>.
SUGGESTIONS = (
    "track_shipment",
    "ask_rates",
    "ask_transit_time",
    "define_term",
    "complain",
    "complaint_status",
    "request_human",
)
LONG_MESSAGE = 1500
# A message the bot could not help with: two in a row bring the offer of a person.
NOT_UNDERSTOOD = frozenset({"nlu_fallback", "out_of_scope"})
# Scripts we do not answer in: Japanese kana and Korean hangul. (Chinese is understood.)
_OTHER_SCRIPT = re.compile(r"[\u3040-\u30ff\uac00-\ud7af]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def _previous_user_intent(tracker: Tracker) -> str | None:
    """Intent of the customer's message before the latest one, if any."""
    seen_latest = False
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        if not seen_latest:
            seen_latest = True
            continue
        return ((event.get("parse_data") or {}).get("intent") or {}).get("name")
    return None


def _plain_reason(text: str, language: str) -> str | None:
    """A reply for messages NLU cannot be expected to read, or None."""
    stripped = text.strip()
    if not stripped:
        return t("conversation.empty", language)
    if _OTHER_SCRIPT.search(stripped) and not _LATIN_WORD.search(stripped):
        return t("conversation.other_language", language)
    if (
        not _LATIN_WORD.search(stripped)
        and not _HAN.search(stripped)
        and not any(ch.isdigit() for ch in stripped)
    ):
        return t("conversation.not_text", language)
    if len(stripped) > LONG_MESSAGE:
        return t("conversation.too_long", language)
    return None


def _end_turn(tracker: Tracker) -> list[EventType]:
    """What follows the fallback: the form's question again, or listening.

    The fallback is also Rasa's core fallback, run when no rule matches. Then no rule
    matches after it either: a form that rejected the message stays rejected, so the
    policies predicted the fallback again and again until Rasa's circuit breaker stopped
    the turn (ten apologies in one answer, then silence). Naming the next step here ends
    that loop whatever rule or policy brought the fallback in.
    """
    form = tracker.active_loop.get("name")
    if form:
        return [FollowupAction(form)]
    return [FollowupAction("action_listen")]


class ActionFallback(Action):
    """Two-stage fallback: first clarify with the likeliest topics, then offer a person.

    Serves unclear messages (nlu_fallback), out-of-scope ones and bare answers outside a
    question. Empty, emoji-only, Japanese or Korean, and very long messages get a specific
    answer.
    """

    def name(self) -> str:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = latest_text(tracker)
        if matches_keyword(text):
            # Words like "lawyer" or "police" go to a person straight away.
            # hand_off names the next step itself (the wait in the queue, or listening).
            return await hand_off(dispatcher, tracker, "keyword")
        form = tracker.active_loop.get("name")
        language = language_of(tracker)
        reason = _plain_reason(text, language)
        if reason is not None:
            dispatcher.utter_message(text=reason)
            return [SlotSet("pending_offer", None), *_end_turn(tracker)]
        if not form:
            followed = await same_lane_by_another_service(dispatcher, tracker, domain)
            if followed is not None:
                return followed
        if form:
            # A message the form could not take as its answer, and no rule took either:
            # say so, and the form asks its question again.
            if _previous_user_intent(tracker) in NOT_UNDERSTOOD:
                dispatcher.utter_message(text=t("conversation.form_still_not_understood", language))
            else:
                dispatcher.utter_message(text=t("conversation.form_not_understood", language))
            return [SlotSet("pending_offer", None), *_end_turn(tracker)]
        if _previous_user_intent(tracker) in NOT_UNDERSTOOD:
            dispatcher.utter_message(**message("conversation.offer_human", language))
            return [SlotSet("pending_offer", OFFER_HUMAN), *_end_turn(tracker)]
        ranking = (tracker.latest_message or {}).get("intent_ranking") or []
        likely = [r["name"] for r in ranking if r.get("name") in SUGGESTIONS][:2]
        for default in ("track_shipment", "ask_rates", "request_human"):
            if len(likely) >= 3:
                break
            if default not in likely:
                likely.append(default)
        buttons = [
            {"title": t(f"conversation.suggest.{name}", language), "payload": f"/{name}"}
            for name in likely
        ]
        if latest_intent(tracker)[0] == "out_of_scope":
            dispatcher.utter_message(response="utter_out_of_scope", buttons=buttons)
        else:
            dispatcher.utter_message(text=t("conversation.clarify", language), buttons=buttons)
        return [SlotSet("pending_offer", None), *_end_turn(tracker)]


class ActionRespondToOffer(Action):
    """A yes or no from the customer answers whatever the bot offered last."""

    def name(self) -> str:
        return "action_respond_to_offer"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        offer = tracker.get_slot("pending_offer")
        yes = latest_intent(tracker)[0] == "affirm"
        events: list[EventType] = [SlotSet("pending_offer", None)]
        language = language_of(tracker)
        if tracker.active_loop.get("name"):
            # A "no" while a form waits for an answer means "stop this".
            if not yes:
                dispatcher.utter_message(response="utter_stopped")
                return [*events, ActiveLoop(None), SlotSet("requested_slot", None)]
            # A bare "yes" answers no question of the form: the form asks again.
            return events
        if yes and offer == OFFER_SALES_CONTACT:
            return [*events, FollowupAction("lead_form")]
        if offer == OFFER_MARKETING_CONSENT:
            return [*events, *await answer_marketing_consent(dispatcher, tracker, yes)]
        if promotion.suggestion_of(offer) is not None:
            answer = await answer_suggestion(dispatcher, tracker, offer, yes, requote)
            return [*events, *answer]
        if offer == OFFER_SALES_CONTACT and not yes:
            # No sales call wanted: one fitting service may be worth a mention instead.
            last = tracker.get_slot("last_quote") or {}
            if last.get("amount") is not None and last.get("weight_kg"):
                dispatcher.utter_message(text=t("conversation.no_problem", language))
                suggestion = promotion.after_quote(
                    str(last.get("mode")), float(last["weight_kg"]), last.get("volume_cbm")
                )
                suggested = await suggest(dispatcher, tracker, suggestion, "quote")
                return [*events, *suggested]
        if yes and offer == OFFER_QUOTE:
            return [*events, FollowupAction("quote_form")]
        if yes and offer == OFFER_HUMAN:
            return [*events, FollowupAction(HUMAN_HANDOFF_ACTION)]
        if offer == OFFER_RETRY_COMPLAINT:
            if yes:
                # The summary was confirmed before the save failed: submit it again as is.
                return [*events, *await submit_complaint(dispatcher, tracker)]
            dispatcher.utter_message(text=t("conversation.complaint_not_recorded", language))
            return [*events, *[SlotSet(slot, None) for slot in COMPLAINT_FORM_SLOTS]]
        if offer == OFFER_STATUS_REFERENCE:
            if yes:
                dispatcher.utter_message(text=t("complaints.status.send_reference", language))
                return events
            dispatcher.utter_message(text=t("complaints.status.colleague_looks_up", language))
            return [*events, FollowupAction(HUMAN_HANDOFF_ACTION)]
        if offer is not None and not yes:
            dispatcher.utter_message(text=t("conversation.no_problem", language))
            return events
        if yes:
            dispatcher.utter_message(response="utter_anything_else")
        else:
            dispatcher.utter_message(text=t("conversation.anything_else_today", language))
        return events


class ActionStop(Action):
    """Stops the current form and forgets its half-filled answers."""

    def name(self) -> str:
        return "action_stop"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if not tracker.active_loop.get("name") and await withdraw_marketing_consent(
            dispatcher, tracker, quiet_if_none=True
        ):
            # "Stop" outside any question, from a customer who agreed to direct marketing:
            # the consent is withdrawn (Hong Kong's PDPO), and they are told.
            return [SlotSet("pending_offer", None)]
        dispatcher.utter_message(response="utter_stopped")
        return [
            ActiveLoop(None),
            SlotSet("requested_slot", None),
            SlotSet("pending_offer", None),
            *[SlotSet(slot, None) for slot in FORM_SLOTS],
        ]
