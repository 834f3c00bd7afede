"""Handing a conversation to a person: queue record, notice, and the wait in the queue.

The conversation is not paused while it waits: ``handoff_wait_form`` stays with the
customer until an agent takes it over (the console pauses it then), so their messages are
kept for the agent and answered with their place in the queue, and they can leave it.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from actions.common import (
    asks_to_switch_language,
    channel_of,
    client_address,
    language_of,
    latest_intent,
    latest_text,
    settings,
    validates_new_message,
)
from bot.core.i18n import normalise_input
from bot.domain.form_switch_wording import format_set_aside
from bot.domain.handoff.context import last_tracked_number, wanted_text
from bot.domain.handoff.queue import HandoffTicket, request_handoff
from bot.domain.handoff.rules import HandoffError, is_noise
from bot.domain.handoff.waiting import (
    acknowledgement_due,
    leave_queue,
    note_waiting_message,
    waiting_ticket,
)
from bot.domain.handoff.wording import (
    format_handoff_notice,
    format_waiting_ack,
    leave_button,
    left_queue_text,
    queue_ended_text,
)
from bot.domain.rate_limits import RateLimited, charge
from bot.domain.shipments import find_shipment
from bot.domain.teams import route_team
from bot.storage.db import get_engine, run_in_session

logger = logging.getLogger(__name__)

# Slots an agent wants to see in the summary, in the order they read them.
CONTEXT_SLOTS = (
    "tracking_number",
    "mode",
    "origin",
    "destination",
    "weight",
    "volume",
    "complaint_category",
    "complaint_description",
    "complaint_shipment",
    "last_quote",
)
NOT_UNDERSTOOD = frozenset({"nlu_fallback", "out_of_scope"})
WAIT_FORM = "handoff_wait_form"
# The wait form's one question, never answered but by leaving the queue.
WAIT_SLOT = "handoff_wait_done"
# Slots of the wait: the queued conversation's handoff id, and when the customer last
# heard their place (POSIX seconds; None until their first message in the queue).
HANDOFF_SLOT = "handoff_id"
ACK_SLOT = "handoff_acked_at"
LEFT = "left"
ENDED = "ended"
KEEP_WAITING = "waiting"
_LEAVE_WORDS = re.compile(
    r"^\W*(?:/stop|cancel|stop|quit|exit|leave(?: the)? queue|never ?mind|forget it|"
    r"no(?:,)? thanks?|i'?ll wait no more|don'?t (?:need|want) (?:a|the) (?:person|human|agent))"
    r"\W*(?:please|pls|thanks?|thank you)?\W*$",
    re.IGNORECASE,
)
# The same in Chinese as Hong Kong customers type it (after normalise_input, so Simplified
# and full-width forms count): "取消", "唔等喇", "唔使喇，唔該", "離開輪候", "算數啦".
_LEAVE_WORDS_ZH = re.compile(
    r"^\W*(?:我)?(?:要|想)?(?:取消|唔等(?:喇|啦|了|嘞)?|唔想等(?:喇|啦|了)?|唔使(?:等)?(?:喇|啦|了)?|"
    r"唔洗(?:等)?(?:喇|啦|了)?|不用(?:等)?了?|算(?:數|了|啦|吧)(?:啦|喇)?|離開(?:輪候|排隊)?|退出(?:輪候|排隊)?|"
    r"唔排(?:喇|啦)?|唔需要(?:真人|同事|人工)?(?:喇|啦|了)?)"
    r"\W*(?:唔該|多謝|謝謝|thanks?)?\W*$",
)
ANSWER_INTENTS = frozenset({"affirm", "deny", "inform", "request_human", "nlu_fallback"})
LAST_MESSAGES = 5


def _user_turns(tracker: Tracker) -> list[tuple[str, str]]:
    """(intent, text) of each message the customer wrote, oldest first; a retrieval
    intent with its topic (``faq/opening_hours``). Messages the service itself injected
    (``EXTERNAL_`` intents, such as a survey offer) are not the customer's."""
    turns = []
    for event in tracker.events:
        if event.get("event") == "user":
            parse = event.get("parse_data") or {}
            intent = (parse.get("intent") or {}).get("name") or ""
            if intent.startswith("EXTERNAL_"):
                continue
            selected = ((parse.get("response_selector") or {}).get(intent) or {}).get("response")
            full = (selected or {}).get("intent_response_key") if intent == "faq" else None
            turns.append((full or intent, event.get("text") or ""))
    return turns


