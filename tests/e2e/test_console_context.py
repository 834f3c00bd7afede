"""The context beside a handoff end to end: the real model, action server and Rasa server.

A customer tracks an air waybill, then asks for a person: tracking has cleared its slot,
yet the handoff goes to the air freight team (the tracked shipment's mode), the queue says
in plain words what they wanted, and the conversation page shows the shipment (status,
history, ETA) and the customer's language. In English and in Chinese.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.console.config import ConsoleConfig
from bot.domain.handoff.queue import list_queue
from bot.domain.handoff.views import HandoffView
from bot.domain.users import add_user, get_user
from bot.storage import db
from tests.console.server import ConsoleServer
from tests.e2e.conftest import TOKEN, Customer, RunningStack, following_events
from tests.e2e.test_console import AGENT, PASSWORD, take_over

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


def _queued(stack: RunningStack, sender: str) -> HandoffView:
    with db.session_scope(db.get_engine(stack.database_url)) as session:
        (handoff,) = [h for h in list_queue(session) if h.sender_id == sender]
    return handoff


@pytest.mark.parametrize(
    ("track", "ask", "wanted", "language"),
    [
        (f"where is {AWB}?", "can I talk to a real person please", "Track a shipment", "English"),
        (
            f"我嘅貨件 {AWB} 而家去咗邊？",
            "唔該，我想搵個真人同事幫手處理",
            "Track a shipment",
            "中文",
        ),
    ],
    ids=["en", "zh"],
)
def test_a_tracked_shipment_routes_the_handoff_and_fills_the_panel(
    running_stack: RunningStack,
    console: ConsoleServer,
    customer: Customer,
    track: str,
    ask: str,
    wanted: str,
    language: str,
) -> None:
    assert AWB in "\n".join(m.get("text") or "" for m in customer.say(track))
    customer.say(ask)
    handoff = _queued(running_stack, customer.sender)
    assert handoff.team == "air_freight"  # the tracked shipment is air freight
    assert handoff.context["shipment"] == AWB

    agent, _csrf = take_over(console, handoff.id)
    queue = agent.get(console.url + "/queue", timeout=30).text
    assert wanted in queue and AWB in queue
    assert "EXTERNAL_" not in queue and "nlu_fallback" not in queue
    page = agent.get(f"{console.url}/handoffs/{handoff.id}", timeout=30).text
    assert f'data-shipment="{AWB}"' in page
    assert "Hong Kong (HKG) to Los Angeles (LAX)" in page and "Status: <strong>" in page
    assert "ETA: " in page or "Delivered " in page
    assert "Collected from shipper" in page  # the history
    assert f"<h2>Language</h2>\n    <p>{language}</p>" in page
