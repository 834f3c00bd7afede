"""What the customer is told when a new question sets aside a form they were in the middle of.

A customer half-way through a complaint who asks for a price gets the price form; Rasa
drops the complaint form without a word. The engine (:mod:`bot.engine.form_switch`) says
so with these texts, so the customer knows the earlier questions stopped and how to go
back to them. The wording is in the catalogue (``locales/<language>/conversation.yml``:
``conversation.form.<form>`` names the form, ``conversation.form.<form>.again`` is what to
say to start it again).
"""

from __future__ import annotations

from bot.core.i18n import get_catalogue, t

#: The forms the customer can be told about by name; any other is "what we were doing".
FORMS: tuple[str, ...] = (
    "complaint_form",
    "quote_form",
    "lead_form",
    "transit_form",
    "tracking_form",
    "survey_form",
    "pickup_form",
    "pickup_change_form",
    "delivery_request_form",
)


def format_set_aside(form: str, language: str = "en") -> str:
    """The notice for ``form`` being set aside by the customer's new question.

    Args:
        form: the form's name.
        language: the conversation's language.
    """
    key = f"conversation.form.{form}" if form in FORMS else "conversation.form.other"
    what = t(key, language)
    again = f"{key}.again"
    if get_catalogue().has(again):
        return t("conversation.set_aside_again", language, what=what, again=t(again, language))
    return t("conversation.set_aside", language, what=what)
