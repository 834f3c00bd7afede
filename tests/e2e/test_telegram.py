"""Telegram customers, end to end: recorded updates posted to the running Rasa server's
webhook, and what the Bot API stand-in received, which is what the customer would see.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from bot.engine.channels.telegram_poll import SECRET_HEADER, WEBHOOK_PATH
from tests.e2e.conftest import (
    TELEGRAM_BOT_TOKEN,
    TELEGRAM_SECRET,
    TOKEN,
    RunningStack,
)
from tests.engine.channels.telegram_fixtures import load_update, new_chat_id
from tests.engine.channels.telegram_standin import BotApiStandIn


def post_update(
    stack: RunningStack, update: dict[str, Any], secret: str | None = TELEGRAM_SECRET
) -> requests.Response:
    """Post ``update`` to the webhook as Telegram does (with the secret header if given)."""
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    return requests.post(f"{stack.url}{WEBHOOK_PATH}", json=update, headers=headers, timeout=30)


def send(stack: RunningStack, update: dict[str, Any]) -> None:
    response = post_update(stack, update)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "accepted"


def user_texts(stack: RunningStack, chat_id: int) -> list[str]:
    """What Rasa recorded the customer saying in this chat."""
    events = stack.tracker(f"telegram:{chat_id}")["events"]
    return [event.get("text") or "" for event in events if event["event"] == "user"]


def answered(api: BotApiStandIn, stack: RunningStack) -> None:
    """Prove the server is still fine: a new private chat gets its greeting."""
    chat_id = new_chat_id()
    send(stack, load_update("start_command", chat_id))
    assert "freight desk" in api.wait_for_messages(chat_id)[0].lower()


def test_start_greets_with_an_inline_keyboard(
    running_stack: RunningStack, telegram_api: BotApiStandIn
) -> None:
    chat_id = new_chat_id()
    send(running_stack, load_update("start_command", chat_id))
    telegram_api.wait_for_messages(chat_id)
    greeting = telegram_api.messages(chat_id)[0]
    assert "Freight Desk" in greeting.text
    assert greeting.params["parse_mode"] == "HTML"
    buttons = {b["text"]: b["callback_data"] for b in greeting.buttons}
    assert buttons["Track a shipment"] == "/track_shipment"
    assert "Get a quote" in buttons
    assert user_texts(running_stack, chat_id) == ["/greet"]


def test_tracking_question_is_answered_from_the_database(
    running_stack: RunningStack,
    telegram_api: BotApiStandIn,
    demo_shipments: list[dict[str, str]],
) -> None:
    shipment = demo_shipments[0]
    chat_id = new_chat_id()
    update = load_update(
        "tracking_question", chat_id, text=f"where is my shipment {shipment['tracking_number']}?"
    )
    send(running_stack, update)
    reply = "\n".join(telegram_api.wait_for_messages(chat_id)).lower()
    assert shipment["tracking_number"].lower() in reply
    assert shipment["location"].lower() in reply


@pytest.mark.parametrize(
    "secret", [None, "not-the-secret-at-all", ""], ids=["missing", "wrong", "empty"]
)
def test_calls_without_the_secret_are_refused_and_nothing_is_processed(
    running_stack: RunningStack, telegram_api: BotApiStandIn, secret: str | None
) -> None:
    chat_id = new_chat_id()
    response = post_update(running_stack, load_update("text_message", chat_id), secret)
    assert response.status_code == 403
    answered(telegram_api, running_stack)
    assert telegram_api.calls(chat_id=chat_id) == []
    assert user_texts(running_stack, chat_id) == []


def test_button_round_trip(running_stack: RunningStack, telegram_api: BotApiStandIn) -> None:
    chat_id = new_chat_id()
    send(running_stack, load_update("start_command", chat_id))
    telegram_api.wait_for_messages(chat_id)
    button = next(
        b for b in telegram_api.messages(chat_id)[0].buttons if b["text"] == "Track a shipment"
    )
    press = load_update("callback_query", chat_id)
    press["callback_query"]["data"] = button["callback_data"]
    press["callback_query"]["id"] = f"cbq-{chat_id}"
    send(running_stack, press)
    texts = telegram_api.wait_for_messages(chat_id, count=2)
    answers = telegram_api.calls("answerCallbackQuery")
    assert [c.params["callback_query_id"] for c in answers].count(f"cbq-{chat_id}") == 1
    assert "tracking number" in texts[1].lower()
    assert user_texts(running_stack, chat_id)[-1] == "/track_shipment"


def test_edited_message_is_answered_as_a_new_message(
    running_stack: RunningStack,
    telegram_api: BotApiStandIn,
    demo_shipments: list[dict[str, str]],
) -> None:
    shipment = demo_shipments[-1]
    chat_id = new_chat_id()
    update = load_update("edited_message", chat_id, text=f"where is {shipment['tracking_number']}")
    send(running_stack, update)
    reply = "\n".join(telegram_api.wait_for_messages(chat_id)).lower()
    assert shipment["tracking_number"].lower() in reply


@pytest.mark.parametrize(
    ("name", "media"),
    [
        ("photo", "photos"),
        ("sticker", "stickers"),
        ("voice", "voice messages"),
        ("document", "files"),
    ],
)
def test_non_text_messages_get_a_polite_text_only_reply(
    running_stack: RunningStack, telegram_api: BotApiStandIn, name: str, media: str
) -> None:
    chat_id = new_chat_id()
    send(running_stack, load_update(name, chat_id))
    [reply] = telegram_api.wait_for_messages(chat_id)
    assert f"I can only read text messages here, so I can't open {media}" in reply
    assert "Please type your question" in reply
    assert user_texts(running_stack, chat_id) == []


@pytest.mark.parametrize(
    ("name", "chat_id"),
    [
        ("channel_post", -1001122334455),
        ("my_chat_member", -4012345678),
        ("group_join", -4012345678),
        ("group_message", -4012345678),
        ("supergroup_message", -1001987654321),
    ],
)
def test_updates_outside_private_chats_are_ignored_safely(
    running_stack: RunningStack, telegram_api: BotApiStandIn, name: str, chat_id: int
) -> None:
    response = post_update(running_stack, load_update(name))
    assert response.status_code == 200
    assert response.json() == {"status": "ignored"}
    answered(telegram_api, running_stack)
    assert telegram_api.calls(chat_id=chat_id) == []
    assert user_texts(running_stack, chat_id) == []
    assert running_stack.stack.dead() is None


def test_a_body_that_is_not_an_update_is_a_400_not_a_crash(
    running_stack: RunningStack, telegram_api: BotApiStandIn
) -> None:
    response = requests.post(
        f"{running_stack.url}{WEBHOOK_PATH}",
        data=b"{not json",
        headers={SECRET_HEADER: TELEGRAM_SECRET, "Content-Type": "application/json"},
        timeout=30,
    )
    assert response.status_code == 400
    assert post_update(running_stack, {"message": {"text": "hi"}}).status_code == 400
    answered(telegram_api, running_stack)


def test_a_resent_update_is_processed_once(
    running_stack: RunningStack, telegram_api: BotApiStandIn
) -> None:
    chat_id = new_chat_id()
    update = load_update("text_message", chat_id)
    send(running_stack, update)
    resent = post_update(running_stack, update)
    assert resent.status_code == 200
    assert resent.json() == {"status": "duplicate"}
    # A later message in the same chat is answered after the first, so once it is in,
    # anything the resend might have caused would be in too.
    telegram_api.wait_for_messages(chat_id)
    first_turn = len(telegram_api.messages(chat_id))
    send(running_stack, load_update("text_message", chat_id, text="thank you"))
    telegram_api.wait_for_messages(chat_id, count=first_turn + 1)
    assert user_texts(running_stack, chat_id) == ["hello", "thank you"]


def test_webhook_answers_before_the_bot_has_replied(
    running_stack: RunningStack, telegram_api: BotApiStandIn
) -> None:
    chat_id = new_chat_id()
    telegram_api.send_delay[chat_id] = 3.0  # Telegram is slow to take our reply
    started = time.monotonic()
    send(running_stack, load_update("text_message", chat_id))
    assert time.monotonic() - started < 1.5
    telegram_api.wait_for_messages(chat_id)


def test_proactive_message_reaches_the_chat_last_used(
    running_stack: RunningStack, telegram_api: BotApiStandIn
) -> None:
    chat_id = new_chat_id()
    send(running_stack, load_update("text_message", chat_id))
    before = len(telegram_api.wait_for_messages(chat_id))
    notice = "Good news: your shipment 160-48219371 has arrived in Los Angeles."
    response = requests.post(
        f"{running_stack.url}/conversations/telegram:{chat_id}/tracker/events",
        params={"token": TOKEN, "output_channel": "latest", "execute_side_effects": "true"},
        json={"event": "bot", "text": notice},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    texts = telegram_api.wait_for_messages(chat_id, count=before + 1)
    assert texts[-1] == notice


@pytest.fixture
def poller(running_stack: RunningStack, telegram_api: BotApiStandIn) -> Iterator[None]:
    """``python -m bot telegram poll`` against the stand-in and the running stack."""
    env = {
        **os.environ,
        "RASA_URL": running_stack.url,
        "TELEGRAM_BOT_TOKEN": TELEGRAM_BOT_TOKEN,
        "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
        "TELEGRAM_API_BASE_URL": telegram_api.url,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "telegram", "poll", "--timeout", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        yield
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=20)
        assert process.returncode == 0, output.decode()


@pytest.mark.usefixtures("poller")
def test_long_polling_delivers_updates_to_the_webhook(
    running_stack: RunningStack, telegram_api: BotApiStandIn
) -> None:
    chat_id = new_chat_id()
    first = load_update("start_command", chat_id)
    telegram_api.queue_update(first)
    assert "freight desk" in telegram_api.wait_for_messages(chat_id)[0].lower()
    second = load_update("text_message", chat_id, text="thank you")
    telegram_api.queue_update(second)
    telegram_api.wait_for_messages(chat_id, count=2)
    # Each update is confirmed by asking for the ones after it, so none comes twice.
    telegram_api.wait_for(
        lambda api: any(
            call.params.get("offset") == second["update_id"] + 1 for call in api.calls("getUpdates")
        ),
        what="getUpdates confirming the second update",
    )
    assert user_texts(running_stack, chat_id) == ["/greet", "thank you"]


def test_a_chinese_conversation_and_the_language_command(
    running_stack: RunningStack, telegram_api: BotApiStandIn
) -> None:
    from bot.core.i18n import t

    chat_id = new_chat_id()
    send(running_stack, load_update("text_message", chat_id, text="你好"))
    [greeting] = telegram_api.wait_for_messages(chat_id)
    assert greeting == t("utter_greet", "zh")
    titles = [b["text"] for b in telegram_api.messages(chat_id)[0].buttons]
    assert "追蹤貨件" in titles

    command = load_update(
        "start_command",
        chat_id,
        text="/language",
        entities=[{"offset": 0, "length": 9, "type": "bot_command"}],
    )
    send(running_stack, command)
    texts = telegram_api.wait_for_messages(chat_id, count=2)
    assert texts[1] == t("language.choose", "zh")
    keyboard = {b["text"]: b["callback_data"] for b in telegram_api.messages(chat_id)[1].buttons}
    assert set(keyboard) == {"English", "中文"}

    press = load_update("callback_query", chat_id)
    press["callback_query"]["data"] = keyboard["English"]
    send(running_stack, press)
    texts = telegram_api.wait_for_messages(chat_id, count=3)
    assert texts[2] == t("language.switched", "en")

    press = load_update("callback_query", chat_id)
    press["callback_query"]["data"] = keyboard["中文"]
    send(running_stack, press)
    texts = telegram_api.wait_for_messages(chat_id, count=4)
    assert texts[3] == t("language.switched", "zh")
    # The channel's own messages follow the conversation's language too.
    send(running_stack, load_update("photo", chat_id))
    texts = telegram_api.wait_for_messages(chat_id, count=5)
    assert texts[4] == t("telegram.non_text", "zh", media=t("telegram.media.photo", "zh"))
