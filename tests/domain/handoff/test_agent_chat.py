"""The console's operations on a handed-over conversation, on SQLite and PostgreSQL,
through the engine's Rasa client against a local stand-in of Rasa's HTTP API that records
what it is asked and can be made to fail."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine

from bot.domain.conversations import NOTICE_KEY, agent_message_notice
from bot.domain.events import Event, HandoffClosed
from bot.domain.handoff import agent_chat
from bot.domain.handoff.queue import get_handoff
from bot.domain.handoff.rules import HandoffError
from bot.domain.handoff.wording import CLOSING_TEXT
from bot.engine.rasa_client import RasaClient
from bot.storage.db import session_scope
from tests.domain.handoff.conftest import ask
from tests.support.rasa_standin import RasaStandIn


@pytest.fixture
def rasa() -> Iterator[RasaStandIn]:
    """Rasa's HTTP API on a loopback port: records requests, can be made to fail."""
    with RasaStandIn() as standin:
        yield standin


@pytest.fixture
def client(rasa: RasaStandIn) -> RasaClient:
    """The engine's Rasa client, talking to the stand-in."""
    return RasaClient(rasa.url, rasa.token, timeout=5)


def _calls(rasa: RasaStandIn) -> list[tuple[str, str]]:
    """What was asked of Rasa: (method, last part of the path) per request."""
    return [(r.method, r.path.rsplit("/", 1)[-1]) for r in rasa.requests]


def _waiting(engine: Engine, sender: str = "alice") -> int:
    with session_scope(engine) as session:
        return ask(session, sender).id


def test_taking_over_pauses_first_and_stays_queued_when_the_engine_is_down(
    engine: Engine, rasa: RasaStandIn, client: RasaClient
) -> None:
    handoff_id = _waiting(engine)
    rasa.fail_status = 500
    with pytest.raises(HandoffError, match="could not be paused"):
        asyncio.run(agent_chat.take_over(engine, client, handoff_id, agent="ann"))
    with session_scope(engine) as session:
        assert get_handoff(session, handoff_id).status == "waiting"

    rasa.fail_status = None
    rasa.requests.clear()
    view = asyncio.run(agent_chat.take_over(engine, client, handoff_id, agent="ann"))
    assert (view.status, view.agent) == ("active", "ann")
    (pause,) = rasa.sent
    assert (pause.sender_id, pause.body) == ("alice", [{"event": "pause"}])


def test_a_failed_message_is_retried_once_and_a_sent_one_not_again(
    engine: Engine, rasa: RasaStandIn, client: RasaClient
) -> None:
    handoff_id = _waiting(engine)
    asyncio.run(agent_chat.take_over(engine, client, handoff_id, agent="ann"))

    async def send() -> str:
        message = await agent_chat.send_message(
            engine, client, handoff_id, agent="ann", client_id="msg00001", text="Hello"
        )
        return message.status

    rasa.fail_status = 500
    assert asyncio.run(send()) == "failed"
    rasa.fail_status = None
    rasa.requests.clear()
    assert asyncio.run(send()) == "sent"
    assert asyncio.run(send()) == "sent"
    # The retry first asks whether the failed attempt got through, then sends once.
    assert _calls(rasa) == [("GET", "tracker"), ("POST", "events")]
    (message,) = rasa.sent
    assert message.body["text"] == "Hello"
    assert message.body["metadata"][NOTICE_KEY] == agent_message_notice("msg00001")


def test_closing_resumes_with_the_closing_words_and_publishes(
    engine: Engine, rasa: RasaStandIn, client: RasaClient
) -> None:
    handoff_id = _waiting(engine)
    published: list[Event] = []
    asyncio.run(agent_chat.take_over(engine, client, handoff_id, agent="ann"))

    view = asyncio.run(
        agent_chat.close(engine, client, handoff_id, agent="ann", publish=published.append)
    )

    resume = rasa.sent[-1].body
    assert [e["event"] for e in resume if e["event"] != "slot"] == [
        "resume",
        "active_loop",
        "action",
        "bot",
    ]
    assert view.status == "closed" and resume[-1]["text"] == CLOSING_TEXT
    assert published == [
        HandoffClosed(handoff_id, "alice", "ann", "express", view.context),
    ]


def test_handing_back_keeps_the_handoff_when_the_engine_is_down(
    engine: Engine, rasa: RasaStandIn, client: RasaClient
) -> None:
    handoff_id = _waiting(engine)
    asyncio.run(agent_chat.take_over(engine, client, handoff_id, agent="ann"))
    rasa.fail_status = 500

    with pytest.raises(HandoffError, match="could not be resumed"):
        asyncio.run(agent_chat.hand_back(engine, client, handoff_id, agent="ann"))
    with session_scope(engine) as session:
        assert get_handoff(session, handoff_id).status == "active"
