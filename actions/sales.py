"""Sales: the direct-marketing question after a lead, its withdrawal, service suggestions
after a quote or a tracking answer, and the sales events the KPIs count.

Thin: the rules are in :mod:`bot.domain.consent`, :mod:`bot.domain.promotion` and
:mod:`bot.domain.sales_events`; every text is in ``locales/*/sales.yml``.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.common import (
    OFFER_MARKETING_CONSENT,
    channel_of,
    language_of,
    latest_text,
)
from actions.shipment_updates import stop_updates
from bot.core.i18n import t
from bot.domain import consent, promotion
from bot.domain.leads import latest_lead_for
from bot.domain.sales_config import sales_config
from bot.domain.sales_events import record_event
from bot.storage.db import get_engine, run_in_session

logger = logging.getLogger(__name__)


def yes_no(language: str) -> list[dict[str, str]]:
    """The yes/no buttons, in the conversation's language."""
    return [
        {"title": t("quotes.button.yes", language), "payload": "/affirm"},
        {"title": t("quotes.button.no", language), "payload": "/deny"},
    ]


async def note_event(tracker: Tracker, kind: str, detail: str = "") -> None:
    """Record a sales event; a database problem is logged, never shown to the customer."""
    sender, channel, language = tracker.sender_id, channel_of(tracker), language_of(tracker)
    try:
        await run_in_session(
            get_engine(),
            lambda session: record_event(
                session,
                sender_id=sender,
                channel=channel,
                kind=kind,
                detail=detail,
                language=language,
            ),
        )
    except SQLAlchemyError:
        logger.exception("could not record the sales event %s", kind)


def ask_marketing_consent(
    dispatcher: CollectingDispatcher, contact: str, language: str
) -> list[EventType]:
    """Ask whether ``contact`` may be used for promotion; the answer is the next yes/no."""
    dispatcher.utter_message(
        text=t("sales.consent.question", language, contact=contact), buttons=yes_no(language)
    )
    return [SlotSet("pending_offer", OFFER_MARKETING_CONSENT)]


async def answer_marketing_consent(
    dispatcher: CollectingDispatcher, tracker: Tracker, granted: bool
) -> list[EventType]:
    """Store the yes or no to the direct-marketing question with its exact wording."""
    language = language_of(tracker)
    sender, channel, answer = tracker.sender_id, channel_of(tracker), latest_text(tracker)

    def store(session: Any) -> str:
        lead = latest_lead_for(session, sender)
        contact = lead.contact if lead is not None else ""
        # The question exactly as it was put: the same catalogue text for this contact.
        wording = t("sales.consent.question", language, contact=contact)
        consent.record_answer(
            session,
            sender_id=sender,
            channel=channel,
            granted=granted,
            wording=wording,
            language=language,
            answer=answer,
            contact=contact or None,
            lead_id=lead.id if lead is not None else None,
        )
        return contact

    try:
        contact = await run_in_session(get_engine(), store)
    except SQLAlchemyError:
        logger.exception("could not store a marketing consent answer")
        dispatcher.utter_message(text=t("sales.consent.not_saved", language))
        return [SlotSet("pending_offer", OFFER_MARKETING_CONSENT)]
    key = "sales.consent.granted" if granted else "sales.consent.declined"
    dispatcher.utter_message(text=t(key, language, contact=contact))
    return []


async def withdraw_marketing_consent(
    dispatcher: CollectingDispatcher, tracker: Tracker, *, quiet_if_none: bool = False
) -> bool:
    """Withdraw this customer's consent; True when a reply was sent."""
    language = language_of(tracker)
    sender, words = tracker.sender_id, latest_text(tracker)
    try:
        count = await run_in_session(
            get_engine(),
            lambda session: consent.withdraw(session, sender_id=sender, words=words),
        )
    except SQLAlchemyError:
        logger.exception("could not withdraw a marketing consent")
        if quiet_if_none:
            # A plain "stop" still stops what we were doing when the database is down.
            return False
        dispatcher.utter_message(text=t("sales.consent.not_saved", language))
        return True
    if count == 0 and quiet_if_none:
        return False
    key = "sales.consent.withdrawn" if count else "sales.consent.none"
    dispatcher.utter_message(text=t(key, language))
    return True


class ActionWithdrawMarketingConsent(Action):
    """ "Unsubscribe": the customer's direct-marketing consent is withdrawn at once."""

    def name(self) -> str:
        return "action_withdraw_marketing_consent"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        # A bare "unsubscribe" means whatever the customer signed up to: the marketing
        # consent if they gave one, else their shipment updates.
        if await withdraw_marketing_consent(dispatcher, tracker, quiet_if_none=True):
            return [SlotSet("pending_offer", None)]
        replied, events = await stop_updates(dispatcher, tracker, quiet_if_none=True)
        if not replied:
            dispatcher.utter_message(text=t("sales.consent.none", language_of(tracker)))
        return [SlotSet("pending_offer", None), *events]


def _offers_made(tracker: Tracker) -> list[str | None]:
    return [
        event.get("value")
        for event in tracker.events
        if event.get("event") == "slot" and event.get("name") == "pending_offer"
    ]


async def suggest(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    suggestion: promotion.Suggestion | None,
    after: str,
) -> list[EventType]:
    """Suggest ``suggestion`` if the settings allow it after ``after`` ("quote",
    "tracking") and the conversation had none yet; the events to return (or [])."""
    if suggestion is None:
        return []
    settings = sales_config()
    if not settings.promotion_enabled or after not in settings.promotion_after:
        return []
    if promotion.already_suggested(_offers_made(tracker)):
        return []
    language = language_of(tracker)
    dispatcher.utter_message(text=t(suggestion.wording_key, language), buttons=yes_no(language))
    await note_event(tracker, "promotion_offered", suggestion.code)
    return [SlotSet("pending_offer", promotion.offer_value(suggestion))]


Requote = Callable[[CollectingDispatcher, Tracker, str], Awaitable[list[EventType]]]


async def answer_suggestion(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    offer: str,
    accepted: bool,
    requote: Requote,
) -> list[EventType]:
    """The customer's yes or no to a suggested service. A yes after a quote prices the
    same shipment with the suggested service (``requote``); after a tracking answer it
    starts a quote for that service."""
    suggestion = promotion.suggestion_of(offer)
    if suggestion is None:
        return []
    await note_event(
        tracker, "promotion_accepted" if accepted else "promotion_declined", suggestion.code
    )
    if not accepted:
        dispatcher.utter_message(text=t("sales.promo.declined", language_of(tracker)))
        return []
    last = tracker.get_slot("last_quote") or {}
    if last.get("weight_kg") and last.get("destination"):
        return await requote(dispatcher, tracker, suggestion.mode)
    return [SlotSet("mode", suggestion.mode), FollowupAction("quote_form")]
