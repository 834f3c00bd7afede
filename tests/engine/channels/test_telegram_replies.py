"""Formatting the bot's messages for Telegram: HTML, splitting, inline keyboards."""

from __future__ import annotations

import pytest

from bot.engine.channels.telegram_replies import (
    MAX_CALLBACK_BYTES,
    CallbackPayloads,
    inline_keyboard,
    non_text_reply,
    split_text,
    to_html,
)


def test_html_escapes_markup_and_keeps_markdown_links() -> None:
    text = "Rates <b>vary</b> & see [our tariff](https://example.com/t?a=1&b=2)."
    assert to_html(text) == (
        "Rates &lt;b&gt;vary&lt;/b&gt; &amp; see "
        '<a href="https://example.com/t?a=1&amp;b=2">our tariff</a>.'
    )


def test_only_web_links_become_links() -> None:
    assert to_html("[click](javascript:alert(1))") == "[click](javascript:alert(1))"


def test_short_text_is_one_message_and_long_text_splits_between_paragraphs() -> None:
    assert split_text("  hello  ") == ["hello"]
    assert split_text("") == []
    paragraphs = ["a" * 60, "b" * 60, "c" * 60]
    chunks = split_text("\n\n".join(paragraphs), limit=130)
    assert chunks == ["a" * 60 + "\n\n" + "b" * 60, "c" * 60]
    assert all(len(chunk) <= 130 for chunk in split_text("word " * 500, limit=130))


def test_keyboard_puts_short_titles_two_to_a_row() -> None:
    keyboard = inline_keyboard(
        [{"title": t, "payload": f"/{t.lower()}"} for t in ("Yes", "No", "Maybe")],
        CallbackPayloads(),
    )
    rows = [[(b.text, b.callback_data) for b in row] for row in keyboard.inline_keyboard]
    assert rows == [[("Yes", "/yes"), ("No", "/no")], [("Maybe", "/maybe")]]


def test_keyboard_gives_long_titles_a_row_each_and_keeps_url_buttons() -> None:
    keyboard = inline_keyboard(
        [
            {"title": "Yes, talk to a person", "payload": "/affirm"},
            {"title": "Our tariff", "url": "https://example.com/tariff"},
        ],
        CallbackPayloads(),
    )
    assert [len(row) for row in keyboard.inline_keyboard] == [1, 1]
    assert keyboard.inline_keyboard[1][0].url == "https://example.com/tariff"


def test_payloads_over_64_bytes_travel_as_tokens_and_come_back() -> None:
    payloads = CallbackPayloads()
    long_payload = '/define_term{"term": "letter of credit (documentary credit) for exports"}'
    assert len(long_payload.encode()) > MAX_CALLBACK_BYTES
    keyboard = inline_keyboard([{"title": "L/C", "payload": long_payload}], payloads)
    data = keyboard.inline_keyboard[0][0].callback_data
    assert isinstance(data, str) and len(data.encode()) <= MAX_CALLBACK_BYTES
    assert payloads.payload(data) == long_payload
    assert payloads.payload("/affirm") == "/affirm"


def test_unknown_token_means_an_expired_button() -> None:
    payloads = CallbackPayloads(capacity=1)
    first = payloads.callback_data("x" * 80)
    payloads.callback_data("y" * 80)
    assert payloads.payload(first) is None


@pytest.mark.parametrize("media", ["photos", "voice messages"])
def test_non_text_reply_is_polite_and_says_what_to_do(media: str) -> None:
    reply = non_text_reply(media)
    assert f"can't open {media}" in reply
    assert "Please type your question" in reply


def test_replies_in_chinese_name_the_media_in_chinese() -> None:
    from bot.engine.channels.telegram_replies import expired_button_reply

    assert "相片" in non_text_reply("photos", "zh")
    assert "photos" in non_text_reply("photos", "en")
    assert "按鈕" in expired_button_reply("zh")
