"""Handoff triggers end to end: the queue record, the customer's notice, the wait.

The console's side (take over, reply, hand back) is in test_console.py; here the
conversation reaches the queue the way customers get there.
"""

from __future__ import annotations

from pathlib import Path

from bot.domain.handoff.queue import list_queue
from bot.domain.handoff.views import HandoffView
from bot.storage.db import get_engine, session_scope
from tests.e2e.conftest import Customer, RunningStack
from tests.e2e.test_telegram import send
from tests.e2e.test_webchat import PHONE, bot_says
from tests.engine.channels.telegram_fixtures import load_update, new_chat_id
from tests.engine.channels.telegram_standin import BotApiStandIn
from tests.support.browser import open_page


def _queued(stack: RunningStack, sender: str) -> list[HandoffView]:
    with session_scope(get_engine(stack.database_url)) as session:
        return [h for h in list_queue(session) if h.sender_id == sender]


def test_asking_for_a_person_queues_the_chat_and_acknowledges_the_wait(
    running_stack: RunningStack, customer: Customer
) -> None:
    customer.say("how much to ship 40 kg by air to Tokyo?")
    notice = customer.reply_text("can I talk to a real person please")
    assert "queue" in notice
    queued = _queued(running_stack, customer.sender)
    assert len(queued) == 1
    assert queued[0].reason == "customer_asked"
    assert queued[0].team == "air_freight"
    assert "can i talk to a real person please" in queued[0].summary.lower()
    # Not a silent wall: the first message while queued hears the place in the queue, and
    # is kept for the agent.
    assert "passed that on" in customer.reply_text("hello? anyone there?")
    events = running_stack.tracker(customer.sender)["events"]
    said = [e["text"] for e in events if e["event"] == "user"]
    assert said[-1] == "hello? anyone there?"
    assert not running_stack.tracker(customer.sender).get("paused")  # until an agent takes it


def test_two_misunderstandings_then_yes_hand_over_with_that_reason(
    running_stack: RunningStack, customer: Customer
) -> None:
    customer.say("blorp fizzwhack quantum")
    customer.say("grindle snoop wobbleton")
    assert "queue" in customer.reply_text("yes")
    queued = _queued(running_stack, customer.sender)
    assert [h.reason for h in queued] == ["repeated_fallback"]


def test_serious_complaint_is_handed_to_the_complaints_team(
    running_stack: RunningStack, customer: Customer
) -> None:
    customer.say("I want to make a complaint")
    customer.say("Lost shipment")
    customer.say(
        "Our container of medical supplies worth HKD 2,000,000 is lost and our lawyer is "
        "now involved."
    )
    customer.say("no")
    customer.say("ops@hospital.example")
    reply = customer.reply_text("yes")
    assert "cmp-" in reply and "queue" in reply
    queued = _queued(running_stack, customer.sender)
    assert [(h.reason, h.team) for h in queued] == [
        ("high_severity_complaint", "complaints_claims")
    ]


def test_keyword_in_a_minor_complaint_hands_it_to_a_person(
    running_stack: RunningStack, customer: Customer
) -> None:
    # A late parcel alone is a low-severity complaint that waits its turn; the agents'
    # keyword "consumer council" (config/handoff.yml) sends it to a person at once.
    customer.say("I want to make a complaint")
    customer.say("Late delivery")
    customer.say(
        "The parcel came two days after the date you gave me, I will take this to the "
        "Consumer Council."
    )
    customer.say("no")
    customer.say("buyer@shop.example")
    reply = customer.reply_text("yes")
    assert "cmp-" in reply and "queue" in reply
    queued = _queued(running_stack, customer.sender)
    assert [(h.reason, h.team) for h in queued] == [("keyword", "complaints_claims")]


def test_minor_complaint_without_a_keyword_is_not_handed_over(
    running_stack: RunningStack, customer: Customer
) -> None:
    customer.say("I want to make a complaint")
    customer.say("Late delivery")
    customer.say("The parcel came two days after the date you gave me.")
    customer.say("no")
    customer.say("buyer@shop.example")
    reply = customer.reply_text("yes")
    assert "cmp-" in reply and "queue" not in reply
    assert _queued(running_stack, customer.sender) == []


def test_telegram_customer_is_queued_and_hears_the_wait(
    running_stack: RunningStack, telegram_api: BotApiStandIn
) -> None:
    chat_id = new_chat_id()
    send(running_stack, load_update("tracking_question", chat_id, text="I need a human agent"))
    assert "queue" in telegram_api.wait_for_messages(chat_id)[0].lower()
    assert [h.channel for h in _queued(running_stack, f"telegram:{chat_id}")] == ["telegram"]
    send(running_stack, load_update("tracking_question", chat_id, text="hello?"))
    # The webhook answers before the turn is processed: wait for the acknowledgement.
    texts = telegram_api.wait_for_messages(chat_id, count=2, timeout=30)
    assert "passed that on" in texts[1].lower()


def test_web_chat_customer_is_queued_and_hears_the_wait(
    running_stack: RunningStack, tmp_path: Path
) -> None:
    with open_page(tmp_path / "profile", viewport=PHONE, is_mobile=True) as page:
        page.goto(f"{running_stack.url}/webchat/")
        bot_says(page, "Welcome to Freight Desk")
        page.get_by_label("Your message").fill("please put me through to a human agent")
        page.get_by_label("Your message").press("Enter")
        bot_says(page, "queue")
        with session_scope(get_engine(running_stack.database_url)) as session:
            queued = [h for h in list_queue(session) if h.channel == "webchat"]
        assert len(queued) == 1 and queued[0].sender_id.startswith("web:")
        answers = page.locator(".msg-bot:not(.typing)")  # the typing dots are not an answer
        bots_before = answers.count()
        page.get_by_label("Your message").fill("hello? still there?")
        page.get_by_label("Your message").press("Enter")
        bot_says(page, "passed that on")
        assert answers.count() == bots_before + 1
