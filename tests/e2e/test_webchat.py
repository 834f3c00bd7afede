"""The web chat page in a real browser: headless Chromium (Debian's) driven by Playwright.

A customer on a phone-sized screen opens ``/webchat/``, asks a question, presses a button,
reloads the page and still has the conversation; a proactive message reaches the open
page. ``make test`` installs Chromium when it is missing; Playwright never downloads one.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.e2e.conftest import TOKEN, RunningStack
from tests.support.browser import TIMEOUT_MS, open_page

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    """A phone-sized page in a fresh Chromium profile."""
    with open_page(
        tmp_path / "profile",
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    ) as page:
        yield page


def bot_says(page: Page, text: str) -> None:
    expect(page.locator(".msg-bot", has_text=text).last).to_be_visible(timeout=TIMEOUT_MS)


def test_a_customer_chats_presses_a_button_and_reloads(
    running_stack: RunningStack,
    page: Page,
    demo_shipments: list[dict[str, str]],
    tmp_path: Path,
) -> None:
    shipment = demo_shipments[0]
    page.goto(f"{running_stack.url}/webchat/")
    # A new visitor is greeted with the choices as buttons.
    bot_says(page, "Welcome to Freight Desk")
    expect(page.get_by_role("button", name="Track a shipment")).to_be_visible()

    page.get_by_label("Your message").fill(f"where is {shipment['tracking_number']}?")
    page.get_by_label("Your message").press("Enter")
    expect(page.locator(".msg-user").last).to_have_text(f"where is {shipment['tracking_number']}?")
    bot_says(page, shipment["location"])

    page.get_by_label("Your message").fill("hello")
    page.get_by_role("button", name="Send").click()
    page.get_by_role("button", name="Transit times").last.click()
    expect(page.locator(".msg-user").last).to_have_text("Transit times")
    bot_says(page, "Where would you like to ship to")
    page.screenshot(path=str(tmp_path / "webchat-phone.png"))

    # The page keeps the server's signed token: "<session id>.<issued>.<signature>".
    token = page.evaluate("localStorage.getItem('freightdesk.webchat.session')")
    assert re.fullmatch(r"[0-9a-f]{32}\.[0-9]+\.[A-Za-z0-9_-]{43}", token)
    session_id = token.split(".", 1)[0]
    tracker = running_stack.tracker(f"web:{session_id}")
    user_events = [e for e in tracker["events"] if e["event"] == "user"]
    assert user_events[-1]["text"] == "/ask_transit_time"
    assert {e["input_channel"] for e in user_events} == {"webchat"}

    page.reload()
    bot_says(page, shipment["location"])
    bot_says(page, "Where would you like to ship to")
    expect(page.locator(".msg-user", has_text="Transit times")).to_be_visible()
    expect(page.locator(".msg-user", has_text="/ask_transit_time")).to_have_count(0)
    # The conversation goes on where it left off.
    page.get_by_label("Your message").fill("Rotterdam")
    page.get_by_label("Your message").press("Enter")
    bot_says(page, "Rotterdam")

    notice = (
        "Your shipment has cleared customs in Los Angeles. Details: "
        "[your delivery](https://freightdesk.example/track?n=1&lang=en)."
    )
    response = requests.post(
        f"{running_stack.url}/conversations/web:{session_id}/tracker/events",
        params={"token": TOKEN, "output_channel": "latest", "execute_side_effects": "true"},
        json={"event": "bot", "text": notice},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    bot_says(page, "cleared customs in Los Angeles. Details: your delivery.")
    link = page.get_by_role("link", name="your delivery")
    expect(link).to_have_attribute("href", "https://freightdesk.example/track?n=1&lang=en")
    expect(link).to_have_attribute("rel", "noopener noreferrer")


def test_page_fits_a_phone_screen(running_stack: RunningStack, page: Page, tmp_path: Path) -> None:
    page.goto(f"{running_stack.url}/webchat/")
    bot_says(page, "Welcome to Freight Desk")
    expect(page.get_by_role("button", name="Talk to a person")).to_be_in_viewport()
    page.screenshot(path=str(tmp_path / "webchat-greeting.png"))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    form = page.locator("form").bounding_box()
    assert form is not None and form["y"] + form["height"] <= PHONE["height"]


def test_page_and_assets_are_served_by_the_rasa_server(running_stack: RunningStack) -> None:
    page = requests.get(f"{running_stack.url}/webchat/", timeout=30)
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    script = requests.get(f"{running_stack.url}/webchat/assets/chat.js", timeout=30)
    assert script.status_code == 200
    assert "javascript" in script.headers["Content-Type"]
    for name in ("..%2Findex.html", "nope.js", "%2E%2E%2F%2E%2E%2Fcredentials.yml"):
        assert (
            requests.get(f"{running_stack.url}/webchat/assets/{name}", timeout=30).status_code
            == 404
        )


def test_the_language_button_switches_the_page_and_the_conversation_and_back(
    running_stack: RunningStack, page: Page
) -> None:
    from bot.core.i18n import t

    page.goto(f"{running_stack.url}/webchat/")
    bot_says(page, "Welcome to Freight Desk")
    expect(page.get_by_role("button", name=t("web.send", "en"))).to_be_visible()
    page.get_by_label(t("web.input_label", "en")).fill("I need a quote")
    page.get_by_label(t("web.input_label", "en")).press("Enter")
    bot_says(page, t("utter_ask_mode", "en"))

    page.get_by_role("button", name=t("web.other_language_label", "en")).click()
    # The page relabels itself at once; the bot confirms and asks its question in Chinese.
    expect(page.get_by_role("button", name=t("web.send", "zh"))).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "zh-HK")
    expect(page.get_by_label(t("web.input_label", "zh"))).to_have_attribute(
        "placeholder", t("web.input_placeholder", "zh")
    )
    bot_says(page, t("language.switched", "zh"))
    bot_says(page, t("utter_ask_mode", "zh"))
    expect(page.get_by_role("button", name="空運")).to_be_visible()
    # The switch is not shown as something the customer typed.
    expect(page.locator(".msg-user", has_text="switch_language")).to_have_count(0)

    # A reload keeps the page's language.
    page.reload()
    expect(page.get_by_role("button", name=t("web.send", "zh"))).to_be_visible()

    page.get_by_role("button", name=t("web.other_language_label", "zh")).click()
    expect(page.get_by_role("button", name=t("web.send", "en"))).to_be_visible()
    bot_says(page, t("language.switched", "en"))
    bot_says(page, t("utter_ask_mode", "en"))
