"""The language core: the catalogue's completeness, locale formatting, input folding and
the conversation's language."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.core.i18n import (
    Catalogue,
    CatalogueError,
    conversation_language,
    detect_language,
    format_date,
    format_datetime,
    format_money,
    get_catalogue,
    message,
    normalise_input,
    t,
)

HK = ZoneInfo("Asia/Hong_Kong")


def test_every_key_is_in_every_language_with_the_same_placeholders() -> None:
    assert get_catalogue().problems() == []


def test_a_missing_key_or_a_changed_placeholder_is_named(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "zh").mkdir()
    (tmp_path / "en" / "a.yml").write_text(
        "x.receipt: '{reference} by {when}'\nx.only_en: Hello\n"
        "x.menu: {text: Pick, buttons: [{title: Track, payload: /track_shipment}]}\n",
        encoding="utf-8",
    )
    (tmp_path / "zh" / "a.yml").write_text(
        "x.receipt: '{reference} 喺 {time} 前'\n"
        "x.menu: {text: 揀, buttons: [{title: 追蹤, payload: /ask_rates}]}\n",
        encoding="utf-8",
    )
    problems = Catalogue.load(tmp_path).problems()
    assert "locales/zh: missing x.only_en" in problems
    assert any("x.receipt has placeholders ['reference', 'time']" in p for p in problems)
    assert any("x.menu buttons differ" in p for p in problems)


def test_a_key_defined_twice_in_one_language_is_refused(tmp_path: Path) -> None:
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "a.yml").write_text("k: one\n", encoding="utf-8")
    (tmp_path / "en" / "b.yml").write_text("k: two\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"already defined in locales/en/a\.yml"):
        Catalogue.load(tmp_path)


def test_texts_are_given_in_the_language_asked_for() -> None:
    assert t("common.anything_else", "en") == "Is there anything else I can help you with?"
    assert t("common.anything_else", "zh") == "仲有冇其他可以幫到你？"
    assert t("common.anything_else", "zh-HK") == t("common.anything_else", "zh")
    # An unsupported language gets English rather than nothing.
    assert t("common.anything_else", "fr") == t("common.anything_else", "en")
    assert message("common.anything_else", "zh") == {"text": "仲有冇其他可以幫到你？"}


def test_an_unknown_key_is_an_error_not_silence() -> None:
    with pytest.raises(CatalogueError, match=r"no message .no\.such\.key."):
        t("no.such.key", "en")


def test_dates_and_times_follow_the_locale() -> None:
    when = datetime(2026, 12, 4, 9, 0, tzinfo=timezone.utc)
    assert format_datetime(when, "en", HK) == "Friday 4 Dec, 17:00 (HKT)"
    assert format_datetime(when, "zh", HK) == "12月4日 (星期五) 17:00"
    assert format_date(when, "zh", HK, year=True) == "2026年12月4日"
    assert format_date(when, "en", HK, year=True) == "4 Dec 2026"
    assert format_money(1234.5, "HKD", "zh") == "HK$1,234.50"


def test_full_width_and_simplified_input_is_folded() -> None:
    assert normalise_input("查下１６０－４８２１９３７１去咗邊") == "查下160-48219371去咗邊"
    assert normalise_input("ＡＷＢ　１２３") == "AWB 123"
    assert normalise_input("我的包裹什么时候到") == "我的包裹什麼時候到"
    assert normalise_input("Where is my parcel?") == "Where is my parcel?"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("我嘅 parcel 幾時到", "zh"),
        ("FOB係咩意思", "zh"),
        ("where is my parcel", "en"),
        ("ok thanks", "en"),
        ("ok", None),
        ("cancel", None),
        ("buyer@shop.example", None),
        ("see www.example.com/track", None),
        ("300 kg", None),
        ("160-48219371", None),
        ("CMP-2026-00042", None),
        ("👍", None),
        ("/greet", None),
        ("", None),
    ],
)
def test_a_message_shows_its_language_or_none(text: str, language: str | None) -> None:
    assert detect_language(text) == language


def _user(text: str) -> dict[str, object]:
    return {"event": "user", "text": text}


def test_the_conversation_keeps_its_language_until_a_message_shows_another() -> None:
    events = [_user("你好"), {"event": "bot", "text": "Hi"}, _user("160-48219371"), _user("👍")]
    assert conversation_language(events) == "zh"
    assert conversation_language([*events, _user("thanks a lot")]) == "en"
    assert conversation_language([]) == "en"
    assert conversation_language(None) == "en"


def test_an_explicit_choice_wins_over_what_the_messages_show() -> None:
    assert conversation_language([_user("where is my parcel")], "zh") == "zh"
    assert conversation_language([_user("我嘅貨幾時到")], "en") == "en"
    assert conversation_language([_user("我嘅貨幾時到")], "klingon") == "zh"


def test_a_tapped_button_payload_shows_no_language() -> None:
    asked = {
        "event": "bot",
        "text": "係邊類問題？",
        "data": {"buttons": [{"title": "貨物損壞", "payload": "Damaged goods"}]},
    }
    events = [_user("我想投訴"), asked, _user("Damaged goods")]
    assert conversation_language(events) == "zh"
    # The same words typed after another message are the customer's own.
    assert conversation_language([*events, _user("Damaged goods")]) == "en"
