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
    OFFER_QUOTE,
    OFFER_RETRY_COMPLAINT,
    OFFER_SALES_CONTACT,
    latest_intent,
    latest_text,
)
from actions.complaints import submit_complaint
from actions.handoff import hand_off
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
)
COMPLAINT_FORM_SLOTS = tuple(slot for slot in FORM_SLOTS if slot.startswith("complaint_"))
# Where a clarifying button leads, in the customer's words.
SUGGESTIONS = {
    "track_shipment": "Track a shipment",
    "ask_rates": "Get a quote",
    "ask_transit_time": "Transit times",
    "define_term": "Explain a shipping term",
    "complain": "Make a complaint",
    "complaint_status": "Check a complaint",
    "request_human": "Talk to a person",
}
LONG_MESSAGE = 1500
# A message the bot could not help with: two in a row bring the offer of a person.
NOT_UNDERSTOOD = frozenset({"nlu_fallback", "out_of_scope"})
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uff00-\uffef]")
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


def _plain_reason(text: str) -> str | None:
    """A reply for messages NLU cannot be expected to read, or None."""
    stripped = text.strip()
    if not stripped:
        return "It looks like your message was empty. What can I help you with?"
    if _CJK.search(stripped) and not _LATIN_WORD.search(stripped):
        return (
            "Sorry, I can only chat in English at the moment. 抱歉，我暫時只能以英文回覆。"
            " You can ask me to track a shipment, give a quote or transit time, or explain a "
            "shipping term, or call +852 2345 6789 to speak to a colleague in Cantonese or "
            "Mandarin."
        )
    if not _LATIN_WORD.search(stripped) and not any(ch.isdigit() for ch in stripped):
        return (
            "Thanks for your message! I can only understand text, so could you tell me in a "
            'few words what you need? For example "track my shipment" or "quote to Sydney".'
        )
    if len(stripped) > LONG_MESSAGE:
        return (
            "Thanks for the details. That's a long message for me to take in at once: could "
            'you tell me in a sentence or two what you need, for example "track my shipment", '
            '"I want to make a complaint" or "talk to a person"?'
        )
    return None


FORM_NOT_UNDERSTOOD = "Sorry, I didn't catch that as an answer to my question."
FORM_STILL_NOT_UNDERSTOOD = (
    'Sorry, I still didn\'t catch that. You can answer the question below, say "stop" to '
    "leave it, or ask for a person."
)


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
    question. Empty, emoji-only, non-English and very long messages get a specific answer.
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
        reason = _plain_reason(text)
        if reason is not None:
            dispatcher.utter_message(text=reason)
            return [SlotSet("pending_offer", None), *_end_turn(tracker)]
        if form:
            # A message the form could not take as its answer, and no rule took either:
            # say so, and the form asks its question again.
            if _previous_user_intent(tracker) in NOT_UNDERSTOOD:
                dispatcher.utter_message(text=FORM_STILL_NOT_UNDERSTOOD)
            else:
                dispatcher.utter_message(text=FORM_NOT_UNDERSTOOD)
            return [SlotSet("pending_offer", None), *_end_turn(tracker)]
        if _previous_user_intent(tracker) in NOT_UNDERSTOOD:
            dispatcher.utter_message(
                text="Sorry, I'm still not sure I understand. Would you like me to put you "
                "through to a colleague?",
                buttons=[
                    {"title": "Yes, talk to a person", "payload": "/affirm"},
                    {"title": "No, I'll rephrase", "payload": "/deny"},
                ],
            )
            return [SlotSet("pending_offer", OFFER_HUMAN), *_end_turn(tracker)]
        ranking = (tracker.latest_message or {}).get("intent_ranking") or []
        likely = [r["name"] for r in ranking if r.get("name") in SUGGESTIONS][:2]
        for default in ("track_shipment", "ask_rates", "request_human"):
            if len(likely) >= 3:
                break
            if default not in likely:
                likely.append(default)
        buttons = [{"title": SUGGESTIONS[name], "payload": f"/{name}"} for name in likely]
        if latest_intent(tracker)[0] == "out_of_scope":
            dispatcher.utter_message(response="utter_out_of_scope", buttons=buttons)
        else:
            dispatcher.utter_message(
                text="Sorry, I didn't quite understand. Could you rephrase, or pick one of these?",
                buttons=buttons,
            )
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
        if tracker.active_loop.get("name"):
            # A "no" while a form waits for an answer means "stop this".
            if not yes:
                dispatcher.utter_message(response="utter_stopped")
                return [*events, ActiveLoop(None), SlotSet("requested_slot", None)]
            # A bare "yes" answers no question of the form: the form asks again.
            return events
        if yes and offer == OFFER_SALES_CONTACT:
            return [*events, FollowupAction("lead_form")]
        if yes and offer == OFFER_QUOTE:
            return [*events, FollowupAction("quote_form")]
        if yes and offer == OFFER_HUMAN:
            return [*events, FollowupAction(HUMAN_HANDOFF_ACTION)]
        if offer == OFFER_RETRY_COMPLAINT:
            if yes:
                # The summary was confirmed before the save failed: submit it again as is.
                return [*events, *await submit_complaint(dispatcher, tracker)]
            dispatcher.utter_message(
                text="Alright, I haven't recorded that complaint. Is there anything else I "
                "can help with?"
            )
            return [*events, *[SlotSet(slot, None) for slot in COMPLAINT_FORM_SLOTS]]
        if offer is not None and not yes:
            dispatcher.utter_message(text="No problem. Is there anything else I can help with?")
            return events
        if yes:
            dispatcher.utter_message(response="utter_anything_else")
        else:
            dispatcher.utter_message(
                text="Alright. Is there anything else I can help you with today?"
            )
        return events


class ActionStop(Action):
    """Stops the current form and forgets its half-filled answers."""

    def name(self) -> str:
        return "action_stop"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_stopped")
        return [
            ActiveLoop(None),
            SlotSet("requested_slot", None),
            SlotSet("pending_offer", None),
            *[SlotSet(slot, None) for slot in FORM_SLOTS],
        ]
