"""Every multi-turn flow of the assistant, described as data, in each language.

A flow is how a customer gets into it (``opening``: messages sent before the first
step, each of which must be answered) and its steps in order. A step names what the bot
asks at that point (``prompt``: a :class:`Marker`) and the answer a customer would give to
move on (``answer``). ``form`` and ``slot`` name the Rasa form and the slot the question
belongs to (None: an offer or notice, not a form's question): after an off-script reply
that form must either ask the step's question again or be left with a clear message.
``done`` marks what the bot says once the last step is answered.

Each flow exists once per language (:data:`FLOWS_EN`, :data:`FLOWS_ZH`): the customer's
messages are written in that language, while the markers are the same catalogue keys, so
what the bot must say is checked in whichever language it answers in.

``{tracking}`` in any text is replaced by a demo shipment's tracking number.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import cache

from bot.core.i18n import LANGUAGES, get_catalogue

_SPACE = re.compile(r"\s+")


def flat(text: str) -> str:
    """``text`` lower-case with every run of white space one space (for matching)."""
    return _SPACE.sub(" ", text).strip().lower()


@cache
def _fragments(key: str) -> tuple[str, ...]:
    """The longest fixed piece of ``key``'s text in every language, flattened.

    A catalogue text's placeholders are filled at run time ("I've put {what} aside to
    help with this."), so its longest piece between placeholders is what any rendering
    of it contains, whatever was filled in.
    """
    catalogue = get_catalogue()
    pieces = []
    for language in LANGUAGES:
        template = catalogue.entry(key, language).text
        literals = [flat(literal) for literal, *_ in string.Formatter().parse(template)]
        longest = max(literals, key=len, default="")
        if len(longest) < 4:
            raise ValueError(f"{key} ({language}) has no fixed text long enough to recognise")
        pieces.append(longest)
    return tuple(pieces)


@dataclass(frozen=True)
class Marker:
    """How to recognise a message of the bot, whatever language it answers in.

    ``keys`` are catalogue keys (any one of them, in any language, rendered with any
    placeholder values); ``texts`` are fragments that do not depend on the language (a
    reference's prefix, a tracking number). An empty marker matches every reply.
    """

    keys: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.keys or self.texts)

    def found_in(self, reply: str, tracking: str = "") -> bool:
        """Whether ``reply`` (the bot's answer) says this."""
        if not self:
            return True
        said = flat(reply)
        if any(flat(text.replace("{tracking}", tracking)) in said for text in self.texts):
            return True
        return any(piece in said for key in self.keys for piece in _fragments(key))

    def __str__(self) -> str:
        return " | ".join([*self.keys, *(repr(text) for text in self.texts)])


def says(*keys: str) -> Marker:
    """A marker for any of the catalogue texts ``keys``."""
    return Marker(keys=keys)


def shows(*texts: str) -> Marker:
    """A marker for language-independent fragments."""
    return Marker(texts=texts)


@dataclass(frozen=True)
class Step:
    """One question of a flow and the on-script answer to it."""

    name: str
    prompt: Marker
    answer: str
    form: str | None
    slot: str | None = None


@dataclass(frozen=True)
class Flow:
    """A multi-turn conversation the explorer walks step by step, in one language."""

    name: str
    language: str
    opening: tuple[str, ...]
    steps: tuple[Step, ...]
    done: Marker


# What the bot says at each step, the same in both languages.
TRACKING_NUMBER = says("utter_ask_tracking_number")
QUOTE_PROMPTS = {
    "mode": says("utter_ask_mode"),
    "origin": says("utter_ask_origin"),
    "destination": says("utter_ask_destination"),
    "weight": says("utter_ask_weight"),
    "volume": says("utter_ask_volume"),
}
# The quote ends by offering a firm quote from the sales team.
SALES_OFFER = says("quotes.text.firm", "quotes.offer_sales")
LEAD_NAME = says("utter_ask_lead_name")
LEAD_CONTACT = says("utter_ask_lead_contact")
# A sales lead's confirmation carries its reference, LEAD-00042.
LEAD_DONE = shows("lead-")
TRANSIT_DESTINATION = says("utter_ask_transit_form_destination")
TRANSIT_DONE = says("kb.transit.answer", "kb.transit.list_header", "kb.transit.none")
COMPLAINT_PROMPTS = {
    "category": says("utter_ask_complaint_category"),
    "description": says("utter_ask_complaint_description"),
    "shipment": says("utter_ask_complaint_shipment"),
    "contact": says("complaints.ask_contact", "complaints.ask_contact_telegram"),
    "confirmed": says("complaints.summary"),
}
# A complaint's receipt carries its reference, CMP-2026-00042.
COMPLAINT_DONE = shows("cmp-")
PICKUP_PROMPTS = {
    "address": says("utter_ask_pickup_address"),
    "date": says("utter_ask_pickup_date"),
    "window": says("utter_ask_pickup_window"),
    "pieces": says("utter_ask_pickup_pieces"),
    "weight": says("utter_ask_pickup_weight"),
    "service": says("utter_ask_pickup_service"),
    "confirmed": says("requests.pickup.summary"),
}
DELIVERY_PROMPTS = {
    "shipment": says("utter_ask_delivery_shipment"),
    "contact": says("utter_ask_delivery_contact"),
    "address": says("utter_ask_delivery_address"),
}
# A request's receipt carries its reference, REQ-2026-00042.
REQUEST_DONE = shows("req-")
# With no reference given the bot asks whether the customer has one ("no": a colleague).
STATUS_HAVE_REFERENCE = says("complaints.status.have_reference")
STATUS_SEND_REFERENCE = says("complaints.status.send_reference")
STATUS_DONE = says("complaints.status.code_maybe_sent")
SURVEY_PROMPTS = {
    "csat": says("utter_ask_survey_csat"),
    "fcr": says("utter_ask_survey_fcr"),
    "ces": says("utter_ask_survey_ces"),
    "nps": says("utter_ask_survey_nps"),
    "comment": says("utter_ask_survey_comment"),
}
SURVEY_DONE = says("survey.closing.done")
OFFER_HUMAN = says("conversation.offer_human")
OFFER_DECLINED = says(
    "conversation.no_problem", "conversation.anything_else_today", "utter_anything_else"
)
QUEUED = says("handoff.notice.passing", "handoff.notice.closed_hours")


def _quote(language: str, answers: tuple[str, ...], opening: str) -> Flow:
    names = ("mode", "origin", "destination", "weight", "volume")
    steps = [
        Step(name, QUOTE_PROMPTS[name], answer, "quote_form", name)
        for name, answer in zip(names, answers[:5], strict=True)
    ]
    steps += [
        Step("sales_offer", SALES_OFFER, answers[5], None),
        Step("lead_name", LEAD_NAME, answers[6], "lead_form", "lead_name"),
        Step("lead_contact", LEAD_CONTACT, answers[7], "lead_form", "lead_contact"),
    ]
    return Flow("quote", language, (opening,), tuple(steps), LEAD_DONE)


def _complaint(language: str, answers: tuple[str, ...], opening: str) -> Flow:
    names = ("category", "description", "shipment", "contact", "confirmed")
    steps = tuple(
        Step(name, COMPLAINT_PROMPTS[name], answer, "complaint_form", f"complaint_{name}")
        for name, answer in zip(names, answers, strict=True)
    )
    return Flow("complaint", language, (opening,), steps, COMPLAINT_DONE)


def _pickup(language: str, answers: tuple[str, ...], opening: str) -> Flow:
    names = ("address", "date", "window", "pieces", "weight", "service", "confirmed")
    steps = tuple(
        Step(name, PICKUP_PROMPTS[name], answer, "pickup_form", f"pickup_{name}")
        for name, answer in zip(names, answers, strict=True)
    )
    return Flow("pickup", language, (opening,), steps, REQUEST_DONE)


def _address_change(language: str, answers: tuple[str, ...], opening: str) -> Flow:
    names = ("shipment", "contact", "address")
    steps = tuple(
        Step(name, DELIVERY_PROMPTS[name], answer, "delivery_request_form", f"delivery_{name}")
        for name, answer in zip(names, answers, strict=True)
    )
    return Flow("address_change", language, (opening,), steps, REQUEST_DONE)


def _survey(language: str, answers: tuple[str, ...], opening: tuple[str, str]) -> Flow:
    # Offered after an answered enquiry (bot/domain/survey/offers.py); thanks ends it.
    names = ("csat", "fcr", "ces", "nps", "comment")
    steps = tuple(
        Step(name, SURVEY_PROMPTS[name], answer, "survey_form", f"survey_{name}")
        for name, answer in zip(names, answers, strict=True)
    )
    return Flow("survey", language, opening, steps, SURVEY_DONE)


def _flows(language: str, text: dict[str, tuple[str, ...]]) -> tuple[Flow, ...]:
    return (
        Flow(
            "tracking",
            language,
            text["tracking"],
            (
                Step(
                    "tracking_number",
                    TRACKING_NUMBER,
                    "{tracking}",
                    "tracking_form",
                    "tracking_number",
                ),
            ),
            shows("{tracking}"),
        ),
        _quote(language, text["quote"], text["quote_opening"][0]),
        Flow(
            "transit_time",
            language,
            text["transit_opening"],
            (
                Step(
                    "destination",
                    TRANSIT_DESTINATION,
                    text["transit"][0],
                    "transit_form",
                    "destination",
                ),
            ),
            TRANSIT_DONE,
        ),
        _complaint(language, text["complaint"], text["complaint_opening"][0]),
        Flow(
            "complaint_status",
            language,
            text["status_opening"],
            (
                Step("have_reference", STATUS_HAVE_REFERENCE, text["status"][0], None),
                Step("reference", STATUS_SEND_REFERENCE, text["status"][1], None),
            ),
            STATUS_DONE,
        ),
        _survey(language, text["survey"], (text["survey_opening"][0], text["survey_opening"][1])),
        _pickup(language, text["pickup"], text["pickup_opening"][0]),
        _address_change(language, text["address_change"], text["address_change_opening"][0]),
        Flow(
            # Two messages the bot cannot read: the fallback offers a person.
            "fallback_offer",
            language,
            text["fallback_opening"],
            (Step("offer", OFFER_HUMAN, text["fallback"][0], None),),
            OFFER_DECLINED,
        ),
        Flow(
            "handoff_queue",
            language,
            text["handoff_opening"],
            (Step("queued", QUEUED, CANCEL[language], None),),
            Marker(),
        ),
    )


#: What a customer writes to leave the queue or a form, per language.
CANCEL = {"en": "cancel", "zh": "取消"}

FLOWS_EN = _flows(
    "en",
    {
        "tracking": ("I want to track my parcel",),
        "quote_opening": ("can I get a quote?",),
        "quote": (
            "air freight",
            "Shenzhen",
            "Rotterdam",
            "300 kg",
            "2 cbm",
            # The quote ends "Reply 'yes' if you'd like our sales team to confirm a firm quote."
            "yes",
            "Chris Wong, Pearl River Trading",
            "chris.wong@pearlriver.example",
        ),
        "transit_opening": ("what's the transit time?",),
        "transit": ("Singapore",),
        "complaint_opening": ("I want to make a complaint",),
        "complaint": (
            "Late delivery",
            "The parcel came two days after the date given.",
            "no",
            "buyer@shop.example",
            "yes",
        ),
        "status_opening": ("what's the status of my complaint?",),
        "status": ("yes I have it", "CMP-2026-00017 buyer@shop.example"),
        "survey_opening": ("where is my shipment {tracking}?", "thanks a lot"),
        "survey": ("4", "yes", "5", "9", "No comment"),
        "fallback_opening": ("blorp fizzwhack quantum", "grindle snoop wobbleton"),
        "fallback": ("no thanks",),
        "handoff_opening": ("I want to speak to a real person",),
        "pickup_opening": ("I'd like to book a pick-up",),
        # A weekday rather than a date: always ahead, never a Sunday.
        "pickup": (
            "12/F, Harbour Centre, 25 Harbour Road, Wan Chai",
            "Wednesday",
            "2pm to 5pm",
            "3",
            "25 kg",
            "express",
            "yes",
        ),
        "address_change_opening": ("I need to change the delivery address",),
        "address_change": (
            "160-48219371",
            "+852 9123 4567",
            "Flat 5, 12/F, 8 Nathan Road, Tsim Sha Tsui",
        ),
    },
)

# Traditional Chinese and written Cantonese, as Hong Kong customers type.
FLOWS_ZH = _flows(
    "zh",
    {
        "tracking": ("我想查下我件貨",),
        "quote_opening": ("我想要個報價",),
        "quote": (
            "空運",
            "深圳",
            "鹿特丹",
            "300公斤",
            "2個立方",
            "好",
            "黃志明，珠江貿易",
            "我電郵係 chris.wong@pearlriver.example",
        ),
        "transit_opening": ("運送時間要幾耐？",),
        "transit": ("新加坡",),
        "complaint_opening": ("我想投訴",),
        "complaint": (
            "延遲送達",
            "件貨遲咗兩日先送到，同講好嘅日子唔同。",
            "冇",
            "buyer@shop.example",
            "係",
        ),
        "status_opening": ("我個投訴而家點樣？",),
        "status": ("有呀", "CMP-2026-00017 電郵 buyer@shop.example"),
        "survey_opening": ("我嘅貨件 {tracking} 去咗邊？", "唔該晒"),
        "survey": ("4", "係", "5", "9", "冇意見"),
        "fallback_opening": ("咕嚕呱啦嗶嗶啵", "叮噹嘭啪呤咚喳"),
        "fallback": ("唔使喇",),
        "handoff_opening": ("我想同真人傾",),
        "pickup_opening": ("我想預約上門收件",),
        "pickup": (
            "灣仔港灣道25號海港中心12樓",
            "星期三",
            "下午2點至5點",
            "三件",
            "25公斤",
            "特快速遞",
            "係",
        ),
        "address_change_opening": ("我想改送貨地址",),
        "address_change": ("160-48219371", "我電話係 9123 4567", "尖沙咀彌敦道8號12樓5室"),
    },
)

FLOWS: tuple[Flow, ...] = FLOWS_EN + FLOWS_ZH

#: The plain question every explored conversation ends with, per language, and a
#: fragment of its answer in either language (the FOB term's name in the knowledge base).
PLAIN_QUESTION = {"en": "what does FOB mean", "zh": "FOB係咩意思"}
PLAIN_ANSWER: tuple[str, ...] = ("free on board", "離岸價")

#: The bot's ways of leaving a form clearly (stopping it, ending the survey, handing over
#: to a person, setting it aside for another question, saying goodbye): any one in the
#: reply to an off-script message counts as "left with a clear message".
LEAVE_MARKERS = says(
    "utter_stopped",
    "survey.closing.skipped",
    "survey.closing.skipped_answered",
    "survey.closing.invalid",
    "survey.closing.invalid_answered",
    "survey.closing.error",
    "survey.closing.error_answered",
    "handoff.notice.passing",
    "handoff.notice.closed_hours",
    "handoff.notice.still_queued",
    "handoff.ack.open",
    "handoff.ack.closed_hours",
    "conversation.set_aside",
    "conversation.set_aside_again",
    # The customer said goodbye and so did the bot: nobody is left waiting on a question.
    "utter_goodbye",
)
