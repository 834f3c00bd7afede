"""What the customer is told after asking for a person: staffed and unstaffed notices."""

from __future__ import annotations

from datetime import datetime

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
