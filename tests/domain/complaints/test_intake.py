"""Reading complaints out of chat messages, in English and in Chinese."""

from __future__ import annotations

import pytest

from bot.domain.complaints.intake import (
    field_to_change,
    guess_category,
    says_no,
    says_yes,
    summary_message,
    wants_to_keep_chat,
    word_count,
)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Damaged goods", "damaged"),
        ("the box arrived crushed and the vase inside is broken", "damaged"),
        ("my parcel never arrived", "lost"),
        ("the shipment is 5 days late", "late"),
        ("two cartons are missing from the delivery", "missing_items"),
        ("you overcharged me on the last invoice", "billing"),
        ("your driver was very rude to my staff", "staff_conduct"),
        ("the courier never came to collect my parcel", "missed_pickup"),
        ("Missed pick-up", "missed_pickup"),
        ("Something else", "other"),
        ("I am not happy", None),
        # Chinese: the labels the customer was shown, and the way Hong Kong customers say it.
        ("貨物損壞", "damaged"),
        ("冇人上門收件", "missed_pickup"),
        ("我嘅貨到咗但係個箱爛晒", "damaged"),
        ("个箱子坏了", "damaged"),
        ("個包裹唔見咗", "lost"),
        ("寄咗兩個禮拜都仲未到", "late"),
        ("批貨少咗兩箱", "missing_items"),
        ("你哋多收咗我運費", "billing"),
        ("送貨員態度好差", "staff_conduct"),
        ("約咗今朝收件但冇人嚟收", "missed_pickup"),
        ("其他", "other"),
        ("我好唔開心", None),
    ],
)
def test_guess_category(text: str, category: str | None) -> None:
    assert guess_category(text) == category


@pytest.mark.parametrize(
    ("text", "slot"),
    [
        ("change the contact", "complaint_contact"),
        ("I want to edit what happened", "complaint_description"),
        ("the shipment number is wrong", "complaint_shipment"),
        ("change category", "complaint_category"),
        ("yes submit it", None),
        ("改電話", "complaint_contact"),
        ("我想改發生咩事", "complaint_description"),
        ("單號錯咗", "complaint_shipment"),
        ("類別唔啱", "complaint_category"),
        ("係", None),
    ],
)
def test_field_to_change(text: str, slot: str | None) -> None:
    assert field_to_change(text) == slot


def test_yes_no_and_keep_chat() -> None:
    assert says_yes("Yes please") and says_yes("submit")
    assert not says_yes("no")
    assert says_no("no, I don't have one") and says_no("none")
    assert not says_no("160-12345675")
    assert wants_to_keep_chat("just reply in this chat")
    assert not wants_to_keep_chat("jo@example.com")


@pytest.mark.parametrize("text", ["係", "好", "確認提交", "冇問題", "係呀唔該", "ok"])
def test_chinese_yes(text: str) -> None:
    assert says_yes(text) and not says_no(text)


@pytest.mark.parametrize("text", ["冇", "冇呀", "沒有單號", "唔記得", "唔係"])
def test_chinese_no(text: str) -> None:
    assert says_no(text) and not says_yes(text)


@pytest.mark.parametrize("text", ["好似唔啱", "唔好", "等等"])
def test_chinese_hesitation_is_not_a_yes(text: str) -> None:
    assert not says_yes(text)


def test_chinese_keep_chat() -> None:
    assert wants_to_keep_chat("喺呢度覆我就得")
    assert not wants_to_keep_chat("我電話係91234567")


@pytest.mark.parametrize(
    ("text", "words"),
    [("damaged", 1), ("the box was crushed", 4), ("爛咗", 1), ("個箱爛晒，入面啲花樽碎晒", 5)],
)
def test_word_count_in_both_languages(text: str, words: int) -> None:
    assert word_count(text) == words


def test_summary_shows_what_will_be_saved() -> None:
    shown = summary_message(
        category="damaged",
        description="x" * 500,
        shipment="none",
        contact="jo@example.com",
        language="en",
    )
    summary = shown["text"]
    assert [b["payload"] for b in shown["buttons"]] == ["/affirm", "/deny"]
    assert "Category: Damaged goods" in summary
    assert "Shipment: not given" in summary
    assert "Contact: jo@example.com" in summary
    assert "x" * 297 + "..." in summary and "x" * 298 not in summary


def test_summary_in_chinese_keeps_the_customers_words() -> None:
    shown = summary_message(
        category="missed_pickup",
        description="約咗今朝收件但冇人嚟",
        shipment="160-48219371",
        contact="this chat",
        language="zh",
    )
    assert shown["text"].splitlines() == [
        "以下係我會交俾投訴部同事嘅資料：",
        "- 類別：冇人上門收件",
        "- 發生咩事：約咗今朝收件但冇人嚟",
        "- 貨件：160-48219371",
        "- 聯絡方法：呢個對話",
        "要唔要我幫你提交？定係想改吓啲咩？",
    ]
    assert [(b["title"], b["payload"]) for b in shown["buttons"]] == [
        ("提交", "/affirm"),
        ("改資料", "/deny"),
    ]
