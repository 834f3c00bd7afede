"""A customer request worked to completion in the agent console, in Debian's Chromium.

The customer books a pick-up in a real conversation; an agent signs in, finds it in the
requests list (due time, not overdue), adds a note and completes it with what was done;
the customer's conversation then holds the outcome, in the conversation's language, and
the audit trail names each step.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bot.console.config import ConsoleConfig
from bot.domain.users import add_user, get_user
from bot.storage import db
from tests.console.server import ConsoleServer
from tests.e2e.conftest import TOKEN, Customer, RunningStack
from tests.e2e.test_requests import ADDRESS, _requests, _working_day
from tests.support.browser import open_page

AGENT = "e2e-requests-agent"
PASSWORD = "e2e requests agent password"
TIMEOUT_MS = 30_000
OUTCOME = "Driver Chan will collect between 14:00 and 17:00; he will call 15 minutes before."


@pytest.fixture(scope="module")
def console(running_stack: RunningStack) -> Iterator[ConsoleServer]:
    """The console on a free port, with one express agent in the stack's database."""
    with db.session_scope(db.get_engine(running_stack.database_url)) as session:
        if get_user(session, AGENT) is None:
            add_user(session, AGENT, PASSWORD, role="agent", team="express")
    server = ConsoleServer(ConsoleConfig(running_stack.database_url, running_stack.url, TOKEN))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    with open_page(tmp_path / "profile", viewport={"width": 1400, "height": 900}) as page:
        yield page


def _book(customer: Customer) -> None:
    customer.say("book a pick-up")
    customer.say(ADDRESS)
    customer.say(_working_day().isoformat())
    customer.say("2pm to 5pm")
    customer.say("2 boxes")
    customer.say("12 kg")
    customer.say("express")
    customer.say("yes")


def test_an_agent_completes_a_request_and_the_customer_is_told(
    running_stack: RunningStack, console: ConsoleServer, customer: Customer, page: Page
) -> None:
    _book(customer)
    (row,) = _requests(running_stack, customer.sender)
    reference = row.reference

    page.goto(f"{console.url}/requests")
    page.get_by_label("Name").fill(AGENT)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{console.url}/requests")
    line = page.locator(f'tr[data-reference="{reference}"]')
    expect(line).to_contain_text("pickup")
    expect(line).to_contain_text(ADDRESS)
    expect(line).not_to_contain_text("overdue")

    line.get_by_label("Note").fill("Driver Chan booked for the afternoon run.")
    line.get_by_role("button", name="Add note").click()
    expect(page.get_by_role("status")).to_have_text(f"{reference}: note saved.")

    line = page.locator(f'tr[data-reference="{reference}"]')
    line.get_by_label("What was done, as the customer will read it").fill(OUTCOME)
    line.get_by_role("button", name="Complete").click()
    expect(page.get_by_role("status")).to_have_text(
        f"{reference} closed. The customer has been told the outcome.", timeout=TIMEOUT_MS
    )
    expect(page.locator(f'tr[data-reference="{reference}"]')).to_have_count(0)

    told = [
        event["text"]
        for event in running_stack.tracker(customer.sender)["events"]
        if event["event"] == "bot" and reference in str(event.get("text"))
    ]
    assert told[-1] == f"Your pick-up request {reference} is done: {OUTCOME}"
    (done,) = _requests(running_stack, customer.sender)
    assert (done.status, done.assigned_to, done.completed_on_time) == ("done", AGENT, True)
    assert done.customer_notified_at is not None