def conversation_context(tracker: Tracker, reason: str) -> tuple[str, dict[str, Any], str]:
    """Summary for the agent, structured context, and the intent that shaped the request."""
    turns = _user_turns(tracker)
    topic = next(
        (intent for intent, _ in reversed(turns) if intent and intent not in ANSWER_INTENTS),
        "",
    )
    slots = {
        name: tracker.get_slot(name)
        for name in CONTEXT_SLOTS
        if tracker.get_slot(name) not in (None, "", [])
    }
    last = [text for _, text in turns[-LAST_MESSAGES:]]
    lines = [f"Reason: {reason.replace('_', ' ')}."]
    if topic:
        lines.append(f"Customer wanted: {wanted_text(topic, reason)}.")
    if slots:
        lines.append(
            "Details: " + "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in slots.items())
        )
    if last:
        lines.append("Last messages: " + " | ".join(text[:200] for text in last))
    context = {
        "intent": topic,
        "slots": slots,
        "last_messages": last,
        # Tracking clears its slot after each look-up: the shipment is in the slot events.
        "shipment": last_tracked_number(tracker.events),
    }
    return "\n".join(lines), context, topic


def infer_reason(tracker: Tracker) -> str:
    """Why the customer is being handed over, from the conversation itself."""
    intents = [intent for intent, _ in _user_turns(tracker)]
    earlier = [i for i in intents[:-1] if i not in ("affirm", "deny")]
    if len(earlier) >= 2 and all(i in NOT_UNDERSTOOD for i in earlier[-2:]):
        return "repeated_fallback"
    return "customer_asked"


async def hand_off(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    reason: str,
    complaint_category: str | None = None,
) -> list[EventType]:
    """Queue the conversation for a person, tell the customer, and start the wait.

    The wait (``handoff_wait_form``) keeps what the customer writes for the agent and
    answers it with their place; the console pauses the conversation when an agent takes
    it. If the queue cannot be reached the customer gets the service team's phone and
    email instead, and the bot keeps answering.
    """
    summary, context, topic = conversation_context(tracker, reason)
    quoted = tracker.get_slot("mode") or (tracker.get_slot("last_quote") or {}).get("mode")
    address = client_address(tracker)
    language = language_of(tracker)

    def queue(session: Session) -> HandoffTicket:
        # The mode the customer asked a quote for, else that of the shipment they tracked.
        tracked = find_shipment(session, context["shipment"]) if context["shipment"] else None
        team = route_team(
            intent=topic or None,
            mode=quoted or (tracked.mode if tracked else None),
            complaint_category=complaint_category or tracker.get_slot("complaint_category"),
        )
        ticket = request_handoff(
            session,
            sender_id=tracker.sender_id,
            channel=channel_of(tracker),
            reason=reason,
            team=team,
            summary=summary,
            context=context,
            account=tracker.get_slot("account"),
        )
        if ticket.created:  # asking again while already queued is not counted
            charge(session, "handoff", sender_id=tracker.sender_id, address=address)
        return ticket

    try:
        ticket = await run_in_session(get_engine(), queue)
    except RateLimited as exc:
        dispatcher.utter_message(text=exc.text_in(language))
        return [SlotSet("pending_offer", None)]
    except (SQLAlchemyError, HandoffError):
        logger.exception("could not queue a handoff for %s", tracker.sender_id)
        dispatcher.utter_message(response="utter_request_human_unavailable")
        return [SlotSet("pending_offer", None), FollowupAction("action_listen")]
    events: list[EventType] = [SlotSet("pending_offer", None)]
    if not ticket.created and ticket.position == 0:
        # An agent already holds it: the conversation is paused, nothing to wait for.
        dispatcher.utter_message(text=format_handoff_notice(ticket, settings().tz, language))
        return [*events, FollowupAction("action_listen")]
    form = tracker.active_loop.get("name")
    if form and form != WAIT_FORM:
        # The customer was half-way through a form: say it is set aside, as any other
        # question that interrupts a form does (bot/engine/form_switch.py).
        dispatcher.utter_message(text=format_set_aside(form, language))
    dispatcher.utter_message(
        text=format_handoff_notice(ticket, settings().tz, language),
        buttons=[leave_button(language)],
    )
    if form:
        # A half-filled form would take over the first message after the hand-back.
        events += [ActiveLoop(None), SlotSet("requested_slot", None)]
    return [
        *events,
        SlotSet(HANDOFF_SLOT, str(ticket.id)),
        SlotSet(ACK_SLOT, None),
        SlotSet(WAIT_SLOT, None),
        FollowupAction(WAIT_FORM),
    ]


