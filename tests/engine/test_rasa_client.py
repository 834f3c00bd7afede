"""The Rasa HTTP client against a local stand-in server that records what it receives:
notices, a handed-over conversation (pause, agent messages, resume, transcript), the
survey's triggered intent."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.settings import Settings
from bot.domain.conversations import AGENT_KEY, NOTICE_KEY, NotifyError
from bot.engine.rasa_client import RasaClient, client_from_settings
from bot.ops.stack import free_port
from tests.support.rasa_standin import RasaStandIn


@pytest.fixture
def rasa() -> Iterator[RasaStandIn]:
    """A running Rasa stand-in that records requests."""
    with RasaStandIn() as standin:
        yield standin


def test_send_appends_a_bot_event_with_side_effects(rasa: RasaStandIn) -> None:
    notifier = RasaClient(rasa.url, rasa.token)

    asyncio.run(
        notifier.send("tg-4711", "Your complaint has been resolved.", metadata={"ref": "CMP-1"})
    )

    (request,) = rasa.requests
    assert (request.method, request.path) == ("POST", "/conversations/tg-4711/tracker/events")
    assert request.query == {
        "output_channel": "latest",
        "execute_side_effects": "true",
        "token": rasa.token,
    }
    assert request.body == {
        "event": "bot",
        "text": "Your complaint has been resolved.",
        "metadata": {"ref": "CMP-1"},
    }


def test_safe_sender_ids_reach_the_path_as_they_are(rasa: RasaStandIn) -> None:
    RasaClient(rasa.url, rasa.token).send_sync(
        "crm:acme.hk@desk_7-b", "Hello", output_channel="telegram"
    )

    (request,) = rasa.requests
    assert request.path == "/conversations/crm:acme.hk@desk_7-b/tracker/events"
    assert request.query["output_channel"] == "telegram"


@pytest.mark.parametrize("sender", ["web user", "a/b", "x?y=1", "50%", "#1", "é", " pad", ""])
def test_a_sender_id_rasa_would_not_decode_is_refused_not_sent_elsewhere(
    rasa: RasaStandIn, sender: str
) -> None:
    # Rasa's HTTP API (Sanic) does not decode the path: a quoted id is another conversation.
    with pytest.raises(NotifyError, match="cannot address conversation"):
        RasaClient(rasa.url, rasa.token).send_sync(sender, "Hello")
    assert rasa.requests == []


@pytest.mark.parametrize("status", [201, 400, 401, 404, 500, 503])
def test_any_answer_but_200_is_an_error(rasa: RasaStandIn, status: int) -> None:
    rasa.fail_status = status

    with pytest.raises(NotifyError, match=f"Rasa answered {status}"):
        RasaClient(rasa.url, rasa.token).send_sync("tg-1", "Hello")


def test_a_wrong_token_is_an_error(rasa: RasaStandIn) -> None:
    with pytest.raises(NotifyError, match="Rasa answered 401"):
        RasaClient(rasa.url, "wrong-token").send_sync("tg-1", "Hello")
    assert rasa.events == {}


def test_unreachable_rasa_is_an_error_without_the_token() -> None:
    url = f"http://127.0.0.1:{free_port()}"

    with pytest.raises(NotifyError, match="cannot reach Rasa") as failure:
        RasaClient(url, "secret-token-123").send_sync("tg-1", "Hello")

    assert "secret-token-123" not in str(failure.value)


def test_a_slow_rasa_times_out(rasa: RasaStandIn) -> None:
    rasa.delay = 2.0

    with pytest.raises(NotifyError, match=r"did not answer within 0\.3 s"):
        RasaClient(rasa.url, rasa.token, timeout=0.3).send_sync("tg-1", "Hello")


def test_was_sent_finds_a_delivered_notice(rasa: RasaStandIn) -> None:
    notifier = RasaClient(rasa.url, rasa.token)
    notifier.send_sync("tg-1", "Resolved.", metadata={NOTICE_KEY: "CMP-2026-00001:resolution"})

    assert notifier.was_sent_sync("tg-1", "CMP-2026-00001:resolution") is True
    assert notifier.was_sent_sync("tg-1", "CMP-2026-00001:overdue") is False
    assert notifier.was_sent_sync("tg-2", "CMP-2026-00001:resolution") is False
    assert rasa.requests[-1].method == "GET"
    assert rasa.requests[-1].query["include_events"] == "ALL"


def test_no_token_sends_no_token_parameter(rasa: RasaStandIn) -> None:
    with pytest.raises(NotifyError, match="401"):
        RasaClient(rasa.url, "").send_sync("tg-1", "Hello")

    assert "token" not in rasa.requests[0].query


def test_client_from_settings_uses_the_generated_token(tmp_path: Path) -> None:
    (tmp_path / "rasa_token").write_text("generated-token\n", encoding="utf-8")
    env = {"FREIGHTDESK_VAR_DIR": str(tmp_path), "RASA_URL": "http://127.0.0.1:5999/"}

    from_file = client_from_settings(Settings.from_env(env))
    from_env = client_from_settings(Settings.from_env({**env, "RASA_TOKEN": "env-token"}))

    assert (from_file.base_url, from_file.token) == ("http://127.0.0.1:5999", "generated-token")
    assert from_env.token == "env-token"


def test_pause_appends_a_pause_without_side_effects(rasa: RasaStandIn) -> None:
    asyncio.run(RasaClient(rasa.url, rasa.token).pause("tg-1"))

    (request,) = rasa.requests
    assert (request.method, request.path) == ("POST", "/conversations/tg-1/tracker/events")
    assert request.query == {"token": rasa.token}
    assert request.body == [{"event": "pause"}]


def test_resume_listens_and_tells_the_customer_in_one_request(rasa: RasaStandIn) -> None:
    asyncio.run(
        RasaClient(rasa.url, rasa.token).resume("tg-1", "You're back.", metadata={"by": "ann"})
    )

    (request,) = rasa.requests
    assert request.query["execute_side_effects"] == "true"
    assert request.body == [
        {"event": "resume"},
        # The wait in the queue ends: the next message goes to the assistant again.
        {"event": "active_loop", "name": None},
        {"event": "slot", "name": "requested_slot", "value": None},
        {"event": "slot", "name": "handoff_wait_done", "value": None},
        {"event": "slot", "name": "handoff_id", "value": None},
        {"event": "slot", "name": "handoff_acked_at", "value": None},
        {"event": "action", "name": "action_listen"},
        {"event": "bot", "text": "You're back.", "metadata": {"by": "ann"}},
    ]


def test_an_agent_message_carries_the_agent_and_its_notice(rasa: RasaStandIn) -> None:
    client = RasaClient(rasa.url, rasa.token)
    asyncio.run(client.send_agent_message("tg-1", "Hello", agent="ann", client_id="msg00001"))

    (request,) = rasa.requests
    assert request.body["metadata"] == {
        AGENT_KEY: "ann",
        NOTICE_KEY: "handoff-message:msg00001",
    }
    assert asyncio.run(client.was_sent("tg-1", "handoff-message:msg00001")) is True
    events = asyncio.run(client.tracker_events("tg-1"))
    assert [event["text"] for event in events] == ["Hello"]


def test_trigger_intent_and_conversation_state(rasa: RasaStandIn) -> None:
    rasa.states["tg-1"] = {"paused": True}
    client = RasaClient(rasa.url, rasa.token)

    assert asyncio.run(client.conversation_state("tg-1"))["paused"] is True
    asyncio.run(client.trigger_intent("tg-1", "EXTERNAL_survey_offer", {"survey_trigger": "x"}))

    state, triggered = rasa.requests
    assert state.query["include_events"] == "NONE"
    assert triggered.path == "/conversations/tg-1/trigger_intent"
    assert triggered.body == {"name": "EXTERNAL_survey_offer", "entities": {"survey_trigger": "x"}}


def test_the_conversations_language_is_read_from_its_tracker(rasa: RasaStandIn) -> None:
    client = RasaClient(rasa.url, rasa.token)
    rasa.events["web-1"] = [
        {"event": "user", "text": "where is my parcel"},
        {"event": "user", "text": "我份貨幾時到"},
        {"event": "user", "text": "160-48219371"},
    ]
    rasa.events["web-2"] = [{"event": "user", "text": "我份貨幾時到"}]
    rasa.states["web-2"] = {"slots": {"language": "en"}}

    assert client.language_sync("web-1") == "zh"
    assert client.language_sync("web-2") == "en"
    assert client.language_sync("web-3") == "en"
    assert rasa.requests[-1].method == "GET"
    assert rasa.requests[-1].query["include_events"] == "ALL"


def test_the_language_of_an_unreachable_conversation_is_an_error(rasa: RasaStandIn) -> None:
    rasa.fail_status = 500

    with pytest.raises(NotifyError, match="Rasa answered 500"):
        RasaClient(rasa.url, rasa.token).language_sync("web-1")
