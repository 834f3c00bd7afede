"""Human handoff end to end: the real model, action server and Rasa server, and the agent
console started here on a free port against the stack's Rasa and database.

A customer on the REST channel and one on Telegram are handed over (through the handoff
API the actions will call), an agent takes over in the console, the bot stays silent
while the customer writes, the agent's reply reaches the customer's channel, and after
the hand back the bot answers again. The browser test drives the console in Debian's
Chromium.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect

from bot.console.config import ConsoleConfig
from bot.domain.handoff.queue import request_handoff
from bot.domain.users import add_user, get_user
from bot.storage import db
from tests.console.server import ConsoleServer, page_csrf, sign_in
from tests.e2e.conftest import TOKEN, Customer, RunningStack, following_events
from tests.e2e.test_telegram import send
from tests.engine.channels.telegram_fixtures import load_update, new_chat_id
from tests.engine.channels.telegram_standin import BotApiStandIn
from tests.support.browser import open_page

AGENT = "e2e-agent"
PASSWORD = "e2e agent password"
TIMEOUT_MS = 30_000


@pytest.fixture(scope="module")
def console(running_stack: RunningStack) -> Iterator[ConsoleServer]:
    """The console on a free port, with one express agent in the stack's database."""
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


def hand_over(stack: RunningStack, sender: str, channel: str) -> int:
    """What the Rasa action will do when the customer asks for a person."""
    with db.session_scope(db.get_engine(stack.database_url)) as session:
        ticket = request_handoff(
            session,
            sender_id=sender,
            channel=channel,
            reason="customer_asked",
            team="express",
            summary="The customer asked for a person.",
            context={"tracking_number": "160-48219371"},
        )
    return ticket.id


def take_over(console: ConsoleServer, handoff_id: int) -> tuple[requests.Session, str]:
    agent = sign_in(console.url, AGENT, PASSWORD)
    csrf = page_csrf(agent, console.url + "/queue")
    response = agent.post(
        f"{console.url}/handoffs/{handoff_id}/take",
        data={"csrf_token": csrf},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 303
    assert response.headers["Location"] == f"/handoffs/{handoff_id}"
    return agent, csrf


def reply(console: ConsoleServer, agent: requests.Session, csrf: str, handoff_id: int) -> str:
    text = f"Hello, this is {AGENT} from the express team. I'm checking your parcel now."
    response = agent.post(
        f"{console.url}/handoffs/{handoff_id}/messages",
        json={"client_id": f"e2e{handoff_id:08d}", "text": text},
        headers={"X-CSRF-Token": csrf},
        timeout=30,
    )
    assert response.status_code == 200 and response.json()["status"] == "sent", response.text
    return text


def hand_back(console: ConsoleServer, agent: requests.Session, csrf: str, handoff_id: int) -> None:
    response = agent.post(
        f"{console.url}/handoffs/{handoff_id}/hand-back",
        data={"csrf_token": csrf},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code == 303 and response.headers["Location"] == "/queue"


def agent_events(stack: RunningStack, sender: str) -> list[dict[str, object]]:
    return [
        event
        for event in stack.tracker(sender)["events"]
        if event["event"] == "bot" and (event.get("metadata") or {}).get("agent") == AGENT
    ]


def test_rest_customer_is_handed_to_an_agent_and_back(
    running_stack: RunningStack, console: ConsoleServer, customer: Customer
) -> None:
    assert customer.say("hello")
    handoff_id = hand_over(running_stack, customer.sender, "rest")
    agent, csrf = take_over(console, handoff_id)

    # Paused: the customer's message is logged and shown to the agent, the bot is silent.
    assert customer.say("where is my parcel? it is urgent") == []
    # The transcript is what the event-stream consumer wrote: there within moments.
    deadline = time.monotonic() + 10
    while {"who": "customer", "text": "where is my parcel? it is urgent"} not in [
        {"who": line["who"], "text": line["text"]}
        for line in agent.get(
            f"{console.url}/handoffs/{handoff_id}/transcript.json", timeout=30
        ).json()["lines"]
    ]:
        assert time.monotonic() < deadline, "the customer's message never reached the transcript"
        time.sleep(0.2)

    text = reply(console, agent, csrf, handoff_id)
    assert [event["text"] for event in agent_events(running_stack, customer.sender)] == [text]

    hand_back(console, agent, csrf, handoff_id)
    events = running_stack.tracker(customer.sender)["events"]
    assert "back with the virtual assistant" in events[-1]["text"]
    assert customer.say("hello"), "the bot should answer again after the hand back"


def test_telegram_customer_receives_the_agents_reply_in_their_chat(
    running_stack: RunningStack, console: ConsoleServer, telegram_api: BotApiStandIn
) -> None:
    chat_id = new_chat_id()
    sender = f"telegram:{chat_id}"
    send(running_stack, load_update("start_command", chat_id))
    greeted = len(telegram_api.wait_for_messages(chat_id))
    handoff_id = hand_over(running_stack, sender, "telegram")
    agent, csrf = take_over(console, handoff_id)

    send(running_stack, load_update("text_message", chat_id, text="I need a person please"))
    deadline = time.monotonic() + 30
    while "I need a person please" not in [
        e.get("text") for e in running_stack.tracker(sender)["events"] if e["event"] == "user"
    ]:
        assert time.monotonic() < deadline, "Rasa never logged the paused customer's message"
        time.sleep(0.2)
    assert len(telegram_api.messages(chat_id)) == greeted, "the bot answered while paused"

    text = reply(console, agent, csrf, handoff_id)
    assert telegram_api.wait_for_messages(chat_id, greeted + 1)[-1] == text

    hand_back(console, agent, csrf, handoff_id)
    texts = telegram_api.wait_for_messages(chat_id, greeted + 2)
    assert "back with the virtual assistant" in texts[-1]


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    """A desktop-sized page in a fresh Chromium profile."""
    with open_page(tmp_path / "profile", viewport={"width": 1280, "height": 900}) as page:
        yield page


def test_agent_signs_in_takes_over_and_replies_in_the_browser(
    running_stack: RunningStack, console: ConsoleServer, customer: Customer, page: Page
) -> None:
    script = "<script>document.title='owned'</script> where is my parcel?"
    assert customer.say("hello")
    handoff_id = hand_over(running_stack, customer.sender, "rest")

    page.goto(f"{console.url}/queue")
    expect(page).to_have_url(f"{console.url}/login")
    page.get_by_label("Name").fill(AGENT)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    row = page.locator(f'tr[data-handoff="{handoff_id}"]')
    row.get_by_role("button", name="Take over").click()
    expect(page).to_have_url(f"{console.url}/handoffs/{handoff_id}")

    # A new customer message appears without a reload, as text.
    assert customer.say(script) == []
    expect(page.locator(".line-customer", has_text="where is my parcel")).to_have_text(
        f"customer{script}", timeout=TIMEOUT_MS
    )
    assert page.title() != "owned"

    page.get_by_role("button", name="Checking").click()
    page.get_by_role("button", name="Send").click()
    expect(page.locator("#outbox .state")).to_have_text("delivered", timeout=TIMEOUT_MS)
    expect(page.locator(".line-agent")).to_contain_text("checking this with our operations team")
    assert [
        "operations team" in str(e["text"]) for e in agent_events(running_stack, customer.sender)
    ] == [True]
