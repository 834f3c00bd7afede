"""What the customer is told: where their complaint stands, in plain words."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine

from bot.domain.complaints.followups import escalate_missed
from bot.domain.complaints.records import customer_complaints
from bot.domain.complaints.staff import add_note, resolve
from bot.domain.complaints.views import ComplaintReceipt
from bot.domain.complaints.wording import format_status
from bot.domain.service_levels import service_levels
from bot.storage import db
from tests.domain.complaints.conftest import HKT, THURSDAY_1PM, hkt

Submit = Callable[..., ComplaintReceipt]


def _status(engine: Engine, sender: str, now: object = THURSDAY_1PM) -> str:
    with db.session_scope(engine) as session:
        (view,) = customer_complaints(session, sender_id=sender, now=now)  # type: ignore[arg-type]
    return format_status(view, HKT)


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
