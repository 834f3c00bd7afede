"""What the customer is told after asking for a person: staffed and unstaffed notices."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.orm import Session

from bot.domain.handoff.queue import request_handoff
from bot.domain.handoff.wording import format_handoff_notice
from tests.domain.handoff.conftest import HK, SUNDAY_10AM, ask


def test_staffed_notice_gives_place_and_wait(session: Session) -> None:
    ticket = ask(session, "alice")
    text = format_handoff_notice(ticket, HK)

    assert ticket.staffed_now and ticket.next_staffed_at is None
    assert "colleague in our Express team" in text
    assert "number 1 in the queue" in text and "about 6 minutes" in text


def test_unstaffed_notice_says_when_someone_will_reply(session: Session) -> None:
    ticket = request_handoff(
        session,
        sender_id="late",
        channel="telegram",
        reason="keyword",
        team="general",
        summary="",
        context={},
        now=SUNDAY_10AM,
    )
    text = format_handoff_notice(ticket, HK)

    assert not ticket.staffed_now
    assert ticket.next_staffed_at == datetime(2026, 11, 30, 9, 0, tzinfo=HK)
    assert "Monday 30 Nov, 09:00 (HKT)" in text and "number 1" in text


def test_the_notices_are_given_in_chinese(session: Session) -> None:
    from bot.domain.handoff.wording import format_waiting_ack, leave_button

    ticket = ask(session, "alice")
    text = format_handoff_notice(ticket, HK, "zh")

    assert "速遞組" in text and "排第 1 位" in text and "大約 6 分鐘" in text
    assert "「取消」" in text and "colleague" not in text
    ack = format_waiting_ack(ticket, HK, "zh")
    assert "多謝你" in ack and "排第 1 位" in ack
    assert leave_button("zh") == {"title": "離開輪候", "payload": "/stop"}


def test_the_unstaffed_notice_gives_the_opening_time_in_chinese(session: Session) -> None:
    from bot.domain.handoff.wording import format_waiting_ack

    ticket = request_handoff(
        session,
        sender_id="late",
        channel="telegram",
        reason="keyword",
        team="general",
        summary="",
        context={},
        now=SUNDAY_10AM,
    )
    text = format_handoff_notice(ticket, HK, "zh")

    assert "客戶服務組" in text and "11月30日 (星期一) 09:00" in text and "留言" in text
    assert "11月30日 (星期一) 09:00" in format_waiting_ack(ticket, HK, "zh")


@pytest.mark.parametrize(
    ("minutes", "english", "chinese"),
    [
        (1, "about a minute", "大約一分鐘"),
        (25, "about 25 minutes", "大約 25 分鐘"),
        (70, "about an hour", "大約一個鐘"),
        (150, "about 2 hours", "大約 2 個鐘"),
    ],
)
def test_the_wait_is_said_in_words(minutes: int, english: str, chinese: str) -> None:
    from bot.domain.handoff.wording import wait_text

    assert (wait_text(minutes, "en"), wait_text(minutes, "zh")) == (english, chinese)
