"""Complaints, complaint status, the survey and a proactive outcome in Chinese, end to end.

On the real model, action server and Rasa server, through the REST channel: what the
assistant builds itself (the summary, the receipt with its reference and promised time,
the status, the one-time code's mail, the survey's invitation and closing words, the
outcome sent days later) comes in the conversation's language, and Chinese answers
(categories, "冇", a phone number inside a sentence, "五分", "係", "好容易", "冇意見") are
understood and stored as the same canonical values English answers are.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid

from sqlalchemy import select

from bot.core.settings import REPO_ROOT
from bot.domain.complaints.records import create_complaint
from bot.storage.db import get_engine, session_scope
from bot.storage.models import Complaint
from tests.e2e.conftest import TOKEN, Customer, RunningStack
from tests.e2e.test_survey import answers, bot_texts, surveys, wait_for_bot_text
from tests.support.mailbox import Mailbox

REFERENCE = re.compile(r"CMP-\d{4}-\d{5}")
# "12月4日 (星期五) 17:00": a promised time as Hong Kong readers of Chinese write it.
CHINESE_TIME = re.compile(r"\d{1,2}月\d{1,2}日 \(星期[一二三四五六日]\) \d{2}:\d{2}")
OUTCOME = "已經退回運費 HKD 450，並會補寄兩個新花樽"


def _complaints(stack: RunningStack, sender: str) -> list[Complaint]:
    with session_scope(get_engine(stack.database_url)) as session:
        rows = session.execute(select(Complaint).where(Complaint.sender_id == sender))
        found = list(rows.scalars().all())
        session.expunge_all()
        return found


def _resolve(stack: RunningStack, reference: str, outcome: str) -> subprocess.CompletedProcess[str]:
    """Resolve the complaint as staff do, with the operators' CLI."""
    env = {
        **os.environ,
        "DATABASE_URL": stack.database_url,
        "RASA_URL": stack.url,
        "RASA_TOKEN": TOKEN,
        "PYTHONPATH": str(REPO_ROOT),
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "complaints", "resolve", reference, outcome],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _text(messages: list[dict[str, object]]) -> str:
    return "\n".join(str(m.get("text") or "") for m in messages)


def _file_in_chinese(customer: Customer, phone: str) -> str:
    """Make a complaint in Cantonese, as a Hong Kong customer would; return the receipt."""
    assert customer.say("我想投訴")
    assert customer.say("貨物損壞")
    assert customer.say("個箱送到嘅時候已經爛晒，入面兩個花樽都碎咗")
    ask_contact = _text(customer.say("冇"))
    assert "請問同事應該用邊個電郵地址或者電話號碼聯絡你" in ask_contact, ask_contact
    summary = customer.say(f"我電話係 {phone} 唔該")
    shown = _text(summary)
    assert "以下係我會交俾投訴部同事嘅資料" in shown, shown
    assert "類別：貨物損壞" in shown and "貨件：冇提供" in shown
    assert f"+852{phone}" in shown
    assert [b["title"] for b in summary[-1]["buttons"]] == ["提交", "改資料"]
    return _text(customer.say("係，提交"))


def test_a_complaint_made_in_chinese_gets_its_reference_and_promised_time_in_chinese(
    running_stack: RunningStack, customer: Customer
) -> None:
    receipt = _file_in_chinese(customer, "91234567")

    reference = REFERENCE.search(receipt)
    assert reference, receipt
    assert f"{reference.group()} — 同事會喺 " in receipt and "之前聯絡你" in receipt
    assert CHINESE_TIME.search(receipt), receipt
    assert "HKT" not in receipt and "colleague" not in receipt
    (saved,) = _complaints(running_stack, customer.sender)
    # Stored as the English answers are: the category code, the contact normalised.
    assert (saved.reference, saved.category, saved.contact, saved.shipment_ref) == (
        reference.group(),
        "damaged",
        "+85291234567",
        None,
    )
    assert saved.description == "個箱送到嘅時候已經爛晒，入面兩個花樽都碎咗"


def test_complaint_status_asked_in_chinese(
    running_stack: RunningStack, customer: Customer, mailbox: Mailbox
) -> None:
    receipt = _file_in_chinese(customer, "61234567")
    reference = REFERENCE.search(receipt).group()  # type: ignore[union-attr]

    status = _text(customer.say("我嘅投訴而家點呀？"))
    assert f"{reference}（貨物損壞，" in status, status
    assert "已經交咗俾客戶服務部" in status and CHINESE_TIME.search(status)

    # From another chat, the owner proves it is theirs with a code mailed in Chinese.
    email = f"mei.{uuid.uuid4().hex[:8]}@example.com"
    with session_scope(get_engine(running_stack.database_url)) as session:
        other_reference = create_complaint(
            session,
            sender_id=customer.sender,
            channel="rest",
            category="late",
            description=f"批貨遲咗一個禮拜先到 ({email})",
            contact=email,
        ).reference
    other_chat = running_stack.customer()
    first = _text(other_chat.say(f"我想查下投訴{other_reference}嘅進度"))
    assert f"我搵唔到喺呢個對話提交、編號係 {other_reference} 嘅投訴" in first, first
    sent = _text(other_chat.say(f"{other_reference} 我嘅電郵係 {email}"))
    assert "驗證碼而家已經發緊過去" in sent, sent
    (mail,) = mailbox.wait_for(email)
    body = mail.get_payload(decode=True)
    assert isinstance(body, bytes)
    text = body.decode("utf-8")
    code = re.search(r"驗證碼係 (\d{6})", text)
    assert code, text
    assert f"請喺對話入面回覆：{other_reference} code {code.group(1)}" in text
    shown = _text(other_chat.say(f"{other_reference} 驗證碼 {code.group(1)}"))
    assert f"{other_reference}（延遲送達，" in shown and "已經交咗俾客戶服務部" in shown, shown


def test_a_proactive_outcome_and_the_survey_reach_a_chinese_customer_in_chinese(
    running_stack: RunningStack, customer: Customer
) -> None:
    receipt = _file_in_chinese(customer, "51234567")
    reference = REFERENCE.search(receipt).group()  # type: ignore[union-attr]

    result = _resolve(running_stack, reference, OUTCOME)

    assert result.returncode == 0, result.stdout + result.stderr
    try:
        wait_for_bot_text(running_stack, customer.sender, "可唔可以話俾我哋知我哋做得點")
    except AssertionError:
        raise AssertionError(bot_texts(running_stack, customer.sender)[-4:]) from None
    said = bot_texts(running_stack, customer.sender)
    outcome = next(t for t in said if "已經處理好：" in t and "轉交俾同事" in t)
    assert outcome == (
        f"你嘅投訴 {reference.lower()}（貨物損壞）已經處理好：{OUTCOME.lower()}。"
        "如果仲有咩唔妥，直接喺度回覆，我會轉交俾同事。"
    )
    assert any(
        t.startswith(f"{reference.lower()} 已經處理好，可唔可以話俾我哋知我哋做得點？只得 5 條")
        for t in said
    )

    # The survey answered in Chinese: a score, yes, an effort word, a number, no comment.
    assert customer.say("五分")
    assert customer.say("係，解決咗")
    assert customer.say("好容易")
    again = _text(customer.say("紫色"))
    assert "唔好意思，我睇唔明。請用 0 至 10 嘅數字回答，或者撳「跳過」。" in again, again
    assert customer.say("十分")
    closing = _text(customer.say("冇意見"))
    assert "多謝你嘅意見" in closing, closing
    (row,) = surveys(running_stack, customer.sender)
    assert answers(row) == (5, True, 5, 10, None)
    assert row.complaint_reference == reference
