"""The Telegram channel's turn handling and output, against the Bot API stand-in.

No Rasa server here: ``on_new_message`` is a stand-in for Rasa's handler, so each test
shows what the channel itself sends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage

from bot.engine.channels.guard import CommandPolicy
from bot.engine.channels.settings import TelegramSettings
from bot.engine.channels.telegram import TelegramInput, TelegramOutput
from bot.engine.channels.telegram_replies import APOLOGY_REPLY, EXPIRED_BUTTON_REPLY
from bot.engine.channels.telegram_updates import parse_update
from tests.engine.channels.telegram_fixtures import load_update, new_chat_id
from tests.engine.channels.telegram_standin import BotApiStandIn

TOKEN = "7000000001:AAUnitTestTokenForTheStandInOnly-00000"


@pytest.fixture(scope="module")
def api() -> Iterator[BotApiStandIn]:
    standin = BotApiStandIn(TOKEN).start()
    yield standin
    standin.stop()


@pytest.fixture
def channel(api: BotApiStandIn) -> TelegramInput:
    settings = TelegramSettings(TOKEN, "unit-test-secret-token", api_base_url=api.url)
    channel = TelegramInput(settings)
    # As the loaded model's domain would set it: its intents and entities, Rasa's own
    # (``restart``) left out.
    channel.command_policy = CommandPolicy.from_names(
        ["define_term", "affirm", "request_human", "restart"], ["term"]
    )
    return channel


def run(channel: TelegramInput, work: Callable[[], Awaitable[None]]) -> None:
    """Run ``work`` on a fresh event loop, closing the channel's Bot afterwards."""

    async def main() -> None:
        try:
            await work()
        finally:
            await channel.bot.shutdown()

    asyncio.run(main())


def test_buttons_become_an_inline_keyboard_and_text_is_html(
    api: BotApiStandIn, channel: TelegramInput
) -> None:
    chat_id = new_chat_id()
    output = channel.get_output_channel()
    assert isinstance(output, TelegramOutput)
    buttons = [{"title": "Yes, please", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}]
    run(
        channel,
        lambda: output.send_text_with_buttons(
            f"telegram:{chat_id}", "Rates < 5 kg & more?", buttons
        ),
    )
    [sent] = api.messages(chat_id)
    assert sent.params["parse_mode"] == "HTML"
    assert sent.text == "Rates &lt; 5 kg &amp; more?"
    assert [(b["text"], b["callback_data"]) for b in sent.buttons] == [
        ("Yes, please", "/affirm"),
        ("No", "/deny"),
    ]


def test_long_text_is_split_with_the_keyboard_under_the_last_part(
    api: BotApiStandIn, channel: TelegramInput
) -> None:
    chat_id = new_chat_id()
    output = TelegramOutput(channel.bot, channel.payloads)
    text = "\n\n".join(f"Paragraph {n}: " + "word " * 300 for n in range(5))
    run(
        channel,
        lambda: output.send_text_with_buttons(
            f"telegram:{chat_id}", text, [{"title": "OK", "payload": "/affirm"}]
        ),
    )
    sent = api.messages(chat_id)
    assert len(sent) > 1
    assert all(len(call.text) <= 4096 for call in sent)
    assert [bool(call.buttons) for call in sent] == [False] * (len(sent) - 1) + [True]


class Recorder:
    """Stands in for Rasa's handler: records messages, optionally fails."""

    def __init__(self, fail: bool = False) -> None:
        self.messages: list[UserMessage] = []
        self.fail = fail

    async def __call__(self, message: UserMessage) -> Any:
        self.messages.append(message)
        if self.fail:
            raise RuntimeError("the model server fell over")


def test_text_reaches_rasa_with_sender_channel_and_metadata(channel: TelegramInput) -> None:
    chat_id = new_chat_id()
    incoming = parse_update(load_update("edited_message", chat_id))
    rasa = Recorder()
    run(channel, lambda: channel.handle(incoming, rasa))
    [message] = rasa.messages
    assert message.sender_id == f"telegram:{chat_id}"
    assert message.input_channel == "telegram"
    assert message.text == "where is 160-48219371"
    assert message.metadata == {
        "telegram_update_id": incoming.update_id,
        "telegram_message_id": 47,
        "edited": True,
    }


def test_a_failed_turn_ends_with_an_apology(api: BotApiStandIn, channel: TelegramInput) -> None:
    chat_id = new_chat_id()
    incoming = parse_update(load_update("text_message", chat_id))
    run(channel, lambda: channel.handle(incoming, Recorder(fail=True)))
    assert [call.text for call in api.messages(chat_id)] == [APOLOGY_REPLY]


def test_an_expired_button_is_acknowledged_and_explained(
    api: BotApiStandIn, channel: TelegramInput
) -> None:
    chat_id = new_chat_id()
    update = load_update("callback_query", chat_id)
    update["callback_query"]["data"] = "#p:0123456789abcdef01234567"
    rasa = Recorder()
    run(channel, lambda: channel.handle(parse_update(update), rasa))
    assert rasa.messages == []
    [answer] = api.calls("answerCallbackQuery")[-1:]
    assert answer.params["callback_query_id"] == "4382954671205934162"
    assert [call.text for call in api.messages(chat_id)] == [EXPIRED_BUTTON_REPLY]


def test_a_long_payload_button_round_trips_through_its_token(
    api: BotApiStandIn, channel: TelegramInput
) -> None:
    chat_id = new_chat_id()
    payload = '/define_term{"term": "letter of credit (documentary credit) for exports"}'
    output = TelegramOutput(channel.bot, channel.payloads)
    rasa = Recorder()

    async def conversation() -> None:
        await output.send_text_with_buttons(
            f"telegram:{chat_id}", "Did you mean?", [{"title": "L/C", "payload": payload}]
        )
        press = load_update("callback_query", chat_id)
        press["callback_query"]["data"] = api.messages(chat_id)[0].buttons[0]["callback_data"]
        await channel.handle(parse_update(press), rasa)

    run(channel, conversation)
    assert [m.text for m in rasa.messages] == [payload]


@pytest.mark.parametrize(
    ("data", "read_as"),
    [("/restart", "restart"), ("/session_start", "session_start"), ("/affirm", "/affirm")],
)
def test_button_presses_are_screened_like_typed_commands(
    channel: TelegramInput, data: str, read_as: str
) -> None:
    # A modified client can send any callback data: /restart would un-pause a chat held
    # by an agent. Only the domain's own commands pass as commands.
    press = load_update("callback_query", new_chat_id())
    press["callback_query"]["data"] = data
    rasa = Recorder()
    run(channel, lambda: channel.handle(parse_update(press), rasa))
    assert [m.text for m in rasa.messages] == [read_as]


def test_not_configured_means_no_output_channel() -> None:
    assert TelegramInput(None).get_output_channel() is None
