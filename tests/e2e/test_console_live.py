"""The live console in the browser, end to end: the real model, action server, Rasa
server and event-stream consumer, the console on a free port, and two Chromium windows,
the agent's and the customer's web chat.

With the queue open and never reloaded, a customer who asks for a person appears in it
(and in the tab's title); the agent takes over, the customer's next message appears in
the open transcript, and the agent's reply appears in the customer's web chat.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from bot.console.config import ConsoleConfig
from bot.domain.handoff.queue import list_queue
from bot.domain.users import add_user, get_user
from bot.storage import db
from tests.console.server import ConsoleServer
from tests.e2e.conftest import TOKEN, RunningStack, following_events
from tests.e2e.test_console import AGENT, PASSWORD
from tests.e2e.test_webchat import PHONE, bot_says
from tests.support.browser import CHROMIUM, CHROMIUM_FLAGS, TIMEOUT_MS

#: Server push brings a change within a second; the browser's own work is allowed a little more.
LIVE_MS = 5_000


@pytest.fixture(scope="module")
def console(running_stack: RunningStack) -> Iterator[ConsoleServer]:
    """The console on a free port, with one express agent, and the event consumer running."""
    with db.session_scope(db.get_engine(running_stack.database_url)) as session:
        if get_user(session, AGENT) is None:
            add_user(session, AGENT, PASSWORD, role="agent", team="express")
    server = ConsoleServer(ConsoleConfig(running_stack.database_url, running_stack.url, TOKEN))
    server.start()
    try:
        with following_events(running_stack):
            yield server
    finally:
        server.stop()


@pytest.fixture
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


def _page(browser: Browser, **options: object) -> Page:
    page = browser.new_context(**options).new_page()  # type: ignore[arg-type]
    page.set_default_timeout(TIMEOUT_MS)
    return page


def _sign_in(page: Page, url: str) -> None:
    page.goto(f"{url}/queue")
    page.get_by_label("Name").fill(AGENT)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{url}/queue")
    expect(page.locator("body[data-live='on']")).to_have_count(1)


def test_handoff_reply_and_transcript_are_live_in_both_windows(
    running_stack: RunningStack, console: ConsoleServer, browser: Browser
) -> None:
    agent = _page(browser, viewport={"width": 1280, "height": 900})
    _sign_in(agent, console.url)
    title = agent.title()

    customer = _page(browser, viewport=PHONE, is_mobile=True)
    customer.goto(f"{running_stack.url}/webchat/")
    bot_says(customer, "Welcome to Freight Desk")
    customer.get_by_label("Your message").fill("please put me through to a human agent")
    customer.get_by_label("Your message").press("Enter")
    bot_says(customer, "queue")
    with db.session_scope(db.get_engine(running_stack.database_url)) as session:
        (handoff,) = [
            h for h in list_queue(session) if h.channel == "webchat" and h.status == "waiting"
        ]

    # The open queue shows the customer without a reload, and the title counts them.
    row = agent.locator(f'tr[data-handoff="{handoff.id}"]')
    expect(row).to_be_visible(timeout=LIVE_MS)
    expect(row).to_contain_text("Asked for a person")
    expect(agent).to_have_title(f"(1) {title}")

    row.get_by_role("button", name="Take over").click()
    expect(agent).to_have_url(f"{console.url}/handoffs/{handoff.id}")
    expect(agent.locator("body[data-live='on']")).to_have_count(1)

    # The customer's next message appears in the open transcript.
    customer.get_by_label("Your message").fill("my parcel 160-48219371 is stuck, please help")
    customer.get_by_label("Your message").press("Enter")
    expect(agent.locator(".line-customer", has_text="is stuck, please help")).to_be_visible(
        timeout=LIVE_MS
    )

    # The agent's reply appears in the customer's web chat, and in the transcript.
    words = "Hello, this is the express team: I'm looking at 160-48219371 now."
    agent.get_by_label("Reply to the customer").fill(words)
    agent.get_by_role("button", name="Send").click()
    expect(agent.locator("#outbox .state")).to_have_text("delivered", timeout=TIMEOUT_MS)
    bot_says(customer, "I'm looking at 160-48219371 now")
    expect(agent.locator(".line-agent", has_text="looking at 160-48219371")).to_be_visible(
        timeout=LIVE_MS
    )
