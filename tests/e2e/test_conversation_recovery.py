"""Conversations that never dead-end, on the real model and servers (issue 12).

The root causes, each with the conversation that showed it:

- A form that rejected a message no rule answered (at the complaint summary, "damaged"
  reads as ``complain``) brought the fallback, after which nothing predicted the next step:
  the fallback ran ten times in one answer until Rasa's circuit breaker stopped the turn.
- A tripped circuit breaker left no ``action_listen`` behind, so every later message
  tripped it again at once: silence for good.
- "what?" at a form step was read as a glossary lookup; an unknown word next to a known
  term was dropped without a word; a 10,000-letter message queued the customer for a
  person, and a queued customer heard nothing until an agent took over.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest
import requests

from bot.domain.handoff.queue import list_queue
from bot.domain.handoff.waiting import WAITING_MESSAGES
from bot.storage.db import get_engine, session_scope
from tests.e2e.conftest import TOKEN, Customer, RunningStack

BREAKER = "Circuit breaker tripped"


def _breaker_trips(stack: RunningStack, sender: str) -> int:
    log = (stack.var_dir / "logs" / "rasa.log").read_text(errors="replace")
    return sum(1 for line in log.splitlines() if BREAKER in line and f"'{sender}'" in line)


def _assert_one_honest_answer(messages: list[dict[str, object]]) -> str:
    """Every turn is answered, and no sentence is said three times in one answer."""
    texts = [str(m.get("text") or "") for m in messages]
    assert any(texts), "the turn got no answer"
    sentences = Counter(
        s.strip().lower() for text in texts for s in re.split(r"(?<=[.?!])\s+", text) if s.strip()
    )
    repeated = [s for s, n in sentences.items() if n >= 2]
    assert not repeated, f"said more than once in one answer: {repeated}"
    return "\n".join(texts).lower()


def _to_complaint_summary(customer: Customer) -> None:
    customer.say("I want to make a complaint")
    customer.say("Damaged goods")
    customer.say("the box arrived crushed and wet")
    customer.say("no")
    summary = customer.reply_text("bob@example.com")
    assert "shall i submit it" in summary


@pytest.mark.parametrize("reply", ["damaged", "I want to complain"])
def test_an_off_script_reply_at_the_complaint_summary_asks_again_and_the_chat_goes_on(
    running_stack: RunningStack, customer: Customer, reply: str
) -> None:
    _to_complaint_summary(customer)

    answer = _assert_one_honest_answer(customer.say(reply))

    assert "shall i submit it" in answer  # the form asks its question again
    assert _breaker_trips(running_stack, customer.sender) == 0
    assert "free on board" in customer.reply_text("what does FOB mean")
    assert "cmp-" in customer.reply_text("Submit")


def test_a_conversation_the_breaker_silenced_listens_again(
    running_stack: RunningStack, customer: Customer
) -> None:
    # What a conversation that died before the fix holds: a turn the breaker stopped, ten
    # actions and no action_listen after them.
    assert customer.say("hello")
    response = requests.post(
        f"{running_stack.url}/conversations/{customer.sender}/tracker/events",
        params={"token": TOKEN},
        json=[{"event": "action", "name": "action_fallback"}] * 10,
        timeout=30,
    )
    assert response.status_code == 200, response.text

    answer = _assert_one_honest_answer(customer.say("what does FOB mean"))

    assert "got stuck" in answer
    events = running_stack.tracker(customer.sender)["events"]
    assert [e.get("name") for e in events if e["event"] == "action"][-1] == "action_listen"
    assert "free on board" in customer.reply_text("what does FOB mean")


@pytest.mark.parametrize(
    ("opening", "clarify", "question"),
    [
        ("track my shipment", "what?", "tracking number"),
        ("I need a quote", "huh", "which service"),
        ("how long does it take to ship", "sorry?", "where would you like to ship to"),
        ("I want to make a complaint", "?", "what kind of problem"),
    ],
)
def test_what_at_a_form_step_asks_that_step_again(
    customer: Customer, opening: str, clarify: str, question: str
) -> None:
    assert question in customer.reply_text(opening)

    answer = _assert_one_honest_answer(customer.say(clarify))

    assert "let me put that again" in answer and question in answer
    assert "glossary" not in answer


def test_what_at_the_complaint_summary_asks_it_again(customer: Customer) -> None:
    _to_complaint_summary(customer)
    answer = _assert_one_honest_answer(customer.say("what?"))
    assert "shall i submit it" in answer and "glossary" not in answer


def test_an_unknown_word_next_to_a_term_is_named(customer: Customer) -> None:
    answer = customer.reply_text("what does the term florbex surcharge mean")
    assert answer.startswith("i don't know 'florbex'; here is 'surcharge'.")
    assert "extra charge" in answer


def _queued(stack: RunningStack, sender: str) -> list[object]:
    with session_scope(get_engine(stack.database_url)) as session:
        return [h for h in list_queue(session) if h.sender_id == sender]


def test_a_waiting_customer_hears_their_place_and_can_leave_the_queue(
    running_stack: RunningStack, customer: Customer
) -> None:
    notice = customer.reply_text("can I talk to a real person please")
    assert "queue" in notice and '"cancel"' in notice

    ack = _assert_one_honest_answer(customer.say("hello? anyone there?"))
    assert "passed that on" in ack and "number" in ack and "queue" in ack
    # Later messages within a few minutes are kept for the agent without a reply each.
    assert customer.say("my number is 9123 4567, call me after 3pm") == []
    (waiting,) = _queued(running_stack, customer.sender)
    left = [m["text"] for m in waiting.context[WAITING_MESSAGES]]  # type: ignore[attr-defined]
    assert left == ["hello? anyone there?", "my number is 9123 4567, call me after 3pm"]

    answer = customer.reply_text("cancel")

    assert "out of the queue" in answer
    assert _queued(running_stack, customer.sender) == []
    assert "free on board" in customer.reply_text("what does FOB mean")


def test_the_leave_button_leaves_the_queue(running_stack: RunningStack, customer: Customer) -> None:
    (notice,) = customer.say("I need a human agent")
    assert {"title": "Leave the queue", "payload": "/stop"} in notice["buttons"]  # type: ignore[operator]
    assert "out of the queue" in customer.reply_text("/stop")
    assert _queued(running_stack, customer.sender) == []


def test_an_oversized_message_of_one_letter_is_never_a_reason_to_queue(
    running_stack: RunningStack, customer: Customer
) -> None:
    answer = _assert_one_honest_answer(customer.say("a" * 10_000))

    assert "queue" not in answer
    assert _queued(running_stack, customer.sender) == []
    assert "free on board" in customer.reply_text("what does FOB mean")


def test_a_price_asked_mid_complaint_says_the_complaint_was_set_aside(
    customer: Customer,
) -> None:
    """Rasa dropped the complaint form for the price form without a word to the customer."""
    customer.say("I want to make a complaint")
    answer = _assert_one_honest_answer(
        customer.say("what would it cost to send 3 pallets to manila")
    )
    assert "put your complaint aside" in answer
    assert 'say "i want to make a complaint"' in answer
    # The price form carries on, and the complaint can be started again.
    assert "which service" in answer
    again = customer.reply_text("I want to make a complaint")
    assert "what kind of problem" in again


def test_a_person_asked_for_mid_quote_says_the_quote_was_set_aside(
    running_stack: RunningStack, customer: Customer
) -> None:
    """The queue took over a half-filled price request without a word about it (the full
    explorer grid found it at every step of every form)."""
    customer.say("can I get a quote?")
    answer = customer.reply_text("get me a member of staff on this chat")
    assert "put your price request aside" in answer
    assert "queue" in answer
    assert len(_queued(running_stack, customer.sender)) == 1
    assert "out of the queue" in customer.reply_text("cancel")
    assert "free on board" in customer.reply_text("what does FOB mean")
