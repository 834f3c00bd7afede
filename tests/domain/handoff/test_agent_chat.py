"""The console's operations on a handed-over conversation, on SQLite and PostgreSQL, with
a conversation engine that records what it is asked and can be made to fail."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy.engine import Engine

from bot.domain.conversations import NotifyError, agent_message_notice
from bot.domain.events import Event, HandoffClosed
from bot.domain.handoff import agent_chat
from bot.domain.handoff.queue import get_handoff
from bot.domain.handoff.rules import HandoffError
from bot.domain.handoff.wording import CLOSING_TEXT
from bot.storage.db import session_scope
from tests.domain.handoff.conftest import ask


@dataclass
class FakeRasa:
    """A ``ConversationControl`` in memory: what it was asked, and whether it is down."""

    down: bool = False
    calls: list[tuple[str, str, Any]] = field(default_factory=list)
    notices: set[str] = field(default_factory=set)

    def _call(self, name: str, sender_id: str, detail: Any = None) -> None:
        if self.down:
            raise NotifyError("engine down")
        self.calls.append((name, sender_id, detail))

    async def pause(self, sender_id: str) -> None:
        self._call("pause", sender_id)

    async def resume(self, sender_id: str, text: str, *, metadata: Mapping[str, Any]) -> None:
        self._call("resume", sender_id, text)

    async def send_agent_message(
        self, sender_id: str, text: str, *, agent: str, client_id: str
    ) -> None:
        self._call("send", sender_id, text)
        self.notices.add(agent_message_notice(client_id))

    async def was_sent(self, sender_id: str, notice: str) -> bool:
        self._call("was_sent", sender_id, notice)
        return notice in self.notices


def _waiting(engine: Engine, sender: str = "alice") -> int:
    with session_scope(engine) as session:
        return ask(session, sender).id


def test_taking_over_pauses_first_and_stays_queued_when_the_engine_is_down(
    engine: Engine,
) -> None:
    handoff_id = _waiting(engine)
    rasa = FakeRasa(down=True)
    with pytest.raises(HandoffError, match="could not be paused"):
        asyncio.run(agent_chat.take_over(engine, rasa, handoff_id, agent="ann"))
    with session_scope(engine) as session:
        assert get_handoff(session, handoff_id).status == "waiting"

    rasa.down = False
    view = asyncio.run(agent_chat.take_over(engine, rasa, handoff_id, agent="ann"))
    assert (view.status, view.agent) == ("active", "ann")
    assert rasa.calls == [("pause", "alice", None)]


def test_a_failed_message_is_retried_once_and_a_sent_one_not_again(engine: Engine) -> None:
    handoff_id = _waiting(engine)
    rasa = FakeRasa()
    asyncio.run(agent_chat.take_over(engine, rasa, handoff_id, agent="ann"))

    async def send() -> str:
        message = await agent_chat.send_message(
            engine, rasa, handoff_id, agent="ann", client_id="msg00001", text="Hello"
        )
        return message.status

    rasa.down = True
    assert asyncio.run(send()) == "failed"
    rasa.down = False
    assert asyncio.run(send()) == "sent"
    assert asyncio.run(send()) == "sent"
    notice = agent_message_notice("msg00001")
    assert [c[0] for c in rasa.calls] == ["pause", "was_sent", "send"]
    assert rasa.calls[1] == ("was_sent", "alice", notice)


def test_closing_resumes_with_the_closing_words_and_publishes(engine: Engine) -> None:
    handoff_id = _waiting(engine)
    rasa = FakeRasa()
    published: list[Event] = []
    asyncio.run(agent_chat.take_over(engine, rasa, handoff_id, agent="ann"))

    view = asyncio.run(
        agent_chat.close(engine, rasa, handoff_id, agent="ann", publish=published.append)
    )

    assert view.status == "closed" and rasa.calls[-1] == ("resume", "alice", CLOSING_TEXT)
    assert published == [
        HandoffClosed(handoff_id, "alice", "ann", "express", view.context),
    ]


def test_handing_back_keeps_the_handoff_when_the_engine_is_down(engine: Engine) -> None:
    handoff_id = _waiting(engine)
    rasa = FakeRasa()
    asyncio.run(agent_chat.take_over(engine, rasa, handoff_id, agent="ann"))
    rasa.down = True

    with pytest.raises(HandoffError, match="could not be resumed"):
        asyncio.run(agent_chat.hand_back(engine, rasa, handoff_id, agent="ann"))
    with session_scope(engine) as session:
        assert get_handoff(session, handoff_id).status == "active"
