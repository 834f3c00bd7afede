"""The customer chooses the conversation's language ("English please", "講中文", a button).

The choice is kept in the ``language`` slot, which then decides every reply (Rasa's
responses through the NLG endpoint, the actions' texts through ``language_of``). The
confirmation is written in the new language. In the middle of a form the form's validation
has given way to the switch (``switch_language`` interrupts), and once this action is done
the form asks its question again, now in the chosen language.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import language_of, requested_language
from bot.core.i18n import message, t


class ActionSwitchLanguage(Action):
    """Sets the conversation's language and confirms it in that language."""

    def name(self) -> str:
        return "action_switch_language"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        language = requested_language(tracker)
        if language is None:
            # "change language" without saying which: offer both.
            dispatcher.utter_message(**message("language.choose", language_of(tracker)))
            return []
        dispatcher.utter_message(text=t("language.switched", language))
        return [SlotSet("language", language)]
