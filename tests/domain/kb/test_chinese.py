"""The knowledge base in Chinese: the schema check, lookup inside Chinese text, and answers
in Traditional Chinese (issue 13). Everything runs on the real files in knowledge_base/."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from bot.domain.contacts import parse_contact
from bot.domain.enquiries import transit_answer
from bot.domain.kb import (
    KnowledgeBase,
    KnowledgeBaseError,
    format_term,
    format_transit,
    format_unknown_term,
    load_knowledge_base,
    normalize_mode,
)
from bot.domain.quotes import QuoteError, format_quote, quote
from bot.domain.tracking import check_tracking_number, find_tracking_numbers
from bot.domain.units import parse_volume_cbm, parse_weight_kg
from tests.domain.kb.conftest import KbCopy

_HAN = re.compile(r"[\u3400-\u9fff]")
# English words that must never appear in a Chinese answer (codes such as FOB may).
_ENGLISH_SENTENCE = re.compile(r"\b(?:the|and|is|of|for|to|you|your|from)\b", re.IGNORECASE)


def _place(kb: KnowledgeBase, name: str) -> Any:
    return next(p for p in kb.places if p.name == name)


# --- the schema ------------------------------------------------------------------------


def test_every_entry_has_its_chinese_wording(kb: KnowledgeBase) -> None:
    assert len(kb.terms) >= 209
    for term in kb.terms.values():
        assert _HAN.search(term.name_in("zh")) and _HAN.search(term.definition_in("zh"))
        assert term.definition_in("en") == term.definition
    for faq in kb.faqs.values():
        assert _HAN.search(faq.answer_in("zh")) and faq.answer_in("en") == faq.answer
    for service in kb.services.values():
        assert _HAN.search(service.name_in("zh")) and _HAN.search(service.description_in("zh"))
        assert len(service.limits_in("zh")) == len(service.limits)
    for place in kb.places:
        assert _HAN.search(place.name_in("zh")), place.name
        assert _HAN.search(place.label_in("zh")), place.name


@pytest.mark.parametrize(
    ("file", "edit", "message"),
    [
        (
            "terms",
            lambda d: d["terms"][0].pop("definition_zh"),
            "entry 'incoterms': missing Chinese field 'definition_zh'",
        ),
        (
            "terms",
            lambda d: d["terms"][1].__setitem__("name_zh", "Ex Works"),
            "'name_zh' must be written in Chinese",
        ),
        (
            "terms",
            lambda d: d["terms"][2]["aliases_zh"].append("工廠交貨"),
            "Chinese alias '工廠交貨' is already used by entry 'exw'",
        ),
        (
            "faqs",
            lambda d: d["faqs"][0].pop("answer_zh"),
            "entry 'opening_hours': missing Chinese field 'answer_zh'",
        ),
        (
            "services",
            lambda d: d["services"][0]["limits_zh"].pop(),
            "'limits_zh' has 3 items but its English list has 4",
        ),
        (
            "places",
            lambda d: d["places"][1].pop("name_zh"),
            "entry 'Shenzhen': missing Chinese field 'name_zh'",
        ),
        (
            "places",
            lambda d: d["places"][1]["aliases_zh"].append("香港"),
            "Chinese alias '香港' is already used by entry 'Hong Kong'",
        ),
        (
            "transit_times",
            lambda d: d["modes"]["air"].pop("note_zh"),
            "mode 'air': missing Chinese field 'note_zh'",
        ),
        (
            "rates",
            lambda d: d["modes"]["air"].pop("covers_zh"),
            "mode 'air': missing Chinese field 'covers_zh'",
        ),
    ],
)
def test_a_missing_or_wrong_chinese_field_fails_the_check(
    kb_copy: KbCopy, file: str, edit: Callable[[Any], None], message: str
) -> None:
    folder = kb_copy(**{file: edit})
    with pytest.raises(KnowledgeBaseError, match=re.escape(message)):
        load_knowledge_base(folder)


def test_simplified_alias_counts_as_a_duplicate(kb_copy: KbCopy) -> None:
    # "提单" is "提單" once written in Traditional, which bill_of_lading has too.
    folder = kb_copy(terms=lambda d: d["terms"][3]["aliases_zh"].append("提单"))
    with pytest.raises(
        KnowledgeBaseError,
        match="entry 'bill_of_lading': Chinese alias '提單' is already used by entry 'cpt'",
    ):
        load_knowledge_base(folder)


# --- glossary lookup -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("FOB係咩意思", "fob"),
        ("滯期費即係咩", "demurrage"),
        ("咩叫計費重量", "chargeable_weight"),
        ("什么是提单", "bill_of_lading"),
        ("空運提單係乜嘢嚟㗎", "awb"),
        ("請問延滯費點計", "detention"),
        ("我想問下貨櫃係咩", "shipping_container"),
        ("離岸價即係點", "fob"),
        ("報關要準備啲乜", "customs_declaration"),
        ("清關係咩嚟", "customs_clearance"),
        ("到岸價同離岸價", "cif"),
        ("卸貨港（POD）係咩", "port_of_discharge"),
        ("ＣＩＦ係乜", "cif"),
        ("我嘅 parcel 個 AWB 係咩嚟", "awb"),
    ],
)
def test_a_term_is_found_inside_chinese_and_mixed_text(
    kb: KnowledgeBase, text: str, key: str
) -> None:
    lookup = kb.find_term(text)
    assert lookup.term is not None, text
    assert lookup.term.key == key


def test_every_chinese_name_and_alias_finds_its_own_term(kb: KnowledgeBase) -> None:
    wrong = []
    for term in kb.terms.values():
        for phrase in (term.name_zh, *term.aliases_zh):
            for text in (f"{phrase}係咩意思", f"咩叫{phrase}？"):
                lookup = kb.find_term(text)
                if lookup.term is None or lookup.term.key != term.key:
                    wrong.append((text, lookup.term and lookup.term.key))
    assert wrong == []


def test_unknown_english_words_are_still_named(kb: KnowledgeBase) -> None:
    lookup = kb.find_term("咩叫 florbex surcharge")
    assert lookup.term is not None and lookup.term.key == "surcharge"
    assert lookup.unknown_words == ["florbex"]


def test_a_near_miss_in_chinese_is_suggested_never_answered(kb: KnowledgeBase) -> None:
    lookup = kb.find_term("請問滯期係咩意思？")
    assert lookup.term is None
    assert lookup.query == "滯期"
    assert [t.key for t in lookup.suggestions][:1] == ["demurrage"]
    nothing = kb.find_term("咩叫做蛋撻")
    assert nothing.term is None and nothing.suggestions == []


# --- places, lanes and modes -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "origin", "destination"),
    [
        ("由香港寄去洛杉磯", "Hong Kong", "Los Angeles"),
        ("深圳到東京要幾耐", "Shenzhen", "Tokyo"),
        ("从上海运到汉堡", "Shanghai", "Hamburg"),
        ("我喺葵涌，想寄啲貨去悉尼", "Hong Kong", "Sydney"),
        ("寄去鹿特丹幾錢", None, "Rotterdam"),
        ("由 Shenzhen 寄去 Rotterdam", "Shenzhen", "Rotterdam"),
        ("洛杉磯寄返香港", "Los Angeles", "Hong Kong"),
    ],
)
def test_a_lane_is_read_from_chinese_text(
    kb: KnowledgeBase, text: str, origin: str | None, destination: str
) -> None:
    found = kb.find_lane(text)
    assert [p.name if p else None for p in found] == [origin, destination]


def test_every_chinese_place_name_finds_its_place(kb: KnowledgeBase) -> None:
    wrong = []
    for place in kb.places:
        for phrase in (place.name_zh, *place.aliases_zh):
            found = kb.find_place(f"寄去{phrase}要幾耐")
            if found is None or found.name != place.name:
                wrong.append((phrase, found and found.name))
    assert wrong == []


@pytest.mark.parametrize(
    ("text", "mode"),
    [
        ("空運", "air"),
        ("海運", "sea"),
        ("速遞", "express"),
        ("快遞", "express"),
        ("空郵", "air"),
        ("经济快递", "economy"),
        ("海運拼櫃", "sea_lcl"),
        ("一個40呎櫃", "sea_fcl"),
        ("唔急，最平就得", "economy"),
        ("用船寄", "sea"),
        ("我想寄 express", "express"),
        ("我想問下", None),
    ],
)
def test_mode_words_in_chinese(text: str, mode: str | None) -> None:
    assert normalize_mode(text) == mode


# --- weights, volumes, tracking numbers, contacts --------------------------------------


@pytest.mark.parametrize(
    ("text", "kg"),
    [
        ("5公斤", 5.0),
        ("5 kg", 5.0),
        ("5千克", 5.0),
        ("５ｋｇ", 5.0),
        ("五公斤", 5.0),
        ("大約12.5公斤", 12.5),
        ("3箱每箱20公斤", 60.0),
        ("2噸", 2000.0),
        ("十斤", 6.048),
        ("2個立方", None),
    ],
)
def test_weights_in_chinese(text: str, kg: float | None) -> None:
    assert parse_weight_kg(text) == kg


@pytest.mark.parametrize(
    ("text", "cbm"),
    [
        ("2個立方", 2.0),
        ("2立方米", 2.0),
        ("3cbm", 3.0),
        ("兩個半立方", 2.5),
        ("５立方米", 5.0),
        ("120厘米x80厘米x100厘米", 0.96),
        ("120乘80乘100公分", 0.96),
        ("5公斤", None),
    ],
)
def test_volumes_in_chinese(text: str, cbm: float | None) -> None:
    assert parse_volume_cbm(text) == cbm


@pytest.mark.parametrize(
    "text",
    [
        "查下１６０－４８２１９３７１去咗邊",
        "我嘅貨160-48219371幾時到",
        "運單號碼160 4821 9371",
        "幫我查下１６０４８２１９３７１",
    ],
)
def test_tracking_number_next_to_chinese_or_in_full_width_digits(text: str) -> None:
    found = find_tracking_numbers(text)
    assert [(n.number, n.valid) for n in found] == [("160-48219371", True)]


def test_container_and_postal_numbers_next_to_chinese() -> None:
    found = find_tracking_numbers("櫃號MSCU1234566到咗未？仲有個郵包RR123456785HK")
    assert [n.number for n in found] == ["MSCU1234566", "RR123456785HK"]
    checked = check_tracking_number("ＭＳＣＵ１２３４５６６")
    assert checked is not None and checked.valid


def test_a_phone_number_in_chinese_is_not_a_tracking_number() -> None:
    # Ten digits with a wrong check digit after "電話": a phone number, not a waybill.
    assert find_tracking_numbers("有問題打我電話 1234567890") == []


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("我電話係９１２３ ４５６７", "+85291234567"),
        ("打俾我91234567啦", "+85291234567"),
        ("電郵jo@example.com唔該", "jo@example.com"),
        ("ｊｏ＠ｅｘａｍｐｌｅ．ｃｏｍ", "jo@example.com"),
    ],
)
def test_contacts_inside_chinese_text(text: str, value: str) -> None:
    contact = parse_contact(text)
    assert contact is not None and contact.value == value


# --- answers in Chinese ----------------------------------------------------------------


def _assert_chinese(text: str) -> None:
    assert _HAN.search(text), text
    assert not _ENGLISH_SENTENCE.search(text), text


def test_term_answer_in_chinese(kb: KnowledgeBase) -> None:
    text = format_term(kb.terms["fob"], language="zh")
    assert text.startswith("離岸價（FOB）：")
    assert kb.terms["fob"].definition_zh in text
    assert "相關詞彙：" in text and kb.terms["cif"].name_zh in text
    _assert_chinese(text)
    english = format_term(kb.terms["fob"])
    assert english.startswith("FOB (Free on Board): ")


def test_unknown_term_in_chinese_never_guesses(kb: KnowledgeBase) -> None:
    text = format_unknown_term("蛋撻", [], "zh")
    assert "「蛋撻」" in text and "唔想亂估" in text
    lookup = kb.find_term("滯期係咩意思")
    suggested = format_unknown_term(lookup.query, lookup.suggestions, "zh")
    assert "「滯期」" in suggested and "滯期費" in suggested
    _assert_chinese(suggested)


def test_transit_time_in_chinese(kb: KnowledgeBase) -> None:
    origin, destination = kb.find_lane("由香港寄去洛杉磯")
    assert origin is not None and destination is not None
    transit = kb.transit_time("express", destination.region)
    text = format_transit("express", origin, destination, transit, "zh")
    assert "由香港到洛杉磯（美國）" in text and "個工作天" in text and "北美" in text
    _assert_chinese(text)
    listed, ok = transit_answer(kb, None, origin, destination, "zh")
    assert ok and listed.startswith("由香港到洛杉磯嘅一般運輸時間：")
    assert "- 海運整櫃（FCL）：" in listed
    _assert_chinese(listed)


def test_quote_in_chinese(kb: KnowledgeBase) -> None:
    result = quote(
        kb,
        mode="空運",
        origin="香港",
        destination="洛杉磯",
        weight_kg=parse_weight_kg("120公斤") or 0,
        volume_cbm=parse_volume_cbm("1個立方"),
        language="zh",
        today=date.fromisoformat(kb.rates.as_of),
    )
    english = quote(
        kb,
        mode="air",
        origin="Hong Kong",
        destination="Los Angeles",
        weight_kg=120,
        volume_cbm=1,
        today=date.fromisoformat(kb.rates.as_of),
    )
    assert result.amount == english.amount and result.mode == "air"
    text = format_quote(result)
    assert text.startswith(f"參考價：由香港到洛杉磯（美國）嘅空運大約 HK${result.amount:,.2f}。")
    assert "計費重量 167 公斤" in text
    assert "價目有效期由 2026年11月1日 至 2026年12月31日。" in text
    _assert_chinese(text)


def test_quote_errors_in_chinese(kb: KnowledgeBase) -> None:
    with pytest.raises(QuoteError, match="我唔認識「火星」呢個地方（目的地）"):
        quote(kb, mode="速遞", origin="香港", destination="火星", weight_kg=5, language="zh")
    with pytest.raises(QuoteError, match="深圳到香港可以由同事幫你報價"):
        quote(kb, mode="速遞", origin="深圳", destination="香港", weight_kg=5, language="zh")


def test_faq_answer_in_either_language(kb: KnowledgeBase) -> None:
    faq = kb.faqs["opening_hours"]
    assert faq.answer_in("en") == faq.answer
    assert "星期一至五" in faq.answer_in("zh")
    assert kb.services["EXP"].name_in("zh") == "速遞"
