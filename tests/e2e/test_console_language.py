"""The console with a Chinese-speaking customer, end to end: the real model, action server
and Rasa server, the KPI consumer's facts and the agent console in Debian's Chromium.

The customer writes in Chinese and is handed over; the queue shows the conversation as
中文 once the event stream has brought it in, the conversation page shows it from Rasa's
tracker, the canned replies come in Chinese (and in English when the agent switches), and
the Chinese greeting the agent sends is what Rasa delivers to the customer. When the
customer then writes in English, the page's language follows without a reload.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bot.core.i18n import t
from bot.engine.eventstream.facts import consume_sql_broker
from bot.storage.db import get_engine, make_engine
from tests.console.server import ConsoleServer
from tests.e2e.conftest import Customer, RunningStack
from tests.e2e.test_console import AGENT, PASSWORD, TIMEOUT_MS, agent_events, console, hand_over
from tests.support.browser import open_page

__all__ = ["console"]  # the module fixture, shared with test_console

GREETING_ZH = t("console.canned.greeting", "zh")
GREETING_EN = t("console.canned.greeting", "en")


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    """A desktop-sized page in a fresh Chromium profile."""
    with open_page(tmp_path / "profile", viewport={"width": 1280, "height": 900}) as page:
        yield page


def _consume(stack: RunningStack) -> None:
    broker = make_engine(stack.events_url)
    try:
        consume_sql_broker(get_engine(stack.database_url), broker)
    finally:
        broker.dispose()


def test_an_agent_serves_a_chinese_customer_in_chinese(
    running_stack: RunningStack, console: ConsoleServer, customer: Customer, page: Page
) -> None:
    customer.say("你好，我想搵真人幫我跟進批貨")
    handoff_id = hand_over(running_stack, customer.sender, "rest")
    _consume(running_stack)

    page.goto(f"{console.url}/queue")
    page.get_by_label("Name").fill(AGENT)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    row = page.locator(f'tr[data-handoff="{handoff_id}"]')
    expect(row.locator(".lang")).to_have_text("中文")
    row.get_by_role("button", name="Take over").click()
    expect(page).to_have_url(f"{console.url}/handoffs/{handoff_id}")

    expect(page.locator("#language")).to_have_text("中文")
    reply = page.get_by_label("Reply to the customer")
    page.get_by_role("button", name="Greeting").click()
    expect(reply).to_have_value(GREETING_ZH)
    page.get_by_label("Canned replies in").select_option("en")
    page.get_by_role("button", name="Greeting").click()
    expect(reply).to_have_value(GREETING_EN)
    page.get_by_label("Canned replies in").select_option("zh")
    page.get_by_role("button", name="Greeting").click()
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#outbox .state")).to_have_text("delivered", timeout=TIMEOUT_MS)
    assert [e["text"] for e in agent_events(running_stack, customer.sender)] == [GREETING_ZH]

    # The customer answers in English: the page follows Rasa's tracker without a reload.
    assert customer.say("thanks, can you tell me when my parcel arrives?") == []
    expect(page.locator("#language")).to_have_text("English", timeout=TIMEOUT_MS)
