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
from bot.domain.handoff.wording import closing_text, hand_back_text, reassigned_text
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
    assert view.status == "closed" and resume[-1]["text"] == closing_text("en")
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


def _chinese_conversation(rasa: RasaStandIn, sender: str = "alice") -> None:
    """The customer wrote in Chinese before asking for a person."""
    rasa.events[sender] = [
        {"event": "user", "text": "我想同真人傾", "parse_data": {}},
        {"event": "bot", "text": "..."},
    ]


@pytest.mark.parametrize("outcome", ["hand_back", "close"])
def test_the_hand_back_and_closing_words_are_in_the_conversations_language(
    engine: Engine, rasa: RasaStandIn, client: RasaClient, outcome: str
) -> None:
    handoff_id = _waiting(engine)
    _chinese_conversation(rasa)
    asyncio.run(agent_chat.take_over(engine, client, handoff_id, agent="ann"))

    if outcome == "close":
        asyncio.run(agent_chat.close(engine, client, handoff_id, agent="ann", publish=print))
        expected = closing_text("zh")
    else:
        asyncio.run(agent_chat.hand_back(engine, client, handoff_id, agent="ann"))
        expected = hand_back_text("zh")

    said = rasa.sent[-1].body[-1]["text"]
    assert said == expected and "虛擬助理" in said


def test_an_explicit_choice_of_english_wins_over_chinese_messages(
    engine: Engine, rasa: RasaStandIn, client: RasaClient
) -> None:
    handoff_id = _waiting(engine)
    _chinese_conversation(rasa)
    rasa.events["alice"].append({"event": "slot", "name": "language", "value": "en"})
    asyncio.run(agent_chat.take_over(engine, client, handoff_id, agent="ann"))

    asyncio.run(agent_chat.hand_back(engine, client, handoff_id, agent="ann"))

    assert rasa.sent[-1].body[-1]["text"] == hand_back_text("en")


def test_a_reassignment_is_announced_in_the_conversations_language(
    engine: Engine, rasa: RasaStandIn, client: RasaClient
) -> None:
    from bot.domain.handoff.staff import Supervisor
    from bot.domain.users import add_user

    with session_scope(engine) as session:
        add_user(session, "bob", "a long password 123", role="agent", team="express")
    handoff_id = _waiting(engine)
    _chinese_conversation(rasa)
    asyncio.run(agent_chat.take_over(engine, client, handoff_id, agent="ann"))

    lead = Supervisor(name="lee", role="team_lead", team="express")
    _view, told = asyncio.run(
        agent_chat.reassign(
            engine, client, handoff_id, to_agent="bob", supervisor=lead, notice_id="n0000001"
        )
    )

    assert told and rasa.sent[-1].body["text"] == reassigned_text("zh")
