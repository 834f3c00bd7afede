"""Shipment updates end to end on the real model and servers: a customer asks in chat to
be told about a shipment, a carrier posts an event to the intake, the notice worker runs,
and the message arrives in the customer's conversation in their language (REST, Telegram,
and the web chat page open in headless Chromium)."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from collections.abc import Iterator
from datetime import time
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, select

from bot.console.config import ConsoleConfig
from bot.core.settings import REPO_ROOT
from bot.domain.carrier_events.senders import Sender
from bot.domain.shipment_updates.settings import UpdateSettings
from bot.domain.tracking import awb_check_digit
from bot.storage.models import Shipment, ShipmentLookup
from tests.console.server import ConsoleServer
from tests.e2e.conftest import TOKEN, Customer, RunningStack
from tests.e2e.test_telegram import send
from tests.engine.channels.telegram_fixtures import load_update, new_chat_id
from tests.engine.channels.telegram_standin import BotApiStandIn
from tests.support.browser import TIMEOUT_MS, open_page

SECRET = "e2e-cargo-secret-0123456789"


@pytest.fixture(scope="module")
def intake(running_stack: RunningStack) -> Iterator[str]:
    """The console's event intake, with one air carrier sending Cargo-IMP FSU."""
    config = ConsoleConfig(
        running_stack.database_url,
        running_stack.url,
        TOKEN,
        event_senders={"cathay": Sender("cathay", "cargo_imp", SECRET)},
        # The tests run at any hour: no quiet hours (their rule has its own tests).
        updates=UpdateSettings(quiet_start=time(0, 0), quiet_end=time(0, 0)),
    )
    server = ConsoleServer(config).start()
    try:
        yield server.url
    finally:
        server.stop()


def _new_awb() -> str:
    serial = f"{random.randrange(10**6, 10**7)}"
    return f"160-{serial}{awb_check_digit(serial)}"


