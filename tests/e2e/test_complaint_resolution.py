"""A resolved complaint reaches the customer on the channel they used, proactively.

Staff resolve with the operators' CLI (`python -m bot complaints resolve`), as they
would; the CLI tells the customer through Rasa's HTTP API.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

from bot.core.settings import REPO_ROOT
from tests.e2e.conftest import TOKEN, Customer, RunningStack
from tests.e2e.test_telegram import send
from tests.engine.channels.telegram_fixtures import load_update, new_chat_id
from tests.engine.channels.telegram_standin import BotApiStandIn

REFERENCE = re.compile(r"CMP-\d{4}-\d{5}")
OUTCOME = "We have refunded the freight charge and sent replacement vases."


def _resolve(stack: RunningStack, reference: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": stack.database_url,
        "RASA_URL": stack.url,
        "RASA_TOKEN": TOKEN,
        "PYTHONPATH": str(REPO_ROOT),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "complaints", "resolve", reference, OUTCOME],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_resolution_reaches_a_web_or_rest_customer(
    running_stack: RunningStack, customer: Customer
) -> None:
    customer.say("I want to make a complaint")
    customer.say("Damaged goods")
    customer.say("Two of the six vases arrived shattered inside an undamaged carton.")
    customer.say("no")
    customer.say("mei@example.com")
    receipt = customer.reply_text("yes")
    reference = REFERENCE.search(receipt.upper())
    assert reference, receipt

    result = _resolve(running_stack, reference.group())

    assert result.returncode == 0, result.stdout + result.stderr
    bot_texts = [
        event.get("text") or ""
        for event in running_stack.tracker(customer.sender)["events"]
        if event["event"] == "bot"
    ]
    assert any(OUTCOME in text for text in bot_texts), bot_texts[-3:]


def test_resolution_reaches_a_telegram_customer(
    running_stack: RunningStack, telegram_api: BotApiStandIn
) -> None:
    chat_id = new_chat_id()
    steps = [
        "I want to make a complaint",
        "Late delivery",
        "The shipment was promised for Monday and arrived on Friday.",
        "no",
        "this chat",
        "yes",
    ]
    for text in steps:  # each of these turns is answered with exactly one message
        before = len(telegram_api.messages(chat_id))
        send(running_stack, load_update("tracking_question", chat_id, text=text))
        telegram_api.wait_for_messages(chat_id, count=before + 1)
    receipt = telegram_api.messages(chat_id)[-1].text
    reference = REFERENCE.search(receipt)
    assert reference, receipt
    sent_before = len(telegram_api.messages(chat_id))

    result = _resolve(running_stack, reference.group())

    assert result.returncode == 0, result.stdout + result.stderr
    texts = telegram_api.wait_for_messages(chat_id, count=sent_before + 1)
    assert any(OUTCOME in text for text in texts[sent_before:])
