"""Every multi-turn flow of the assistant, described as data.

A flow is how a customer gets into it (``opening``: messages sent before the first
step, each of which must be answered) and its steps in order. A step names what the bot
asks at that point (``prompt``: a lower-case fragment of the question) and the answer a
customer would give to move on (``answer``). ``form`` names the Rasa form the question
belongs to (None: an offer or notice, not a form's question): after an off-script reply
that form must either ask the step's question again or be left with a clear message.
``done`` is a fragment of what the bot says once the last step is answered.

``{tracking}`` in any text is replaced by a demo shipment's tracking number.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """One question of a flow and the on-script answer to it."""

    name: str
    prompt: str
    answer: str
    form: str | None


@dataclass(frozen=True)
class Flow:
    """A multi-turn conversation the explorer walks step by step."""

    name: str
    opening: tuple[str, ...]
    steps: tuple[Step, ...]
    done: str


FLOWS: tuple[Flow, ...] = (
    Flow(
        name="tracking",
        opening=("I want to track my parcel",),
        steps=(Step("tracking_number", "tracking number", "{tracking}", "tracking_form"),),
        done="{tracking}",
    ),
    Flow(
        name="quote",
        opening=("can I get a quote?",),
        steps=(
            Step("mode", "which service", "air freight", "quote_form"),
            Step("origin", "ship from", "Shenzhen", "quote_form"),
            Step("destination", "where are the goods going", "Rotterdam", "quote_form"),
            Step("weight", "total weight", "300 kg", "quote_form"),
            Step("volume", "total volume", "2 cbm", "quote_form"),
            # The quote ends "Reply 'yes' if you'd like our sales team to confirm a firm quote."
            Step("sales_offer", "our sales team", "yes", None),
            Step(
                "lead_name", "may i have your name", "Chris Wong, Pearl River Trading", "lead_form"
            ),
            Step(
                "lead_contact",
                "email address or phone number",
                "chris.wong@pearlriver.example",
                "lead_form",
            ),
        ),
        done="passed your request to our sales team",
    ),
    Flow(
        name="transit_time",
        opening=("what's the transit time?",),
        steps=(
            Step("destination", "where would you like to ship to", "Singapore", "transit_form"),
        ),
        done="days",
    ),
    Flow(
        name="complaint",
        opening=("I want to make a complaint",),
        steps=(
            Step("category", "what kind of problem", "Late delivery", "complaint_form"),
            Step(
                "description",
                "what happened",
                "The parcel came two days after the date given.",
                "complaint_form",
            ),
            Step("shipment", "tracking number of the shipment concerned", "no", "complaint_form"),
            Step("contact", "email address or phone", "buyer@shop.example", "complaint_form"),
            Step("confirmed", "shall i submit it", "yes", "complaint_form"),
        ),
        done="cmp-",
    ),
    Flow(
        name="complaint_status",
        opening=("what's the status of my complaint?",),
        steps=(
            Step(
                "reference",
                "send me the reference",
                "CMP-2026-00017 buyer@shop.example",
                None,
            ),
        ),
        done="code",
    ),
    Flow(
        # Offered after an answered enquiry (bot/domain/survey/offers.py); "thanks" ends it.
        name="survey",
        opening=("where is my shipment {tracking}?", "thanks a lot"),
        steps=(
            Step("csat", "how satisfied are you", "4", "survey_form"),
            Step("fcr", "was your issue resolved", "yes", "survey_form"),
            Step("ces", "how easy was it", "5", "survey_form"),
            Step("nps", "how likely are you to recommend", "9", "survey_form"),
            Step("comment", "anything you'd like to tell us", "No comment", "survey_form"),
        ),
        done="thank you for your feedback",
    ),
    Flow(
        # Two messages the bot cannot read: the fallback offers a person.
        name="fallback_offer",
        opening=("blorp fizzwhack quantum", "grindle snoop wobbleton"),
        steps=(Step("offer", "colleague", "no thanks", None),),
        done="anything else",
    ),
    Flow(
        name="handoff_queue",
        opening=("I want to speak to a real person",),
        steps=(Step("queued", "queue", "cancel", None),),
        done="",
    ),
)

#: The plain question every explored conversation ends with, and its answer's fragment.
PLAIN_QUESTION = "what does FOB mean"
PLAIN_ANSWER = "free on board"

#: Fragments of the bot's ways of leaving a form clearly (stopping it, ending the survey,
#: handing over to a person). Any one in the reply to an off-script message counts as
#: "left with a clear message".
LEAVE_MARKERS: tuple[str, ...] = (
    "i've stopped that",
    "stop the survey here",
    "no survey",
    "kept the answers",
    "in the queue",
    # Another question set the form aside (bot/domain/form_switch_wording.py).
    "aside to help with this",
    "put your request in their queue",
    # The customer said goodbye and so did the bot: nobody is left waiting on a question.
    "goodbye",
)
