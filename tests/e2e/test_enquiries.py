"""End-to-end enquiry conversations through the REST channel of a real stack.

Each test is a customer conversation: the trained model classifies, the action server
answers from the knowledge base and the database, and the test reads what the customer
would read.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.storage.db import get_engine, session_scope
from bot.storage.models import Lead
from tests.e2e.conftest import Customer, RunningStack


def test_greeting_says_who_we_are_and_offers_choices(customer: Customer) -> None:
    messages = customer.say("hello")
    assert "freight desk" in messages[0]["text"].lower()
    assert {b["title"] for b in messages[0]["buttons"]} >= {"Track a shipment", "Get a quote"}


def test_bot_challenge_is_answered_honestly(customer: Customer) -> None:
    assert "virtual assistant" in customer.reply_text("am I talking to a real person?")


def test_tracking_a_known_shipment_in_one_message(
    running_stack: RunningStack, customer: Customer, demo_shipments: list[dict[str, str]]
) -> None:
    shipment = demo_shipments[0]
    reply = customer.reply_text(f"where is my shipment {shipment['tracking_number']}?")
    assert shipment["tracking_number"].lower() in reply
    assert shipment["location"].lower() in reply
    # The shipper's key account is noted, so this conversation counts in its KPI view.
    assert shipment["account"]
    assert running_stack.tracker(customer.sender)["slots"]["account"] == shipment["account"]


def test_tracking_asks_for_the_number_then_finds_it(
    customer: Customer, demo_shipments: list[dict[str, str]]
) -> None:
    shipment = demo_shipments[-1]
    assert "tracking number" in customer.reply_text("I want to track my parcel")
    reply = customer.reply_text(shipment["tracking_number"])
    assert shipment["tracking_number"].lower() in reply
    assert shipment["location"].lower() in reply


@pytest.mark.parametrize(
    "mistyped",
    ["160-12345678", "MSCU1234567", "RR123456784HK"],
    ids=["air-waybill", "container", "postal"],
)
def test_mistyped_number_is_caught_before_lookup(customer: Customer, mistyped: str) -> None:
    reply = customer.reply_text(f"track {mistyped}")
    assert "doesn't look right" in reply
    assert "couldn't find" not in reply


def test_unknown_but_valid_number_offers_recheck_or_a_person(customer: Customer) -> None:
    messages = customer.say("where is container TGHU6154314")
    text = " ".join(m.get("text") or "" for m in messages).lower()
    assert "couldn't find" in text and "tghu6154314" in text
    titles = {b["title"] for m in messages for b in m.get("buttons") or []}
    assert "Talk to a person" in titles
    assert "queue" in customer.reply_text("yes please")


def test_quote_step_by_step_then_sales_lead(
    running_stack: RunningStack, customer: Customer
) -> None:
    assert "which service" in customer.reply_text("can I get a quote?")
    assert "from" in customer.reply_text("air freight")
    assert "going" in customer.reply_text("Shenzhen")
    assert "weight" in customer.reply_text("Rotterdam")
    assert "volume" in customer.reply_text("300 kg")
    quote = customer.reply_text("2 cbm")
    # Air freight: 2 cbm x 167 kg = 334 kg chargeable, more than the 300 kg actual.
    assert "hk$" in quote and "334" in quote
    assert "name" in customer.reply_text("yes")
    assert "email" in customer.reply_text("Chris Wong, Pearl River Trading")
    assert "doesn't look like a valid" in customer.reply_text("chris at somewhere")
    thanks = customer.reply_text("chris.wong@pearlriver.example")
    assert "lead-" in thanks and "call you back by" in thanks
    # Hong Kong's PDPO: promotion only with consent, asked after the lead is saved.
    assert "direct marketing" in thanks
    with session_scope(get_engine(running_stack.database_url)) as session:
        leads = (
            session.execute(select(Lead).where(Lead.sender_id == customer.sender)).scalars().all()
        )
        assert len(leads) == 1
        assert leads[0].contact == "chris.wong@pearlriver.example"
        assert leads[0].destination and "rotterdam" in leads[0].destination.lower()


def test_quote_from_one_message(customer: Customer) -> None:
    reply = customer.reply_text("how much to send 12 kg by express from Hong Kong to Sydney?")
    assert "hk$" in reply
    assert "indicative" in reply


def test_transit_time_from_the_table(customer: Customer) -> None:
    reply = customer.reply_text("how long does sea freight take to Hamburg?")
    assert "days" in reply
    assert "hamburg" in reply


def test_transit_time_asks_for_destination(customer: Customer) -> None:
    assert "where" in customer.reply_text("what's the transit time?")
    assert "days" in customer.reply_text("Singapore")


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what does FOB mean?", "free on board"),
        ("what is a bill of lading", "bill of lading"),
        ("explain demurrage please", "demurrage"),
        ("what's a TEU", "twenty"),
    ],
)
def test_terms_are_explained(customer: Customer, question: str, expected: str) -> None:
    assert expected in customer.reply_text(question)


def test_unknown_term_is_never_defined(customer: Customer) -> None:
    reply = customer.reply_text("what does the term zorbulation mean?")
    assert "don't have that one" in reply


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what are your opening hours?", "09:00"),
        ("can I send lithium batteries?", "lithium"),
        ("how do I pay my invoice, do you take credit cards?", "card"),
    ],
)
def test_faqs_are_answered(customer: Customer, question: str, expected: str) -> None:
    assert expected in customer.reply_text(question)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("I want to speak to a real person", "queue"),
        ("what's the weather like tomorrow?", "outside what i can help"),
    ],
    ids=["request-human", "out-of-scope"],
)
def test_holding_and_scope_replies(customer: Customer, message: str, expected: str) -> None:
    assert expected in customer.reply_text(message)


def test_two_unclear_messages_lead_to_the_offer_of_a_person(customer: Customer) -> None:
    first = customer.say("blorp fizzwhack quantum")
    assert "colleague" not in first[0]["text"].lower()
    assert {b["title"] for b in first[0]["buttons"]} >= {"Track a shipment", "Get a quote"}
    second = customer.say("grindle snoop wobbleton")
    assert "colleague" in second[0]["text"].lower()
    assert "queue" in customer.reply_text(second[0]["buttons"][0]["payload"])


@pytest.mark.parametrize(
    "message",
    ["", "x" * 10_000, "📦📦🙂", "我的包裹在哪裡？", "track 160-1234567"],
    ids=["empty", "10k-chars", "emoji-only", "chinese", "malformed-number"],
)
def test_bad_input_gets_a_polite_answer_and_the_next_message_works(
    customer: Customer, message: str
) -> None:
    reply = customer.reply_text(message)
    assert reply.strip(), "the bot stayed silent"
    assert "freight desk" in customer.reply_text("hi")


def test_stop_leaves_a_form(customer: Customer) -> None:
    assert "which service" in customer.reply_text("I'd like a price quote")
    assert "stopped" in customer.reply_text("cancel")
    assert "free on board" in customer.reply_text("what does FOB mean?")


def test_conversation_is_stored_in_the_tracker_store(
    running_stack: RunningStack, customer: Customer
) -> None:
    customer.say("hello")
    customer.say("what does CIF mean?")
    events = running_stack.tracker(customer.sender)["events"]
    user_texts = [e["text"] for e in events if e["event"] == "user"]
    assert user_texts == ["hello", "what does CIF mean?"]
    assert any(e["event"] == "bot" and "insurance" in (e.get("text") or "").lower() for e in events)


def test_a_transit_question_that_names_the_service_is_answered_for_that_service(
    customer: Customer,
) -> None:
    """The service named with the destination used to be dropped, so every service was listed."""
    reply = customer.reply_text("how long from hong kong to los angeles by air")
    assert "air freight" in reply
    assert "express:" not in reply
    assert "sea freight" not in reply
