"""The satisfaction survey end to end, on the real model, action server and Rasa server.

Offered after a completed enquiry (thanks), after an agent closes a handoff in the
console (run as its own process, as `make run` starts it) and after a resolved complaint
(`complaints resolve`, as staff run it); answered by typing over REST and by tapping
inline buttons on Telegram. Every answer is checked in the database.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sqlalchemy import select

from bot.core.settings import REPO_ROOT
from bot.domain.handoff.queue import list_queue
from bot.domain.users import add_user
from bot.ops.stack import free_port
from bot.storage import db
from bot.storage.models import SurveyResponse
from tests.console.server import page_csrf, sign_in
from tests.e2e.conftest import TOKEN, Customer, RunningStack
from tests.e2e.test_complaint_resolution import REFERENCE, _resolve
from tests.e2e.test_telegram import send
from tests.engine.channels.telegram_fixtures import load_update, new_chat_id
from tests.engine.channels.telegram_standin import BotApiStandIn

CSAT_QUESTION = "how satisfied are you"
FCR_QUESTION = "was your issue resolved"
CES_QUESTION = "how easy was it"
NPS_QUESTION = "how likely are you to recommend"
COMMENT_QUESTION = "anything you'd like to tell us"
AGENT = "survey-agent"
PASSWORD = "survey agent password"


def surveys(stack: RunningStack, sender: str) -> list[SurveyResponse]:
    """Every survey row of this conversation, oldest first."""
    with db.session_scope(db.get_engine(stack.database_url)) as session:
        rows = session.scalars(
            select(SurveyResponse)
            .where(SurveyResponse.sender_id == sender)
            .order_by(SurveyResponse.id)
        ).all()
        session.expunge_all()
        return list(rows)


def answers(row: SurveyResponse) -> tuple[Any, ...]:
    return (row.csat, row.fcr, row.ces, row.nps, row.comment)


def bot_texts(stack: RunningStack, sender: str) -> list[str]:
    """What the bot said in the conversation, lower-cased (proactive messages included)."""
    events = stack.tracker(sender)["events"]
    return [(e.get("text") or "").lower() for e in events if e["event"] == "bot"]


def wait_for_bot_text(stack: RunningStack, sender: str, fragment: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not any(fragment in text for text in bot_texts(stack, sender)):
        assert time.monotonic() < deadline, f"the bot never said {fragment!r}"
        time.sleep(0.3)


def enquire(customer: Customer, shipment: dict[str, str]) -> None:
    reply = customer.reply_text(f"where is my shipment {shipment['tracking_number']}?")
    assert shipment["tracking_number"].lower() in reply


def test_survey_after_a_completed_enquiry_stores_every_answer_once(
    running_stack: RunningStack, customer: Customer, demo_shipments: list[dict[str, str]]
) -> None:
    enquire(customer, demo_shipments[0])
    offer = customer.say("thanks a lot")
    text = "\n".join(m.get("text") or "" for m in offer).lower()
    assert "you're welcome" in text and "5 quick questions" in text and CSAT_QUESTION in text
    assert [b["title"] for b in offer[-1]["buttons"]] == ["1", "2", "3", "4", "5", "Skip"]
    (row,) = surveys(running_stack, customer.sender)
    assert (row.service, row.channel, row.agent, row.answered_at) == (
        "track_shipment",
        "rest",
        None,
        None,
    )

    assert FCR_QUESTION in customer.reply_text("4")
    assert CES_QUESTION in customer.reply_text("yes")
    assert NPS_QUESTION in customer.reply_text("five")
    assert COMMENT_QUESTION in customer.reply_text("9 out of 10")
    assert "thank you for your feedback" in customer.reply_text("Quick and clear, thank you.")

    (row,) = surveys(running_stack, customer.sender)
    assert answers(row) == (4, True, 5, 9, "Quick and clear, thank you.")
    assert row.answered_at is not None
    # The conversation goes on normally afterwards.
    assert "tracking number" in customer.reply_text("I want to track a parcel")


def test_an_invalid_answer_is_asked_again_once_then_the_survey_ends_politely(
    running_stack: RunningStack, customer: Customer, demo_shipments: list[dict[str, str]]
) -> None:
    enquire(customer, demo_shipments[1])
    assert CSAT_QUESTION in customer.reply_text("thank you")
    assert FCR_QUESTION in customer.reply_text("2")
    again = customer.reply_text("purple")
    assert "sorry, i didn't get that" in again and FCR_QUESTION in again
    assert "please answer" in again
    ended = customer.reply_text("banana")
    assert "stop the survey here" in ended and "answers you gave are kept" in ended
    assert FCR_QUESTION not in ended

    (row,) = surveys(running_stack, customer.sender)
    assert answers(row) == (2, None, None, None, None)
    assert "tracking number" in customer.reply_text("I want to track a parcel")


def test_skipping_is_one_tap_and_nobody_is_asked_twice_in_a_day(
    running_stack: RunningStack, customer: Customer, demo_shipments: list[dict[str, str]]
) -> None:
    enquire(customer, demo_shipments[2])
    assert CSAT_QUESTION in customer.reply_text("thanks")
    skipped = customer.reply_text("Skip survey")  # the Skip button's payload
    assert "no survey" in skipped

    enquire(customer, demo_shipments[3])
    again = customer.reply_text("thanks")
    assert "you're welcome" in again and CSAT_QUESTION not in again
    bye = customer.reply_text("bye")
    assert "goodbye" in bye and CSAT_QUESTION not in bye

    (row,) = surveys(running_stack, customer.sender)
    assert answers(row) == (None, None, None, None, None) and row.answered_at is None


def test_thanks_without_an_answered_enquiry_brings_no_survey(
    running_stack: RunningStack, customer: Customer
) -> None:
    customer.say("hello")
    assert "you're welcome" in customer.reply_text("thanks")
    assert surveys(running_stack, customer.sender) == []


def test_a_question_in_the_middle_of_the_survey_is_answered_and_the_survey_resumes(
    running_stack: RunningStack, customer: Customer, demo_shipments: list[dict[str, str]]
) -> None:
    enquire(customer, demo_shipments[4])
    assert CSAT_QUESTION in customer.reply_text("goodbye")
    answer = customer.reply_text("what does FOB mean?")
    assert "free on board" in answer and CSAT_QUESTION in answer
    assert FCR_QUESTION in customer.reply_text("3")
    (row,) = surveys(running_stack, customer.sender)
    assert row.csat == 3


# -- after a closed handoff: the console as its own process --------------------------------


@pytest.fixture(scope="module")
def console_process(
    running_stack: RunningStack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """`python -m bot console` against the stack, as `make run` starts it."""
    with db.session_scope(db.get_engine(running_stack.database_url)) as session:
        add_user(session, AGENT, PASSWORD, role="agent", team="general")
    port = free_port()
    log = (tmp_path_factory.mktemp("console") / "console.log").open("w")
    env = {
        **os.environ,
        "DATABASE_URL": running_stack.database_url,
        "RASA_URL": running_stack.url,
        "RASA_TOKEN": TOKEN,
        "PYTHONPATH": str(REPO_ROOT),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "console", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, "the console exited at start"
            try:
                requests.get(f"{url}/login", timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "the console did not start"
                time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_survey_after_an_agent_closes_the_handoff(
    running_stack: RunningStack, customer: Customer, console_process: str
) -> None:
    assert "queue" in customer.reply_text("I'd like to speak to a person please")
    with db.session_scope(db.get_engine(running_stack.database_url)) as session:
        (handoff,) = [h for h in list_queue(session) if h.sender_id == customer.sender]
    agent = sign_in(console_process, AGENT, PASSWORD)
    csrf = page_csrf(agent, f"{console_process}/queue")
    for step in ("take", "close"):
        response = agent.post(
            f"{console_process}/handoffs/{handoff.id}/{step}",
            data={"csrf_token": csrf},
            allow_redirects=False,
            timeout=30,
        )
        assert response.status_code == 303, response.text

    wait_for_bot_text(running_stack, customer.sender, CSAT_QUESTION)
    texts = bot_texts(running_stack, customer.sender)
    assert "closed this conversation" in texts[-3] and "before you go" in texts[-2]
    assert FCR_QUESTION in customer.reply_text("5")
    assert CES_QUESTION in customer.reply_text("yes")
    assert NPS_QUESTION in customer.reply_text("4")
    assert COMMENT_QUESTION in customer.reply_text("10")
    assert "thank you for your feedback" in customer.reply_text("No comment")

    (row,) = surveys(running_stack, customer.sender)
    assert answers(row) == (5, True, 4, 10, None)
    assert (row.agent, row.team, row.service) == (AGENT, handoff.team, "request_human")
    # The console's transcript does not show the triggered intent as the customer's words.
    lines = agent.get(
        f"{console_process}/handoffs/{handoff.id}/transcript.json", timeout=30
    ).json()["lines"]
    assert not any("EXTERNAL" in line["text"] for line in lines)


# -- after a resolved complaint: `complaints resolve` -------------------------------------------


def test_survey_after_a_resolved_complaint(running_stack: RunningStack, customer: Customer) -> None:
    customer.say("I want to make a complaint")
    customer.say("Late delivery")
    customer.say("The carton was promised for Monday and only arrived on Friday.")
    customer.say("no")
    customer.say("kit@example.com")
    reference = REFERENCE.search(customer.reply_text("yes").upper())
    assert reference

    result = _resolve(running_stack, reference.group())

    assert result.returncode == 0, result.stdout + result.stderr
    wait_for_bot_text(running_stack, customer.sender, CSAT_QUESTION)
    assert any(
        f"now that {reference.group().lower()} is resolved" in t
        for t in bot_texts(running_stack, customer.sender)
    )
    assert FCR_QUESTION in customer.reply_text("3")
    assert "no survey" not in customer.reply_text("no")
    assert "kept the answers" in customer.reply_text("skip")
    (row,) = surveys(running_stack, customer.sender)
    assert answers(row) == (3, False, None, None, None)
    assert (row.complaint_reference, row.service, row.team) == (
        reference.group(),
        "complain",
        "complaints_claims",
    )


# -- Telegram: native inline buttons, answered by callback queries ---------------------------


def press(stack: RunningStack, api: BotApiStandIn, chat_id: int, title: str) -> None:
    """Tap the button ``title`` under the bot's latest message, as Telegram sends it."""
    message = next(m for m in reversed(api.messages(chat_id)) if m.buttons)
    button = next(b for b in message.buttons if b["text"] == title)
    update = load_update("callback_query", chat_id)
    update["callback_query"]["data"] = button["callback_data"]
    update["callback_query"]["id"] = f"cbq-{chat_id}-{title}"
    send(stack, update)


