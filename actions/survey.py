"""The satisfaction survey: offer it, ask the configured questions, store each answer."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from actions.common import (
    RepeatsQuestionOnRequest,
    asks_to_switch_language,
    channel_of,
    client_address,
    is_interruption,
    language_of,
    latest_intent,
    latest_text,
)
from bot.domain.kpi.surveys import record_answers
from bot.domain.rate_limits import RateLimited, charge
from bot.domain.survey.answers import SCALES, is_skip, read_answer
from bot.domain.survey.config import QUESTIONS, TRIGGERS, survey_config
from bot.domain.survey.offers import OFFER_ENTITIES, OFFER_INTENT, answered_enquiry, open_survey
from bot.domain.survey.wording import ask_again_text, closing_text, offer_text
from bot.storage.db import get_engine, run_in_session

logger = logging.getLogger(__name__)

SLOTS = {question: f"survey_{question}" for question in QUESTIONS}
STATE_SLOTS = ("survey_response_id", "survey_ended")
FORM = "survey_form"
# Words that answer a survey question (or end it), never an interruption of it.
ANSWER_INTENTS = frozenset({"affirm", "deny", "thank", "goodbye", "stop"})
DECLINE_WORDS = frozenset(
    {"no", "nope", "nah", "no way", "冇", "唔要", "不要", "唔好", "唔想", "不想", "沒有"}
)


def _reset() -> list[EventType]:
    return [
        *[SlotSet(slot, None) for slot in (*SLOTS.values(), *STATE_SLOTS)],
        SlotSet("survey_invalid", 0),
    ]


class ActionOfferSurvey(Action):
    """Offers the survey: asked from outside (closed handoff, resolved complaint) or when
    the customer says thanks or goodbye after the bot answered an enquiry.

    A customer already offered one within the cool-down, or busy with another form, is
    not asked; after thanks the bot then just says "you're welcome".
    """

    def name(self) -> str:
        return "action_offer_survey"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        intent = latest_intent(tracker)[0]
        fallback = "utter_you_are_welcome" if intent == "thank" else None
        context = {
            entity.get("entity"): str(entity.get("value") or "")
            for entity in (tracker.latest_message or {}).get("entities") or []
            if entity.get("entity") in OFFER_ENTITIES
        }
        if intent == OFFER_INTENT:
            trigger = context.get("survey_trigger", "")
            service = context.get("survey_service", "")
        else:
            trigger = "enquiry"
            service = answered_enquiry(tracker.events) or ""
        config = survey_config()
        if (
            trigger not in TRIGGERS
            or trigger not in config.offer_after
            or (trigger == "enquiry" and not service)
            or tracker.active_loop.get("name")
        ):
            return self._decline(dispatcher, fallback)
        response_id = uuid.uuid4().hex

        def offer(session: Session) -> bool:
            row = open_survey(
                session,
                response_id=response_id,
                sender_id=tracker.sender_id,
                channel=channel_of(tracker),
                cooldown=config.cooldown,
                service=service,
                agent=context.get("survey_agent") or None,
                team=context.get("survey_team") or None,
                complaint_reference=context.get("survey_complaint") or None,
            )
            if row is None:
                return False
            charge(session, "survey", sender_id=tracker.sender_id, address=address)
            return True

        address = client_address(tracker)
        try:
            offered = await run_in_session(get_engine(), offer)
        except RateLimited:
            # Too many offers to this conversation: it is simply not asked (nothing stored).
            offered = False
        except SQLAlchemyError:
            logger.exception("could not record a survey offer for %s", tracker.sender_id)
            offered = False
        if not offered:
            return self._decline(dispatcher, fallback)
        dispatcher.utter_message(
            text=offer_text(
                trigger,
                len(config.questions),
                language_of(tracker),
                complaint=context.get("survey_complaint", ""),
                thanked=intent == "thank",
            )
        )
        return [*_reset(), SlotSet("survey_response_id", response_id), FollowupAction(FORM)]

    @staticmethod
    def _decline(dispatcher: CollectingDispatcher, fallback: str | None) -> list[EventType]:
        if fallback:
            dispatcher.utter_message(response=fallback)
        return []


class ValidateSurveyForm(RepeatsQuestionOnRequest, FormValidationAction):
    """Asks the configured questions; stores each answer as it arrives.

    A typed answer is read whatever NLU made of it ("4", "five", "yes"); a message that
    is not an answer but a confident question of another kind lets the assistant answer
    it (the survey resumes after a short answer, and ends if another form starts). An
    invalid answer is asked again once; a second one in a row ends the survey.
    """

    def name(self) -> str:
        return "validate_survey_form"

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: dict[str, Any],
    ) -> list[str]:
        if tracker.get_slot("survey_ended"):
            return []
        return [SLOTS[question] for question in survey_config().questions]

    def _extract(self, question: str, tracker: Tracker) -> dict[str, Any]:
        slot = SLOTS[question]
        if tracker.get_slot("requested_slot") != slot:
            return {}
        if latest_intent(tracker)[0].startswith("EXTERNAL_"):
            return {}
        text = latest_text(tracker)
        if question == "comment" and asks_to_switch_language(tracker):
            # Any text reads as a comment, so this comes first: the language changes and
            # the comment is asked again in it.
            return {}
        if is_skip(text) or read_answer(question, text).valid:
            return {slot: text}
        interrupts = is_interruption(tracker, ANSWER_INTENTS)
        if question == "comment":
            # Nearly anything is a comment; only a confident question is not.
            interrupts = interrupts and text.rstrip().endswith("?")
        return {} if interrupts else {slot: text}

    async def _validate(
        self, question: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> dict[str, Any]:
        slot = SLOTS[question]
        if value is None:
            # Cleared before the survey started (the SDK validates every slot set since
            # the customer's message): nothing was answered.
            return {slot: None}
        text = str(value)
        # A bare "no" to a score question declines the survey.
        declined = question in SCALES and text.strip(" .!。！").lower() in DECLINE_WORDS
        if is_skip(text) or declined:
            return {slot: None, "survey_ended": "skipped"}
        language = language_of(tracker)
        answer = read_answer(question, text, language)
        if not answer.valid:
            if not tracker.get_slot("survey_invalid"):
                dispatcher.utter_message(text=ask_again_text(answer.problem, language))
                return {slot: None, "survey_invalid": 1}
            return {slot: None, "survey_ended": "invalid"}
        response_id = tracker.get_slot("survey_response_id")
        if answer.value != "":
            try:
                await run_in_session(
                    get_engine(),
                    lambda session: record_answers(
                        session, str(response_id), **{question: answer.value}
                    ),
                )
            except (SQLAlchemyError, LookupError, ValueError):
                logger.exception("could not store a survey answer for %s", tracker.sender_id)
                return {slot: None, "survey_ended": "error"}
        return {slot: answer.value, "survey_invalid": 0}

    async def extract_survey_csat(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return self._extract("csat", tracker)

    async def extract_survey_fcr(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return self._extract("fcr", tracker)

    async def extract_survey_ces(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return self._extract("ces", tracker)

    async def extract_survey_nps(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return self._extract("nps", tracker)

    async def extract_survey_comment(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return self._extract("comment", tracker)

    async def validate_survey_csat(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return await self._validate("csat", value, dispatcher, tracker)

    async def validate_survey_fcr(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return await self._validate("fcr", value, dispatcher, tracker)

    async def validate_survey_ces(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return await self._validate("ces", value, dispatcher, tracker)

    async def validate_survey_nps(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return await self._validate("nps", value, dispatcher, tracker)

    async def validate_survey_comment(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> dict[str, Any]:
        return await self._validate("comment", value, dispatcher, tracker)


class ActionFinishSurvey(Action):
    """Thanks the customer when the survey ends (answered, skipped or cut short)."""

    def name(self) -> str:
        return "action_finish_survey"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        answered = any(tracker.get_slot(slot) not in (None, "") for slot in SLOTS.values())
        ended = tracker.get_slot("survey_ended")
        dispatcher.utter_message(text=closing_text(ended, answered, language_of(tracker)))
        return _reset()