class ActionRequestHuman(Action):
    """The customer asked for a person (directly, or by accepting the bot's offer)."""

    def name(self) -> str:
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = latest_text(tracker)
        if not text.startswith("/") and is_noise(text):
            # 10,000 repeated letters once read as "a person please": never by itself a
            # reason to queue (the fallback asks for a short message instead).
            return [FollowupAction("action_fallback")]
        return await hand_off(dispatcher, tracker, infer_reason(tracker))


def _wants_to_leave(tracker: Tracker) -> bool:
    text = normalise_input(latest_text(tracker)).strip()
    return (
        latest_intent(tracker)[0] == "stop"
        or bool(_LEAVE_WORDS.match(text))
        or bool(_LEAVE_WORDS_ZH.match(text))
    )


class ValidateHandoffWaitForm(FormValidationAction):
    """Every message while queued: kept for the agent, or the customer leaves the queue."""

    def name(self) -> str:
        return "validate_handoff_wait_form"

    async def extract_handoff_wait_done(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if not validates_new_message(tracker, self.form_name()):
            # Joining the queue: the message that asked for a person is in the summary.
            return {}
        if _wants_to_leave(tracker):
            return {WAIT_SLOT: LEFT}
        if latest_intent(tracker)[0].startswith("EXTERNAL_"):
            # Sent by the service itself (a survey offer), not written by the customer.
            return {WAIT_SLOT: KEEP_WAITING}
        if asks_to_switch_language(tracker):
            # Not a message for the agent: the wait gives way to the switch (Rasa's rule
            # for switch_language), then tells the place again in the new language.
            return {}
        text = latest_text(tracker)
        try:
            ticket = await run_in_session(
                get_engine(),
                lambda session: note_waiting_message(session, tracker.sender_id, text),
            )
        except SQLAlchemyError:
            logger.exception("could not keep a waiting customer's message (%s)", tracker.sender_id)
            return {WAIT_SLOT: KEEP_WAITING}
        return {WAIT_SLOT: KEEP_WAITING if ticket is not None else ENDED}

    def validate_handoff_wait_done(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        if value in (LEFT, ENDED):
            return {WAIT_SLOT: value}
        # Still waiting: the form asks its "question" again, which answers the customer
        # with their place when an answer is due (ActionAskHandoffWaitDone).
        return {WAIT_SLOT: None}


class ActionAskHandoffWaitDone(Action):
    """The wait form's question: the customer's place and wait, when it is due."""

    def name(self) -> str:
        return "action_ask_handoff_wait_done"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if _joining(tracker):
            return []
        last = tracker.get_slot(ACK_SLOT)
        now = time.time()
        due = acknowledgement_due(float(last) if last is not None else None, now)
        if not due and not _switched_language(tracker):
            return []
        try:
            ticket: HandoffTicket | None = await run_in_session(
                get_engine(), lambda session: waiting_ticket(session, tracker.sender_id)
            )
        except SQLAlchemyError:
            logger.exception("could not read the queue for %s", tracker.sender_id)
            return []
        if ticket is None:
            return []
        language = language_of(tracker)
        dispatcher.utter_message(
            text=format_waiting_ack(ticket, settings().tz, language),
            buttons=[leave_button(language)],
        )
        return [SlotSet(ACK_SLOT, now)]


def _joining(tracker: Tracker) -> bool:
    """True when the wait form was just started (the notice has been given already)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "slot" and event.get("name") == HANDOFF_SLOT:
            return True
    return False


def _switched_language(tracker: Tracker) -> bool:
    """True when the customer's latest message changed the conversation's language: what
    they heard of the queue was in the other language."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "action" and event.get("name") == "action_switch_language":
            return True
    return False


class ActionLeaveQueue(Action):
    """The wait ended from the customer's side: they left the queue, or it had ended."""

    def name(self) -> str:
        return "action_leave_queue"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reset: list[EventType] = [
            SlotSet(WAIT_SLOT, None),
            SlotSet(HANDOFF_SLOT, None),
            SlotSet(ACK_SLOT, None),
        ]
        language = language_of(tracker)
        if tracker.get_slot(WAIT_SLOT) != LEFT:
            dispatcher.utter_message(text=queue_ended_text(language))
            return reset
        try:
            await run_in_session(
                get_engine(), lambda session: leave_queue(session, tracker.sender_id)
            )
        except SQLAlchemyError:
            logger.exception("could not take %s out of the queue", tracker.sender_id)
            dispatcher.utter_message(response="utter_request_human_unavailable")
            return reset
        dispatcher.utter_message(text=left_queue_text(language))
        return reset
