"""An agent's message while the project database is unreachable: the console says it was
not sent, nothing half-saved reaches the customer, and the retry is stored and delivered
exactly once. PostgreSQL is real; only this test's path to it (a proxy) is cut."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import requests
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.console.config import ConsoleConfig
from bot.domain.handoff.queue import request_handoff
from bot.domain.users import add_user
from bot.storage import db
from bot.storage.models import HandoffMessage
from tests.console.server import ConsoleServer, page_csrf, sign_in
from tests.support.rasa_standin import RasaStandIn
from tests.support.tcp_proxy import CuttableProxy

PASSWORD = "correct horse battery"


@dataclass
class Outage:
    console_url: str
    rasa: RasaStandIn
    proxy: CuttableProxy
    direct_url: str


@pytest.fixture
def outage(pg_database_url: str) -> Iterator[Outage]:
    """The console on PostgreSQL through a cuttable proxy, and a Rasa stand-in."""
    db.upgrade(pg_database_url)
    with db.session_scope(db.get_engine(pg_database_url)) as session:
        add_user(session, "ann", PASSWORD, role="agent", team="express")
    with CuttableProxy("127.0.0.1", 5432) as proxy, RasaStandIn(token="outage") as rasa:
        proxied = make_url(pg_database_url).set(port=proxy.port)
        config = ConsoleConfig(proxied.render_as_string(hide_password=False), rasa.url, "outage")
        server = ConsoleServer(config).start()
        try:
            yield Outage(server.url, rasa, proxy, pg_database_url)
        finally:
            server.stop()


def _stored(outage: Outage, client_id: str) -> int:
    with db.session_scope(db.get_engine(outage.direct_url)) as session:
        count = session.execute(
            select(func.count())
            .select_from(HandoffMessage)
            .where(HandoffMessage.client_id == client_id)
        ).scalar_one()
    return int(count)


def _agent_messages(outage: Outage, sender: str) -> list[str]:
    """Texts of the bot messages Rasa stored for ``sender`` (the take-over's pause aside)."""
    stored = outage.rasa.events.get(sender, [])
    return [e["text"] for e in stored if isinstance(e, dict) and e.get("event") == "bot"]


def test_agent_message_while_the_database_is_down_is_refused_then_sent_once(
    outage: Outage, caplog: pytest.LogCaptureFixture
) -> None:
    with db.session_scope(db.get_engine(outage.direct_url)) as session:
        handoff_id = request_handoff(
            session,
            sender_id="alice",
            channel="rest",
            reason="customer_asked",
            team="express",
            summary="wants a person",
            context={},
        ).id
    agent = sign_in(outage.console_url, "ann", PASSWORD)
    csrf = page_csrf(agent, outage.console_url + "/queue")
    agent.post(f"{outage.console_url}/handoffs/{handoff_id}/take", data={"csrf_token": csrf})
    messages = f"{outage.console_url}/handoffs/{handoff_id}/messages"
    headers = {"X-CSRF-Token": csrf}
    body = {"client_id": "outage0001", "text": "Hello, I'm looking into it now."}

    outage.proxy.cut()
    refused = agent.post(messages, json=body, headers=headers, timeout=30)
    assert refused.status_code == 503
    assert refused.json()["status"] == "failed"
    assert "database is unavailable" in refused.json()["error"]
    assert "not saved or sent" in refused.json()["error"]
    page = agent.get(f"{outage.console_url}/queue", timeout=30)
    assert page.status_code == 503 and "database is unavailable" in page.text
    assert "FAULT: console POST" in caplog.text
    assert _stored(outage, "outage0001") == 0
    assert _agent_messages(outage, "alice") == []

    outage.proxy.restore()
    for _ in range(2):  # the retry, then a double click on it
        sent = agent.post(messages, json=body, headers=headers, timeout=30)
        assert sent.status_code == 200, sent.text
        assert sent.json()["status"] == "sent"
    assert _stored(outage, "outage0001") == 1
    assert _agent_messages(outage, "alice") == ["Hello, I'm looking into it now."]


def test_console_pages_come_back_after_the_database_does(outage: Outage) -> None:
    agent = sign_in(outage.console_url, "ann", PASSWORD)
    outage.proxy.cut()
    assert agent.get(f"{outage.console_url}/queue", timeout=30).status_code == 503
    outage.proxy.restore()
    # Pooled connections that died with the outage are checked before use.
    assert agent.get(f"{outage.console_url}/queue", timeout=30).status_code == 200
    assert isinstance(agent, requests.Session)
