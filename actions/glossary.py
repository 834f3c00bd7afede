"""Explaining logistics terms from the knowledge base's glossary."""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import entity_values, in_thread, knowledge_base, language_of, latest_text
from actions.quotes import same_lane_by_another_service
from bot.domain.kb import format_term, format_unknown_term


class ActionDefineTerm(Action):
    """Defines the term the customer asked about, or says honestly that it is unknown."""

    def name(self) -> str:
        return "action_define_term"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        kb = knowledge_base()
        language = language_of(tracker)
        entities = entity_values(tracker, "term")
        text = latest_text(tracker)
        lookup = None
        # The entity is the customer's own span; the whole message catches what NLU missed.
        for query in [*entities, text]:
            lookup = await in_thread(kb.find_term, query)
            if lookup.term is not None:
                dispatcher.utter_message(
                    text=format_term(lookup.term, lookup.unknown_words, language)
                )
                return [SlotSet("pending_offer", None)]
        followed = await same_lane_by_another_service(dispatcher, tracker, domain)
        if followed is not None:
            return followed
        query = entities[0] if entities else text
        suggestions = lookup.suggestions if lookup is not None else []
        buttons = [
            {
                "title": term.name_in(language),
                "payload": "/define_term" + json.dumps({"term": term.name}),
            }
            for term in suggestions
        ]
        dispatcher.utter_message(
            text=format_unknown_term(query, suggestions, language), buttons=buttons
        )
        return [SlotSet("pending_offer", None)]
