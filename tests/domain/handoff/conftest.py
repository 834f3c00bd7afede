"""What the handoff tests share: the service centre's zone, two moments (staffed and not)
and :func:`ask`, a customer asking for a person."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.domain.handoff.queue import HandoffTicket, request_handoff

HK = ZoneInfo("Asia/Hong_Kong")
WEDNESDAY_10AM = datetime(2026, 11, 25, 10, 0, tzinfo=HK)
SUNDAY_10AM = datetime(2026, 11, 29, 10, 0, tzinfo=HK)


def ask(session: Session, sender: str, *, team: str = "express", minutes: int = 0) -> HandoffTicket:
    """``sender`` asks for a person ``minutes`` after Wednesday 10:00 (staffed)."""
    return request_handoff(
        session,
        sender_id=sender,
        channel="rest",
        reason="customer_asked",
        team=team,
        summary=f"{sender} wants a person",
        context={"tracking_number": "160-48219371"},
        now=WEDNESDAY_10AM + timedelta(minutes=minutes),
    )
