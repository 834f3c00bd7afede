"""Tracking and the human handoff in Chinese, end to end: the real model, action server and
Rasa server, and the agent console on a free port against them.

A customer who writes in Chinese (a tracking number inside Chinese text, in full-width
digits) is answered in Chinese; one who asks for a person in Chinese hears their place in
the queue in Chinese, gets an agent's reply (sent as the agent wrote it) and the hand-back
in Chinese; another leaves the queue by saying "取消".
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from bot.console.config import ConsoleConfig
from bot.domain.handoff.queue import list_queue
from bot.domain.handoff.views import HandoffView
from bot.domain.handoff.wording import hand_back_text, left_queue_text
from bot.domain.shipments import next_step, status_text
from bot.domain.users import add_user, get_user
from bot.storage import db
from bot.storage.models import Handoff
from tests.console.server import ConsoleServer
from tests.e2e.conftest import TOKEN, Customer, RunningStack, following_events
from tests.e2e.test_console import AGENT, PASSWORD, agent_events, hand_back, take_over

AWB = "160-48219371"


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


def _queued(stack: RunningStack, sender: str) -> list[HandoffView]:
    with db.session_scope(db.get_engine(stack.database_url)) as session:
        return [h for h in list_queue(session) if h.sender_id == sender]


def _texts(messages: list[dict[str, object]]) -> str:
    return "\n".join(str(m.get("text") or "") for m in messages)


@pytest.mark.parametrize(
    "question",
    ["我嘅貨件 160-48219371 而家去咗邊？", "唔該幫我查下１６０－４８２１９３７１到咗未"],
    ids=["number-in-chinese", "full-width-digits"],
)
def test_tracking_asked_in_chinese_is_answered_in_chinese(
    customer: Customer, question: str
) -> None:
    reply = _texts(customer.say(question))

    assert f"貨件 {AWB}：空運" in reply, reply
    # The demo shipment's latest scan: departed, in transit, from the carrier feed.
    assert f"狀態：{status_text('in_transit', 'zh')}。" in reply
    assert next_step("in_transit", "zh") in reply
    assert "預計到達：" in reply and "星期" in reply
    assert "Status:" not in reply and "Estimated arrival" not in reply


def test_a_handoff_asked_in_chinese_is_queued_answered_and_handed_back_in_chinese(
    running_stack: RunningStack, console: ConsoleServer, customer: Customer
) -> None:
    notice = customer.say("唔該，我想搵個真人同事幫手處理")
    text = _texts(notice)
    # In staffed hours the wait is given, outside them when the team starts again.
    assert re.search(r"排第 \d+ 位", text) and "「取消」" in text, text
    assert "預計要等" in text or re.search(r"\d+月\d+日 \(星期.\) \d\d:\d\d再開始", text), text
    assert {"title": "離開輪候", "payload": "/stop"} in notice[-1].get("buttons", [])
    (queued,) = _queued(running_stack, customer.sender)

    # The first message while waiting is kept for the agent and answered with the place.
    ack = _texts(customer.say("喂？有冇人呀？我個貨好急"))
    assert "多謝你" in ack and re.search(r"排第 \d+ 位", ack), ack

    agent, csrf = take_over(console, queued.id)
    assert customer.say("你好？") == []  # paused: the agent reads it, the bot is silent
    words = "你好，我係速遞組嘅同事，而家幫你查緊件貨。"
    response = agent.post(
        f"{console.url}/handoffs/{queued.id}/messages",
        json={"client_id": f"zh{queued.id:08d}", "text": words},
        headers={"X-CSRF-Token": csrf},
        timeout=30,
    )
    assert response.status_code == 200 and response.json()["status"] == "sent", response.text
    assert [e["text"] for e in agent_events(running_stack, customer.sender)] == [words]

    hand_back(console, agent, csrf, queued.id)
    events = running_stack.tracker(customer.sender)["events"]
    assert events[-1]["text"] == hand_back_text("zh")
    # The bot answers again, still in Chinese.
    again = _texts(customer.say("我嘅貨件 160-48219371 去咗邊？"))
    assert f"貨件 {AWB}" in again, again


def test_a_customer_leaves_the_queue_in_chinese(
    running_stack: RunningStack, customer: Customer
) -> None:
    assert "排第" in _texts(customer.say("可唔可以幫我轉介真人客服？"))
    (queued,) = _queued(running_stack, customer.sender)

    reply = _texts(customer.say("取消"))

    assert reply == left_queue_text("zh"), reply
    assert _queued(running_stack, customer.sender) == []
    with db.session_scope(db.get_engine(running_stack.database_url)) as session:
        handoff = session.get(Handoff, queued.id)
        assert handoff is not None and handoff.status == "left"
    # Back with the assistant, in Chinese.
    assert f"貨件 {AWB}" in _texts(customer.say("幫我睇下 160-48219371 嘅最新情況"))