def _post(intake: str, awb: str, *lines: str) -> dict[str, object]:
    body = f"FSU/13\n{awb}HKGLHR/T3K42.0\n" + "\n".join(lines) + "\n"
    response = requests.post(
        f"{intake}/events/cathay",
        data=body.encode(),
        headers={"Authorization": f"Bearer {SECRET}", "Content-Type": "text/plain"},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    answer: dict[str, object] = response.json()
    return answer


def _run_worker(stack: RunningStack) -> str:
    env = {
        **os.environ,
        "DATABASE_URL": stack.database_url,
        "RASA_URL": stack.url,
        "RASA_TOKEN": TOKEN,
        "PYTHONPATH": str(REPO_ROOT),
    }
    result = subprocess.run(
        [sys.executable, "-m", "bot", "shipments", "notify", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stderr


def _bot_texts(stack: RunningStack, sender: str) -> list[str]:
    return [
        event.get("text") or ""
        for event in stack.tracker(sender)["events"]
        if event["event"] == "bot"
    ]


def test_a_rest_customer_follows_a_shipment_and_hears_of_its_arrival(
    running_stack: RunningStack, customer: Customer, intake: str
) -> None:
    awb = _new_awb()
    created = _post(intake, awb, "RCS/02MAR1405/HKG/T3K42.0")
    assert created["created"] == [awb]

    answer = customer.say(f"where is {awb}?")
    buttons = [b["title"] for m in answer for b in m.get("buttons") or []]
    assert "Tell me when it arrives" in buttons, answer
    reply = customer.reply_text("tell me when it arrives")
    assert f"i'll tell you here when {awb} arrives" in reply, reply

    _post(intake, awb, "DEP/CX255/03MAR0110/HKGLHR/T3K42.0")  # not an arrival: no notice
    _post(intake, awb, "DLV/04MAR1530/LHR/T3K42.0")
    _run_worker(running_stack)

    texts = _bot_texts(running_stack, customer.sender)
    assert texts[-1].startswith(f"Good news: {awb} has been delivered."), texts[-2:]
    assert not any(text.startswith(f"Update on {awb}") for text in texts)

    # Run again: nothing is sent twice.
    _run_worker(running_stack)
    assert _bot_texts(running_stack, customer.sender) == texts


def test_a_chinese_customer_is_told_in_chinese_and_can_stop(
    running_stack: RunningStack, customer: Customer, intake: str
) -> None:
    awb = _new_awb()
    _post(intake, awb, "RCS/02MAR1405/HKG/T3K42.0")

    reply = customer.reply_text(f"{awb} 有更新就通知我")
    assert f"{awb} 有任何更新，我都會喺度通知你" in reply, reply
    _post(intake, awb, "DIS/CX255/03MAR0900/HKG/T3K42.0")
    _run_worker(running_stack)

    notice = _bot_texts(running_stack, customer.sender)[-1]
    assert notice.startswith(f"好抱歉：{awb} 遇到問題"), notice
    assert "真人客服" in notice

    assert "唔會再收到" in customer.reply_text("停止通知")
    before = _bot_texts(running_stack, customer.sender)
    _post(intake, awb, "DLV/04MAR1530/LHR/T3K42.0")
    _run_worker(running_stack)
    assert _bot_texts(running_stack, customer.sender) == before


def test_asking_without_a_shipment_is_answered_and_nothing_is_stored(customer: Customer) -> None:
    reply = customer.reply_text("notify me of any change")
    assert "which tracking number" in reply, reply


def test_a_telegram_customer_gets_the_notice_in_their_chat(
    running_stack: RunningStack, intake: str, telegram_api: BotApiStandIn
) -> None:
    awb = _new_awb()
    _post(intake, awb, "RCS/02MAR1405/HKG/T3K42.0")
    chat_id = new_chat_id()
    send(
        running_stack, load_update("tracking_question", chat_id, text=f"tell me when {awb} arrives")
    )
    telegram_api.wait_for_messages(chat_id, count=1)
    sent_before = len(telegram_api.messages(chat_id))

    _post(intake, awb, "DLV/04MAR1530/LHR/T3K42.0")
    _run_worker(running_stack)

    texts = telegram_api.wait_for_messages(chat_id, count=sent_before + 1)
    assert any(text.startswith(f"Good news: {awb} has been delivered.") for text in texts)


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    """A page in a fresh Chromium profile."""
    with open_page(tmp_path / "profile") as page:
        yield page


def test_a_web_chat_customer_sees_the_notice_arrive_on_the_open_page(
    running_stack: RunningStack, intake: str, page: Page
) -> None:
    awb = _new_awb()
    _post(intake, awb, "RCS/02MAR1405/HKG/T3K42.0")
    page.goto(f"{running_stack.url}/webchat/")
    expect(page.locator(".msg-bot", has_text="Welcome to Freight Desk").last).to_be_visible(
        timeout=TIMEOUT_MS
    )
    page.get_by_label("Your message").fill(f"where is {awb}?")
    page.get_by_label("Your message").press("Enter")
    page.get_by_role("button", name="Tell me when it arrives").last.click(timeout=TIMEOUT_MS)
    expect(
        page.locator(".msg-bot", has_text=f"I'll tell you here when {awb} arrives").last
    ).to_be_visible(timeout=TIMEOUT_MS)

    _post(intake, awb, "DLV/04MAR1530/LHR/T3K42.0")
    _run_worker(running_stack)

    # No reload: the notice reaches the open page over its socket.
    delivered = page.locator(".msg-bot", has_text=f"Good news: {awb} has been delivered.")
    expect(delivered).to_have_count(1, timeout=TIMEOUT_MS)
    # The tracking answer was recorded as the customer asking (the notice KPIs read it).
    token = page.evaluate("localStorage.getItem('freightdesk.webchat.session')")
    engine = create_engine(running_stack.database_url)
    try:
        with engine.connect() as connection:
            asked = connection.execute(
                select(ShipmentLookup.sender_id, ShipmentLookup.channel)
                .join(Shipment, Shipment.id == ShipmentLookup.shipment_id)
                .where(Shipment.tracking_number == awb)
            ).all()
    finally:
        engine.dispose()
    assert [tuple(row) for row in asked] == [(f"web:{token.split('.', 1)[0]}", "webchat")]
