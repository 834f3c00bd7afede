"""What the customer is told when a new question sets aside a form they were in the middle of.

A customer half-way through a complaint who asks for a price gets the price form; Rasa
drops the complaint form without a word. The engine (:mod:`bot.engine.form_switch`) says
so with these texts, so the customer knows the earlier questions stopped and how to go
back to them.
"""

from __future__ import annotations

#: Each form, in the customer's words, and how to start it again.
SET_ASIDE: dict[str, tuple[str, str]] = {
    "complaint_form": ("your complaint", "I want to make a complaint"),
    "quote_form": ("your price request", "I'd like a quote"),
    "lead_form": ("your request for a call from our sales team", "I'd like a quote"),
    "transit_form": ("your transit-time question", "how long does it take"),
    "tracking_form": ("the tracking look-up", "track my shipment"),
    "survey_form": ("the short survey", ""),
}

_GENERIC = ("what we were doing", "")


def format_set_aside(form: str) -> str:
    """The notice for ``form`` being set aside by the customer's new question."""
    what, again = SET_ASIDE.get(form, _GENERIC)
    text = f"I've put {what} aside to help with this."
    if again:
        text += f' To go back to it later, just say "{again}".'
    return text