def wait_for_last(api: BotApiStandIn, chat_id: int, fragment: str) -> None:
    """Wait until the bot's latest Telegram message contains ``fragment``."""
    api.wait_for(
        lambda a: bool(a.messages(chat_id)) and fragment in a.messages(chat_id)[-1].text.lower(),
        what=f"a message with {fragment!r}",
    )


def test_telegram_customer_answers_with_inline_buttons(
    running_stack: RunningStack,
    telegram_api: BotApiStandIn,
    demo_shipments: list[dict[str, str]],
) -> None:
    chat_id = new_chat_id()
    number = demo_shipments[5]["tracking_number"]
    send(running_stack, load_update("text_message", chat_id, text=f"where is {number}"))
    wait_for_last(telegram_api, chat_id, number.lower())
    send(running_stack, load_update("text_message", chat_id, text="thank you"))
    wait_for_last(telegram_api, chat_id, CSAT_QUESTION)
    question = telegram_api.messages(chat_id)[-1]
    assert [b["text"] for b in question.buttons] == ["1", "2", "3", "4", "5", "Skip"]

    press(running_stack, telegram_api, chat_id, "4")
    wait_for_last(telegram_api, chat_id, FCR_QUESTION)
    press(running_stack, telegram_api, chat_id, "No")
    wait_for_last(telegram_api, chat_id, CES_QUESTION)
    press(running_stack, telegram_api, chat_id, "Skip")
    wait_for_last(telegram_api, chat_id, "kept the answers")

    answered = [c.params["callback_query_id"] for c in telegram_api.calls("answerCallbackQuery")]
    assert {f"cbq-{chat_id}-4", f"cbq-{chat_id}-No", f"cbq-{chat_id}-Skip"} <= set(answered)
    (row,) = surveys(running_stack, f"telegram:{chat_id}")
    assert answers(row) == (4, False, None, None, None)
    assert (row.channel, row.service) == ("telegram", "track_shipment")
