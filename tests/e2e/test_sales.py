"""Sales on the real stack, in English and Chinese: no price from an expired rate card (a
colleague offered instead), and a sales lead with direct-marketing consent, stored with
its wording and time, then withdrawn by "unsubscribe" or "stop"."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import yaml
from sqlalchemy import select

from bot.storage.db import get_engine, session_scope
from bot.storage.models import Lead, MarketingConsent, SalesEvent
from tests.e2e.conftest import Customer, RunningStack

TODAY = datetime.now(ZoneInfo("Asia/Hong_Kong")).date()


@pytest.fixture
def expired_card(running_stack: RunningStack) -> Iterator[str]:
    """The stack's rate card ran out yesterday (put back afterwards); yields its last day."""
    path = running_stack.kb_dir / "rates.yml"
    original = path.read_bytes()
    card = yaml.safe_load(original)
    last_day = TODAY - timedelta(days=1)
    card["as_of"] = (TODAY - timedelta(days=60)).isoformat()
    card["valid_until"] = last_day.isoformat()
    path.write_text(yaml.safe_dump(card, allow_unicode=True, sort_keys=False), "utf-8")
    try:
        yield last_day.isoformat()
    finally:
        path.write_bytes(original)


def _events(stack: RunningStack, sender: str) -> list[tuple[str, str]]:
    with session_scope(get_engine(stack.database_url)) as session:
        rows = session.execute(
            select(SalesEvent.kind, SalesEvent.detail).where(SalesEvent.sender_id == sender)
        ).all()
        return [(str(kind), str(detail)) for kind, detail in rows]


def test_expired_card_gives_no_price_and_offers_a_colleague(
    running_stack: RunningStack, customer: Customer, expired_card: str
) -> None:
    reply = customer.reply_text("how much to send 12 kg by express from Hong Kong to Sydney?")
    assert "hk$" not in reply
    assert "our rate card ran out on" in reply and "a colleague can quote it for you" in reply
    assert "would you like our sales team to contact you?" in reply
    # The colleague's offer leads to a lead, without a price on it.
    assert "name" in customer.reply_text("yes")
    customer.reply_text("Chris Wong")
    thanks = customer.reply_text("chris.wong@pearlriver.example")
    assert "lead-" in thanks
    with session_scope(get_engine(running_stack.database_url)) as session:
        lead = session.execute(select(Lead).where(Lead.sender_id == customer.sender)).scalar_one()
        assert lead.quoted_amount is None and lead.due_at is not None
    assert ("quote_refused", "express:card_not_valid") in _events(running_stack, customer.sender)


def test_expired_card_in_chinese(
    running_stack: RunningStack, customer: Customer, expired_card: str
) -> None:
    reply = customer.reply_text("由香港速遞5公斤去倫敦幾錢")
    assert "hk$" not in reply and "參考價" not in reply
    assert "價目表已經喺" in reply and "到期" in reply and "同事幫你報價" in reply


def test_a_valid_card_prices_again_without_a_restart(
    running_stack: RunningStack, customer: Customer
) -> None:
    # After the expired-card tests put the shipped card back, prices come back at once.
    reply = customer.reply_text("how much to send 12 kg by express from Hong Kong to Sydney?")
    assert "hk$" in reply and "rates are valid from" in reply


def _consents(stack: RunningStack, sender: str) -> list[MarketingConsent]:
    with session_scope(get_engine(stack.database_url)) as session:
        rows = session.execute(
            select(MarketingConsent).where(MarketingConsent.sender_id == sender)
        ).scalars()
        result = list(rows)
        session.expunge_all()
        return result


