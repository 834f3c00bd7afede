"""Reading Telegram updates: what each recorded update asks of the channel."""

from __future__ import annotations

import pytest

from bot.engine.channels.telegram_updates import (
    GREETING_PAYLOAD,
    RecentUpdates,
    UpdateError,
    UpdateKind,
    chat_id_from_sender,
    parse_update,
    sender_id_for_chat,
)
from tests.engine.channels.telegram_fixtures import FIXTURE_CHAT_ID, load_update


def test_text_message_goes_to_rasa_in_the_customers_conversation() -> None:
    incoming = parse_update(load_update("text_message"))
    assert incoming.kind is UpdateKind.TEXT
    assert incoming.text == "hello"
    assert incoming.sender_id == f"telegram:{FIXTURE_CHAT_ID}"
    assert incoming.message_id == 42
    assert not incoming.edited


@pytest.mark.parametrize("name", ["start_command", "start_deep_link"])
def test_start_is_a_greeting(name: str) -> None:
    incoming = parse_update(load_update(name))
    assert incoming.kind is UpdateKind.TEXT
    assert incoming.text == GREETING_PAYLOAD


def test_other_commands_are_read_as_words_not_intents() -> None:
    update = load_update(
        "start_command",
        text="/track 160-48219371",
        entities=[{"offset": 0, "length": 6, "type": "bot_command"}],
    )
    incoming = parse_update(update)
    assert incoming.text == "track 160-48219371"


def test_callback_query_carries_the_button_payload_and_query_id() -> None:
    incoming = parse_update(load_update("callback_query", chat_id=5550001))
    assert incoming.kind is UpdateKind.CALLBACK
    assert incoming.text == "/track_shipment"
    assert incoming.callback_query_id == "4382954671205934162"
    assert incoming.chat_id == 5550001
    assert incoming.metadata()["button"] is True


def test_callback_on_an_inaccessible_message_answers_the_user_privately() -> None:
    update = load_update("callback_query", chat_id=5550002)
    update["callback_query"]["message"] = {
        "chat": update["callback_query"]["message"]["chat"],
        "message_id": 46,
        "date": 0,
    }
    incoming = parse_update(update)
    assert incoming.kind is UpdateKind.CALLBACK
    assert incoming.chat_id == 5550002


def test_edited_message_is_read_again_and_marked_edited() -> None:
    incoming = parse_update(load_update("edited_message"))
    assert incoming.kind is UpdateKind.TEXT
    assert incoming.text == "where is 160-48219371"
    assert incoming.edited
    assert incoming.metadata()["edited"] is True


@pytest.mark.parametrize(
    ("name", "media"),
    [
        ("photo", "photos"),
        ("sticker", "stickers"),
        ("voice", "voice messages"),
        ("document", "files"),
    ],
)
def test_non_text_messages_are_named_for_the_polite_reply(name: str, media: str) -> None:
    incoming = parse_update(load_update(name))
    assert incoming.kind is UpdateKind.NON_TEXT
    assert incoming.media == media
    assert incoming.chat_id == FIXTURE_CHAT_ID


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("channel_post", "no message (channel_post)"),
        ("my_chat_member", "no message (my_chat_member)"),
        ("group_join", "group chat"),
        ("group_message", "group chat"),
        ("supergroup_message", "supergroup chat"),
    ],
)
def test_updates_outside_private_chats_are_ignored(name: str, reason: str) -> None:
    incoming = parse_update(load_update(name))
    assert incoming.kind is UpdateKind.IGNORED
    assert incoming.reason == reason
    with pytest.raises(ValueError, match="no conversation"):
        _ = incoming.sender_id


def test_callback_from_a_group_is_ignored() -> None:
    update = load_update("callback_query")
    update["callback_query"]["message"]["chat"] = {"id": -4012345678, "type": "group"}
    assert parse_update(update).kind is UpdateKind.IGNORED


def test_messages_from_bots_are_ignored() -> None:
    update = load_update("text_message")
    update["message"]["from"]["is_bot"] = True
    assert parse_update(update).kind is UpdateKind.IGNORED


@pytest.mark.parametrize("body", [None, [], {"message": {}}, {"update_id": "12"}])
def test_bodies_that_are_not_updates_are_refused(body: object) -> None:
    with pytest.raises(UpdateError):
        parse_update(body)


def test_sender_ids_round_trip_negative_and_large_ids() -> None:
    for chat_id in (5, 8123456789, -1001987654321):
        assert chat_id_from_sender(sender_id_for_chat(chat_id)) == chat_id
    with pytest.raises(ValueError, match="not a Telegram conversation"):
        chat_id_from_sender("web:abc")


def test_recent_updates_remember_ids_and_forget_the_oldest() -> None:
    recent = RecentUpdates(capacity=3)
    assert [recent.first_time(i) for i in (1, 2, 1, 3, 4)] == [True, True, False, True, True]
    assert recent.first_time(1)  # forgotten: only the newest three are kept
    assert not recent.first_time(4)


@pytest.mark.parametrize(
    ("text", "payload"),
    [
        ("/language", "/switch_language"),
        ("/language zh", '/switch_language{"language": "zh"}'),
        ("/language 中文", '/switch_language{"language": "zh"}'),
        ("/language English", '/switch_language{"language": "en"}'),
        ("/language klingon", "/switch_language"),
    ],
)
def test_the_language_command_chooses_the_language(text: str, payload: str) -> None:
    command = text.split(" ", 1)[0]
    update = load_update(
        "start_command",
        text=text,
        entities=[{"offset": 0, "length": len(command), "type": "bot_command"}],
    )
    assert parse_update(update).text == payload


def test_the_customers_app_language_comes_with_the_update() -> None:
    update = load_update("text_message")
    update["message"]["from"]["language_code"] = "zh-hant"
    assert parse_update(update).user_language == "zh-hant"
