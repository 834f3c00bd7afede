"""Enquiries in Chinese through the REST channel of a real stack (issue 13).

A Hong Kong customer asks in Traditional Chinese or Cantonese, with Chinese place names,
Chinese units and tracking numbers written right next to Chinese characters or in
full-width digits. The trained model classifies, the action server reads the message with
the knowledge base's Chinese names and answers in Chinese. Expected figures come from the
knowledge base and the rate table, never from a copy of the answer.
"""

from __future__ import annotations

import pytest

from bot.core.settings import REPO_ROOT
from bot.domain.kb import KnowledgeBase, load_knowledge_base
from bot.domain.quotes import quote
from tests.e2e.conftest import Customer

# Half-width to full-width: digits, Latin letters and the hyphen, as a Chinese IME types them.
_FULL_WIDTH = str.maketrans(
    "0123456789-ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    "０１２３４５６７８９－ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ"
    "ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ",
)


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    """The knowledge base the action server answers from."""
    return load_knowledge_base(REPO_ROOT / "knowledge_base")


def test_term_asked_in_chinese_is_explained_in_chinese(
    customer: Customer, kb: KnowledgeBase
) -> None:
    fob = kb.terms["fob"]
    reply = customer.reply_text("FOB係咩意思")
    assert fob.name_zh.lower() in reply
    assert fob.definition_zh.lower() in reply
    assert fob.definition.lower() not in reply


def test_chinese_term_name_inside_a_cantonese_question(
    customer: Customer, kb: KnowledgeBase
) -> None:
    reply = customer.reply_text("咩叫計費重量呀")
    assert kb.terms["chargeable_weight"].definition_zh.lower() in reply


def test_transit_time_asked_in_chinese_with_chinese_place_names(customer: Customer) -> None:
    reply = customer.reply_text("由香港空運去洛杉磯要幾耐")
    assert "由香港到洛杉磯（美國）" in reply
    assert "空運" in reply
    assert "日" in reply


def test_quote_asked_in_chinese_with_chinese_place_names_and_units(
    customer: Customer, kb: KnowledgeBase
) -> None:
    expected = quote(
        kb, mode="express", origin="Hong Kong", destination="London", weight_kg=5
    ).amount
    reply = customer.reply_text("由香港速遞5公斤去倫敦幾錢")
    assert "參考價" in reply
    assert "倫敦" in reply
    assert f"hk${expected:,.2f}" in reply


@pytest.mark.parametrize("written", ["plain", "full-width"])
def test_tracking_number_inside_chinese_text(
    customer: Customer, demo_shipments: list[dict[str, str]], written: str
) -> None:
    shipment = demo_shipments[0]
    number = shipment["tracking_number"]
    typed = number.translate(_FULL_WIDTH) if written == "full-width" else number
    reply = customer.reply_text(f"查下{typed}去咗邊")
    assert number.lower() in reply
    assert shipment["location"].lower() in reply