def test_lead_with_consent_then_unsubscribe(
    running_stack: RunningStack, customer: Customer
) -> None:
    assert "hk$" in customer.reply_text("how much to send 3 kg by express from Hong Kong to Tokyo?")
    assert "name" in customer.reply_text("yes")
    customer.reply_text("Chris Wong")
    thanks = customer.reply_text("chris.wong@pearlriver.example")
    assert "call you back by" in thanks
    assert "may we also use chris.wong@pearlriver.example" in thanks
    before = datetime.now(ZoneInfo("UTC"))
    granted = customer.reply_text("yes")
    assert "we'll send you occasional news and offers" in granted
    (row,) = _consents(running_stack, customer.sender)
    assert row.granted and row.withdrawn_at is None
    assert row.contact == "chris.wong@pearlriver.example" and row.lead_id is not None
    assert row.wording.startswith("One more thing: may we also use chris.wong@pearlriver.example")
    assert "direct marketing" in row.wording and row.answer == "yes"
    assert abs((row.answered_at - before).total_seconds()) < 120

    gone = customer.reply_text("unsubscribe")
    assert "we won't send you promotional messages any more" in gone
    (row,) = _consents(running_stack, customer.sender)
    assert row.withdrawn_at is not None and row.withdrawal == "unsubscribe"
    assert "not on our promotion list" in customer.reply_text("unsubscribe me")


def test_lead_declining_consent_is_stored_as_no(
    running_stack: RunningStack, customer: Customer
) -> None:
    customer.reply_text("how much to send 3 kg by express from Hong Kong to Tokyo?")
    customer.reply_text("yes")
    customer.reply_text("Mei Chan")
    customer.reply_text("+852 9123 4567")
    declined = customer.reply_text("no")
    assert "we won't use your details for promotion" in declined
    (row,) = _consents(running_stack, customer.sender)
    assert not row.granted and row.contact == "+85291234567"


def test_chinese_lead_with_consent_then_stop(
    running_stack: RunningStack, customer: Customer
) -> None:
    assert "參考價" in customer.reply_text("由香港速遞5公斤去倫敦幾錢")
    assert "名" in customer.reply_text("好")
    customer.reply_text("陳大文")
    thanks = customer.reply_text("tm.chan@example.com")
    assert "之前回電" in thanks and "直接促銷" in thanks
    assert "停止接收" in customer.reply_text("好")
    (row,) = _consents(running_stack, customer.sender)
    assert row.granted and row.language == "zh" and "直接促銷" in row.wording
    assert "唔會再發推廣訊息" in customer.reply_text("取消訂閱")
    (row,) = _consents(running_stack, customer.sender)
    assert row.withdrawn_at is not None


def test_one_service_suggestion_after_a_declined_sales_call(
    running_stack: RunningStack, customer: Customer
) -> None:
    reply = customer.reply_text("how much to send 20 kg by express from Hong Kong to Tokyo?")
    assert "hk$" in reply
    tip = customer.reply_text("no thanks")
    assert "economy express costs less" in tip
    requote = customer.reply_text("yes")
    assert "hk$" in requote and "economy express" in requote
    kinds = [kind for kind, _ in _events(running_stack, customer.sender)]
    assert kinds == ["quote", "promotion_offered", "promotion_accepted", "quote"]
    # Never twice in one conversation.
    customer.reply_text("how much to send 25 kg by express from Hong Kong to Tokyo?")
    assert "economy express costs less" not in customer.reply_text("no")


def test_tracking_an_economy_shipment_suggests_express_once(
    running_stack: RunningStack, customer: Customer
) -> None:
    messages = customer.say("where is RB482017363HK?")
    text = "\n".join(m.get("text") or "" for m in messages).lower()
    assert "rb482017363hk" in text and "express is our fastest door-to-door" in text
    assert {b["title"] for b in messages[-1].get("buttons") or []} == {"Yes, please", "No, thanks"}
    assert "no problem" in customer.reply_text("no")
    assert _events(running_stack, customer.sender) == [
        ("promotion_offered", "express_documents"),
        ("promotion_declined", "express_documents"),
    ]
    again = customer.reply_text("where is CP730155827HK?")
    assert "cp730155827hk" in again and "fastest door-to-door" not in again


def test_tracking_suggestion_in_chinese_leads_to_an_express_quote(
    running_stack: RunningStack, customer: Customer
) -> None:
    reply = customer.reply_text("查下RB482017363HK去咗邊")
    assert "rb482017363hk" in reply and "速遞價" in reply
    # The suggestion accepted: an Express quote starts, asking where the goods start.
    assert "貨物由邊度出發" in customer.reply_text("好")
    assert ("promotion_accepted", "express_documents") in _events(running_stack, customer.sender)
