"""Search in the browser: a manager searches from the conversation log and finds a
customer's phrase; an agent who never handled that conversation does not."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bot.engine.eventstream.facts import apply_events
from bot.storage import db
from tests.console.harness import PASSWORD, SCRIPT, Console
from tests.support.browser import open_page


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    with open_page(tmp_path / "profile", viewport={"width": 1280, "height": 900}) as page:
        yield page


def _sign_in(page: Page, console: Console, name: str) -> None:
    page.goto(console.url + "/login")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(console.url + "/queue")


def test_a_manager_finds_a_phrase_from_the_conversation_log(console: Console, page: Page) -> None:
    with db.session_scope(db.get_engine(console.database_url)) as session:
        apply_events(
            session,
            [
                {
                    "event": "user",
                    "text": f"The reefer container lost power overnight {SCRIPT}",
                    "timestamp": time.time() - 60,
                },
                {"event": "bot", "text": "I'm sorry to hear that.", "timestamp": time.time()},
            ],
            sender_id="web:reefer",
        )
    _sign_in(page, console, "mary")
    page.goto(console.url + "/dashboard/conversations")
    page.get_by_label("Search what was said").fill("lost power overnight")
    page.get_by_label("Search what was said").press("Enter")
    hit = page.locator("#hits .hit")
    expect(hit).to_have_count(1)
    expect(hit).to_contain_text("web:reefer")
    expect(hit.locator(".hit-text")).to_have_text(
        f"The reefer container lost power overnight {SCRIPT}"  # shown as text, not run
    )
    assert page.title().startswith("Search")

    page.context.clear_cookies()
    _sign_in(page, console, "ann")
    page.goto(console.url + "/search?q=lost+power+overnight")
    expect(page.locator("#no-hits")).to_be_visible()
