"""Handing a conversation to a person: queue record, notice to the customer, pause."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, ConversationPaused, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from actions.common import channel_of, client_address, settings
from bot.domain.handoff.queue import HandoffTicket, request_handoff
from bot.domain.handoff.rules import HandoffError
from bot.domain.handoff.wording import format_handoff_notice
from bot.domain.rate_limits import RateLimited, charge
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
ANSWER_INTENTS = frozenset({"affirm", "deny", "inform", "request_human", "nlu_fallback"})
LAST_MESSAGES = 5


def _user_turns(tracker: Tracker) -> list[tuple[str, str]]:
    """(intent, text) of each customer message, oldest first."""
    turns = []
    for event in tracker.events:
        if event.get("event") == "user":
            intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name") or ""
            turns.append((intent, event.get("text") or ""))
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
        lines.append(f"Customer wanted: {topic.replace('_', ' ')}.")
    if slots:
        lines.append(
            "Details: " + "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in slots.items())
        )
    if last:
        lines.append("Last messages: " + " | ".join(text[:200] for text in last))
    context = {"intent": topic, "slots": slots, "last_messages": last}
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
    """Queue the conversation for a person, tell the customer, and pause the bot.

    If the queue cannot be reached the customer gets the service team's phone and email
    instead, and the bot keeps answering (no pause: a paused chat nobody sees is silence).
    """
    summary, context, topic = conversation_context(tracker, reason)
    mode = tracker.get_slot("mode") or (tracker.get_slot("last_quote") or {}).get("mode")
    team = route_team(
        intent=topic or None,
        mode=mode,
        complaint_category=complaint_category or tracker.get_slot("complaint_category"),
    )
    address = client_address(tracker)

    def queue(session: Session) -> HandoffTicket:
        ticket = request_handoff(
            session,
            sender_id=tracker.sender_id,
            channel=channel_of(tracker),
            reason=reason,
            team=team,
            summary=summary,
            context=context,
        )
        if ticket.created:  # asking again while already queued is not counted
            charge(session, "handoff", sender_id=tracker.sender_id, address=address)
        return ticket

    try:
        ticket = await run_in_session(get_engine(), queue)
    except RateLimited as exc:
        dispatcher.utter_message(text=exc.text)
        return [SlotSet("pending_offer", None)]
    except (SQLAlchemyError, HandoffError):
        logger.exception("could not queue a handoff for %s", tracker.sender_id)
        dispatcher.utter_message(response="utter_request_human_unavailable")
        return [SlotSet("pending_offer", None)]
    dispatcher.utter_message(text=format_handoff_notice(ticket, settings().tz))
    events: list[EventType] = [SlotSet("pending_offer", None)]
    if tracker.active_loop.get("name"):
        # A half-filled form would take over the first message after the hand-back.
        events += [ActiveLoop(None), SlotSet("requested_slot", None)]
    return [*events, ConversationPaused()]


class ActionRequestHuman(Action):
    """The customer asked for a person (directly, or by accepting the bot's offer)."""

    def name(self) -> str:
        return "action_request_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return await hand_off(dispatcher, tracker, infer_reason(tracker))
