"""What the customer is told: where their complaint stands, in plain words, in English and
in Chinese; the missed-promise update and the outcome; the one-time code's texts."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine

from bot.domain.complaints.followups import escalate_missed
from bot.domain.complaints.records import customer_complaints
from bot.domain.complaints.staff import add_note, resolve
from bot.domain.complaints.views import ComplaintReceipt, ComplaintView
from bot.domain.complaints.wording import (
    category_label,
    format_code_maybe_sent,
    format_code_message,
    format_code_not_accepted,
    format_overdue_notice,
    format_resolution_notice,
    format_status,
    format_status_not_in_this_chat,
    status_code_needs_reference,
    status_lookups_limited,
    status_unavailable,
)
from bot.domain.service_levels import service_levels
from bot.storage import db
from tests.domain.complaints.conftest import HKT, THURSDAY_1PM, hkt

Submit = Callable[..., ComplaintReceipt]


def _view(engine: Engine, sender: str, now: object = THURSDAY_1PM) -> ComplaintView:
    with db.session_scope(engine) as session:
        (view,) = customer_complaints(session, sender_id=sender, now=now)  # type: ignore[arg-type]
    return view


def _status(engine: Engine, sender: str, now: object = THURSDAY_1PM, language: str = "en") -> str:
    return format_status(_view(engine, sender, now), HKT, language)


def test_status_of_a_new_complaint_gives_the_promise(
    engine: Engine, file_complaint: Submit
) -> None:
    file_complaint()

    assert _status(engine, "tg-4711") == (
        "CMP-2026-00001 (damaged goods, sent 26 Nov 2026) is with our customer service team. "
        "A colleague will contact you by Friday 27 Nov, 12:00 (HKT)."
    )


def test_status_of_a_missed_promise_apologises(engine: Engine, file_complaint: Submit) -> None:
    file_complaint()

    text = _status(engine, "tg-4711", now=hkt(2026, 11, 27, 12, 5))

    assert "we promised to contact you by Friday 27 Nov, 12:00 (HKT)" in text
    assert "we're sorry we haven't yet" in text and "senior colleague" in text


def test_status_after_escalation_gives_the_new_promise(
    engine: Engine, file_complaint: Submit
) -> None:
    file_complaint()
    escalate_missed(engine, now=hkt(2026, 11, 27, 12, 5), levels=service_levels())

    text = _status(engine, "tg-4711", now=hkt(2026, 11, 27, 12, 10))

    assert text == (
        "CMP-2026-00001 (damaged goods, sent 26 Nov 2026) is with a senior colleague, who "
        "will contact you by Friday 27 Nov, 14:05 (HKT)."
    )


def test_status_in_progress_and_resolved(engine: Engine, file_complaint: Submit) -> None:
    reference = file_complaint().reference
    with db.session_scope(engine) as session:
        add_note(session, reference, "Called the customer.", actor="amy", now=hkt(2026, 11, 26, 15))

    assert _status(engine, "tg-4711", now=hkt(2026, 11, 26, 16)) == (
        "CMP-2026-00001 (damaged goods, sent 26 Nov 2026): a colleague is working on it and "
        "we aim to resolve it by Wednesday 2 Dec, 18:00 (HKT). They'll contact you with the "
        "outcome."
    )
    late = _status(engine, "tg-4711", now=hkt(2026, 12, 3, 10))
    assert "taking longer than we aimed for, and we're sorry" in late

    with db.session_scope(engine) as session:
        resolve(
            session,
            reference,
            "We have refunded HKD 450 to your card",
            actor="amy",
            now=hkt(2026, 11, 30, 10),
        )
    assert _status(engine, "tg-4711", now=hkt(2026, 11, 30, 11)) == (
        "CMP-2026-00001 (damaged goods, sent 26 Nov 2026) was resolved on 30 Nov 2026: We "
        "have refunded HKD 450 to your card. If anything is still not right, tell me here "
        "and I'll pass it to a colleague."
    )


def test_status_of_a_new_complaint_in_chinese(engine: Engine, file_complaint: Submit) -> None:
    file_complaint()

    assert _status(engine, "tg-4711", language="zh") == (
        "CMP-2026-00001（貨物損壞，2026年11月26日 提交）已經交咗俾客戶服務部，"
        "同事會喺 11月27日 (星期五) 12:00 之前聯絡你。"
    )


def test_every_status_in_chinese(engine: Engine, file_complaint: Submit) -> None:
    reference = file_complaint().reference

    overdue = _status(engine, "tg-4711", now=hkt(2026, 11, 27, 12, 5), language="zh")
    assert "我哋答應咗喺 11月27日 (星期五) 12:00 之前聯絡你" in overdue and "逾期" in overdue

    escalate_missed(engine, now=hkt(2026, 11, 27, 12, 5), levels=service_levels())
    escalated = _status(engine, "tg-4711", now=hkt(2026, 11, 27, 12, 10), language="zh")
    assert "資深同事" in escalated and "11月27日 (星期五) 14:05" in escalated

    with db.session_scope(engine) as session:
        add_note(session, reference, "Called.", actor="amy", now=hkt(2026, 11, 27, 13))
    working = _status(engine, "tg-4711", now=hkt(2026, 11, 27, 13, 30), language="zh")
    assert "同事跟緊呢單投訴，目標係喺 12月2日 (星期三) 18:00 之前處理好" in working
    late = _status(engine, "tg-4711", now=hkt(2026, 12, 10, 10), language="zh")
    assert "處理時間比我哋預期長" in late

    with db.session_scope(engine) as session:
        resolve(session, reference, "已退回運費 HKD 450", actor="amy", now=hkt(2026, 11, 30, 10))
    resolved = _status(engine, "tg-4711", now=hkt(2026, 11, 30, 11), language="zh")
    assert resolved.startswith(
        "CMP-2026-00001（貨物損壞，2026年11月26日 提交）"
        "已經喺 2026年11月30日 處理好：已退回運費 HKD 450."
    )


def test_missed_promise_notice_in_both_languages(engine: Engine, file_complaint: Submit) -> None:
    file_complaint()
    escalate_missed(engine, now=hkt(2026, 11, 27, 12, 5), levels=service_levels())
    view = _view(engine, "tg-4711", now=hkt(2026, 11, 27, 12, 10))

    assert format_overdue_notice(view, HKT, "en") == (
        "About your complaint CMP-2026-00001: we promised to contact you by Friday 27 Nov, "
        "12:00 (HKT), and we're sorry we haven't yet. Your complaint is now with a senior "
        "colleague, who will contact you by Friday 27 Nov, 14:05 (HKT)."
    )
    assert format_overdue_notice(view, HKT, "zh") == (
        "關於你嘅投訴 CMP-2026-00001：我哋答應咗喺 11月27日 (星期五) 12:00 之前聯絡你，"
        "但到而家都未做到，真係對唔住。你嘅投訴已經交咗俾資深同事，"
        "佢會喺 11月27日 (星期五) 14:05 之前聯絡你。"
    )


def test_outcome_in_both_languages_keeps_the_colleagues_words(
    engine: Engine, file_complaint: Submit
) -> None:
    reference = file_complaint().reference
    with db.session_scope(engine) as session:
        resolve(session, reference, "We refunded HKD 450", actor="amy", now=hkt(2026, 11, 30, 10))
    view = _view(engine, "tg-4711", now=hkt(2026, 11, 30, 11))

    assert format_resolution_notice(view, HKT, "en") == (
        "Your complaint CMP-2026-00001 (damaged goods) has been resolved: We refunded HKD 450. "
        "If anything is still not right, just reply here and I'll pass it to a colleague."
    )
    assert format_resolution_notice(view, HKT, "zh") == (
        "你嘅投訴 CMP-2026-00001（貨物損壞）已經處理好：We refunded HKD 450."
        "如果仲有咩唔妥，直接喺度回覆，我會轉交俾同事。"
    )


def test_category_labels_in_both_languages() -> None:
    assert category_label("missed_pickup", "en") == "Missed pick-up"
    assert category_label("missed_pickup", "zh") == "冇人上門收件"
    assert category_label("brand_new_category", "zh") == "brand_new_category"


def test_status_answers_from_another_chat_in_both_languages() -> None:
    assert format_status_not_in_this_chat(None, "en").startswith(
        "I couldn't find a complaint made in this chat."
    )
    assert "reference CMP-2026-00042 made in this chat" in format_status_not_in_this_chat(
        "CMP-2026-00042", "en"
    )
    assert format_status_not_in_this_chat("CMP-2026-00042", "zh").startswith(
        "我搵唔到喺呢個對話提交、編號係 CMP-2026-00042 嘅投訴。"
    )
    assert "for 10 minutes" in format_code_maybe_sent("CMP-2026-00042", 10, "en")
    assert "10 分鐘內有效" in format_code_maybe_sent("CMP-2026-00042", 10, "zh")
    assert "isn't valid for CMP-2026-00042" in format_code_not_accepted("CMP-2026-00042", "en")
    assert "唔適用於 CMP-2026-00042" in format_code_not_accepted("CMP-2026-00042", "zh")
    assert "CMP-2026-00042 code 123456" in status_code_needs_reference("zh")
    assert status_lookups_limited("zh").startswith("呢個對話喺過去一個鐘")
    assert status_unavailable("en").startswith("Sorry, I can't reach our complaints system")


def test_the_code_mail_is_in_the_askers_language() -> None:
    english = format_code_message("CMP-2026-00042", "481516", 10, "en")
    chinese = format_code_message("CMP-2026-00042", "481516", 10, "zh")

    assert english.subject == "Your Freight Desk verification code"
    assert english.text.startswith(
        "Your Freight Desk code is 481516. Reply in the chat with: CMP-2026-00042 code 481516"
    )
    assert chinese.subject == "你嘅 Freight Desk 驗證碼"
    assert "請喺對話入面回覆：CMP-2026-00042 code 481516" in chinese.text
    assert "10 分鐘後失效" in chinese.text
