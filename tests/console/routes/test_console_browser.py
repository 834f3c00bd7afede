"""The agent's console in headless Chromium: one bundled stylesheet (Pico CSS and the
console's rules) under a strict CSP, and the keyboard: take over, search a canned reply,
send, hand back, without the mouse."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect

from bot.core.settings import REPO_ROOT
from tests.console.harness import PASSWORD, Console
from tests.support.browser import open_page


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    with open_page(tmp_path / "profile", viewport={"width": 1280, "height": 900}) as page:
        yield page


def test_one_bundled_stylesheet_from_our_own_origin(console: Console) -> None:
    if not (REPO_ROOT / "web" / "dist" / "console" / "console.css").is_file():
        pytest.fail("web/dist/console/console.css is missing: `make web` builds it")
    response = requests.get(console.url + "/static/console.css", timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/css")
    assert "--pico-" in response.text  # the framework
    assert ".line-customer" in response.text  # the console's own rules
    policy = response.headers["Content-Security-Policy"]
    assert "style-src 'self'" in policy and "script-src 'self'" in policy


def test_take_over_reply_and_hand_back_by_keyboard(console: Console, page: Page) -> None:
    handoff_id = console.handoff(
        "alice",
        context={"intent": "track_shipment", "slots": {}, "last_messages": ["a person please"]},
    )
    page.goto(console.url + "/login")
    page.get_by_label("Name").fill("ann")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(f'tr[data-handoff="{handoff_id}"]')).to_contain_text("Track a shipment")
    # The shortcuts live in the page's deferred script: an agent's first key press comes
    # after the page has loaded (on a busy machine the row shows before the script runs).
    page.wait_for_load_state("load")

    page.keyboard.press("t")
    expect(page).to_have_url(f"{console.url}/handoffs/{handoff_id}")
    page.wait_for_load_state("load")

    page.keyboard.press("/")
    expect(page.locator("#canned-search")).to_be_focused()
    page.keyboard.type("tracking number")  # words of the reply, not of its label
    expect(page.locator(".canned-reply:visible")).to_have_count(1)
    expect(page.locator(".canned-reply:visible")).to_have_text("Need reference")
    page.keyboard.press("Enter")
    expect(page.locator("#reply-text")).to_be_focused()
    expect(page.locator("#reply-text")).to_have_value(
        "Could you please send me the tracking number or booking reference, so I can look at "
        "the right shipment?"
    )
    page.keyboard.press("Control+Enter")
    expect(page.locator("#outbox .state")).to_have_text("delivered")
    assert console.rasa.events["alice"][-1]["text"].startswith("Could you please send me")

    page.locator("h1").click()  # out of the reply box: letters are shortcuts again
    page.keyboard.press("r")
    expect(page.locator("#reply-text")).to_be_focused()
    page.locator("h1").click()
    page.keyboard.press("Shift+H")
    expect(page).to_have_url(f"{console.url}/queue")
    assert "back with the virtual assistant" in console.rasa.sent[-1].body[-1]["text"]
